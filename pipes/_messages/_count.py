"""`count_tokens_approximately`: a tokenizer-free token estimate (LangChain's formula)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._ai import AIMessage
from ._base import BaseMessage
from ._convert import convert_to_messages
from ._simple import ChatMessage, HumanMessage, SystemMessage
from ._tool import ToolMessage

__all__ = ["count_tokens_approximately"]


def _role(message: BaseMessage) -> str:
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, ToolMessage):
        return "tool"
    if isinstance(message, ChatMessage):
        return message.role
    if isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__", "system")
        return role if isinstance(role, str) else "system"
    return message.type


def _content_chars(content: Any, tokens_per_image: int) -> tuple[int, int]:
    """(characters, fixed image tokens) of a message's content."""
    if isinstance(content, str):
        return len(content), 0
    chars = images = 0
    for block in content:
        if isinstance(block, str):
            chars += len(block)
        elif isinstance(block, dict) and block.get("type") in ("image", "image_url"):
            images += tokens_per_image  # base64 characters say nothing about image tokens
        elif isinstance(block, dict) and block.get("type") == "text":
            chars += len(block.get("text", ""))
        else:
            chars += len(repr(block))
    return chars, images


def count_tokens_approximately(
    messages: Iterable[Any],
    *,
    chars_per_token: float = 4.0,
    extra_tokens_per_message: float = 3.0,
    count_name: bool = True,
    tokens_per_image: int = 85,
) -> int:
    """Estimate the tokens of `messages` without a tokenizer: about 4 characters a token,
    plus 3 a message; an image counts `tokens_per_image`.

    The count a chat model's default `get_num_tokens_from_messages` gives, and what
    `trim_messages(token_counter="approximate")` uses.

    Example:
        ```python
        count_tokens_approximately([HumanMessage("hello there")])  # 6
        ```
    """
    total = 0.0
    for message in convert_to_messages(messages):
        chars, images = _content_chars(message.content, tokens_per_image)
        if (
            isinstance(message, AIMessage)
            and isinstance(message.content, str)
            and message.tool_calls
        ):
            chars += len(repr(message.tool_calls))
        if isinstance(message, ToolMessage):
            chars += len(message.tool_call_id)
        chars += len(_role(message))
        if message.name and count_name:
            chars += len(message.name)
        # Rounded up per message so the counts of single messages add up to the total.
        total += images + math.ceil(chars / chars_per_token) + extra_tokens_per_message
    return math.ceil(total)
