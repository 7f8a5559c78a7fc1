"""`BaseChatMessageHistory` and `InMemoryChatMessageHistory`."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pipes import (
    AIMessage,
    BaseChatMessageHistory,
    BaseMessage,
    HumanMessage,
    InMemoryChatMessageHistory,
)


def test_howto_in_memory_history() -> None:
    # LangChain's "Chat history" concept: add_user_message / add_ai_message then .messages.
    history = InMemoryChatMessageHistory()
    history.add_user_message("hi!")
    history.add_ai_message("whats up?")
    assert history.messages == [HumanMessage("hi!"), AIMessage("whats up?")]
    assert str(history) == "Human: hi!\nAI: whats up?"
    history.clear()
    assert history.messages == []


async def test_async_methods() -> None:
    history = InMemoryChatMessageHistory(messages=[HumanMessage("a")])
    await history.aadd_messages([AIMessage("b")])
    assert await history.aget_messages() == [HumanMessage("a"), AIMessage("b")]
    await history.aclear()
    assert await history.aget_messages() == []


class _ListHistory(BaseChatMessageHistory):
    """A user store implementing only add_messages and clear."""

    def __init__(self) -> None:
        self.messages: list[BaseMessage] = []
        self.writes = 0

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        self.writes += 1
        self.messages.extend(messages)

    def clear(self) -> None:
        self.messages = []


async def test_a_subclass_gets_the_rest() -> None:
    history = _ListHistory()
    history.add_user_message(HumanMessage("q"))
    history.add_ai_message("a")
    await history.aadd_messages([HumanMessage("q2"), AIMessage("a2")])
    assert [m.content for m in await history.aget_messages()] == ["q", "a", "q2", "a2"]
    assert history.writes == 3  # one write per add, the pair in one
    await history.aclear()
    assert history.messages == []


def test_a_subclass_without_add_methods_is_told_what_to_implement() -> None:
    class Incomplete(BaseChatMessageHistory):
        messages: list[BaseMessage] = []

        def clear(self) -> None:
            pass

    with pytest.raises(NotImplementedError, match="add_messages"):
        Incomplete().add_user_message("x")
    with pytest.raises(NotImplementedError, match="add_messages"):
        Incomplete().add_messages([HumanMessage("x")])
