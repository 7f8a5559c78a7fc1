"""`trim_messages`: LangChain's how-to examples, and a differential table from langchain-core.

`data/trim_langchain.json` holds what langchain-core 1.8.3's `trim_messages` returned for the
conversation and counters below over many option sets (generated in a throwaway venv, since
langchain-core is not installed with pipes' tests).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipes import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    Runnable,
    SystemMessage,
    ToolMessage,
    count_tokens_approximately,
    trim_messages,
)
from pipes.testing import GenericFakeChatModel

DATA = json.loads((Path(__file__).parent / "data" / "trim_langchain.json").read_text("utf-8"))

MESSAGES = [
    SystemMessage("you're a good assistant, you always respond with a joke."),
    HumanMessage("i wonder why it's called langchain"),
    AIMessage(
        'Well, I guess they thought "WordRope" and "SentenceString" just didn\'t have the same '
        "ring to it!"
    ),
    HumanMessage("and who is harrison chasing anyways"),
    AIMessage(
        "Hmmm let me think.\n\nWhy, he's probably chasing after the last cup of coffee in the "
        "office!"
    ),
    HumanMessage("what do you call a speechless parrot"),
]


def _words(messages: list[BaseMessage]) -> int:
    return sum(4 + len(str(m.content).split()) for m in messages)


def _chars(m: BaseMessage) -> int:
    return len(str(m.content)) // 5


COUNTERS: dict[str, Any] = {"len": len, "words": _words, "chars": _chars}
SPLITTERS: dict[str, Any] = {"space": lambda t: [w + " " for w in t.split(" ")]}


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"{c['counter']}-{c['options']}")
def test_same_as_langchain(case: dict[str, Any]) -> None:
    conversation = [
        *MESSAGES,
        AIMessage(
            [
                {"type": "text", "text": "A polly-gone."},
                {"type": "text", "text": "Get it?\nPolly gone."},
            ]
        ),
        ToolMessage("tool says\nhi", tool_call_id="1"),
    ]
    options = dict(case["options"])
    if "text_splitter" in options:
        options["text_splitter"] = SPLITTERS[options["text_splitter"]]
    out = trim_messages(conversation, token_counter=COUNTERS[case["counter"]], **options)
    assert [[m.type, m.content] for m in out] == case["expected"]


def test_howto_trim_by_message_count() -> None:
    # LangChain how-to "How to trim messages", "Trimming based on message count".
    out = trim_messages(
        MESSAGES,
        strategy="last",
        token_counter=len,
        max_tokens=5,
        start_on="human",
        end_on=("human", "tool"),
        include_system=True,
    )
    assert out == [MESSAGES[0], MESSAGES[3], MESSAGES[4], MESSAGES[5]]


def test_howto_first_strategy() -> None:
    out = trim_messages(MESSAGES, strategy="first", token_counter=len, max_tokens=3)
    assert out == MESSAGES[:3]


def test_token_counter_may_be_a_chat_model() -> None:
    class Counting(GenericFakeChatModel):
        def get_num_tokens_from_messages(self, messages: list[BaseMessage], **_: Any) -> int:
            return 10 * len(messages)

    model = Counting(messages=iter([]))
    assert trim_messages(MESSAGES, token_counter=model, max_tokens=25) == MESSAGES[-2:]


def test_without_messages_it_is_a_runnable() -> None:
    trimmer = trim_messages(max_tokens=2, token_counter=len)
    assert isinstance(trimmer, Runnable)
    assert trimmer.invoke(MESSAGES) == MESSAGES[-2:]


async def test_runnable_async_and_in_a_chain() -> None:
    chain = trim_messages(max_tokens=1, token_counter=len) | (lambda ms: ms[0].content)
    assert await chain.ainvoke(MESSAGES) == "what do you call a speechless parrot"


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"strategy": "first", "start_on": "human"}, "start_on"),
        ({"strategy": "first", "include_system": True}, "include_system"),
        ({"strategy": "middle"}, "strategy"),
        ({"token_counter": "exact"}, "token_counter"),
        ({"token_counter": 3}, "token_counter"),
    ],
)
def test_bad_options_are_named(options: dict[str, Any], needle: str) -> None:
    kwargs: dict[str, Any] = {"max_tokens": 3, "token_counter": len, **options}
    with pytest.raises((ValueError, TypeError), match=needle):
        trim_messages(MESSAGES, **kwargs)


def test_a_chat_model_counts_approximately_by_default() -> None:
    model = GenericFakeChatModel(messages=iter([]))
    assert model.get_num_tokens_from_messages(MESSAGES) == count_tokens_approximately(MESSAGES)
    for budget in (10, 30, 50, 80):
        by_model = trim_messages(MESSAGES, token_counter=model, max_tokens=budget)
        assert by_model == trim_messages(MESSAGES, token_counter="approximate", max_tokens=budget)


def test_count_tokens_approximately_matches_langchain() -> None:
    # Values from langchain_core.messages.utils.count_tokens_approximately (1.8.3).
    assert count_tokens_approximately(MESSAGES) == 116
    image = HumanMessage([{"type": "image_url", "image_url": {"url": "x"}}, "abc"], name="bob")
    assert count_tokens_approximately([image]) == 91


def test_text_splitter_may_be_an_object_with_split_text() -> None:
    class Words:
        def split_text(self, text: str) -> list[str]:
            return [word + " " for word in text.split(" ")]

    def counter(messages: list[BaseMessage]) -> int:
        return sum(len(str(m.content).split()) for m in messages)

    out = trim_messages(
        [HumanMessage("one two three four")],
        max_tokens=2,
        token_counter=counter,
        allow_partial=True,
        text_splitter=Words(),
    )
    assert out == [HumanMessage("three four ")]
