"""``with_fallbacks``: try alternatives when a runnable fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from typing_extensions import TypeVar

from .._errors import InputTypeError
from ._config import RunnableConfig
from ._runnable import Runnable

__all__ = ["RunnableWithFallbacks"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableWithFallbacks(Runnable[In, Out]):
    """Run ``runnable``; on a handled error try each fallback in order.

    When every option fails the *first* error is raised (the primary's, usually the most
    telling), with notes naming each fallback's error. With ``exception_key`` (dict inputs
    only) each fallback receives the previous error under that key.

    Example::

        robust = gpt4.with_fallbacks([gpt35], exceptions_to_handle=(RateLimitError,))
    """

    def __init__(
        self,
        runnable: Runnable[In, Out],
        fallbacks: Sequence[Runnable[In, Out]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> None:
        from ._coerce import coerce_to_runnable

        if not fallbacks:
            raise ValueError("with_fallbacks() needs at least one fallback")
        self.runnable = runnable
        self.fallbacks = [coerce_to_runnable(f, position="a fallback") for f in fallbacks]
        self.exceptions_to_handle = exceptions_to_handle
        self.exception_key = exception_key
        self.name = runnable.get_name()

    @property
    def runnables(self) -> list[Runnable[In, Out]]:
        return [self.runnable, *self.fallbacks]

    def _input_for(self, input: In, error: BaseException | None) -> In:
        if self.exception_key is None:
            return input
        if not isinstance(input, Mapping):  # checked up front, before the primary even runs
            raise InputTypeError(
                f"with_fallbacks(exception_key={self.exception_key!r}) needs dict inputs, got "
                f"{type(input).__name__}: pass a dict, or drop exception_key"
            )
        if error is None:
            return input
        return {**input, self.exception_key: error}  # type: ignore[return-value]

    def _handle(
        self, exc: BaseException, first: BaseException | None, runnable: Runnable[Any, Any]
    ) -> BaseException:
        if not isinstance(exc, self.exceptions_to_handle):
            raise exc
        if first is None:
            return exc
        first.add_note(f"fallback {runnable.get_name()!r} failed too: {type(exc).__name__}: {exc}")
        return first

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        first: BaseException | None = None
        last: BaseException | None = None
        for runnable in self.runnables:
            value = self._input_for(input, last)  # misuse is raised, not treated as a failure
            try:
                return runnable.invoke(value, config, **kwargs)
            except Exception as exc:
                first = self._handle(exc, first, runnable)
                last = exc
        assert first is not None
        raise first

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        first: BaseException | None = None
        last: BaseException | None = None
        for runnable in self.runnables:
            value = self._input_for(input, last)  # misuse is raised, not treated as a failure
            try:
                return await runnable.ainvoke(value, config, **kwargs)
            except Exception as exc:
                first = self._handle(exc, first, runnable)
                last = exc
        assert first is not None
        raise first

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        first: BaseException | None = None
        last: BaseException | None = None
        for runnable in self.runnables:
            started = False
            value = self._input_for(input, last)
            try:
                for chunk in runnable.stream(value, config, **kwargs):
                    started = True
                    yield chunk
                return
            except Exception as exc:
                if started:  # a partial stream cannot be taken back
                    raise
                first = self._handle(exc, first, runnable)
                last = exc
        assert first is not None
        raise first

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        first: BaseException | None = None
        last: BaseException | None = None
        for runnable in self.runnables:
            started = False
            value = self._input_for(input, last)
            try:
                async for chunk in runnable.astream(value, config, **kwargs):
                    started = True
                    yield chunk
                return
            except Exception as exc:
                if started:
                    raise
                first = self._handle(exc, first, runnable)
                last = exc
        assert first is not None
        raise first

    def get_graph(self) -> Any:
        from ._graph import Graph

        return Graph.fan([r.get_graph() for r in self.runnables])
