from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import BaseModel, Field

from pipes._core import RunnableLambda
from pipes._errors import (
    ChatModelError,
    InputTypeError,
    MessageConversionError,
    NotImplementedInvokeError,
    OutputParserException,
)
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatPromptValue,
    HumanMessage,
    StringPromptValue,
    SystemMessage,
)
from pipes._models import (
    BaseCache,
    BaseChatModel,
    BaseRateLimiter,
    InMemoryCache,
    generate_from_stream,
    set_llm_cache,
)

from .conftest import EventLog, NativeAsync, Recorder, Streamer, ToolCaller

# -- input coercion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hi", [HumanMessage("hi")]),
        (HumanMessage("hi"), [HumanMessage("hi")]),
        (
            [("system", "be brief"), ("human", "hi")],
            [SystemMessage("be brief"), HumanMessage("hi")],
        ),
        ([{"role": "user", "content": "hi"}], [HumanMessage("hi")]),
        (["hi"], [HumanMessage("hi")]),
        (StringPromptValue("hi"), [HumanMessage("hi")]),
        (
            ChatPromptValue([SystemMessage("s"), HumanMessage("hi")]),
            [SystemMessage("s"), HumanMessage("hi")],
        ),
    ],
)
def test_input_forms_are_converted_to_messages(given: Any, expected: list[BaseMessage]) -> None:
    model = Recorder()
    model.invoke(given)
    assert model.calls[-1].messages == expected


@pytest.mark.parametrize("bad", [42, None, b"bytes", 3.5])
def test_unsupported_input_raises_input_type_error_naming_what_was_expected(bad: Any) -> None:
    with pytest.raises(InputTypeError) as info:
        Recorder().invoke(bad)
    message = str(info.value)
    assert "expected a string, a prompt value" in message
    assert type(bad).__name__ in message
    assert isinstance(info.value, TypeError)


def test_dict_input_error_hints_at_a_prompt() -> None:
    with pytest.raises(InputTypeError, match=r"prompt \| model"):
        Recorder().invoke({"topic": "cats"})  # type: ignore[arg-type]


def test_bad_message_like_in_a_list_raises_conversion_error() -> None:
    with pytest.raises(MessageConversionError):
        Recorder().invoke([("wizard", "hi")])


def test_input_errors_in_stream_and_async_too() -> None:
    with pytest.raises(InputTypeError):
        list(Recorder().stream(42))  # type: ignore[arg-type]


async def test_input_errors_async() -> None:
    with pytest.raises(InputTypeError):
        await Recorder().ainvoke(42)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError):
        [c async for c in Recorder().astream(42)]  # type: ignore[arg-type]


# -- invoke, stop, __call__, kwargs -----------------------------------------------------------


def test_invoke_returns_the_provider_message_and_passes_stop_and_kwargs() -> None:
    model = Recorder(reply="ok")
    result = model.invoke("hi", stop=["\n"], temperature=0.5)
    assert result == AIMessage(
        "ok", usage_metadata={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    )
    assert model.calls[-1].stop == ["\n"]
    assert model.calls[-1].kwargs == {"temperature": 0.5}


def test_call_shorthand_is_invoke() -> None:
    model = Recorder()
    assert model([HumanMessage("yo")]).content == "echo: yo"
    assert model("yo", stop=["x"]).content == "echo: yo"
    assert model.calls[-1].stop == ["x"]


def test_bind_stop_reaches_the_provider() -> None:
    model = Recorder()
    model.bind(stop=["END"]).invoke("hi")
    assert model.calls[-1].stop == ["END"]


def test_generate_returning_a_non_message_fails_clearly() -> None:
    class Broken(Recorder):
        def _generate(self, messages: list[BaseMessage], *, stop: Any = None, **kw: Any) -> Any:
            return "just a string"

    with pytest.raises(TypeError, match=r"Broken._generate\(\) must return an AIMessage, got str"):
        Broken().invoke("hi")


def test_batch_and_pipe() -> None:
    model = Recorder()
    assert [m.content for m in model.batch(["a", "b", "c"])] == ["echo: a", "echo: b", "echo: c"]
    chain = model | RunnableLambda(lambda m: m.text.upper())
    assert chain.invoke("x") == "ECHO: X"


async def test_abatch() -> None:
    results = await NativeAsync().abatch(["a", "b"])
    assert [m.content for m in results] == ["async: a", "async: b"]


# -- construction ---------------------------------------------------------------------------


def test_unknown_constructor_keyword_lists_known_parameters_and_suggests() -> None:
    with pytest.raises(TypeError) as info:
        Recorder(rpely="x")  # type: ignore[call-arg]
    message = str(info.value)
    assert "'rpely' (did you mean 'reply'?)" in message
    assert "Known parameters:" in message
    assert "rate_limiter" in message


def test_repr_shows_only_non_default_parameters() -> None:
    assert repr(Recorder(reply="x")) == "Recorder(reply='x')"


def test_provider_must_implement_generate_and_provider_name() -> None:
    class Incomplete(BaseChatModel):
        pass

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]


def test_run_type_is_chat_model_and_not_a_field() -> None:
    assert Recorder().run_type == "chat_model"
    assert "run_type" not in Recorder.model_fields


# -- streaming ------------------------------------------------------------------------------


def test_stream_without_native_stream_yields_one_chunk() -> None:
    chunks = list(Recorder(reply="one two").stream("hi"))
    assert len(chunks) == 1
    assert isinstance(chunks[0], AIMessageChunk)
    assert chunks[0].content == "one two"
    assert chunks[0].usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def test_native_stream_yields_provider_chunks() -> None:
    model = Streamer(reply="a b c")
    chunks = list(model.stream("hi", stop=["z"]))
    assert [c.content for c in chunks] == ["a", " b", " c", ""]
    assert model.calls[-1].method == "_stream"
    assert model.calls[-1].stop == ["z"]


def test_invoke_folds_the_stream_when_streaming_is_on() -> None:
    model = Streamer(reply="a b c", streaming=True, tool_name="weather")
    result = model.invoke("hi")
    assert type(result) is AIMessage
    assert model.calls[-1].method == "_stream"
    assert result.content == "a b c"
    assert result.tool_calls == [
        {"name": "weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert result.usage_metadata == {"input_tokens": 3, "output_tokens": 3, "total_tokens": 6}


def test_stream_kwarg_selects_streaming_per_call() -> None:
    model = Streamer(reply="a b")
    model.invoke("hi", stream=True)
    assert model.calls[-1].method == "_stream"
    model.invoke("hi")
    assert model.calls[-1].method == "_generate"


def test_disable_streaming() -> None:
    model = Streamer(reply="a b", disable_streaming=True)
    assert [c.content for c in model.stream("hi")] == ["a b"]
    assert model.calls[-1].method == "_generate"
    tools_only = Streamer(reply="a b", disable_streaming="tool_calling")
    assert len(list(tools_only.stream("hi"))) == 3
    assert len(list(tools_only.stream("hi", tools=[{"type": "function"}]))) == 1


def test_empty_stream_is_an_error() -> None:
    class Empty(Recorder):
        def _stream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
            return iter(())

    with pytest.raises(ChatModelError, match="without yielding any chunk"):
        list(Empty().stream("hi"))
    with pytest.raises(ChatModelError, match="without yielding any chunk"):
        Empty().invoke("hi", stream=True)


def test_stream_yielding_a_non_chunk_fails_clearly() -> None:
    class Wrong(Recorder):
        def _stream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
            yield "text"

    with pytest.raises(TypeError, match=r"_stream\(\) must yield AIMessageChunk objects, got str"):
        list(Wrong().stream("hi"))


def test_generate_from_stream_helper() -> None:
    chunks = iter([AIMessageChunk("a"), AIMessageChunk("b")])
    assert generate_from_stream(chunks) == AIMessage("ab")
    with pytest.raises(ChatModelError):
        generate_from_stream(iter([]))


def test_folding_many_chunks() -> None:
    class Many(Recorder):
        def _stream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
            for _ in range(20_000):
                yield AIMessageChunk("x")

    assert Many().invoke("hi", stream=True).content == "x" * 20_000


# -- listeners ------------------------------------------------------------------------------


def test_listeners_see_start_tokens_and_end_with_usage() -> None:
    log = EventLog()
    model = Streamer(reply="a b")
    result = model.invoke("hi", {"callbacks": [log]})
    assert log.names() == [
        "chat_model_start",
        "new_token",
        "new_token",
        "new_token",
        "chat_model_end",
    ]
    assert log.events[0][1] == [HumanMessage("hi")]
    assert log.events[-1][1] == result
    assert result.usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert log.runs[0].run_type == "chat_model"
    assert log.runs[0].name == "Streamer"


def test_listeners_on_a_non_streaming_provider_see_start_and_end() -> None:
    log = EventLog()
    Recorder().invoke("hi", {"callbacks": [log]})
    assert log.names() == ["chat_model_start", "chat_model_end"]


def test_listeners_during_stream() -> None:
    log = EventLog()
    chunks = list(Streamer(reply="a b").stream("hi", {"callbacks": [log]}))
    assert log.names() == [
        "chat_model_start",
        "new_token",
        "new_token",
        "new_token",
        "chat_model_end",
    ]
    assert [d for n, d in log.events if n == "new_token"] == chunks
    assert log.events[-1][1].content == "a b"


async def test_listeners_async() -> None:
    log = EventLog()
    await NativeAsync().ainvoke("hi", {"callbacks": [log]})
    assert log.names() == ["chat_model_start", "new_token", "new_token", "chat_model_end"]
    log2 = EventLog()
    [c async for c in NativeAsync().astream("hi", {"callbacks": [log2]})]
    assert log2.names() == ["chat_model_start", "new_token", "new_token", "chat_model_end"]


def test_listeners_of_an_enclosing_chain_see_model_events() -> None:
    log = EventLog()
    chain = RunnableLambda(lambda x: x) | Streamer(reply="a")
    chain.invoke("hi", {"callbacks": [log]})
    assert "new_token" in log.names()
    assert log.names()[-1] == "chat_model_end"


# -- cache ----------------------------------------------------------------------------------


def test_cache_hit_skips_the_provider() -> None:
    model = Recorder(cache=InMemoryCache())
    first = model.invoke("hi")
    second = model.invoke("hi")
    assert first == second
    assert len(model.calls) == 1
    model.invoke("hi", stop=["x"])  # another key
    model.invoke("other")
    assert len(model.calls) == 3


def test_cache_key_includes_model_parameters() -> None:
    cache = InMemoryCache()
    Recorder(reply="a", cache=cache).invoke("hi")
    other = Recorder(reply="b", cache=cache)
    assert other.invoke("hi").content == "b"
    assert len(other.calls) == 1


def test_cache_hit_on_stream_yields_the_stored_message_as_one_chunk() -> None:
    model = Streamer(reply="a b", cache=InMemoryCache())
    assert len(list(model.stream("hi"))) == 3
    again = list(model.stream("hi"))
    assert len(again) == 1
    assert again[0].content == "a b"
    assert len(model.calls) == 1
    assert model.invoke("hi").content == "a b"  # invoke shares the key
    assert len(model.calls) == 1


def test_global_cache_and_cache_flags() -> None:
    cache = InMemoryCache()
    set_llm_cache(cache)
    model = Recorder()
    model.invoke("hi")
    model.invoke("hi")
    assert len(model.calls) == 1
    no_cache = Recorder(cache=False)
    no_cache.invoke("hi")
    no_cache.invoke("hi")
    assert len(no_cache.calls) == 2
    forced = Recorder(cache=True)
    forced.invoke("hi")
    assert len(forced.calls) == 0  # same key as `model`: the global cache answers


def test_cache_true_without_a_global_cache_fails_clearly() -> None:
    with pytest.raises(ValueError, match="set_llm_cache"):
        Recorder(cache=True).invoke("hi")


async def test_cache_async_uses_async_methods() -> None:
    class AsyncOnlyCache(BaseCache):
        def __init__(self) -> None:
            self.data: dict[tuple[str, str], AIMessage] = {}

        def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
            raise AssertionError("sync lookup on the async path")

        def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
            raise AssertionError("sync update on the async path")

        def clear(self) -> None:
            self.data.clear()

        async def alookup(self, prompt: str, llm_string: str) -> AIMessage | None:
            return self.data.get((prompt, llm_string))

        async def aupdate(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
            self.data[(prompt, llm_string)] = return_val

    model = NativeAsync(cache=AsyncOnlyCache())
    await model.ainvoke("hi")
    await model.ainvoke("hi")
    assert len(model.calls) == 1
    chunks = [c async for c in model.astream("hi")]
    assert [c.content for c in chunks] == ["async: hi"]  # from the cache
    assert len(model.calls) == 1


# -- rate limiter ---------------------------------------------------------------------------


class CountingLimiter(BaseRateLimiter):
    def __init__(self) -> None:
        self.sync = 0
        self.async_ = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        assert blocking
        self.sync += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.async_ += 1
        return True


def test_rate_limiter_is_acquired_once_per_request_and_not_on_cache_hits() -> None:
    limiter = CountingLimiter()
    model = Streamer(rate_limiter=limiter, cache=InMemoryCache())
    model.invoke("a")
    list(model.stream("b"))
    model.invoke("a")  # cache hit
    assert limiter.sync == 2
    assert limiter.async_ == 0


async def test_rate_limiter_async() -> None:
    limiter = CountingLimiter()
    model = NativeAsync(rate_limiter=limiter)
    await model.ainvoke("a")
    [c async for c in model.astream("b")]
    assert limiter.async_ == 2
    assert limiter.sync == 0


# -- the native-async rule ------------------------------------------------------------------


async def test_native_async_provider_is_never_pushed_to_a_thread() -> None:
    loop_thread = threading.get_ident()
    model = NativeAsync()
    assert (await model.ainvoke("a")).content == "async: a"
    chunks = [c.content async for c in model.astream("b")]
    assert chunks == ["async", " stream"]
    await model.abatch(["c", "d"])
    assert {c.method for c in model.calls} == {"_agenerate", "_astream"}
    assert {c.thread for c in model.calls} == {loop_thread}


async def test_astream_only_provider_folds_astream_for_ainvoke() -> None:
    class AstreamOnly(Recorder):
        async def _astream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
            yield AIMessageChunk("x")
            yield AIMessageChunk("y")

        def _generate(self, messages: Any, *, stop: Any = None, **kw: Any) -> AIMessage:
            raise AssertionError("must not thread _generate when _astream is native")

    assert (await AstreamOnly().ainvoke("hi")).content == "xy"


async def test_sync_only_provider_runs_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()
    model = Recorder()
    await model.ainvoke("a")
    [c async for c in model.astream("b")]
    assert {c.thread for c in model.calls} - {loop_thread} == {c.thread for c in model.calls}


async def test_sync_stream_runs_in_a_worker_thread_on_the_async_path() -> None:
    loop_thread = threading.get_ident()
    model = Streamer(reply="a b")
    chunks = [c.content async for c in model.astream("hi")]
    assert chunks == ["a", " b", ""]
    assert model.calls[-1].method == "_stream"
    assert model.calls[-1].thread != loop_thread
    result = await model.ainvoke("hi", stream=True)
    assert result.content == "a b"
    assert model.calls[-1].thread != loop_thread


# -- tools and structured output ------------------------------------------------------------


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def test_bind_tools_default_raises_a_clear_error() -> None:
    with pytest.raises(NotImplementedInvokeError, match="does not support tool calling"):
        Recorder().bind_tools([Person])
    with pytest.raises(NotImplementedError):
        Recorder().with_structured_output(Person)


def test_structured_output_function_calling_pydantic() -> None:
    model = ToolCaller(tool_args={"name": "Ada", "age": 36})
    person = model.with_structured_output(Person).invoke("Ada is 36")
    assert person == Person(name="Ada", age=36)
    kwargs = model.calls[-1].kwargs
    assert kwargs["tool_choice"] == "Person"
    assert kwargs["tools"][0]["function"]["name"] == "Person"


def test_structured_output_dict_schema() -> None:
    schema = {
        "title": "weather",
        "description": "Weather query",
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    model = ToolCaller(tool_args={"city": "Paris"})
    assert model.with_structured_output(schema).invoke("x") == {"city": "Paris"}


def test_structured_output_validation_error_raises_output_parser_exception() -> None:
    model = ToolCaller(tool_args={"name": "Ada", "age": "old"})
    with pytest.raises(OutputParserException, match="do not match Person"):
        model.with_structured_output(Person).invoke("x")


def test_structured_output_no_tool_call() -> None:
    model = ToolCaller()  # answers text
    with pytest.raises(OutputParserException, match="no tool call"):
        model.with_structured_output(Person).invoke("x")


def test_structured_output_include_raw_returns_errors() -> None:
    good = ToolCaller(tool_args={"name": "Ada", "age": 36})
    out = good.with_structured_output(Person, include_raw=True).invoke("x")
    assert out["parsed"] == Person(name="Ada", age=36)
    assert out["parsing_error"] is None
    assert out["raw"].tool_calls[0]["name"] == "Person"
    bad = ToolCaller(tool_args={"name": "Ada"})
    out = bad.with_structured_output(Person, include_raw=True).invoke("x")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)


async def test_structured_output_async_and_include_raw_async() -> None:
    model = ToolCaller(tool_args={"name": "Ada", "age": 36})
    assert await model.with_structured_output(Person).ainvoke("x") == Person(name="Ada", age=36)
    out = await model.with_structured_output(Person, include_raw=True).ainvoke("x")
    assert out["parsed"] == Person(name="Ada", age=36)


@pytest.mark.parametrize("method", ["json_mode", "json_schema"])
def test_structured_output_json_methods(method: Any) -> None:
    model = ToolCaller(json_reply='```json\n{"name": "Ada", "age": 36}\n```')
    person = model.with_structured_output(Person, method=method, strict=True).invoke("x")
    assert person == Person(name="Ada", age=36)
    fmt = model.calls[-1].kwargs["response_format"]
    if method == "json_mode":
        assert fmt == {"type": "json_object"}
    else:
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "Person"
        assert fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False


def test_structured_output_json_not_parsing() -> None:
    model = ToolCaller(json_reply="sorry, no JSON")
    with pytest.raises(OutputParserException, match="could not parse") as info:
        model.with_structured_output(Person, method="json_mode").invoke("x")
    assert "sorry, no JSON" in str(info.value.llm_output)


def test_structured_output_argument_errors() -> None:
    model = ToolCaller()
    with pytest.raises(ValueError, match="'function_calling', 'json_mode', 'json_schema'"):
        model.with_structured_output(Person, method="xml")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.with_structured_output(Person, bogus=1)


def test_structured_output_other_tool_called_is_reported() -> None:
    class WrongName(ToolCaller):
        def _generate(self, messages: Any, *, stop: Any = None, **kw: Any) -> AIMessage:
            return AIMessage("", tool_calls=[{"name": "Other", "args": {}, "id": "c"}])

    with pytest.raises(OutputParserException, match=r"it called \['Other'\]"):
        WrongName().with_structured_output(PERSON_DICT).invoke("x")


PERSON_DICT = {
    "title": "Person",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


class WithDefault(BaseModel):
    """A person with an optional nickname."""

    name: str
    nickname: str = "none"


def test_structured_output_strict_null_means_default() -> None:
    # OpenAI strict mode makes optional fields nullable and the model sends null for them.
    model = ToolCaller(tool_args={"name": "Ada", "nickname": None})
    result = model.with_structured_output(WithDefault, strict=True).invoke("x")
    assert result == WithDefault(name="Ada")
    assert model.calls[-1].kwargs["strict"] is True


def test_structured_output_refusal_is_reported() -> None:
    class Refuses(ToolCaller):
        def _generate(self, messages: Any, *, stop: Any = None, **kw: Any) -> AIMessage:
            return AIMessage("", additional_kwargs={"refusal": "I cannot help with that"})

    with pytest.raises(OutputParserException, match=r"refused.*cannot help"):
        Refuses().with_structured_output(Person, method="json_schema").invoke("x")


def test_cache_key_has_no_secrets_and_is_stable() -> None:
    from pydantic import SecretStr

    class WithSecrets(Recorder):
        api_key: str = "sk-plain-secret"
        token: SecretStr = SecretStr("tok-secret")
        client: object = Field(default_factory=object)

    model = WithSecrets()
    key = model._get_llm_string(["stop"], {"response_format": Person, "tool": test_batch_and_pipe})
    assert "sk-plain-secret" not in key
    assert "tok-secret" not in key
    assert " at 0x" not in key
    assert '"required": ["name", "age"]' in key  # a pydantic class contributes its schema
    assert key == WithSecrets()._get_llm_string(
        ["stop"], {"response_format": Person, "tool": test_batch_and_pipe}
    )


def test_cache_key_distinguishes_token_limits() -> None:
    # "max_tokens" counts tokens: it is no credential, and two limits are two cache entries
    # (it was redacted like a token, and a 10-token reply was served for a 1000-token call).
    class Limited(Recorder):
        max_tokens: int | None = None
        auth_token: str | None = None

    short, long = Limited(max_tokens=10), Limited(max_tokens=1000)
    assert short._get_llm_string(None, {}) != long._get_llm_string(None, {})
    assert "t-secret" not in Limited(auth_token="t-secret")._get_llm_string(None, {})


def test_cache_key_distinguishes_response_formats() -> None:
    class Other(BaseModel):
        name: str

    model = Recorder()
    assert model._get_llm_string(None, {"response_format": Person}) != model._get_llm_string(
        None, {"response_format": Other}
    )


def test_aliases_are_known_parameters() -> None:
    from pydantic import AliasChoices

    class Aliased(Recorder):
        model: str = Field(default="m", alias="model_name")
        temperature: float = Field(
            default=0.0, validation_alias=AliasChoices("temperature", "temp")
        )

    assert Aliased(model_name="x").model == "x"
    assert Aliased(model="y").model == "y"  # type: ignore[call-arg]  # populate_by_name
    assert Aliased(temp=0.5).temperature == 0.5  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'temprature' \\(did you mean 'temperature'\\?\\)"):
        Aliased(temprature=1)  # type: ignore[call-arg]


def test_schemas() -> None:
    import jsonschema  # type: ignore[import-untyped]

    model = Recorder()
    schema = model.get_input_schema()
    assert schema["title"] == "RecorderInput"
    for good in ["hi", [["human", "hi"]], [{"role": "user", "content": "hi"}], ["hi"]]:
        jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(42, schema)
    output = model.get_output_schema()
    assert "tool_calls" in output["properties"]
    jsonschema.validate(model.invoke("x").model_dump(mode="json"), output)


class Tracked(Recorder):
    """A provider whose streams record whether they were closed (like an HTTP response)."""

    closed: list[str] = Field(default_factory=list, exclude=True)

    def _stream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
        try:
            for i in range(100):
                yield AIMessageChunk(str(i))
        finally:
            self.closed.append("sync")

    async def _astream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
        try:
            for i in range(100):
                yield AIMessageChunk(str(i))
        finally:
            self.closed.append("async")


def test_stopping_a_stream_early_closes_the_provider_stream_at_once() -> None:
    model = Tracked()
    stream = model.stream("hi")
    assert next(stream).content == "0"
    stream.close()  # type: ignore[attr-defined]
    assert model.closed == ["sync"]


async def test_stopping_an_astream_early_closes_the_provider_stream_at_once() -> None:
    model = Tracked()
    stream = model.astream("hi")
    async for chunk in stream:
        assert chunk.content == "0"
        break
    await stream.aclose()  # type: ignore[attr-defined]
    assert model.closed == ["async"]


async def test_sync_stream_in_a_thread_is_closed_when_the_consumer_stops() -> None:
    class SyncTracked(Tracked):
        _astream = BaseChatModel._astream

    model = SyncTracked()
    stream = model.astream("hi")
    async for _ in stream:
        break
    await stream.aclose()  # type: ignore[attr-defined]
    assert model.closed == ["sync"]


def test_provider_error_mid_stream_closes_and_propagates() -> None:
    class Breaks(Recorder):
        def _stream(self, messages: Any, *, stop: Any = None, **kw: Any) -> Any:
            yield AIMessageChunk("a")
            raise ChatModelError("connection reset mid-stream")

    with pytest.raises(ChatModelError, match="mid-stream"):
        Breaks().invoke("hi", stream=True)
    chunks: list[AIMessageChunk] = []
    with pytest.raises(ChatModelError, match="mid-stream"):
        chunks.extend(Breaks().stream("hi"))
