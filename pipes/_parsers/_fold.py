"""Streaming parsers: `transform` and `atransform` drive one per-stream fold.

A parser that streams gives each stream a fold (`_fold()`): `feed(chunk)` returns the outputs
that chunk completes, `close()` those left at the end. The sync and async drivers below are
the only loops over chunks, so both streams parse by the same code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from pipes._core import RunnableConfig
from pipes._parsers._base import BaseOutputParser, ParserInput

__all__ = ["SKIP", "ChangeFold", "FoldingOutputParser", "StreamFold"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

SKIP: Any = object()
"""A fold's "no output for this chunk"."""


class StreamFold(Protocol[T_co]):
    """One stream's parsing state: what each chunk adds to the output, and what its end adds."""

    def feed(self, chunk: ParserInput) -> Iterable[T_co]:
        """The outputs this chunk completes (often none)."""
        ...

    def close(self) -> Iterable[T_co]:
        """The outputs left when the stream ends (after the last chunk, or with none)."""
        ...


class ChangeFold(Generic[T]):
    """A fold of partial values (a document being written): each chunk's value is yielded only
    when it differs from the last one yielded; the end yields the final value if it differs.

    `value(chunk)` gives the partial value after a chunk (or `SKIP`), `final()` the final one;
    no chunk at all yields nothing.
    """

    __slots__ = ("_final", "_value", "last", "seen")

    def __init__(self, value: Callable[[ParserInput], Any], final: Callable[[], T]) -> None:
        self._value = value
        self._final = final
        self.last: Any = SKIP
        self.seen = False

    def feed(self, chunk: ParserInput) -> tuple[T, ...]:
        self.seen = True
        value = self._value(chunk)
        if value is not SKIP and value != self.last:
            self.last = value
            return (value,)
        return ()

    def close(self) -> tuple[T, ...]:
        if not self.seen:
            return ()
        final = self._final()
        return (final,) if final != self.last else ()


class FoldingOutputParser(BaseOutputParser[T]):
    """A streaming parser: `_fold()` gives each stream its state; `transform` and `atransform`
    only drive it, so the sync and async streams parse by the same code."""

    def _fold(self) -> StreamFold[T]:
        raise NotImplementedError(f"{type(self).__name__} must implement _fold()")

    def transform(
        self, input: Iterator[ParserInput], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        fold = self._fold()
        for chunk in input:
            yield from fold.feed(chunk)
        yield from fold.close()

    async def atransform(
        self,
        input: AsyncIterator[ParserInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[T]:
        fold = self._fold()
        async for chunk in input:
            for output in fold.feed(chunk):
                yield output
        for output in fold.close():
            yield output
