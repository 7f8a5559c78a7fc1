"""`/v1/chat/completions` and `/v1/models`: the official `openai` SDK talks to a served chain,
and every reply matches the Chat Completions schema."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from typing_extensions import TypedDict

from pipes import AIMessage, BaseMessage, RunnableLambda
from pipes.serve import create_app
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator

Serve = Callable[..., str]

_spec = importlib.util.spec_from_file_location(
    "serve_openai_helpers", Path(__file__).parents[1] / "openai" / "openai_helpers.py"
)
assert _spec is not None
assert _spec.loader is not None
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)


def assert_valid(kind: str, instance: Any) -> None:
    errors = sorted(_helpers.schema_validator(kind).iter_errors(instance), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _model(emu: Emulator) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", base_url=emu.base_url, api_key="sk-x", max_retries=0)


def test_the_openai_sdk_gets_a_completion_with_usage(serve: Serve, emu: Emulator) -> None:
    emu.script("Bonjour le monde !")
    url = serve(create_app(_model(emu), name="translator"))
    client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(
        model="translator", messages=[{"role": "user", "content": "Hello world!"}]
    )
    assert completion.choices[0].message.content == "Bonjour le monde !"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    raw = httpx.post(
        url + "/v1/chat/completions",
        json={"model": "translator", "messages": [{"role": "user", "content": "Hi"}]},
    ).json()
    assert_valid("CreateChatCompletionResponse", raw)


def test_the_openai_sdk_streams_with_usage(serve: Serve, emu: Emulator) -> None:
    emu.script("one two three")
    url = serve(create_app(_model(emu)))
    client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="any",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 1
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 3
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"

    emu.script("a b")
    response = httpx.post(
        url + "/v1/chat/completions",
        json={
            "model": "any",
            "messages": [{"role": "user", "content": "Hi"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )
    datas = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    assert datas[-1] == "[DONE]"
    for data in datas[:-1]:
        assert_valid("CreateChatCompletionStreamResponse", json.loads(data))


class State(TypedDict):
    messages: list[Any]


def test_a_dict_with_messages_and_a_string_answer(serve: Serve) -> None:
    def reply(state: State) -> str:
        last = state["messages"][-1]
        assert isinstance(last, BaseMessage)
        return f"you said {last.content}"

    url = serve(create_app(RunnableLambda(reply), name="echo"))
    client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "hi"}]
    )
    assert completion.choices[0].message.content == "you said hi"
    assert completion.usage is None  # none reported, none made up
    models = client.models.list()
    assert [m.id for m in models.data] == ["echo"]


def test_errors_reach_the_sdk_as_its_own_exceptions(serve: Serve) -> None:
    def fail(messages: Any) -> AIMessage:
        raise RuntimeError("the chain broke")

    url = serve(create_app(RunnableLambda(fail), api_key="k-123456"))
    client = openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    client = openai.OpenAI(base_url=url + "/v1", api_key="k-123456", max_retries=0)
    with pytest.raises(openai.InternalServerError, match="the chain broke"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.UnprocessableEntityError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "robot", "content": "x"}])
    assert "unknown role 'robot'" in str(info.value)
    error = httpx.post(
        url + "/v1/chat/completions",
        json={"model": "m", "messages": []},
        headers={"authorization": "Bearer k-123456"},
    ).json()
    assert_valid("ErrorResponse", error)
    assert error["error"]["param"] == "messages"


def test_a_failure_mid_stream_is_an_error_chunk(serve: Serve) -> None:
    async def half(messages: Any) -> Any:
        yield "partial "
        raise ValueError("ran dry")

    from pipes import RunnableGenerator

    url = serve(create_app(RunnableGenerator(half)))
    client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError, match="ran dry"):
        list(stream)
