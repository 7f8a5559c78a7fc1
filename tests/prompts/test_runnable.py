"""Prompts as runnables: stream, async, batch, piping, listeners."""

from __future__ import annotations

from typing import Any

import pytest

from pipes._core import Listener, Run, Runnable, RunnableConfig, RunnableLambda
from pipes._errors import MissingVariablesError
from pipes._messages import (
    AIMessage,
    BaseMessage,
    ChatPromptValue,
    HumanMessage,
    PromptValue,
    StringPromptValue,
    SystemMessage,
)
from pipes._prompts import ChatPromptTemplate, PromptTemplate

PROMPT = ChatPromptTemplate.from_messages([("system", "Be {tone}."), ("human", "{q}")])
INPUT = {"tone": "brief", "q": "hi"}
EXPECTED = ChatPromptValue([SystemMessage("Be brief."), HumanMessage("hi")])


class EchoModel(Runnable[PromptValue, AIMessage]):
    """A stand-in chat model: replies with the last message's text."""

    def invoke(
        self, input: PromptValue, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        messages: list[BaseMessage] = input.to_messages()
        return AIMessage(f"echo: {messages[-1].text}")


def test_stream_yields_one_value() -> None:
    chunks = list(PROMPT.stream(INPUT))
    assert chunks == [EXPECTED]


async def test_ainvoke_and_astream() -> None:
    assert await PROMPT.ainvoke(INPUT) == EXPECTED
    chunks = [chunk async for chunk in PROMPT.astream(INPUT)]
    assert chunks == [EXPECTED]
    assert await PROMPT.aformat_messages(**INPUT) == EXPECTED.messages
    assert await PROMPT.aformat_prompt(**INPUT) == EXPECTED
    string_prompt = PromptTemplate.from_template("{x}")
    assert await string_prompt.ainvoke({"x": "1"}) == StringPromptValue("1")
    assert await string_prompt.aformat(x="2") == "2"


async def test_async_errors_propagate() -> None:
    with pytest.raises(MissingVariablesError):
        await PROMPT.ainvoke({"tone": "x"})


def test_batch() -> None:
    results = PROMPT.batch([INPUT, {"tone": "long", "q": "x"}])
    assert results[0] == EXPECTED
    assert results[1].to_messages()[0] == SystemMessage("Be long.")
    failures: list[Any] = PROMPT.batch([INPUT, {}], return_exceptions=True)
    assert isinstance(failures[1], MissingVariablesError)


async def test_abatch() -> None:
    assert await PROMPT.abatch([INPUT, INPUT]) == [EXPECTED, EXPECTED]


def test_pipe_into_model_and_functions() -> None:
    chain = PROMPT | EchoModel()
    assert chain.invoke(INPUT) == AIMessage("echo: hi")
    to_text = PromptTemplate.from_template("Say {x}") | RunnableLambda(
        lambda v: v.to_string().upper()
    )
    assert to_text.invoke({"x": "hi"}) == "SAY HI"


def test_dict_step_feeds_prompt() -> None:
    chain = {"tone": lambda _: "terse", "q": lambda x: x} | PROMPT | EchoModel()
    assert chain.invoke("question") == AIMessage("echo: question")


def test_listeners_see_a_prompt_run() -> None:
    runs: list[Run] = []

    class Recorder(Listener):
        def on_end(self, run: Run) -> None:
            runs.append(run)

    PROMPT.invoke(INPUT, {"callbacks": [Recorder()]})
    assert len(runs) == 1
    assert runs[0].run_type == "prompt"
    assert runs[0].name == "ChatPromptTemplate"
    assert runs[0].outputs == EXPECTED


def test_streaming_with_listeners_yields_one_value() -> None:
    seen: list[Any] = []

    class Recorder(Listener):
        def on_end(self, run: Run) -> None:
            seen.append(run.outputs)

    assert list(PROMPT.stream(INPUT, {"callbacks": [Recorder()]})) == [EXPECTED]
    assert seen == [EXPECTED]


def test_end_to_end_with_fake_chat_model_and_parser() -> None:
    from pipes._parsers import StrOutputParser
    from pipes.testing import FakeChatModel

    model = FakeChatModel(responses=["Bonjour", "Salut"])
    chain = PROMPT | model | StrOutputParser()
    assert chain.invoke(INPUT) == "Bonjour"
    assert "".join(chain.stream(INPUT)) == "Salut"
    assert model.calls[0].last_text == "hi"


async def test_end_to_end_async() -> None:
    from pipes._parsers import StrOutputParser
    from pipes.testing import FakeChatModel

    chain = PROMPT | FakeChatModel(responses=["Bonjour"]) | StrOutputParser()
    assert await chain.ainvoke(INPUT) == "Bonjour"
