"""What a chat model accepts (`LanguageModelInput`), turned into messages, and the short
description of a bad value that errors quote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeAlias

from pipes._errors import InputTypeError
from pipes._messages import (
    BaseMessage,
    HumanMessage,
    MessageLikeRepresentation,
    PromptValue,
    convert_to_messages,
)

__all__ = ["LanguageModelInput"]

LanguageModelInput: TypeAlias = str | PromptValue | Sequence[MessageLikeRepresentation]
"""What a chat model accepts: a string, a prompt value, or a list of message-likes."""


class _Named(Protocol):
    def get_name(self) -> str: ...


def describe(value: Any) -> str:
    """`repr(value)`, cut to 80 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def convert_input(input: Any, model: _Named) -> list[BaseMessage]:
    """`input` as messages; an `InputTypeError` naming `model` says what is accepted."""
    if isinstance(input, str):
        return [HumanMessage._fast({"content": input})]  # already a valid str: skip validation
    if isinstance(input, PromptValue):
        return input.to_messages()
    if isinstance(input, BaseMessage):
        return [input]
    if isinstance(input, Sequence) and not isinstance(input, bytes | bytearray):
        return convert_to_messages(input)
    hint = ""
    if isinstance(input, Mapping):
        hint = (
            " A dict looks like prompt variables: format them with a prompt first "
            "(`prompt | model`), or wrap a single message dict in a list."
        )
    raise InputTypeError(
        f"{model.get_name()} expected a string, a prompt value (from a prompt template) or "
        f"a list of messages / message-likes ((role, text) tuples, {{'role', 'content'}} "
        f"dicts, message objects); got {type(input).__name__}: {describe(input)}.{hint}"
    )
