"""`BaseChatMessageHistory` (where a conversation is kept) and `InMemoryChatMessageHistory`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from pipes._core import run_in_thread
from pipes._messages import AIMessage, BaseMessage, HumanMessage, get_buffer_string

__all__ = ["BaseChatMessageHistory", "InMemoryChatMessageHistory"]


class BaseChatMessageHistory(ABC):
    """A stored conversation: `messages` to read, `add_messages` and `clear` to change it.

    Implement `messages` (an attribute or property), `add_messages` (or `add_message`) and
    `clear`; the async methods run the sync ones in a worker thread unless overridden (a
    store with an async client overrides `aget_messages`, `aadd_messages`, `aclear`).

    Example:
        ```python
        class ListHistory(BaseChatMessageHistory):
            def __init__(self) -> None:
                self.messages: list[BaseMessage] = []

            def add_messages(self, messages: Sequence[BaseMessage]) -> None:
                self.messages.extend(messages)

            def clear(self) -> None:
                self.messages = []
        ```
    """

    messages: list[BaseMessage]
    """The conversation so far, oldest first."""

    async def aget_messages(self) -> list[BaseMessage]:
        """Async read of `messages`."""
        return await run_in_thread(lambda: list(self.messages))

    def add_user_message(self, message: HumanMessage | str) -> None:
        """Append a human message (a string becomes a `HumanMessage`)."""
        self.add_message(message if isinstance(message, HumanMessage) else HumanMessage(message))

    def add_ai_message(self, message: AIMessage | str) -> None:
        """Append an AI message (a string becomes an `AIMessage`)."""
        self.add_message(message if isinstance(message, AIMessage) else AIMessage(message))

    def add_message(self, message: BaseMessage) -> None:
        """Append one message (through `add_messages`, when a subclass implements that)."""
        if type(self).add_messages is BaseChatMessageHistory.add_messages:
            raise NotImplementedError(
                f"{type(self).__name__} must implement add_messages(messages) (or add_message)"
            )
        self.add_messages([message])

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Append messages in order (one `add_message` each unless overridden)."""
        if type(self).add_message is BaseChatMessageHistory.add_message:
            raise NotImplementedError(
                f"{type(self).__name__} must implement add_messages(messages) (or add_message)"
            )
        for message in messages:
            self.add_message(message)

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Async `add_messages`."""
        await run_in_thread(self.add_messages, messages)

    @abstractmethod
    def clear(self) -> None:
        """Remove every message."""

    async def aclear(self) -> None:
        """Async `clear`."""
        await run_in_thread(self.clear)

    def __str__(self) -> str:
        return get_buffer_string(self.messages)


class InMemoryChatMessageHistory(BaseChatMessageHistory):
    """A conversation kept in a list in memory (lost when the process ends).

    Example:
        ```python
        history = InMemoryChatMessageHistory()
        history.add_user_message("hi!")
        history.add_ai_message("whats up?")
        history.messages  # [HumanMessage('hi!'), AIMessage('whats up?')]
        ```
    """

    def __init__(self, messages: Sequence[BaseMessage] | None = None) -> None:
        self.messages = list(messages or [])

    async def aget_messages(self) -> list[BaseMessage]:
        return list(self.messages)  # no I/O: no worker thread

    def add_message(self, message: BaseMessage) -> None:
        self.messages.append(message)

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        self.messages.extend(messages)

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        self.messages.extend(messages)

    def clear(self) -> None:
        self.messages = []

    async def aclear(self) -> None:
        self.messages = []

    def __repr__(self) -> str:
        return f"InMemoryChatMessageHistory(messages={self.messages!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InMemoryChatMessageHistory):
            return NotImplemented
        return self.messages == other.messages

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value
