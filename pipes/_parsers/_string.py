"""`StrOutputParser`: the text of a model's reply, streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pipes._core import RunnableConfig
from pipes._messages import BaseMessage, content_text
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
        # The per-chunk hot path of every streamed chain: chunk_text inlined for the common
        # cases (message with str content, or str), no function call (~50 ns a chunk).
        message_type = BaseMessage
        for chunk in input:
            if isinstance(chunk, message_type):
                content = chunk.content
                yield content if type(content) is str else content_text(content)
            elif type(chunk) is str:
                yield chunk
            else:
                yield chunk_text(chunk)

    async def atransform(
        self,
        input: AsyncIterator[ParserInput],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        # Awaiting each chunk costs far more than the call: no inlining here.
        async for chunk in input:
            yield chunk_text(chunk)
