"""Stream folding helpers: chunks into the final message, a reply into a chunk, and closing a
provider's stream however the consumer leaves (also from a worker thread)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from pipes._core import run_in_thread
from pipes._errors import ChatModelError
from pipes._messages import AIMessage, AIMessageChunk

__all__ = ["agenerate_from_stream", "generate_from_stream"]


def generate_from_stream(chunks: Iterator[AIMessageChunk]) -> AIMessage:
    """Fold a provider's chunk stream into the final message (linear in the stream size).

    Example:
        ```python
        def _generate(self, messages, *, stop=None, **kwargs):
            return generate_from_stream(self._stream(messages, stop=stop, **kwargs))
        ```
    """
    return _fold([*chunks], "generate_from_stream")


async def agenerate_from_stream(chunks: AsyncIterator[AIMessageChunk]) -> AIMessage:
    """Async [`generate_from_stream`][pipes.generate_from_stream]."""
    return _fold([chunk async for chunk in chunks], "agenerate_from_stream")


def _fold(chunks: list[AIMessageChunk], where: str) -> AIMessage:
    if not chunks:
        raise ChatModelError(
            f"{where}: the model's stream ended without yielding any chunk; expected at least "
            "one AIMessageChunk"
        )
    return AIMessageChunk.merge_chunks(chunks).to_message()


def _to_chunk(message: AIMessage) -> AIMessageChunk:
    if isinstance(message, AIMessageChunk):
        return message
    fields = {name: value for name, value in message.__dict__.items() if name != "type"}
    return AIMessageChunk(**fields)


T = TypeVar("T")


@contextlib.contextmanager
def _closing(iterator: Iterator[T]) -> Iterator[Iterator[T]]:
    """Close a provider's stream (if it is a generator) however the consumer leaves."""
    try:
        yield iterator
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


@contextlib.asynccontextmanager
async def _aclosing(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Async `_closing`."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def _iterate_in_thread(iterator: Iterator[AIMessageChunk]) -> AsyncIterator[AIMessageChunk]:
    sentinel: Any = object()
    try:
        while True:
            chunk = await run_in_thread(next, iterator, sentinel)
            if chunk is sentinel:
                return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            # Closing runs the provider's cleanup (e.g. closing an HTTP response): off the loop.
            # ValueError: the generator is still running in its thread (the consumer was
            # cancelled mid-step); it finishes that step on its own and is then collected.
            try:
                await run_in_thread(close)
            except ValueError:
                pass
