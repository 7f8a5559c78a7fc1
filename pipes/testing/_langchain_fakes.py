"""LangChain's fake chat models, same names and behaviour: `FakeListChatModel`,
`FakeMessagesListChatModel` and `GenericFakeChatModel` (all `FakeChatModel` variants)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from pipes._messages import BaseMessage

from ._calls import CallInfo, Chunking, ScriptExhaustedError
from ._fake import FakeChatModel, _last_text

__all__ = ["FakeListChatModel", "FakeMessagesListChatModel", "GenericFakeChatModel"]


class FakeListChatModel(FakeChatModel):
    """LangChain's `FakeListChatModel`: cycles through `responses`, streams per character,
    adds no usage. (LangChain's `sleep` option is left out: tests do not sleep.)

    Example:
        ```python
        model = FakeListChatModel(responses=["a", "b"])
        [model.invoke("x").content for _ in range(3)]  # ['a', 'b', 'a']
        ```
    """

    cycle: bool = True
    chunking: Chunking = "chars"
    synthesize_usage: bool = False


class FakeMessagesListChatModel(FakeChatModel):
    """LangChain's `FakeMessagesListChatModel`: cycles through `responses` (messages).

    Example:
        ```python
        model = FakeMessagesListChatModel(responses=[AIMessage("hi")])
        ```
    """

    cycle: bool = True
    synthesize_usage: bool = False


class GenericFakeChatModel(FakeChatModel):
    """LangChain's `GenericFakeChatModel`: replies are drawn from the iterator `messages`
    and stream split on whitespace (`"Hello", " ", "world"`), with no usage added.

    When the iterator is exhausted the model raises
    [`ScriptExhaustedError`][pipes.testing.ScriptExhaustedError].

    Example:
        ```python
        model = GenericFakeChatModel(messages=iter(["hello world", AIMessage("bye")]))
        [c.content for c in model.stream("x")]  # ['hello', ' ', 'world']
        ```
    """

    messages: Iterator[Any] = Field(exclude=True)
    """The replies (anything a [`ScriptedResponse`][pipes.testing.ScriptedResponse] may be),
    consumed one per call."""
    chunking: Chunking = "whitespace"
    synthesize_usage: bool = False

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        with self._state.lock:  # a shared iterator must not be advanced by two threads at once
            try:
                return next(self.messages)
            except StopIteration:
                raise ScriptExhaustedError(
                    f"{type(self).__name__}: the `messages` iterator is exhausted after "
                    f"{info.index} call(s); give it more replies (last input: "
                    f"{_last_text(messages)!r})."
                ) from None
