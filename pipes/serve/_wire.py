"""LangServe's wire format: JSON values with messages, the client config allow-list, SSE.

Messages travel as their flat pydantic dump (`{"type": "ai", "content": ..., ...}`), as
LangServe's `WellKnownLCSerializer` sends them, and are loaded back only into pipes' own
message classes (`message_from_dict`: nothing named in the data is ever imported).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, cast, get_args

from pydantic import BaseModel

from pipes import (
    AnyMessage,
    ChatPromptValue,
    RunnableConfig,
    StringPromptValue,
    message_from_dict,
)

__all__ = [
    "CLIENT_CONFIG_KEYS",
    "WireError",
    "client_config",
    "decode",
    "dumps",
    "sse",
]

# Every message class's `type`, read off the public `AnyMessage` union (its one list of them).
MESSAGE_TYPES = frozenset(
    cls.model_fields["type"].default for cls in get_args(get_args(AnyMessage)[0])
)

#: The only config keys a client may set; callbacks, max_concurrency and recursion_limit are
#: the server's business (LangServe's default allow-list is the same four).
CLIENT_CONFIG_KEYS: Mapping[str, type] = {
    "tags": list,
    "metadata": dict,
    "run_name": str,
    "configurable": dict,
}


class WireError(ValueError):
    """A request that does not follow the wire format: `loc` is where (e.g. `("config", "tags")`),
    the message what was expected. Answered as 422."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    # prompt values as LangServe names them, so either side's client loads them back
    if isinstance(obj, ChatPromptValue):
        return {"type": "ChatPromptValueConcrete", "messages": obj.messages}
    if isinstance(obj, StringPromptValue):
        return {"type": "StringPromptValue", "text": obj.text}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(
        f"the output holds a {type(obj).__name__}, which has no JSON form: return JSON values, "
        "messages or pydantic models from the served runnable (or add a step that converts it)"
    )


def dumps(value: Any) -> str:
    """`value` as compact JSON: messages and pydantic models as their dump."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def decode(value: Any) -> Any:
    """JSON from a client with message and prompt-value dicts loaded as pipes objects
    (recursively)."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str) and kind in MESSAGE_TYPES and "content" in value:
            return message_from_dict(value)
        if kind == "ChatPromptValueConcrete" and isinstance(value.get("messages"), list):
            return ChatPromptValue(decode(value["messages"]))
        if kind == "StringPromptValue" and isinstance(value.get("text"), str):
            return StringPromptValue(value["text"])
        return {key: decode(item) for key, item in value.items()}
    return value


def client_config(raw: Any, loc: tuple[str | int, ...] = ("config",)) -> RunnableConfig:
    """The allow-listed part of a client's config; other keys are dropped (as LangServe does).

    Raises [`WireError`][pipes.serve._wire.WireError] for a config that is not an object or an
    allowed key of the wrong type.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise WireError(loc, f"expected an object like {{'tags': ['x']}}, got {_kind(raw)}")
    config: dict[str, Any] = {}
    for key, expected in CLIENT_CONFIG_KEYS.items():
        if key not in raw:
            continue
        value = raw[key]
        if not isinstance(value, expected):
            raise WireError((*loc, key), f"expected {_JSON_NAMES[expected]}, got {_kind(value)}")
        if key == "tags" and not all(isinstance(tag, str) for tag in cast(list[Any], value)):
            raise WireError((*loc, key), "expected an array of strings")
        config[key] = value
    return config  # type: ignore[return-value]


_JSON_NAMES: Mapping[type, str] = {list: "an array", dict: "an object", str: "a string"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return _JSON_NAMES.get(type(value), type(value).__name__)


def sse(event: str, data: str) -> bytes:
    """One server-sent event (`data` is JSON, so it holds no newline)."""
    return f"event: {event}\r\ndata: {data}\r\n\r\n".encode()
