"""`filter_messages` and `merge_message_runs`: LangChain's how-to examples, with the results
its documentation shows (checked against langchain-core 1.8.3)."""

from __future__ import annotations

import pytest

from pipes import (
    AIMessage,
    HumanMessage,
    Runnable,
    SystemMessage,
    ToolCall,
    ToolMessage,
    filter_messages,
    merge_message_runs,
)

MESSAGES = [
    SystemMessage("you are a good assistant", id="1"),
    HumanMessage("example input", id="2", name="example_user"),
    AIMessage("example output", id="3", name="example_assistant"),
    HumanMessage("real input", id="4", name="bob"),
    AIMessage("real output", id="5", name="alice"),
]


def test_howto_filter_by_type() -> None:
    assert filter_messages(MESSAGES, include_types="human") == [MESSAGES[1], MESSAGES[3]]


def test_howto_filter_by_name() -> None:
    out = filter_messages(MESSAGES, exclude_names=["example_user", "example_assistant"])
    assert out == [MESSAGES[0], MESSAGES[3], MESSAGES[4]]


def test_howto_filter_by_type_and_id() -> None:
    out = filter_messages(MESSAGES, include_types=[HumanMessage, AIMessage], exclude_ids=["3"])
    assert out == [MESSAGES[1], MESSAGES[3], MESSAGES[4]]


def test_docstring_example_include_any_exclude_all() -> None:
    messages = [
        SystemMessage("you're a good assistant."),
        HumanMessage("what's your name", id="foo", name="example_user"),
        AIMessage("steve-o", id="bar", name="example_assistant"),
        HumanMessage("what's your favorite color", id="baz"),
        AIMessage("silicon blue", id="blah"),
    ]
    out = filter_messages(
        messages,
        include_names=("example_user", "example_assistant"),
        include_types=("system",),
        exclude_ids=("bar",),
    )
    assert out == [messages[0], messages[1]]


CALLS = AIMessage(
    "",
    id="t",
    tool_calls=[
        {"name": "f", "args": {}, "id": "c1"},
        {"name": "g", "args": {}, "id": "c2"},
    ],
)
RESULTS = [ToolMessage("r1", tool_call_id="c1"), ToolMessage("r2", tool_call_id="c2")]


def test_exclude_all_tool_calls() -> None:
    assert filter_messages([MESSAGES[0], CALLS, *RESULTS], exclude_tool_calls=True) == [MESSAGES[0]]


def test_exclude_some_tool_calls_rewrites_the_ai_message() -> None:
    out = filter_messages([CALLS, *RESULTS], exclude_tool_calls=["c1"])
    assert [c["id"] for c in out[0].tool_calls] == ["c2"]  # type: ignore[attr-defined]
    assert out[1:] == [RESULTS[1]]
    assert [c["id"] for c in CALLS.tool_calls] == ["c1", "c2"]  # the input is untouched
    assert filter_messages([CALLS, *RESULTS], exclude_tool_calls=["c1", "c2"]) == []


def test_exclude_tool_calls_rejects_a_bare_id() -> None:
    with pytest.raises(TypeError, match=r"exclude_tool_calls=\['c1'\]"):
        filter_messages([CALLS], exclude_tool_calls="c1")


def test_filter_without_messages_is_a_runnable_in_a_chain() -> None:
    chain = filter_messages(exclude_names=["example_user", "example_assistant"]) | len
    assert isinstance(chain, Runnable)
    assert chain.invoke(MESSAGES) == 3


def test_filter_accepts_message_likes() -> None:
    assert filter_messages([("system", "s"), ("human", "h")], include_types="human") == [
        HumanMessage("h")
    ]


def test_howto_merge_message_runs() -> None:
    messages = [
        SystemMessage("you're a good assistant."),
        SystemMessage("you always respond with a joke."),
        HumanMessage([{"type": "text", "text": "i wonder why it's called langchain"}]),
        HumanMessage("and who is harrison chasing anyways"),
        AIMessage(
            'Well, I guess they thought "WordRope" and "SentenceString" just didn\'t have the '
            "same ring to it!"
        ),
        AIMessage("Why, he's probably chasing after the last cup of coffee in the office!"),
    ]
    merged = merge_message_runs(messages)
    assert merged == [
        SystemMessage("you're a good assistant.\nyou always respond with a joke."),
        HumanMessage(
            [
                {"type": "text", "text": "i wonder why it's called langchain"},
                "and who is harrison chasing anyways",
            ]
        ),
        AIMessage(
            'Well, I guess they thought "WordRope" and "SentenceString" just didn\'t have the '
            "same ring to it!\nWhy, he's probably chasing after the last cup of coffee in the "
            "office!"
        ),
    ]


def test_docstring_merge_keeps_first_id_and_adds_tool_calls() -> None:
    messages = [
        SystemMessage("you're a good assistant."),
        HumanMessage("what's your favorite color", id="foo"),
        HumanMessage("wait your favorite food", id="bar"),
        AIMessage(
            "my favorite colo",
            tool_calls=[ToolCall(name="blah_tool", args={"x": 2}, id="123", type="tool_call")],
            id="baz",
        ),
        AIMessage(
            [{"type": "text", "text": "my favorite dish is lasagna"}],
            tool_calls=[ToolCall(name="blah_tool", args={"x": -10}, id="456", type="tool_call")],
            id="blur",
        ),
    ]
    assert merge_message_runs(messages) == [
        SystemMessage("you're a good assistant."),
        HumanMessage("what's your favorite color\nwait your favorite food", id="foo"),
        AIMessage(
            ["my favorite colo", {"type": "text", "text": "my favorite dish is lasagna"}],
            tool_calls=[
                ToolCall(name="blah_tool", args={"x": 2}, id="123", type="tool_call"),
                ToolCall(name="blah_tool", args={"x": -10}, id="456", type="tool_call"),
            ],
            id="baz",
        ),
    ]


def test_merge_never_merges_tool_messages_and_takes_a_separator() -> None:
    assert merge_message_runs(RESULTS) == RESULTS
    out = merge_message_runs([HumanMessage("a"), HumanMessage("b")], chunk_separator=" | ")
    assert out == [HumanMessage("a | b")]
    assert merge_message_runs(chunk_separator="").invoke(["a", "b"]) == [HumanMessage("ab")]
