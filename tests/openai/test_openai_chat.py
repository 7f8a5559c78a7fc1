"""ChatOpenAI over real loopback HTTP against the emulator."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import KEY
from openai_helpers import assert_valid_request
from pydantic import BaseModel, Field

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatModelError,
    HumanMessage,
    OutputParserException,
    SystemMessage,
    ToolMessage,
)
from pipes_openai import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatOpenAI,
    ContextLengthExceededError,
    InternalServerError,
    NotFoundError,
    OpenAIConfigurationError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
    StreamEventError,
    StreamIncompleteError,
)
from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall


class GetWeather(BaseModel):
    """Get the current weather in a given location"""

    location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


def make(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("model", "gpt-4o")
    llm = ChatOpenAI(base_url=emu.base_url, **kwargs)
    engine = llm._get_connection()[2]
    engine.retry_base_delay = engine.retry_max_delay = 0.001  # fast retries without headers
    return llm


def last_body(emu: Emulator) -> dict[str, Any]:
    body = emu.requests[-1].body
    assert isinstance(body, dict)
    return body


# -- the LangChain notebook, verbatim except for the imports ----------------------------------


def test_notebook_walkthrough(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
    emu.script(
        "J'adore la programmation.",
        "Ich liebe Programmieren.",
        ToolCall("GetWeather", {"location": "San Francisco, CA"}),
        "J'adore la programmation.",
    )

    # --- cell: instantiation (only the import changed) ---
    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(
        model="gpt-4o",
        temperature=0,
        max_tokens=None,
        timeout=None,
        max_retries=2,
        # api_key="...",  # if you prefer to pass api key in directly instaed of using env vars
        # base_url="...",
        # organization="...",
        # other params...
    )

    # --- cell: invocation ---
    messages = [
        (
            "system",
            "You are a helpful assistant that translates English to French. Translate the user sentence.",  # noqa: E501
        ),
        ("human", "I love programming."),
    ]
    ai_msg = llm.invoke(messages)
    ai_msg
    print(ai_msg.content)
    assert ai_msg.content == "J'adore la programmation."

    # --- cell: chaining (only the import changed) ---
    from pipes import ChatPromptTemplate

    prompt = ChatPromptTemplate(
        [
            (
                "system",
                "You are a helpful assistant that translates {input_language} to {output_language}.",  # noqa: E501
            ),
            ("human", "{input}"),
        ]
    )

    chain = prompt | llm
    german = chain.invoke(
        {
            "input_language": "English",
            "output_language": "German",
            "input": "I love programming.",
        }
    )
    assert german.content == "Ich liebe Programmieren."
    assert "German" in last_body(emu)["messages"][0]["content"]

    # --- cell: tool calling ---
    from pydantic import BaseModel, Field

    class GetWeather(BaseModel):
        """Get the current weather in a given location"""

        location: str = Field(..., description="The city and state, e.g. San Francisco, CA")

    llm_with_tools = llm.bind_tools([GetWeather])
    ai_msg = llm_with_tools.invoke(
        "what is the weather like in San Francisco",
    )
    ai_msg
    ai_msg.tool_calls
    assert ai_msg.tool_calls[0]["name"] == "GetWeather"
    assert ai_msg.tool_calls[0]["args"] == {"location": "San Francisco, CA"}

    # --- cell: fine-tuning ---
    fine_tuned_model = ChatOpenAI(
        temperature=0, model_name="ft:gpt-3.5-turbo-0613:langchain::7qTVM5AR"
    )

    fine_tuned_model(messages)
    assert last_body(emu)["model"] == "ft:gpt-3.5-turbo-0613:langchain::7qTVM5AR"
    assert fine_tuned_model.model_name == "ft:gpt-3.5-turbo-0613:langchain::7qTVM5AR"


def test_notebook_strict_tools_and_unscripted_echo(emu: Emulator) -> None:
    llm = make(emu, temperature=0)
    llm_with_tools = llm.bind_tools([GetWeather], strict=True)
    ai_msg = llm_with_tools.invoke("what is the weather like in San Francisco")
    assert ai_msg.tool_calls[0]["name"] == "GetWeather"
    tool = last_body(emu)["tools"][0]
    assert tool["function"]["strict"] is True
    assert tool["function"]["parameters"]["additionalProperties"] is False
    assert llm.invoke("echo me").content == "echo me"


# -- parameters and environment ----------------------------------------------------------------


def test_parameters_reach_the_body(emu: Emulator) -> None:
    llm = make(
        emu,
        temperature=0.3,
        max_tokens=50,
        n=2,
        logprobs=True,
        top_logprobs=2,
        seed=7,
        stop=["END"],
        top_p=0.9,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        logit_bias={50256: -100},
        service_tier="default",
        model_kwargs={"user": "u-1"},
        extra_body={"metadata": {"k": "v"}},
    )
    message = llm.invoke("one two three")
    body = last_body(emu)
    assert {k: body[k] for k in body if k != "messages"} == {
        "model": "gpt-4o",
        "temperature": 0.3,
        "max_tokens": 50,
        "n": 2,
        "logprobs": True,
        "top_logprobs": 2,
        "seed": 7,
        "stop": ["END"],
        "top_p": 0.9,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "logit_bias": {"50256": -100},
        "service_tier": "default",
        "user": "u-1",
        "metadata": {"k": "v"},
    }
    assert message.content == "one two three"
    logprobs = message.response_metadata["logprobs"]["content"]
    assert [entry["token"] for entry in logprobs] == ["one", " two", " three"]
    assert len(logprobs[0]["top_logprobs"]) == 2
    # A call's stop= overrides the default; kwargs go to the body.
    llm.invoke("a b", stop=["b"], temperature=1.0)
    assert last_body(emu)["stop"] == ["b"]
    assert last_body(emu)["temperature"] == 1.0


def test_max_tokens_naming(emu: Emulator) -> None:
    make(emu, max_tokens=5).invoke("hi")
    assert "max_tokens" in last_body(emu)
    make(emu, max_tokens=5, max_tokens_param="max_completion_tokens").invoke("hi")
    assert last_body(emu)["max_completion_tokens"] == 5
    assert "max_tokens" not in last_body(emu)
    o_series = make(emu, model="o3-mini", max_tokens=5, reasoning_effort="low")
    o_series.invoke([SystemMessage("rules"), HumanMessage("hi")])
    body = last_body(emu)
    assert body["max_completion_tokens"] == 5
    assert body["reasoning_effort"] == "low"
    assert body["messages"][0]["role"] == "developer"
    # The max_completion_tokens= constructor alias (LangChain's) works too.
    assert ChatOpenAI(api_key="k", max_completion_tokens=9).max_tokens == 9


def test_env_vars_and_headers(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_BASE", emu.base_url)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-1")
    llm = ChatOpenAI(default_headers={"x-team": "blue"}, default_query={"trace": "1"})
    llm.invoke("hi")
    request = emu.requests[-1]
    assert request.headers["openai-organization"] == "org-1"
    assert request.headers["openai-project"] == "proj-1"
    assert request.headers["x-team"] == "blue"
    assert request.headers["authorization"] == "Bearer <redacted>"
    assert request.query == {"trace": "1"}


def test_missing_key_names_env_var_and_argument() -> None:
    with pytest.raises(OpenAIConfigurationError) as info:
        ChatOpenAI(model="gpt-4o")
    assert "OPENAI_API_KEY" in str(info.value)
    assert "api_key=" in str(info.value)
    assert isinstance(info.value, ValueError)
    # A custom server needs no key: no Authorization header is sent.
    assert ChatOpenAI(base_url="http://127.0.0.1:1/v1").api_key is None


def test_unknown_parameters(emu: Emulator) -> None:
    with pytest.warns(UserWarning, match="model_kwargs"):
        llm = make(emu, user="someone")
    assert llm.model_kwargs == {"user": "someone"}
    with pytest.raises(TypeError, match="temperature"):
        ChatOpenAI(api_key="k", temprature=0)


def test_settings_changes_take_effect(emu: Emulator) -> None:
    llm = make(emu)
    llm.invoke("a")
    llm.default_headers = {"x-new": "1"}
    llm.temperature = 0.5
    llm.invoke("b")
    assert emu.requests[-1].headers["x-new"] == "1"
    assert last_body(emu)["temperature"] == 0.5


# -- streaming -------------------------------------------------------------------------------


def test_stream_with_usage(emu: Emulator) -> None:
    llm = make(emu)
    chunks = list(llm.stream("the quick brown fox"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert len(chunks) > 3
    assert last_body(emu)["stream_options"] == {"include_usage": True}
    full = AIMessageChunk.merge_chunks(chunks)
    assert full.content == "the quick brown fox"
    assert full.usage_metadata is not None
    assert full.usage_metadata["output_tokens"] == 4
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == "gpt-4o"
    assert full.id is not None
    assert full.id.startswith("chatcmpl-")


def test_stream_usage_can_be_turned_off(emu: Emulator) -> None:
    llm = make(emu, stream_usage=False)
    full = AIMessageChunk.merge_chunks(list(llm.stream("hi there")))
    assert "stream_options" not in last_body(emu)
    assert full.usage_metadata is None
    list(llm.stream("hi", stream_usage=True))
    assert last_body(emu)["stream_options"] == {"include_usage": True}


def test_streaming_flag_makes_invoke_stream(emu: Emulator) -> None:
    llm = make(emu, streaming=True)
    message = llm.invoke("a b c")
    assert last_body(emu)["stream"] is True
    assert type(message) is AIMessage
    assert message.content == "a b c"
    assert message.usage_metadata is not None


def test_streamed_tool_calls(emu: Emulator) -> None:
    emu.script(
        Reply(
            tool_calls=[
                ToolCall("GetWeather", {"location": "Paris"}, id="call_1"),
                ToolCall("GetWeather", {"location": "Rome"}, id="call_2"),
            ]
        )
    )
    chunks = list(make(emu).bind_tools([GetWeather]).stream("weather?"))
    assert any(c.tool_call_chunks for c in chunks)
    full = AIMessageChunk.merge_chunks(chunks).to_message()
    assert [(c["id"], c["args"]) for c in full.tool_calls] == [
        ("call_1", {"location": "Paris"}),
        ("call_2", {"location": "Rome"}),
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"


async def test_astream_and_ainvoke(emu: Emulator) -> None:
    llm = make(emu)
    chunks = [c async for c in llm.astream("one two")]
    assert AIMessageChunk.merge_chunks(chunks).content == "one two"
    message = await llm.ainvoke("three four")
    assert message.content == "three four"
    results = await llm.abatch([f"n{i}" for i in range(20)], config={"max_concurrency": 8})
    assert [m.content for m in results] == [f"n{i}" for i in range(20)]


def test_two_event_loops(emu: Emulator) -> None:
    llm = make(emu)
    first = asyncio.run(llm.ainvoke("loop one"))
    second = asyncio.run(llm.ainvoke("loop two"))  # LangChain: "Event loop is closed"

    async def stream() -> str:
        return "".join([c.text async for c in llm.astream("loop three")])

    assert (first.content, second.content, asyncio.run(stream())) == (
        "loop one",
        "loop two",
        "loop three",
    )


# -- tools -----------------------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ("GetWeather", {"type": "function", "function": {"name": "GetWeather"}}),
        (True, {"type": "function", "function": {"name": "GetWeather"}}),
        (
            {"type": "function", "function": {"name": "GetWeather"}},
            {"type": "function", "function": {"name": "GetWeather"}},
        ),
    ],
)
def test_tool_choice_mapping(emu: Emulator, choice: Any, expected: Any) -> None:
    make(emu).bind_tools([GetWeather], tool_choice=choice).invoke("weather in Paris")
    assert last_body(emu)["tool_choice"] == expected


def test_tool_kinds_and_parallel_flag(emu: Emulator) -> None:
    raw = {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look a word up.",
            "parameters": {"type": "object", "properties": {"word": {"type": "string"}}},
        },
    }
    make(emu).bind_tools([GetWeather, add, raw], parallel_tool_calls=False).invoke("add 1 2")
    body = last_body(emu)
    assert [t["function"]["name"] for t in body["tools"]] == ["GetWeather", "add", "lookup"]
    assert body["parallel_tool_calls"] is False
    assert body["tools"][1]["function"]["parameters"]["required"] == ["a", "b"]


def test_bad_tool_choice_fails_early(emu: Emulator) -> None:
    llm = make(emu)
    with pytest.raises(ValueError, match="names no bound tool"):
        llm.bind_tools([GetWeather], tool_choice="Nope")
    with pytest.raises(ValueError, match="single bound tool"):
        llm.bind_tools([GetWeather, add], tool_choice=True)


def test_tool_round_trip_and_invalid_arguments(emu: Emulator) -> None:
    emu.script(ToolCall("add", '{"a": 1, "b": '), "The answer is 3.")
    llm = make(emu).bind_tools([add])
    ai = llm.invoke("add 1 and 2")
    assert ai.tool_calls == []
    assert ai.invalid_tool_calls[0]["name"] == "add"
    answer = llm.invoke(
        [
            HumanMessage("add 1 and 2"),
            ai,
            ToolMessage("3", tool_call_id=ai.invalid_tool_calls[0]["id"]),
        ]
    )
    assert answer.content == "The answer is 3."
    sent = last_body(emu)["messages"][1]
    assert sent["content"] is None
    assert sent["tool_calls"][0]["function"]["arguments"] == '{"a": 1, "b": '


# -- structured output -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_structured_output_methods(emu: Emulator, method: str) -> None:
    reply: Any = (
        ToolCall("Joke", {"setup": "Why?", "punchline": "Because."})
        if method == "function_calling"
        else '{"setup": "Why?", "punchline": "Because."}'
    )
    emu.script(reply, reply, reply)
    structured = make(emu).with_structured_output(Joke, method=method)  # type: ignore[arg-type]
    prompt = "Tell me a joke as json"
    assert structured.invoke(prompt) == Joke(setup="Why?", punchline="Because.")
    body = last_body(emu)
    if method == "json_schema":
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["response_format"]["json_schema"]["name"] == "Joke"
    elif method == "json_mode":
        assert body["response_format"] == {"type": "json_object"}
    else:
        assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
        assert body["parallel_tool_calls"] is False
    streamed = list(structured.stream(prompt))
    assert streamed[-1] == Joke(setup="Why?", punchline="Because.")
    as_dict = make(emu).with_structured_output(
        Joke.model_json_schema(),
        method=method,  # type: ignore[arg-type]
    )
    assert as_dict.invoke(prompt) == {"setup": "Why?", "punchline": "Because."}
    if method == "json_schema":  # dict schemas are not strict unless asked (LangChain 0.3)
        assert last_body(emu)["response_format"]["json_schema"]["strict"] is False


def test_structured_output_strict_fallback_and_explicit(emu: Emulator) -> None:
    class Loose(BaseModel):
        """Free-form data strict mode cannot express."""

        data: dict[str, Any]

    emu.script('{"data": {"a": 1}}', '{"setup": "s", "punchline": "p"}')
    assert make(emu).with_structured_output(Loose).invoke("x") == Loose(data={"a": 1})
    assert last_body(emu)["response_format"]["json_schema"]["strict"] is False
    schema = Joke.model_json_schema()
    result = make(emu).with_structured_output(schema, strict=True).invoke("x")
    assert result == {"setup": "s", "punchline": "p"}
    sent = last_body(emu)["response_format"]["json_schema"]
    assert sent["strict"] is True
    assert sent["schema"]["additionalProperties"] is False


def test_structured_output_unscripted_synthesis(emu: Emulator) -> None:
    joke = make(emu).with_structured_output(Joke).invoke("Tell me a joke")
    assert isinstance(joke, Joke)


def test_structured_output_include_raw(emu: Emulator) -> None:
    emu.script('{"setup": "a", "punchline": "b"}', "not json at all")
    runnable = make(emu).with_structured_output(Joke, include_raw=True)
    good = runnable.invoke("joke")
    assert good["parsed"] == Joke(setup="a", punchline="b")
    assert good["parsing_error"] is None
    assert isinstance(good["raw"], AIMessage)
    bad = runnable.invoke("joke")
    assert bad["parsed"] is None
    assert isinstance(bad["parsing_error"], OutputParserException)


def test_refusal_raises_on_invoke_and_stream(emu: Emulator) -> None:
    refusal = Reply(refusal="I'm sorry, I can't help with that.")
    emu.script(refusal, refusal, refusal, refusal)
    structured = make(emu).with_structured_output(Joke)
    with pytest.raises(RefusalError) as info:
        structured.invoke("something bad")
    assert info.value.refusal == "I'm sorry, I can't help with that."
    assert isinstance(info.value, ChatModelError)
    with pytest.raises(RefusalError):
        list(structured.stream("something bad"))
    with pytest.raises(RefusalError):
        asyncio.run(structured.ainvoke("something bad"))
    raw = make(emu).with_structured_output(Joke, include_raw=True).invoke("something bad")
    assert isinstance(raw["parsing_error"], RefusalError)
    assert raw["raw"].additional_kwargs["refusal"].startswith("I'm sorry")


def test_json_mode_via_bind_and_response_format_model(emu: Emulator) -> None:
    llm = make(emu)
    message = llm.bind(response_format={"type": "json_object"}).invoke("Reply in json: hi")
    assert json.loads(message.text) == {"echo": "Reply in json: hi"}
    emu.script('{"setup": "s", "punchline": "p"}')
    parsed = llm.bind(response_format=Joke).invoke("joke")
    assert parsed.additional_kwargs["parsed"] == Joke(setup="s", punchline="p")
    assert last_body(emu)["response_format"]["json_schema"]["name"] == "Joke"


# -- multimodal ------------------------------------------------------------------------------


def test_image_and_audio_input(emu: Emulator) -> None:
    llm = make(emu)
    llm.invoke(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "describe"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}},
                    {"type": "image", "source_type": "url", "url": "https://x.test/a.png"},
                    {
                        "type": "audio",
                        "source_type": "base64",
                        "data": "UklG",
                        "mime_type": "audio/wav",
                    },
                ]
            )
        ]
    )
    parts = last_body(emu)["messages"][0]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url", "input_audio"]


# -- errors and retries ----------------------------------------------------------------------


def test_retries_honour_retry_after(emu: Emulator) -> None:
    emu.fail(429, retry_after_ms=1, times=2).script("finally")
    assert make(emu).invoke("x").content == "finally"
    assert len(emu.requests) == 3


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, None, BadRequestError),
        (400, "context_length_exceeded", ContextLengthExceededError),
        (401, "invalid_api_key", AuthenticationError),
        (403, None, PermissionDeniedError),
        (404, "model_not_found", NotFoundError),
        (429, "rate_limit_exceeded", RateLimitError),
        (500, None, InternalServerError),
    ],
)
def test_typed_errors(emu: Emulator, status: int, code: str | None, cls: type[Exception]) -> None:
    emu.fail(status, code=code, times=3, retry_after_ms=1)
    llm = make(emu)
    with pytest.raises(cls) as info:
        llm.invoke("x")
    err: Any = info.value
    assert err.status_code == status
    assert err.request_id == emu.requests[-1].request_id
    assert err.attempts == (3 if status in (429, 500) else 1)
    emu.reset()
    emu.fail(status, code=code, times=3, retry_after_ms=1)
    with pytest.raises(cls):
        list(llm.stream("x"))


def test_mid_stream_cut_and_error_event(emu: Emulator) -> None:
    llm = make(emu)
    emu.fault(Fault.drop(after_chunks=2))
    with pytest.raises(StreamIncompleteError):
        list(llm.stream("a b c d e"))
    emu.fault(Fault.truncate(after_chunks=2))
    with pytest.raises(StreamIncompleteError):
        make(emu, streaming=True).invoke("a b c d e")
    emu.fault(Fault.stream_error(after_chunks=1, message="upstream overloaded"))
    with pytest.raises(StreamEventError, match="upstream overloaded"):
        list(llm.stream("a b c"))


async def test_async_mid_stream_failures(emu: Emulator) -> None:
    llm = make(emu)
    emu.fault(Fault.drop(after_chunks=1))
    with pytest.raises(StreamIncompleteError):
        _ = [c async for c in llm.astream("a b c")]
    emu.fault(Fault.stream_error(after_chunks=1))
    with pytest.raises(StreamEventError):
        await make(emu, streaming=True).ainvoke("a b c")


def test_per_chunk_timeout(emu: Emulator) -> None:
    emu.fault(Fault.slow(chunk_delay=0.5))
    llm = make(emu, stream_chunk_timeout=0.05)
    with pytest.raises(APITimeoutError, match="stream_chunk_timeout"):
        list(llm.stream("a b c"))


def test_request_timeout_is_retried_then_typed(emu: Emulator) -> None:
    emu.fault(Fault.slow(delay=0.5), times=2)
    llm = make(emu, timeout=0.05, max_retries=1)
    with pytest.raises(APITimeoutError) as info:
        llm.invoke("x")
    assert info.value.attempts == 2


def test_batch_return_exceptions(emu: Emulator) -> None:
    emu.fail(400, message="bad one")
    results = make(emu).batch(["x"], return_exceptions=True)
    assert isinstance(results[0], BadRequestError)


# -- secrets ---------------------------------------------------------------------------------


def test_key_never_leaks(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    llm = make(emu)
    visible = [
        repr(llm),
        str(llm),
        llm.model_dump_json(),
        json.dumps(llm.model_dump(), default=str),
    ]
    visible.append(llm._get_llm_string(None, {}))
    for text in visible:
        assert KEY not in text
    llm.invoke("hello")
    list(llm.stream("hello"))
    emu.fail(401, message=f"Incorrect API key provided: {KEY}", code="invalid_api_key")
    with pytest.raises(AuthenticationError) as info:
        llm.invoke("hello")
    rendered = "".join(traceback.format_exception(info.value))
    assert KEY not in rendered
    assert KEY not in repr(pickle.loads(pickle.dumps(info.value)).__dict__)
    assert KEY not in caplog.text
    assert "<redacted>" not in KEY  # sanity: the emulator saw a redacted header only
    assert llm.api_key is not None
    assert llm.api_key.get_secret_value() == KEY


def test_key_is_sent_as_bearer() -> None:
    with Emulator(api_key=KEY) as strict:
        llm = ChatOpenAI(api_key=KEY, base_url=strict.base_url)
        assert llm.invoke("ok").content == "ok"
        wrong = ChatOpenAI(api_key="sk-wrong", base_url=strict.base_url)
        with pytest.raises(AuthenticationError):
            wrong.invoke("ok")
        for request in strict.requests:
            assert_valid_request(request.body)


# -- OpenAI-compatible servers' quirks --------------------------------------------------------


@pytest.fixture
def quirky(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    with Emulator(quirks=request.param, any_model=True) as server:  # local servers' names
        yield server
        for recorded in server.requests:
            if recorded.path.endswith("/chat/completions"):
                assert_valid_request(recorded.body)


@pytest.mark.parametrize("quirky", [{"reject_stream_options"}], indirect=True)
def test_stream_options_rejected_falls_back_once(quirky: Emulator) -> None:
    llm = make(quirky)
    assert AIMessageChunk.merge_chunks(list(llm.stream("a b"))).content == "a b"
    assert len(quirky.requests) == 2
    assert "stream_options" not in quirky.requests[-1].body
    list(llm.stream("c d"))
    assert len(quirky.requests) == 3  # remembered: no second rejection


@pytest.mark.parametrize("quirky", [{"reject_stream_options", "errors_as_500"}], indirect=True)
async def test_stream_options_rejected_with_500_async(quirky: Emulator) -> None:
    llm = make(quirky, max_retries=0)
    chunks = [c async for c in llm.astream("a b")]
    assert AIMessageChunk.merge_chunks(chunks).content == "a b"


@pytest.mark.parametrize("quirky", [{"reject_null_content"}], indirect=True)
def test_null_content_servers(quirky: Emulator) -> None:
    history = [
        HumanMessage("weather?"),
        AIMessage("", tool_calls=[{"name": "GetWeather", "args": {"location": "X"}, "id": "c1"}]),
        ToolMessage("sunny", tool_call_id="c1"),
    ]
    with pytest.raises(BadRequestError):
        make(quirky).invoke(history)
    relaxed = ChatOpenAI.for_server("llama.cpp", base_url=quirky.base_url, model="local")
    assert relaxed.invoke(history).content == "weather?"  # accepted (the echo of the question)
    assert quirky.requests[-1].body["messages"][1]["content"] == ""
    assert "max_tokens" not in quirky.requests[-1].body


@pytest.mark.parametrize(
    "quirky",
    [{"repeat_tool_call_id", "tool_call_delta_without_index", "null_choices_in_usage_chunk"}],
    indirect=True,
)
def test_tool_call_stream_quirks(quirky: Emulator) -> None:
    quirky.script(Reply(tool_calls=[ToolCall("GetWeather", {"location": "Oslo, NO"}, id="call_q")]))
    chunks = list(make(quirky).bind_tools([GetWeather]).stream("weather in Oslo"))
    full = AIMessageChunk.merge_chunks(chunks).to_message()
    assert full.tool_calls == [
        {
            "name": "GetWeather",
            "args": {"location": "Oslo, NO"},
            "id": "call_q",
            "type": "tool_call",
        }
    ]
    assert full.usage_metadata is not None


@pytest.mark.parametrize("quirky", [{"omit_usage", "reasoning_content"}], indirect=True)
def test_no_usage_and_reasoning_content(quirky: Emulator) -> None:
    llm = make(quirky)
    message = llm.invoke("why")
    assert message.usage_metadata is None
    assert message.additional_kwargs["reasoning_content"]
    streamed = AIMessageChunk.merge_chunks(list(llm.stream("why"))).to_message()
    assert streamed.usage_metadata is None
    assert (
        streamed.additional_kwargs["reasoning_content"]
        == message.additional_kwargs["reasoning_content"]
    )
    assert streamed.text == message.text == "why"


@pytest.mark.parametrize("quirky", [{"reasoning_content"}], indirect=True)
def test_reasoning_content_becomes_reasoning_blocks_in_invoke_and_stream(quirky: Emulator) -> None:
    llm = make(quirky)
    message = llm.invoke("why not")
    assert message.content == [
        {"type": "reasoning", "reasoning": "The user wrote: why not"},
        {"type": "text", "text": "why not"},
    ]
    streamed = AIMessageChunk.merge_chunks(list(llm.stream("why not"))).to_message()
    assert [
        {k: v for k, v in block.items() if k != "index"}  # type: ignore[union-attr]
        for block in streamed.content
    ] == message.content
    assert streamed.text == "why not"


@pytest.mark.parametrize("quirky", [{"reasoning_content"}], indirect=True)
@pytest.mark.parametrize("send_back", [False, True])
def test_reasoning_in_history_sends_reasoning_back(quirky: Emulator, send_back: bool) -> None:
    llm = make(quirky, reasoning_in_history=send_back)
    first = llm.invoke("think")
    streamed = AIMessageChunk.merge_chunks(list(llm.stream("think"))).to_message()
    for previous in (first, streamed):
        llm.invoke([HumanMessage("think"), previous, HumanMessage("more")])
        sent = quirky.requests[-1].body["messages"][1]
        # The reasoning block is not text: only the answer goes back as content.
        assert sent["content"] in ("think", [{"type": "text", "text": "think"}])
        if send_back:
            assert sent["reasoning_content"] == "The user wrote: think"
        else:
            assert "reasoning_content" not in sent


def test_for_server_presets(emu: Emulator) -> None:
    vllm = ChatOpenAI.for_server(
        "vllm", base_url=emu.base_url, model="Qwen/Qwen2.5-7B", max_tokens=3
    )
    vllm.invoke("hi")
    assert last_body(emu)["max_tokens"] == 3
    lmstudio = ChatOpenAI.for_server("lmstudio", base_url=emu.base_url, model="m")
    list(lmstudio.stream("hi"))
    assert "stream_options" not in last_body(emu)
    with pytest.raises(ValueError, match="Unknown server"):
        ChatOpenAI.for_server("tgi", base_url=emu.base_url, model="m")  # type: ignore[arg-type]


def test_user_http_clients(emu: Emulator) -> None:
    seen: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.path)]}) as client:
        llm = ChatOpenAI(api_key=KEY, base_url=emu.base_url, http_client=client)
        llm.invoke("hi")
        assert seen == ["/v1/chat/completions"]
        assert "http_client" not in llm.model_dump()


def test_no_warnings_on_plain_use(emu: Emulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(emu).invoke("quiet")


def test_copies_and_reassignment_keep_secrets_and_reconnect(emu: Emulator) -> None:
    import copy

    llm = make(emu)
    llm.invoke("first")
    other = llm.model_copy(update={"base_url": "http://127.0.0.1:9/v1", "api_key": "sk-2"})
    assert other.api_key is not None
    assert other.api_key.get_secret_value() == "sk-2"
    assert other._get_connection()[0] != llm._get_connection()[0]
    llm.api_key = "sk-assigned"  # type: ignore[assignment]
    assert llm.api_key.get_secret_value() == "sk-assigned"
    assert "sk-assigned" not in repr(llm)
    assert llm.invoke("after").content == "after"
    restored = pickle.loads(pickle.dumps(llm))
    assert restored.invoke("pickled").content == "pickled"
    assert copy.deepcopy(llm).invoke("deep").content == "deep"


def test_streamed_logprobs_and_n(emu: Emulator) -> None:
    llm = make(emu, logprobs=True, top_logprobs=1)
    full = AIMessageChunk.merge_chunks(list(llm.stream("alpha beta")))
    assert full.content == "alpha beta"
    tokens = [entry["token"] for entry in full.response_metadata["logprobs"]["content"]]
    assert tokens == ["alpha", " beta"]
    # Several choices are not streamed (the others would be dropped): generate() has them.
    with pytest.raises(OpenAIConfigurationError, match="n=2 asks for 2 choices"):
        list(make(emu, logprobs=True, n=2).stream("alpha beta"))


def test_response_format_model_mismatch_is_a_parser_error(emu: Emulator) -> None:
    emu.script('{"setup": "only half"}')
    with pytest.raises(OutputParserException, match="response_format=Joke"):
        make(emu).bind(response_format=Joke).invoke("joke")


def test_timeouts_are_finite_by_default() -> None:
    from pipes_openai._http import Timeouts

    for timeout in (None, 60):
        llm = ChatOpenAI(api_key="k", timeout=timeout)
        assert llm._get_connection()[2].timeouts == Timeouts(60.0, 10.0, None)
    chunked = ChatOpenAI(api_key="k", timeout=(2, 30), stream_chunk_timeout=5)
    assert chunked._get_connection()[2].timeouts == Timeouts(30.0, 2.0, 5.0)
    unlimited = ChatOpenAI(api_key="k", timeout=httpx.Timeout(None))
    assert unlimited._get_connection()[2].timeouts == Timeouts(None, None, None)
