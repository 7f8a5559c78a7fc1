"""The constructor keywords of the messages, as type checkers see them.

Pydantic's synthesized `__init__` takes keywords only, where LangChain's messages take their
content positionally (`HumanMessage("hi")`). So each message class declares, for type checkers
only, `__init__(self, content: ContentInput = "", **fields: Unpack[...])` with one of these
`TypedDict`s, parametrized by the class's own `type` literal. They hold names and types, never
defaults (those are declared once, on the fields), and `tests/messages/test_params.py` holds
them equal to the fields of every class that uses them.

This module is only imported by type checkers and tests: `import pipes` never loads it.

Example:
    ```python
    class HumanMessage(BaseMessage):
        if TYPE_CHECKING:
            def __init__(
                self, content: ContentInput = "", **fields: Unpack[MessageParams[Literal["human"]]]
            ) -> None: ...
    ```
"""

from __future__ import annotations

from typing import Any, Generic, Literal, Required, TypedDict, TypeVar

from ._tool_calls import InvalidToolCall, ToolCall, ToolCallChunk
from ._usage import UsageMetadata

__all__ = [
    "AIMessageChunkParams",
    "AIMessageParams",
    "ChatMessageParams",
    "MessageParams",
    "ToolMessageParams",
]

TypeT = TypeVar("TypeT", bound=str)


class MessageParams(TypedDict, Generic[TypeT], total=False):
    """The keywords of every message besides `content`; `TypeT` is the class's `type` literal."""

    type: TypeT
    name: str | None
    id: str | None
    additional_kwargs: dict[str, Any]
    response_metadata: dict[str, Any]


class ChatMessageParams(MessageParams[TypeT], total=False):
    """`ChatMessage`'s and its chunk's: a `role` is required."""

    role: Required[str]


class AIMessageParams(MessageParams[TypeT], total=False):
    """`AIMessage`'s: its tool calls and usage."""

    tool_calls: list[ToolCall]
    invalid_tool_calls: list[InvalidToolCall]
    usage_metadata: UsageMetadata | None


class AIMessageChunkParams(AIMessageParams[Literal["AIMessageChunk"]], total=False):
    """`AIMessageChunk`'s: `AIMessage`'s and the streamed tool-call pieces."""

    tool_call_chunks: list[ToolCallChunk]


class ToolMessageParams(MessageParams[TypeT], total=False):
    """`ToolMessage`'s and its chunk's: the call answered (required), status and artifact."""

    tool_call_id: Required[str]
    status: Literal["success", "error"]
    artifact: Any
