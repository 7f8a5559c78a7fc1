from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest
from pydantic import BaseModel

from pipes._core import RunnableLambda
from pipes._errors import OutputParserException
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from pipes._models import InMemoryCache
from pipes.testing import (
    CallInfo,
    FakeChatModel,
    FakeListChatModel,
    FunctionChatModel,
    ScriptExhaustedError,
)


class Person(BaseModel):
    """A person."""

    name: str
    age: int


class GetWeather(BaseModel):
    """Get the weather in a city."""

    city: str


def fold(chunks: list[AIMessageChunk]) -> AIMessage:
    return AIMessageChunk.merge_chunks(chunks).to_message()


# -- scripted replies -----------------------------------------------------------------------


def test_responses_in_order_with_synthesized_usage() -> None:
    model = FakeChatModel(responses=["Hello world", "Bye"])
    first = model.invoke("hi there")
    assert first.content == "Hello world"
    assert first.usage_metadata == {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4}
    assert model.invoke("x").content == "Bye"


def test_script_exhausted_error_is_clear() -> None:
    model = FakeChatModel(responses=["only"])
    model.invoke("a")
    with pytest.raises(ScriptExhaustedError, match="given 1 and this is call 2") as info:
        model.invoke("second question")
    assert "second question" in str(info.value)
    assert isinstance(info.value, IndexError)


def test_cycle_and_reset() -> None:
    model = FakeChatModel(responses=["a", "b"], cycle=True)
    assert [model.invoke("x").content for _ in range(3)] == ["a", "b", "a"]
    model.reset()
    assert model.calls == []
    assert model.invoke("x").content == "a"


def test_scripted_ai_message_is_returned_with_tool_calls_and_own_usage() -> None:
    usage = {"input_tokens": 10, "output_tokens": 1, "total_tokens": 11}
    scripted = AIMessage(
        "",
        tool_calls=[{"name": "GetWeather", "args": {"city": "Paris"}, "id": "c1"}],
        usage_metadata=usage,  # type: ignore[arg-type]
        id="msg-1",
    )
    model = FakeChatModel(responses=[scripted, scripted])
    assert model.invoke("x") == scripted
    streamed = fold(list(model.stream("x")))
    assert streamed == scripted


def test_usage_synthesis_can_be_turned_off() -> None:
    assert FakeChatModel(responses=["a"], synthesize_usage=False).invoke("x") == AIMessage("a")


def test_scripted_exception_instance_and_class_are_raised_and_the_call_recorded() -> None:
    model = FakeChatModel(responses=[ValueError("boom"), KeyError, "ok"])
    with pytest.raises(ValueError, match="boom"):
        model.invoke("a")
    with pytest.raises(KeyError):
        model.invoke("b")
    assert model.invoke("c").content == "ok"
    assert [c.last_text for c in model.calls] == ["a", "b", "c"]


def test_bad_scripted_response_type_fails_clearly() -> None:
    with pytest.raises(TypeError, match="must be a str, an AIMessage"):
        FakeChatModel(responses=[42]).invoke("x")


# -- streaming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunking", "expected"),
    [
        ("words", ["Hello", " big", " world"]),
        ("chars", list("Hello big world")),
        (5, ["Hello", " big ", "world"]),
        (None, ["Hello big world"]),
    ],
)
def test_chunk_boundaries_are_configurable(chunking: Any, expected: list[str]) -> None:
    model = FakeChatModel(responses=["Hello big world"], chunking=chunking)
    chunks = list(model.stream("x"))
    assert [c.content for c in chunks[:-1]] == expected
    assert chunks[-1].content == ""
    assert chunks[-1].usage_metadata is not None  # usage arrives last, like OpenAI's


def test_invalid_chunking() -> None:
    with pytest.raises(ValueError, match="positive int"):
        list(FakeChatModel(responses=["abc"], chunking=0).stream("x"))


def test_stream_folds_to_the_same_message_as_invoke_with_tool_calls() -> None:
    reply = AIMessage(
        "Let me check.",
        tool_calls=[
            {"name": "GetWeather", "args": {"city": "Paris"}, "id": "c1"},
            {"name": "GetWeather", "args": {"city": "Rome"}, "id": "c2"},
        ],
    )
    model = FakeChatModel(responses=[reply, reply])
    invoked = model.invoke("x")
    chunks = list(model.stream("x"))
    assert len(chunks) > 4
    assert fold(chunks) == invoked
    assert [c["args"] for c in invoked.tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]


def test_scripted_chunks_and_mid_stream_errors() -> None:
    model = FakeChatModel(responses=[["Hel", AIMessageChunk("lo")], ["par", RuntimeError("cut")]])
    assert [c.content for c in model.stream("x")][:2] == ["Hel", "lo"]
    seen: list[str] = []

    def consume() -> None:
        for chunk in model.stream("x"):
            seen.append(chunk.text)

    with pytest.raises(RuntimeError, match="cut"):
        consume()
    assert seen == ["par"]


def test_scripted_chunks_fold_for_invoke() -> None:
    model = FakeChatModel(responses=[["Hel", "lo"]])
    result = model.invoke("x")
    assert result.content == "Hello"
    assert result.usage_metadata is not None


async def test_async_paths_are_native() -> None:
    loop_thread = threading.get_ident()
    model = FakeChatModel(responses=["a b", "c d"])
    assert (await model.ainvoke("x")).content == "a b"
    assert [c.content async for c in model.astream("x")][:2] == ["c", " d"]
    assert [(c.kind, c.is_async) for c in model.calls] == [("generate", True), ("stream", True)]

    # The fake never needs a worker thread: a thread hop would show up as another ident.
    seen: list[int] = []

    class Probe(FakeChatModel):
        def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
            seen.append(threading.get_ident())
            return super()._reply(messages, info)

    probe = Probe(responses=["a", "b"])
    await probe.ainvoke("x")
    [c async for c in probe.astream("x")]
    assert seen == [loop_thread, loop_thread]


# -- recorded calls -------------------------------------------------------------------------


def test_calls_record_messages_stop_kwargs_and_tools() -> None:
    model = FakeChatModel(responses=["a", "b"])
    model.invoke([("system", "be brief"), ("human", "hi")], stop=["\n"], temperature=0)
    call = model.last_call
    assert call.messages[-1] == HumanMessage("hi")
    assert call.stop == ["\n"]
    assert call.kwargs == {"temperature": 0}
    assert call.kind == "generate"
    assert not call.is_async
    model.bind_tools([GetWeather], tool_choice="auto").invoke("weather?")
    assert [t["function"]["name"] for t in model.last_call.tools] == ["GetWeather"]
    assert model.last_call.tool_choice == "auto"


def test_last_call_before_any_call() -> None:
    with pytest.raises(IndexError, match="not been called"):
        _ = FakeChatModel().last_call


def test_cache_hits_are_not_recorded() -> None:
    model = FakeChatModel(responses=["a"], cache=InMemoryCache())
    assert model.invoke("x").content == "a"
    assert model.invoke("x").content == "a"
    assert len(model.calls) == 1


def test_batch_uses_the_script_once_per_input() -> None:
    model = FakeChatModel(responses=["a", "b", "c"])
    assert sorted(m.text for m in model.batch(["1", "2", "3"])) == ["a", "b", "c"]
    assert len(model.calls) == 3


def test_prompt_value_and_chains() -> None:
    model = FakeChatModel(responses=["Bonjour"])

    def to_messages(d: dict[str, str]) -> list[tuple[str, str]]:
        return [("human", f"Translate {d['text']}")]

    chain = RunnableLambda(to_messages) | model
    assert chain.invoke({"text": "Hello"}).content == "Bonjour"
    assert model.last_call.last_text == "Translate Hello"


# -- tools and structured output ------------------------------------------------------------


def test_structured_output_is_synthesized_when_nothing_is_scripted() -> None:
    person = FakeChatModel().with_structured_output(Person).invoke("x")
    assert isinstance(person, Person)


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_structured_output_scripted_instance(method: Any) -> None:
    model = FakeChatModel(responses=[Person(name="Ada", age=36)])
    assert model.with_structured_output(Person, method=method).invoke("x") == Person(
        name="Ada", age=36
    )


def test_structured_output_scripted_dict_and_dict_schema() -> None:
    schema = {
        "title": "city",
        "type": "object",
        "properties": {"name": {"type": "string"}, "pop": {"type": "integer"}},
        "required": ["name", "pop"],
    }
    assert FakeChatModel().with_structured_output(schema).invoke("x") == {"name": "a", "pop": 0}
    model = FakeChatModel(responses=[{"name": "Paris", "pop": 2}])
    assert model.with_structured_output(schema).invoke("x") == {"name": "Paris", "pop": 2}


def test_structured_output_with_a_bad_scripted_reply_reports_a_parsing_error() -> None:
    model = FakeChatModel(responses=["not a tool call"])
    out = model.with_structured_output(Person, include_raw=True).invoke("x")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].content == "not a tool call"


def test_structured_output_streams() -> None:
    model = FakeChatModel(responses=[Person(name="Ada", age=36)])
    chunks = list(model.with_structured_output(Person).stream("x"))
    assert chunks[-1] == Person(name="Ada", age=36)


def test_structured_output_streams_partial_dicts() -> None:
    schema = {
        "title": "Person",
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    model = FakeChatModel(responses=[{"name": "Ada Lovelace", "age": 36}] * 2)
    parts = list(model.with_structured_output(schema).stream("x"))
    assert len(parts) >= 2  # the arguments arrive in two pieces
    assert parts[-1] == {"name": "Ada Lovelace", "age": 36}
    assert all(isinstance(p, dict) for p in parts)


async def test_structured_output_astream_and_missing_tool_call() -> None:
    model = FakeChatModel(responses=[Person(name="Ada", age=36), "no tool call"])
    parts = [p async for p in model.with_structured_output(Person).astream("x")]
    assert parts[-1] == Person(name="Ada", age=36)
    with pytest.raises(OutputParserException, match="no tool call"):
        [p async for p in model.with_structured_output(Person).astream("x")]


def test_forced_tool_call_is_synthesized_and_validates() -> None:
    model = FakeChatModel()
    result = model.bind_tools([GetWeather], tool_choice="GetWeather").invoke("weather?")
    assert result.tool_calls[0]["name"] == "GetWeather"
    GetWeather.model_validate(result.tool_calls[0]["args"])
    required = model.bind_tools([GetWeather, Person], tool_choice="required").invoke("x")
    assert required.tool_calls[0]["name"] == "GetWeather"
    auto = model.bind_tools([GetWeather], tool_choice="auto").invoke("x")
    assert auto.tool_calls == []
    assert auto.content == "fake response"


def test_scripted_instance_picks_the_matching_tool() -> None:
    model = FakeChatModel(responses=[Person(name="A", age=1)])
    result = model.bind_tools([GetWeather, Person]).invoke("x")
    assert result.tool_calls[0]["name"] == "Person"


def test_tool_choice_naming_an_unbound_tool_fails_clearly() -> None:
    with pytest.raises(ValueError, match=r"names no bound tool; bound tools: GetWeather"):
        FakeChatModel().bind_tools([GetWeather], tool_choice="Nope")


def test_tool_round_trip_conversation_is_accepted() -> None:
    model = FakeChatModel(responses=["It is sunny"])
    history = [
        HumanMessage("weather in Paris?"),
        AIMessage("", tool_calls=[{"name": "GetWeather", "args": {"city": "Paris"}, "id": "c1"}]),
        ToolMessage("sunny", tool_call_id="c1"),
    ]
    assert model.invoke(history).content == "It is sunny"
    assert model.last_call.messages[-1].type == "tool"


# -- FunctionChatModel / FakeListChatModel --------------------------------------------------


def test_function_model_sees_messages_and_info() -> None:
    seen: list[CallInfo] = []

    def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        seen.append(info)
        return f"You said: {messages[-1].text}"

    model = FunctionChatModel(reply)
    assert model.invoke("hi", stop=["."]).content == "You said: hi"
    assert [c.content for c in model.stream("yo")][:3] == ["You", " said:", " yo"]
    assert seen[0].stop == ["."]
    assert [i.index for i in seen] == [0, 1]


def test_function_model_agent_loop_with_tools() -> None:
    def reply(messages: list[BaseMessage], info: CallInfo) -> Any:
        if info.tools and messages[-1].type != "tool":
            return GetWeather(city="Paris")
        return f"Result: {messages[-1].text}"

    model = FunctionChatModel(reply).bind_tools([GetWeather])
    first = model.invoke("weather?")
    assert first.tool_calls[0]["args"] == {"city": "Paris"}
    tool_message = ToolMessage("sunny", tool_call_id=first.tool_calls[0]["id"] or "")
    assert model.invoke([HumanMessage("weather?"), first, tool_message]).content == "Result: sunny"


async def test_function_model_async_function() -> None:
    async def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        await asyncio.sleep(0)
        return "async reply"

    model = FunctionChatModel(reply)
    assert (await model.ainvoke("x")).content == "async reply"
    # The sync API runs the coroutine on its own loop (here: in a worker thread).
    result = await asyncio.to_thread(model.invoke, "x")
    assert result.content == "async reply"


def test_function_model_errors_propagate() -> None:
    def reply(messages: list[BaseMessage], info: CallInfo) -> str:
        raise ConnectionError("down")

    with pytest.raises(ConnectionError, match="down"):
        FunctionChatModel(reply).invoke("x")


def test_function_model_needs_a_function() -> None:
    with pytest.raises(TypeError, match="needs a reply function"):
        FunctionChatModel()


def test_fake_list_chat_model_is_langchain_compatible() -> None:
    model = FakeListChatModel(responses=["ab", "c"])
    assert [model.invoke("x").content for _ in range(3)] == ["ab", "c", "ab"]
    assert [c.content for c in model.stream("x")] == ["c"]
    assert [c.content for c in model.stream("x")] == ["a", "b"]


def test_importing_pipes_testing_does_not_import_pytest() -> None:
    import subprocess

    code = "import sys, pipes.testing; sys.exit('pytest' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_langchain_fakes() -> None:
    from pipes.testing import FakeMessagesListChatModel, GenericFakeChatModel

    generic = GenericFakeChatModel(messages=iter(["hello big world", AIMessage("bye")]))
    assert [c.content for c in generic.stream("x")] == ["hello", " ", "big", " ", "world"]
    assert generic.invoke("x") == AIMessage("bye")
    with pytest.raises(ScriptExhaustedError, match="iterator is exhausted after 2 call"):
        generic.invoke("x")
    listed = FakeMessagesListChatModel(responses=[AIMessage("a"), AIMessage("b")])
    assert [listed.invoke("x").text for _ in range(3)] == ["a", "b", "a"]
    assert listed.invoke("x") == AIMessage("b")
    assert FakeListChatModel(responses=["a"]).invoke("x") == AIMessage("a")  # no usage added


def test_deep_copies_of_a_fake_have_their_own_script_position_and_log() -> None:
    import copy

    model = FakeChatModel(responses=["a", "b"], cache=InMemoryCache())
    model.invoke("x")
    clone = copy.deepcopy(model)
    assert clone.cache is model.cache
    assert clone.invoke("y").content == "b"
    assert model.invoke("z").content == "b"
    assert [c.last_text for c in clone.calls] == ["x", "y"]
    assert [c.last_text for c in model.calls] == ["x", "z"]
    shallow = model.model_copy()
    assert shallow.calls is model.calls  # shallow copies share the script and the log
