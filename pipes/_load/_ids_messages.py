"""The id table's entries for messages, chunks and prompt values (LangChain's ids; loading goes
through the message layer's own validating loader)."""

from __future__ import annotations

from typing import Any

from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    ChatPromptValue,
    HumanMessage,
    HumanMessageChunk,
    StringPromptValue,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
    message_from_dict,
)

from ._table import Entry, entry

__all__ = ["entries"]


# Fields LangChain writes even at their default value.
_ALWAYS = {
    AIMessage: ("tool_calls", "invalid_tool_calls"),
    AIMessageChunk: ("tool_calls", "invalid_tool_calls"),
    ToolMessage: ("tool_call_id", "status"),
    ToolMessageChunk: ("tool_call_id", "status"),
}
_MESSAGE_MODULES = {
    "AI": "ai",
    "Human": "human",
    "System": "system",
    "Tool": "tool",
    "Chat": "chat",
}


def _message_kwargs(message: BaseMessage) -> dict[str, Any]:
    always = ("content", "type", *_ALWAYS.get(type(message), ()))
    out: dict[str, Any] = {}
    for name, info in type(message).model_fields.items():
        value = getattr(message, name)
        default = info.get_default(call_default_factory=True)
        if name in always or value != default:
            out[name] = value
    return out


def _message_entry(cls: type[BaseMessage]) -> Entry:
    name = cls.__name__
    module = next(m for prefix, m in _MESSAGE_MODULES.items() if name.startswith(prefix))
    kind = cls.model_fields["type"].default
    also: list[tuple[str, ...]] = [
        ("langchain_core", "messages", module, name),
        ("langchain_core", "messages", name),
    ]
    if not name.endswith("Chunk"):
        also.append(("langchain", "schema", name))
    return entry(
        cls,
        ("langchain", "schema", "messages", name),
        _message_kwargs,
        # The message layer's own safe loader: validation and its errors.
        lambda values: message_from_dict({"type": kind, "data": values}),
        [*cls.model_fields, "example"],
        group="messages",
        also=also,
    )


def entries() -> list[Entry]:
    """The entries of every message and chunk class and of the prompt values."""
    classes: list[type[BaseMessage]] = [
        HumanMessage,
        AIMessage,
        SystemMessage,
        ToolMessage,
        ChatMessage,
        HumanMessageChunk,
        AIMessageChunk,
        SystemMessageChunk,
        ToolMessageChunk,
        ChatMessageChunk,
    ]
    return [
        *(_message_entry(cls) for cls in classes),
        entry(
            ChatPromptValue,
            ("langchain", "prompts", "chat", "ChatPromptValue"),
            lambda obj: {"messages": list(obj.messages)},
            lambda v: ChatPromptValue(v["messages"]),
            ["messages"],
            also=[("langchain_core", "prompt_values", "ChatPromptValue")],
        ),
        entry(
            StringPromptValue,
            ("langchain", "prompts", "base", "StringPromptValue"),
            lambda obj: {"text": obj.text, "type": "StringPromptValue"},
            lambda v: StringPromptValue(v["text"]),
            ["text"],
            also=[("langchain_core", "prompt_values", "StringPromptValue")],
            ignored=["type"],
        ),
    ]
