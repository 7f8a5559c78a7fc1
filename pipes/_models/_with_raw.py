"""The result type of `with_structured_output(..., include_raw=True)`.

Its own module so that importing the chat-model base does not load the parsers and tools that
build structured output (they load on first `with_structured_output`).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from typing_extensions import TypedDict

from pipes._messages import AIMessage

__all__ = ["StructuredOutputWithRaw"]

T = TypeVar("T")


class StructuredOutputWithRaw(TypedDict, Generic[T]):
    """What `with_structured_output(..., include_raw=True)` returns.

    `raw` is the model's message; `parsed` the structured value, or `None` when parsing
    failed, in which case `parsing_error` holds the exception.
    """

    raw: AIMessage
    parsed: T | None
    parsing_error: BaseException | None
