"""`message + message` builds a `ChatPromptTemplate`, as in LangChain; chunks still merge."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatPromptTemplate,
    ChatPromptValue,
    HumanMessage,
    SystemMessage,
)


def test_two_messages_make_a_chat_prompt() -> None:
    prompt = HumanMessage("a {x}") + AIMessage("b")
    assert isinstance(prompt, ChatPromptTemplate)
    # Message objects are kept as they are, never formatted (LangChain: same).
    assert prompt.input_variables == []
    assert prompt.invoke({}) == ChatPromptValue([HumanMessage("a {x}"), AIMessage("b")])


def test_message_plus_templates() -> None:
    prompt = SystemMessage("You are terse.") + ("human", "{question}")  # noqa: RUF005
    assert prompt.input_variables == ["question"]
    assert prompt.format_messages(question="why?") == [
        SystemMessage("You are terse."),
        HumanMessage("why?"),
    ]
    assert (HumanMessage("a") + "b {y}").input_variables == ["y"]
    both = HumanMessage("a") + ChatPromptTemplate.from_messages([("ai", "{z}")])
    assert both.input_variables == ["z"]


def test_unsupported_operands_raise_type_error() -> None:
    with pytest.raises(TypeError):
        HumanMessage("a") + 3
    with pytest.raises(TypeError):
        AIMessageChunk("a") + HumanMessage("b")  # type: ignore[operator]


def test_chunks_still_merge() -> None:
    assert AIMessageChunk("a") + AIMessageChunk("b") == AIMessageChunk("ab")


def test_a_stream_of_whole_messages_still_folds_to_the_last() -> None:
    # `+` builds a prompt now; folding a stream of complete messages must not (last wins,
    # as for any whole values).
    from pipes import RunnableGenerator, merge_chunks

    def replies(_: object) -> Iterator[AIMessage]:
        yield AIMessage("a")
        yield AIMessage("b")

    assert merge_chunks([AIMessage("a"), AIMessage("b")]) == AIMessage("b")
    assert RunnableGenerator(replies).invoke(None) == AIMessage("b")
    assert merge_chunks([AIMessageChunk("a"), AIMessageChunk("b")]) == AIMessageChunk("ab")
