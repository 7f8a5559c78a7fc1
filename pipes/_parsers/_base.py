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

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from pipes._core import Runnable, RunnableConfig
from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import BaseMessage, content_text

__all__ = [
    "SKIP",
    "BaseOutputParser",
    "ChangeFold",
    "FoldingOutputParser",
    "ParserInput",
    "chunk_text",
    "short",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

SKIP: Any = object()
"""A fold's "no output for this chunk"."""

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
