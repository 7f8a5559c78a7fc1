"""A minimal streaming "model" for parser tests: yields given chunks, no provider involved."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from pipes._core import Runnable, RunnableConfig
from pipes._messages import AIMessage, AIMessageChunk


class ChunkModel(Runnable[Any, AIMessage]):
    """Streams ``chunks`` (strings become ``AIMessageChunk``s); invoke returns their sum."""

    def __init__(self, chunks: Sequence[str | AIMessageChunk]) -> None:
        self.chunks = [
            c if isinstance(c, AIMessageChunk) else AIMessageChunk(content=c) for c in chunks
        ]

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> AIMessage:
        return AIMessageChunk.merge_chunks(self.chunks).to_message()

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kw: Any
    ) -> AIMessage:
        return self.invoke(input)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kw: Any
    ) -> Iterator[AIMessage]:
        yield from self.chunks

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kw: Any
    ) -> AsyncIterator[AIMessage]:
        for chunk in self.chunks:
            yield chunk


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


async def aiter_of(items: Sequence[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item
