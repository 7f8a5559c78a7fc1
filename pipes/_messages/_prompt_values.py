"""Prompt values: what a prompt template produces and a chat model consumes.

A [`StringPromptValue`][pipes.StringPromptValue] holds text, a
[`ChatPromptValue`][pipes.ChatPromptValue] a list of messages; both convert to either form, so any
prompt fits any model. They live beside the messages, below the prompts, parsers and chat models
that all consume them:

```python
value = ChatPromptTemplate.from_messages([("human", "Hi {name}")]).invoke({"name": "Ada"})
value.to_messages()  # [HumanMessage(content='Hi Ada')]
value.to_string()    # 'Human: Hi Ada'
```
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from pipes._messages._base import BaseMessage
from pipes._messages._buffer import get_buffer_string
from pipes._messages._simple import HumanMessage

__all__ = ["ChatPromptValue", "PromptValue", "StringPromptValue"]


class PromptValue(ABC):
    """The output of a prompt template: convertible to text or to chat messages."""

    __slots__ = ()

    @abstractmethod
    def to_string(self) -> str:
        """The prompt as one string (chat messages become `Role: text` lines)."""

    @abstractmethod
    def to_messages(self) -> list[BaseMessage]:
        """The prompt as chat messages (text becomes one human message)."""


class StringPromptValue(PromptValue):
    """A text prompt: `StringPromptValue("Tell me a joke").to_messages()`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def to_string(self) -> str:
        return self.text

    def to_messages(self) -> list[BaseMessage]:
        return [HumanMessage._fast({"content": self.text})]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StringPromptValue) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]  # mutable value object, like a dataclass

    def __repr__(self) -> str:
        return f"StringPromptValue(text={self.text!r})"


class ChatPromptValue(PromptValue):
    """A chat prompt: a list of messages, e.g. `ChatPromptValue([HumanMessage("hi")])`."""

    __slots__ = ("messages",)

    def __init__(self, messages: Sequence[BaseMessage]) -> None:
        self.messages = list(messages)

    def to_string(self) -> str:
        return get_buffer_string(self.messages)

    def to_messages(self) -> list[BaseMessage]:
        # A copy, so a caller appending to the result cannot change this value.
        return list(self.messages)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChatPromptValue) and other.messages == self.messages

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ChatPromptValue(messages={self.messages!r})"
