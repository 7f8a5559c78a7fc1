"""Chat-model runs as run events: `astream_events` like LangChain, callback handler arguments
(invocation params, tokens, `LLMResult` with usage), liveness, no secrets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import Field, SecretStr

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseCallbackHandler,
    BaseChatModel,
    BaseMessage,
    ChatGeneration,
    ChatGenerationChunk,
    ChatPromptTemplate,
    HumanMessage,
    LLMResult,
    StrOutputParser,
)
from pipes.testing import GenericFakeChatModel

USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


class Gated(BaseChatModel):
    """Streams "a", then waits for `gate`, then " b" with usage; has sampling parameters."""

    model: str = "gated-1"
    temperature: float | None = 0.5
    max_tokens: int | None = 100
    top_p: float | None = None
    access_token: str = "tok-secret-value"
    api_key: SecretStr = SecretStr("sk-secret-value")
    gate: asyncio.Event = Field(default_factory=asyncio.Event, exclude=True)

    @property
    def provider_name(self) -> str:
        return "gated"

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        return AIMessage("a b", usage_metadata=USAGE, response_metadata={"model_name": "gated-1"})

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        yield AIMessageChunk("a")
        yield AIMessageChunk(" b", usage_metadata=USAGE)

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        yield AIMessageChunk("a")
        await self.gate.wait()
        yield AIMessageChunk(" b", usage_metadata=USAGE)


PROMPT = ChatPromptTemplate.from_messages([("human", "{q}")])

# langchain-core 1.8.3, `prompt | GenericFakeChatModel(messages=iter([AIMessage("a b")])) |
# StrOutputParser()`, astream_events({"q": "x"}, version="v2"): (event, name, depth, data keys).
_STEP = [
    ("on_chat_model_stream", "GenericFakeChatModel", 1, ["chunk"]),
    ("on_parser_stream", "StrOutputParser", 1, ["chunk"]),
    ("on_chain_stream", "RunnableSequence", 0, ["chunk"]),
]
LANGCHAIN = [
    ("on_chain_start", "RunnableSequence", 0, ["input"]),
    ("on_prompt_start", "ChatPromptTemplate", 1, ["input"]),
    ("on_prompt_end", "ChatPromptTemplate", 1, ["input", "output"]),
    ("on_chat_model_start", "GenericFakeChatModel", 1, ["input"]),
    _STEP[0],
    ("on_parser_start", "StrOutputParser", 1, []),
    _STEP[1],
    _STEP[2],
    *_STEP,
    *_STEP,
    ("on_chat_model_end", "GenericFakeChatModel", 1, ["input", "output"]),
    ("on_parser_end", "StrOutputParser", 1, ["input", "output"]),
    ("on_chain_end", "RunnableSequence", 0, ["output"]),
]


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, str, int, list[str]]]:
    return [(e["event"], e["name"], len(e["parent_ids"]), sorted(e["data"])) for e in events]


async def test_prompt_model_parser_events_like_langchain() -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage("a b")]))
    chain = PROMPT | model | StrOutputParser()
    events = [e async for e in chain.astream_events({"q": "x"}, version="v2")]
    assert _shape(events) == LANGCHAIN
    start = events[3]
    assert [e["tags"] for e in events[:4]] == [[], ["seq:step:1"], ["seq:step:1"], ["seq:step:2"]]
    assert start["data"]["input"] == {"messages": [[HumanMessage("x")]]}
    assert start["metadata"]["ls_provider"] == model.provider_name
    assert start["metadata"]["ls_model_type"] == "chat"
    assert [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"] == [
        "a",
        " ",
        "b",
    ]
    assert events[-3]["data"]["output"].content == "a b"
    assert events[-1]["data"]["output"] == "a b"


async def test_the_first_token_event_arrives_before_the_model_finishes() -> None:
    model = Gated()
    chain = PROMPT | model | StrOutputParser()

    async def consume() -> list[str]:
        seen = []
        async for event in chain.astream_events({"q": "x"}):
            seen.append(event["event"])
            if event["event"] == "on_chat_model_stream":
                model.gate.set()  # the model waits for this: only a live stream gets here
        return seen

    seen = await asyncio.wait_for(consume(), 10)
    assert seen.count("on_chat_model_stream") == 2


async def test_a_model_alone_reports_its_raw_input_and_final_message() -> None:
    model = Gated()
    model.gate.set()
    events = [e async for e in model.astream_events("hi")]
    assert [e["event"] for e in events] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    assert events[0]["data"] == {"input": "hi"}
    assert events[0]["metadata"]["ls_model_name"] == "gated-1"
    assert events[0]["metadata"]["ls_temperature"] == 0.5
    assert events[-1]["data"]["output"].usage_metadata == USAGE


class ModelLog(BaseCallbackHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls.append(("start", messages, kwargs))

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.calls.append(("token", token, kwargs))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.calls.append(("end", response, kwargs))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.calls.append(("error", error, kwargs))


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_handler_sees_invocation_params_tokens_and_the_llm_result(mode: str) -> None:
    log = ModelLog()
    model = Gated()
    config: Any = {"callbacks": [log]}
    if mode == "invoke":
        model.invoke("hi", config, stop=["\n"])
    else:
        list(model.stream("hi", config, stop=["\n"]))
    kinds = [kind for kind, _, _ in log.calls]
    assert kinds == ["start", "token", "token", "end"]
    _, messages, start = log.calls[0]
    assert messages == [[HumanMessage("hi")]]
    params = start["invocation_params"]
    assert params["model"] == params["model_name"] == "gated-1"
    assert params["temperature"] == 0.5
    assert params["stop"] == ["\n"]
    assert params["_type"] == "gated-chat"
    assert "top_p" not in params  # unset parameters are left out
    assert params["max_tokens"] == 100  # counts tokens: not a credential
    assert start["options"] == {"stop": ["\n"]}
    assert start["metadata"]["ls_stop"] == ["\n"]
    assert start["name"] == "Gated"
    _, token, token_kwargs = log.calls[1]
    assert token == "a"
    assert type(token) is str
    assert isinstance(token_kwargs["chunk"], ChatGenerationChunk)
    assert token_kwargs["chunk"].message.content == "a"
    assert token_kwargs["run_id"] == start["run_id"]
    _, result, _ = log.calls[-1]
    assert isinstance(result, LLMResult)
    generation = result.generations[0][0]
    assert isinstance(generation, ChatGeneration)
    assert generation.text == "a b"
    assert generation.message.usage_metadata == USAGE  # type: ignore[attr-defined]


def test_invocation_params_never_hold_credentials() -> None:
    log = ModelLog()
    Gated().invoke("hi", {"callbacks": [log]})
    start = log.calls[0][2]
    assert "api_key" not in start["invocation_params"]
    assert "access_token" not in start["invocation_params"]
    assert "secret-value" not in repr(start)


def test_a_failing_model_reports_on_llm_error() -> None:
    log = ModelLog()
    model = GenericFakeChatModel(messages=iter([]))
    with pytest.raises(Exception, match="exhausted"):
        model.invoke("hi", {"callbacks": [log]})
    assert [kind for kind, _, _ in log.calls] == ["start", "error"]


def test_chunks_merge_like_langchain() -> None:
    merged = ChatGenerationChunk(message=AIMessageChunk("a")) + ChatGenerationChunk(
        message=AIMessageChunk("b")
    )
    assert merged.text == "ab"
    with pytest.raises(TypeError, match="ChatGenerationChunk"):
        merged + ChatGeneration(message=AIMessage("x"))  # type: ignore[operator]


class SyncGated(BaseChatModel):
    """A sync-only streaming model (async calls step it in a worker thread): "a", then it
    waits (at most 10 s) until the test saw that token as an event, then " b"."""

    gate: threading.Event = Field(default_factory=threading.Event, exclude=True)
    saw_gate: list[bool] = Field(default_factory=list, exclude=True)

    @property
    def provider_name(self) -> str:
        return "sync-gated"

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        return AIMessage("a b")

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        yield AIMessageChunk("a")
        self.saw_gate.append(self.gate.wait(10))
        yield AIMessageChunk(" b")


async def test_tokens_from_a_worker_thread_arrive_live() -> None:
    model = SyncGated()
    kinds = []
    async for event in (PROMPT | model).astream_events({"q": "x"}):
        kinds.append(event["event"])
        if event["event"] == "on_chat_model_stream":
            model.gate.set()
    assert model.saw_gate == [True]  # the first token was an event while the model waited
    assert kinds.count("on_chat_model_stream") == 2
