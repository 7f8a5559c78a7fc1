"""`StrOutputParser`: the text of a model's reply, streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pipes._core import RunnableConfig
from pipes._parsers._base import BaseOutputParser, ParserInput, chunk_text

__all__ = ["StrOutputParser"]


class StrOutputParser(BaseOutputParser[str]):
    """The reply's text: `prompt | model | StrOutputParser()` produces a `str`.

    Streams: each model chunk becomes its text as soon as it arrives.

    Example:
        ```python
        chain = prompt | model | StrOutputParser()
        for piece in chain.stream({"topic": "bears"}):
            print(piece, end="")
        ```
    """

    def parse(self, text: str) -> str:
        return text

    def get_output_schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def parse_message(self, message: ParserInput) -> str:
        return chunk_text(message)

    def transform(
        self, input: Iterator[ParserInput], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        # The per-chunk hot path of every streamed chain: `map` runs the loop in C, calling
        # only chunk_text (one type check for a str, two for a message with str content).
        yield from map(chunk_text, input)

    async def atransform(
        self,
        input: AsyncIterator[ParserInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        async for chunk in input:
            yield chunk_text(chunk)
