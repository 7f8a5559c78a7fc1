"""Turning message-likes (strings, `(role, text)` pairs, role dicts) into messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from pydantic import ValidationError

from pipes._errors import MessageConversionError

from ._ai import AIMessage
from ._base import BaseMessage
from ._simple import ChatMessage, HumanMessage, SystemMessage
from ._tool import ToolMessage
from ._tool_calls import parse_openai_tool_calls

__all__ = ["MessageLikeRepresentation", "convert_to_message", "convert_to_messages"]

MessageLikeRepresentation: TypeAlias = (
    BaseMessage | str | tuple[str, Any] | list[Any] | Mapping[str, Any]
)
"""Anything [`convert_to_message`][pipes.convert_to_message] accepts."""

_ROLES: dict[str, str] = {
    "system": "system",
    "developer": "developer",
    "human": "human",
    "user": "human",
    "ai": "ai",
    "assistant": "ai",
    "tool": "tool",
}
_ACCEPTED = (
    "a message object, a string (a human message), a (role, content) tuple or 2-item list "
    "with role one of 'system', 'developer', 'human'/'user', 'ai'/'assistant', 'tool', or a "
    "dict {'role': ..., 'content': ...} (OpenAI-style keys such as 'tool_calls', "
    "'tool_call_id' and 'name' are understood)"
)
# Keys of a role dict that map onto message fields; any other key goes to additional_kwargs.
_COMMON_KEYS = frozenset({"name", "id", "additional_kwargs", "response_metadata"})
_AI_KEYS = frozenset({"tool_calls", "invalid_tool_calls", "usage_metadata"})
_TOOL_KEYS = frozenset({"tool_call_id", "status", "artifact"})
_ALLOWED_KEYS = {"ai": _COMMON_KEYS | _AI_KEYS, "tool": _COMMON_KEYS | _TOOL_KEYS}
_DEVELOPER_MARKER = "__openai_role__"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(value: Any, position: int | None, problem: str) -> MessageConversionError:
    where = "" if position is None else f" at position {position}"
    return MessageConversionError(
        f"Cannot convert {_short(value)}{where} to a message: {problem}. Accepted: {_ACCEPTED}."
    )


def _from_role(
    role: Any, content: Any, extra: Mapping[str, Any], value: Any, position: int | None
) -> BaseMessage:
    kind = _ROLES.get(role) if isinstance(role, str) else None
    if kind is None:
        raise _error(value, position, f"unknown role {_short(role)}")
    if content is None:
        content = ""
    fields: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    allowed = _ALLOWED_KEYS.get(kind, _COMMON_KEYS)
    for key, item in extra.items():
        if key in allowed:
            fields[key] = item
        else:
            kwargs[key] = item
    if not isinstance(fields.get("additional_kwargs", {}), Mapping):
        raise _error(value, position, "'additional_kwargs' must be a dict")
    if kwargs:
        fields["additional_kwargs"] = {**fields.get("additional_kwargs", {}), **kwargs}
    try:
        if kind == "ai":
            raw_calls = fields.get("tool_calls")
            if raw_calls and not isinstance(raw_calls, list):
                raise _error(value, position, "'tool_calls' must be a list")
            if raw_calls and any(isinstance(c, Mapping) and "function" in c for c in raw_calls):
                calls, invalid = parse_openai_tool_calls(raw_calls)
                fields["tool_calls"] = calls
                fields["invalid_tool_calls"] = [*fields.get("invalid_tool_calls", []), *invalid]
            return AIMessage(content, **fields)
        if kind == "tool":
            if fields.get("tool_call_id") is None:
                raise _error(
                    value,
                    position,
                    "a 'tool' message needs the id of the call it answers; use "
                    "{'role': 'tool', 'content': ..., 'tool_call_id': ...} or "
                    "ToolMessage(content, tool_call_id=...)",
                )
            return ToolMessage(content, **fields)
        if kind == "developer":
            fields["additional_kwargs"] = {
                **fields.get("additional_kwargs", {}),
                _DEVELOPER_MARKER: "developer",
            }
            return SystemMessage(content, **fields)
        if kind == "system":
            return SystemMessage(content, **fields)
        return HumanMessage(content, **fields)
    except ValidationError as exc:
        raise _error(value, position, f"invalid fields: {exc}") from exc


def _convert_one(value: Any, position: int | None) -> BaseMessage:
    if isinstance(value, BaseMessage):
        return value
    if isinstance(value, str):
        return HumanMessage._fast({"content": value})
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise _error(value, position, f"a (role, content) pair has 2 items, not {len(value)}")
        role, content = value
        if not isinstance(content, str | list):
            raise _error(value, position, "the content must be a string or a list of parts")
        return _from_role(role, content, {}, value, position)
    if isinstance(value, Mapping):
        if value.get("type") == "chat" and "role" in value:  # a dumped ChatMessage
            try:
                return ChatMessage.model_validate(value)
            except ValidationError as exc:
                raise _error(value, position, f"invalid fields: {exc}") from exc
        if "role" in value:
            role = value["role"]
            rest = {k: v for k, v in value.items() if k not in ("role", "content", "type")}
        elif "type" in value:
            role = value["type"]
            rest = {k: v for k, v in value.items() if k not in ("type", "content")}
        else:
            raise _error(value, position, "a message dict needs a 'role' key")
        # OpenAI assistant messages that only call tools may omit the content.
        calls_only = role in ("ai", "assistant") and (
            value.get("tool_calls") or value.get("function_call")
        )
        if "content" not in value and not calls_only:
            raise _error(value, position, "a message dict needs a 'content' key")
        return _from_role(role, value.get("content"), rest, value, position)
    raise _error(value, position, f"unsupported type {type(value).__name__}")


def convert_to_message(value: MessageLikeRepresentation) -> BaseMessage:
    """Convert one message-like to a message.

    `convert_to_message(("system", "Be brief."))` -> `SystemMessage("Be brief.")`;
    `convert_to_message({"role": "user", "content": "hi"})` -> `HumanMessage("hi")`.
    """
    return _convert_one(value, None)


def _is_role_pair(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and value[0] in _ROLES
        and isinstance(value[1], str | list)
    )


def convert_to_messages(
    value: MessageLikeRepresentation | Sequence[MessageLikeRepresentation] | Any,
) -> list[BaseMessage]:
    """Convert a message-like, or a sequence of them, to a list of messages.

    A string, a message, a dict or a `(role, content)` *tuple* is one message; a list (or
    any other iterable) holds several. Objects with `to_messages()` (prompt values) work too:

    ```python
    convert_to_messages([("system", "Translate to French"), "I love programming."])
    ```
    """
    if isinstance(value, BaseMessage | str | Mapping) or _is_role_pair(value):
        return [_convert_one(value, None)]
    to_messages = getattr(value, "to_messages", None)
    if callable(to_messages):
        return convert_to_messages(to_messages())
    if isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
        return [_convert_one(item, i) for i, item in enumerate(value)]
    raise _error(value, None, f"unsupported type {type(value).__name__}")
