"""`ToolMessage`: the result of running a tool, bound to the tool call's id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, Unpack

from pydantic import field_validator

from ._base import BaseMessage, BaseMessageChunk
from ._content import ContentInput
from ._merge import merge_values

if TYPE_CHECKING:
    from ._params import ToolMessageParams

__all__ = ["ToolMessage", "ToolMessageChunk"]


class ToolMessage(BaseMessage):
    """A tool's result sent back to the model.

    `ToolMessage("22°C, sunny", tool_call_id="call_1")`; `status="error"` reports a
    failure; `artifact` keeps a full result that is not sent to the model.
    """

    type: Literal["tool"] = "tool"  # pyright: ignore[reportIncompatibleVariableOverride]
    tool_call_id: str
    """The id of the tool call this message answers."""
    status: Literal["success", "error"] = "success"
    """Whether the tool succeeded."""
    artifact: Any = None
    """Anything the tool produced that the model should not see (e.g. raw data)."""

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | Any = "",
            **fields: Unpack[ToolMessageParams[Literal["tool"]]],
        ) -> None: ...

    @field_validator("content", mode="before")
    @classmethod
    def _coerce_content(cls, value: Any) -> Any:
        # Tools return numbers, dicts ...; LangChain stringifies them, so do we.
        if isinstance(value, str | list):
            return value
        if isinstance(value, tuple):
            return list(value)
        return str(value)

    @field_validator("tool_call_id", mode="before")
    @classmethod
    def _coerce_tool_call_id(cls, value: Any) -> Any:
        return value if isinstance(value, str) else str(value)


class ToolMessageChunk(ToolMessage, BaseMessageChunk):
    """A streamed piece of a [`ToolMessage`][pipes.ToolMessage]; chunks merge only with the same
    call id."""

    type: Literal["ToolMessageChunk"] = "ToolMessageChunk"  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    _message_class = ToolMessage
    _shared_fields: ClassVar[Mapping[str, str]] = {"tool_call_id": "they answer different calls"}

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput | Any = "",
            **fields: Unpack[ToolMessageParams[Literal["ToolMessageChunk"]]],
        ) -> None: ...

        def to_message(self) -> ToolMessage: ...

    @classmethod
    def _merge_fields(  # pyright: ignore[reportIncompatibleMethodOverride]
        cls, chunks: Sequence[Self]
    ) -> dict[str, Any]:
        fields = super()._merge_fields(chunks)
        fields["status"] = "error" if any(c.status == "error" for c in chunks) else "success"
        fields["artifact"] = merge_values(c.artifact for c in chunks)
        return fields
