"""Input coercion (what ``invoke`` accepts, turned into messages) and checks on what a provider
returns. Bound as ``BaseChatModel`` methods (``_convert_input``, ``_check_result``,
``_check_chunk``), so the hot path pays no extra call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from pipes._errors import InputTypeError
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    MessageLikeRepresentation,
    convert_to_messages,
)
from pipes._prompts._values import PromptValue

if TYPE_CHECKING:
    from ._base import BaseChatModel

__all__ = ["LanguageModelInput"]

LanguageModelInput: TypeAlias = str | PromptValue | Sequence[MessageLikeRepresentation]
"""What a chat model accepts: a string, a prompt value, or a list of message-likes."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def convert_input(model: BaseChatModel, input: Any) -> list[BaseMessage]:
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
        f"dicts, message objects); got {type(input).__name__}: {_describe(input)}.{hint}"
    )


def check_result(model: BaseChatModel, result: object) -> AIMessage:
    if not isinstance(result, AIMessage):
        raise TypeError(
            f"{type(model).__name__}._generate() must return an AIMessage, got "
            f"{type(result).__name__}: {_describe(result)}"
        )
    return result


def check_chunk(model: BaseChatModel, chunk: object) -> AIMessageChunk:
    if not isinstance(chunk, AIMessageChunk):
        raise TypeError(
            f"{type(model).__name__}._stream() must yield AIMessageChunk objects, got "
            f"{type(chunk).__name__}: {_describe(chunk)}"
        )
    return chunk
