"""The plain message kinds: human, system and role-carrying chat messages, and their chunks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Literal, Unpack

from ._base import BaseMessage, BaseMessageChunk
from ._content import ContentInput

if TYPE_CHECKING:
    from ._params import ChatMessageParams, MessageParams

__all__ = [
    "ChatMessage",
    "ChatMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "SystemMessage",
    "SystemMessageChunk",
]


class HumanMessage(BaseMessage):
    """A message from the user: `HumanMessage("What is 2 + 2?")`."""

    type: Literal["human"] = "human"  # pyright: ignore[reportIncompatibleVariableOverride]

    if TYPE_CHECKING:

        def __init__(
            self, content: ContentInput = "", **fields: Unpack[MessageParams[Literal["human"]]]
        ) -> None: ...


class SystemMessage(BaseMessage):
    """Instructions for the model: `SystemMessage("You translate English to French.")`."""

    type: Literal["system"] = "system"  # pyright: ignore[reportIncompatibleVariableOverride]

    if TYPE_CHECKING:

        def __init__(
            self, content: ContentInput = "", **fields: Unpack[MessageParams[Literal["system"]]]
        ) -> None: ...


class ChatMessage(BaseMessage):
    """A message with an arbitrary `role`: `ChatMessage("Looks good", role="critic")`."""

    type: Literal["chat"] = "chat"  # pyright: ignore[reportIncompatibleVariableOverride]
    role: str
    """The speaker's role, as the provider should see it."""

    if TYPE_CHECKING:

        def __init__(
            self, content: ContentInput = "", **fields: Unpack[ChatMessageParams[Literal["chat"]]]
        ) -> None: ...


class HumanMessageChunk(HumanMessage, BaseMessageChunk):
    """A streamed piece of a [`HumanMessage`][pipes.HumanMessage]."""

    type: Literal["HumanMessageChunk"] = "HumanMessageChunk"  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    _message_class = HumanMessage

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput = "",
            **fields: Unpack[MessageParams[Literal["HumanMessageChunk"]]],
        ) -> None: ...

        def to_message(self) -> HumanMessage: ...


class SystemMessageChunk(SystemMessage, BaseMessageChunk):
    """A streamed piece of a [`SystemMessage`][pipes.SystemMessage]."""

    type: Literal["SystemMessageChunk"] = "SystemMessageChunk"  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    _message_class = SystemMessage

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput = "",
            **fields: Unpack[MessageParams[Literal["SystemMessageChunk"]]],
        ) -> None: ...

        def to_message(self) -> SystemMessage: ...


class ChatMessageChunk(ChatMessage, BaseMessageChunk):
    """A streamed piece of a [`ChatMessage`][pipes.ChatMessage]; chunks merge only with the same
    role."""

    type: Literal["ChatMessageChunk"] = "ChatMessageChunk"  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    _message_class = ChatMessage
    _shared_fields: ClassVar[Mapping[str, str]] = {"role": "chunks of one message share a role"}

    if TYPE_CHECKING:

        def __init__(
            self,
            content: ContentInput = "",
            **fields: Unpack[ChatMessageParams[Literal["ChatMessageChunk"]]],
        ) -> None: ...

        def to_message(self) -> ChatMessage: ...
