"""Runnables with fixed call arguments or config (`bind`, `with_config`) and `map`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from typing_extensions import TypeVar

from ._config import RunnableConfig, ensure_config, merge_configs
from ._runnable import Runnable

__all__ = ["RunnableBinding", "RunnableEach"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableBinding(Runnable[In, Out]):
    """Another runnable with keyword arguments and/or config fixed for every call.

    Attribute reads fall through to the bound runnable, so `llm.bind(stop=["."]).model_name`
    works.

    Example:
        ```python
        short = llm.bind(max_tokens=20)
        traced = chain.with_config(run_name="translate", tags=["prod"])
        ```
    """

    _traced = False  # the bound runnable is the run; the binding only adds config and kwargs

    def __init__(
        self,
        bound: Runnable[In, Out],
        *,
        kwargs: dict[str, Any] | None = None,
        config: RunnableConfig | None = None,
    ) -> None:
        if isinstance(bound, RunnableBinding):
            kwargs = {**bound.kwargs, **(kwargs or {})}
            config = merge_configs(bound.config, config)
            bound = bound.bound
        self.bound: Runnable[In, Out] = bound
        self.kwargs: dict[str, Any] = kwargs or {}
        self.config: RunnableConfig = config or {}
        run_name = self.config.get("run_name")
        if run_name:
            try:
                self.bound = bound.with_name(run_name)
            except (AttributeError, TypeError, ValueError):  # e.g. a frozen model
                pass
        self.name = run_name or None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("bound", "kwargs", "config"):
            raise AttributeError(name)
        return getattr(self.bound, name)

    def get_name(self, suffix: str | None = None) -> str:
        return self.name or self.bound.get_name(suffix)

    def _sync_only(self) -> bool:
        return self.bound._sync_only()

    def get_input_schema(self) -> dict[str, Any]:
        return self.bound.get_input_schema()

    def get_output_schema(self) -> dict[str, Any]:
        return self.bound.get_output_schema()

    def get_graph(self) -> Any:
        return self.bound.get_graph()

    def __repr__(self) -> str:
        extras = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.bound!r}.bind({extras})" if extras else repr(self.bound)

    def _config(self, config: RunnableConfig | None) -> RunnableConfig:
        if not self.config:
            return ensure_config(config)
        return merge_configs(ensure_config(config), self.config)

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return self.bound.invoke(input, self._config(config), **{**self.kwargs, **kwargs})

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await self.bound.ainvoke(input, self._config(config), **{**self.kwargs, **kwargs})

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        yield from self.bound.stream(input, self._config(config), **{**self.kwargs, **kwargs})

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        async for chunk in self.bound.astream(
            input, self._config(config), **{**self.kwargs, **kwargs}
        ):
            yield chunk

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        yield from self.bound.transform(input, self._config(config), **{**self.kwargs, **kwargs})

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        async for chunk in self.bound.atransform(
            input, self._config(config), **{**self.kwargs, **kwargs}
        ):
            yield chunk

    def batch(
        self, inputs: Any, config: Any = None, *, return_exceptions: bool = False, **kwargs: Any
    ) -> list[Out]:
        return self.bound.batch(
            inputs,
            self._batch_configs(config, len(inputs)),
            return_exceptions=return_exceptions,
            **{**self.kwargs, **kwargs},
        )

    async def abatch(
        self, inputs: Any, config: Any = None, *, return_exceptions: bool = False, **kwargs: Any
    ) -> list[Out]:
        return await self.bound.abatch(
            inputs,
            self._batch_configs(config, len(inputs)),
            return_exceptions=return_exceptions,
            **{**self.kwargs, **kwargs},
        )

    def _batch_configs(self, config: Any, count: int) -> Any:
        if config is None or isinstance(config, dict):
            return self._config(cast(RunnableConfig | None, config))
        return [self._config(c) for c in config]


class RunnableEach(Runnable[list[In], list[Out]]):
    """Apply a runnable to every element of a list input (as a batch).

    Example:
        ```python
        RunnableLambda(str.upper).map().invoke(["a", "b"])  # ["A", "B"]
        ```
    """

    def __init__(self, bound: Runnable[In, Out]) -> None:
        self.bound = bound
        self.name = f"map<{bound.get_name()}>"

    def invoke(
        self, input: list[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Out]:
        return self.bound.batch(input, config, **kwargs)

    async def ainvoke(
        self, input: list[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Out]:
        return await self.bound.abatch(input, config, **kwargs)
