"""Passing input through, adding keys to it (`assign`) and picking keys from it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from typing_extensions import TypeVar

from .._errors import InputTypeError
from ._chunks import AddableDict
from ._config import RunnableConfig
from ._runnable import Runnable

__all__ = ["RunnableAssign", "RunnablePassthrough", "RunnablePick"]

T = TypeVar("T", default=Any)


class RunnablePassthrough(Runnable[T, T]):
    """Return the input unchanged (streams chunks straight through).

    Example:
        ```python
        {"question": RunnablePassthrough(), "context": retriever} | prompt
        RunnablePassthrough.assign(length=lambda d: len(d["text"]))
        ```
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name

    @classmethod
    def assign(cls, **steps: Any) -> RunnableAssign:  # type: ignore[override]
        """Pass a dict through with extra keys computed from it."""
        return RunnableAssign(**steps)

    def invoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return input

    async def ainvoke(self, input: T, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return input

    def transform(
        self, input: Iterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        yield from input

    async def atransform(
        self, input: AsyncIterator[T], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        async for chunk in input:
            yield chunk


def _require_mapping(value: Any, who: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputTypeError(
            f"{who} expects a dict input, got {type(value).__name__}: {value!r:.80}. "
            "Put a step that produces a dict in front of it"
        )
    return value


class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """Run steps on a dict input and add their results under new keys.

    Example:
        ```python
        RunnableAssign(total=lambda d: d["a"] + d["b"]).invoke({"a": 1, "b": 2})
        # {"a": 1, "b": 2, "total": 3}
        ```
    """

    def __init__(self, **steps: Any) -> None:
        from ._parallel import RunnableParallel

        self.mapper: RunnableParallel[dict[str, Any]] = RunnableParallel(steps)
        self.name = f"assign<{','.join(steps)}>"

    def get_graph(self) -> Any:
        return self.mapper.get_graph()

    def _kept(self, base: Mapping[str, Any]) -> AddableDict:
        # The keys the steps replace are left out: chunks add up, and an old value plus the
        # new one is not the new one.
        steps = self.mapper.steps
        return AddableDict({k: v for k, v in base.items() if k not in steps})

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        base = _require_mapping(input, self.get_name())
        return {**base, **self.mapper.invoke(input, config)}

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        base = _require_mapping(input, self.get_name())
        return {**base, **(await self.mapper.ainvoke(input, config))}

    def stream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        base = _require_mapping(input, self.get_name())
        yield self._kept(base)
        yield from self.mapper.stream(input, config)

    async def astream(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        base = _require_mapping(input, self.get_name())
        yield self._kept(base)
        async for chunk in self.mapper.astream(input, config):
            yield chunk


class RunnablePick(Runnable[dict[str, Any], Any]):
    """Pick one key (its value) or several keys (a dict) from a dict input.

    Example:
        ```python
        RunnablePick("answer").invoke({"answer": 42, "debug": ...})  # 42
        ```
    """

    def __init__(self, keys: str | Sequence[str]) -> None:
        self.keys = keys
        self.name = f"pick<{keys if isinstance(keys, str) else ','.join(keys)}>"

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        mapping = _require_mapping(input, self.get_name())
        keys = self.keys
        if isinstance(keys, str):
            return mapping.get(keys)
        return {key: mapping[key] for key in keys if key in mapping}

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return self.invoke(input, config)
