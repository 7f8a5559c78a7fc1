"""Safe JSON round trip for messages.

Loading looks the `type` string up among pipes' own message classes (`MESSAGE_TYPES`) and
validates the fields; nothing named in the data (import paths, LangChain's
`{"lc": 1, "type": "constructor", "id": [...]}`) is ever imported or instantiated:

```python
data = messages_to_dict([HumanMessage("hi"), AIMessage("hello")])
json.dumps(data)                      # plain JSON
messages_from_dict(data)              # [HumanMessage(content='hi'), AIMessage(content='hello')]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field, ValidationError

from pipes._errors import MessageConversionError

from . import _ai, _simple, _tool  # each class enters MESSAGE_TYPES where it is defined
from ._base import MESSAGE_TYPES, BaseMessage

__all__ = [
    "AnyMessage",
    "message_from_dict",
    "message_to_dict",
    "messages_from_dict",
    "messages_to_dict",
]

# Written out for type checkers; loading reads the classes' own entries in MESSAGE_TYPES, and
# tests/messages/test_serialize.py holds the two equal.
AnyMessage = Annotated[
    _simple.HumanMessage
    | _simple.SystemMessage
    | _ai.AIMessage
    | _tool.ToolMessage
    | _simple.ChatMessage
    | _simple.HumanMessageChunk
    | _simple.SystemMessageChunk
    | _ai.AIMessageChunk
    | _tool.ToolMessageChunk
    | _simple.ChatMessageChunk,
    Field(discriminator="type"),
]
"""Any pipes message, discriminated by `type`: for your own pydantic models.

`class Chat(BaseModel): messages: list[AnyMessage]` validates dumped messages back into
the right classes (and only those).
"""

# Keys LangChain writes that pipes has no field for and that carry no information.
_LEGACY_KEYS = frozenset({"example"})


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """`{"type": "ai", "data": {...fields...}}` with JSON-compatible values only."""
    try:
        data = message.model_dump(mode="json")
    except ValueError as exc:  # PydanticSerializationError, UnicodeDecodeError (bytes)
        raise MessageConversionError(
            f"Cannot serialize {type(message).__name__} to JSON: {exc}. Every field must hold "
            "JSON-compatible values (check artifact, additional_kwargs and "
            "response_metadata); convert other objects before saving the message."
        ) from exc
    return {"type": message.type, "data": data}


def messages_to_dict(messages: Iterable[BaseMessage]) -> list[dict[str, Any]]:
    """[`message_to_dict`][pipes.message_to_dict] for each message."""
    return [message_to_dict(m) for m in messages]


def message_from_dict(data: Mapping[str, Any], *, position: int | None = None) -> BaseMessage:
    """Load one message from `{"type": ..., "data": {...}}` or a flat `model_dump()`.

    Raises [`MessageConversionError`][pipes.MessageConversionError] for an unknown `type` or invalid
    fields.
    """
    where = "" if position is None else f" at position {position}"
    if not isinstance(data, Mapping):
        raise MessageConversionError(
            f"Cannot load message{where} from {_short(data)}: expected a dict like "
            "{'type': 'human', 'data': {'content': 'hi'}}."
        )
    kind = data.get("type")
    if "data" in data and set(data) <= {"type", "data"}:
        fields = data["data"]
        if not isinstance(fields, Mapping):
            raise MessageConversionError(
                f"Cannot load message{where}: 'data' must be a dict of fields, got "
                f"{_short(fields)}."
            )
        inner = fields.get("type", kind)
        if inner != kind:
            raise MessageConversionError(
                f"Cannot load message{where}: outer type {kind!r} and data type {inner!r} differ."
            )
    else:
        fields = data
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise MessageConversionError(
            f"Cannot load message{where}: unknown message type {_short(kind)} in "
            f"{_short(data)}. Expected one of {sorted(MESSAGE_TYPES)}; pipes only loads its own "
            "message classes and never imports or instantiates classes named in the data."
        )
    clean = {k: v for k, v in fields.items() if k not in _LEGACY_KEYS}
    clean["type"] = kind
    try:
        return cls.model_validate(clean)
    except ValidationError as exc:
        raise MessageConversionError(
            f"Cannot load {cls.__name__}{where}: invalid fields: {exc}"
        ) from exc


def messages_from_dict(data: Sequence[Mapping[str, Any]]) -> list[BaseMessage]:
    """Load a list written by [`messages_to_dict`][pipes.messages_to_dict] (or a list of flat
    dumps)."""
    if isinstance(data, str | bytes | Mapping):
        raise MessageConversionError(
            f"messages_from_dict() expects a list of message dicts, got {type(data).__name__}; "
            "use message_from_dict() for a single one."
        )
    return [message_from_dict(item, position=i) for i, item in enumerate(data)]
