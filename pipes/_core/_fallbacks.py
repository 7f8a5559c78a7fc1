"""`with_fallbacks`: try alternatives when a runnable fails."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from typing_extensions import TypeVar

from .._errors import InputTypeError
from ._attempt import Attempt, Attempting
from ._runnable import Runnable

__all__ = ["RunnableWithFallbacks"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableWithFallbacks(Attempting[In, Out]):
    """Run `runnable`; on a handled error try each fallback in order.

    When every option fails the *first* error is raised (the primary's, usually the most
    telling), with notes naming each fallback's error. With `exception_key` (dict inputs
    only) each fallback receives the previous error under that key.

    Example:
        ```python
        robust = gpt4.with_fallbacks([gpt35], exceptions_to_handle=(RateLimitError,))
        ```
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

    def _attempts(self, input: In) -> Iterator[Attempt[In, Out]]:
        """The runnable, then each fallback, until one succeeds; when every one failed in a
        handled way, the first error, with notes naming the others (the policy, without I/O)."""
        first: Exception | None = None
        last: Exception | None = None
        for number, runnable in enumerate(self.runnables, start=1):
            # Misuse (exception_key without a dict) is raised, not treated as a failure.
            attempt = Attempt(runnable, self._input_for(input, last), number, self._handles)
            yield attempt
            last = attempt.error
            assert last is not None  # the caller returned unless the attempt failed
            if first is None:
                first = last
            else:
                first.add_note(
                    f"fallback {runnable.get_name()!r} failed too: {type(last).__name__}: {last}"
                )
        assert first is not None
        raise first

    def _handles(self, exc: Exception, attempt: int) -> bool:
        return isinstance(exc, self.exceptions_to_handle)

    def get_graph(self) -> Any:
        from ._graph import Graph

        return Graph.fan([r.get_graph() for r in self.runnables])
