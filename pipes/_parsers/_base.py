"""The parser base class: a runnable from a model's message (or text) to a value.

Parsers sit at the end of `prompt | model | parser`. They accept an `AIMessage` (or any
message, or plain text); streaming parsers consume the model's chunks as they arrive so the
chain streams end to end:

```python
class Upper(BaseOutputParser[str]):
    def parse(self, text: str) -> str:
        return text.upper()

Upper().invoke(AIMessage("hi"))  # 'HI'
```
"""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

from pipes._core import Runnable, RunnableConfig
from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import BaseMessage, content_text

__all__ = ["BaseOutputParser", "ParserInput", "chunk_text", "short"]

T = TypeVar("T")

ParserInput: TypeAlias = BaseMessage | str
"""What parsers accept: a message (usually an `AIMessage` / `AIMessageChunk`) or text."""


def chunk_text(chunk: Any) -> str:
    """The text of a message, a message chunk or a string (hot path: keep it small)."""
    if type(chunk) is str:
        return chunk
    if isinstance(chunk, BaseMessage):
        content = chunk.content
        return content if type(content) is str else content_text(content)
    if isinstance(chunk, str):  # str subclasses
        return str(chunk)
    raise InputTypeError(
        f"an output parser got {type(chunk).__name__}: expected a message (e.g. the AIMessage a "
        "chat model returns) or a string. Put the parser after a chat model or a prompt's "
        "text, as in `prompt | model | parser`."
    )


def short(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters for error messages (the full text is kept apart)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


class BaseOutputParser(Runnable[ParserInput, T]):
    """Base class of output parsers: implement `parse` (text → value).

    `invoke` / `ainvoke` read the text of the message and call `parse`; subclasses that
    stream override `transform` / `atransform`. `get_format_instructions()` returns text
    to put in the prompt telling the model what format to use.
    """

    run_type = "parser"

    def parse(self, text: str) -> T:
        """Parse the complete text of a model's reply."""
        raise NotImplementedError(f"{type(self).__name__} must implement parse(text)")

    def parse_message(self, message: ParserInput) -> T:
        """Parse a whole message (or text); parsers reading tool calls override this."""
        return self.parse(chunk_text(message))

    def get_format_instructions(self) -> str:
        """Instructions for the prompt describing the expected output format."""
        raise NotImplementedError(f"{type(self).__name__} has no format instructions")

    def invoke(self, input: ParserInput, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return self.parse_message(input)

    async def ainvoke(
        self, input: ParserInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        # Parsing is quick CPU work: no worker thread.
        return self.parse_message(input)

    def _fail(self, what: str, text: str, hint: str = "") -> OutputParserException:
        return OutputParserException(
            f"{type(self).__name__} could not parse the model output: {what}. "
            f"Output was: {short(text)}.{' ' + hint if hint else ''}",
            llm_output=text,
        )
