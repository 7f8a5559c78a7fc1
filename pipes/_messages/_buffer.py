"""`get_buffer_string`: a transcript of messages as plain text."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._ai import AIMessage
from ._base import BaseMessage
from ._simple import ChatMessage, HumanMessage, SystemMessage
from ._tool import ToolMessage

__all__ = ["get_buffer_string"]


def get_buffer_string(
    messages: Sequence[BaseMessage], human_prefix: str = "Human", ai_prefix: str = "AI"
) -> str:
    """One `Role: text` line per message.

    `get_buffer_string([HumanMessage("hi"), AIMessage("hello")])` -> `"Human: hi\\nAI: hello"`.
    Tool calls of AI messages are appended as JSON so a transcript keeps them.
    """
    lines: list[str] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            role = human_prefix
        elif isinstance(message, AIMessage):
            role = ai_prefix
        elif isinstance(message, SystemMessage):
            role = "System"
        elif isinstance(message, ToolMessage):
            role = "Tool"
        elif isinstance(message, ChatMessage):
            role = message.role
        else:
            role = type(message).__name__
        line = f"{role}: {message.text}"
        if isinstance(message, AIMessage):
            if message.tool_calls:
                calls = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
                line += f" {json.dumps(calls, ensure_ascii=False)}"
            elif "function_call" in message.additional_kwargs:
                line += f"{message.additional_kwargs['function_call']}"
        lines.append(line)
    return "\n".join(lines)
