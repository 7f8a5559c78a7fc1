"""ChatOpenAI on the Responses API over real loopback HTTP against the emulator.

Every request body is validated against the official ``CreateResponse`` schema by the ``emu``
fixture when a test ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import KEY
from pydantic import BaseModel, Field

from pipes import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from pipes_openai import (
    AzureChatOpenAI,
    BadRequestError,
    ChatOpenAI,
    ContentFilterError,
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


WEB_RESULT = {
    "type": "web_search_call",
    "id": "ws_1",
    "status": "completed",
    "action": {"type": "search", "query": "pipes news"},
}
CITATION = {
    "type": "url_citation",
    "url": "https://example.com/pipes",
    "title": "Pipes",
    "start_index": 0,
    "end_index": 5,
}


def make(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("model", "gpt-4o")
    kwargs.setdefault("use_responses_api", True)
    llm = ChatOpenAI(base_url=emu.base_url, **kwargs)
    engine = llm._get_connection()[2]
    engine.retry_base_delay = engine.retry_max_delay = 0.001
    return llm


def last_body(emu: Emulator) -> dict[str, Any]:
    body = emu.requests[-1].body
    assert isinstance(body, dict)
    return body


def fold(chunks: list[AIMessageChunk]) -> AIMessage:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total.to_message()


# -- routing ---------------------------------------------------------------------------------


def test_invoke_goes_to_responses_and_returns_text_blocks(emu: Emulator) -> None:
    message = make(emu).invoke("Hello there")
    assert emu.requests[-1].path == "/v1/responses"
    assert message.text == "Hello there"
    assert message.id is not None
    assert message.id.startswith("resp_")
    assert message.response_metadata["id"] == message.id
    assert message.response_metadata["status"] == "completed"
    assert message.response_metadata["model_name"] == "gpt-4o"
    assert message.content == [
        {"type": "text", "text": "Hello there", "annotations": [], "id": message.content[0]["id"]}  # type: ignore[index]
    ]
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {"cache_read": 0}


@pytest.mark.parametrize(
    ("settings", "call", "expected"),
    [
        ({}, {}, "/v1/chat/completions"),
        ({"reasoning": {"effort": "low"}, "model": "o4-mini"}, {}, "/v1/responses"),
        ({"include": ["reasoning.encrypted_content"]}, {}, "/v1/responses"),
        ({"truncation": "auto"}, {}, "/v1/responses"),
        ({"output_version": "responses/v1"}, {}, "/v1/responses"),
        ({"output_version": "v0"}, {}, "/v1/chat/completions"),
        ({"use_previous_response_id": True}, {}, "/v1/responses"),
        ({}, {"tools": [{"type": "web_search"}]}, "/v1/responses"),
        ({}, {"previous_response_id": "resp_x"}, "/v1/responses"),
        ({"use_responses_api": False}, {"tools": [{"type": "web_search"}]}, None),
        ({"use_responses_api": True}, {}, "/v1/responses"),
        ({"model": "gpt-5-pro"}, {}, "/v1/responses"),
        ({"model": "o3-pro"}, {}, "/v1/responses"),
        ({"model": "gpt-5.1-codex-mini"}, {}, "/v1/responses"),
        ({"model": "gpt-5"}, {}, "/v1/chat/completions"),
        (
            {"model": "gpt-6"},
            {"tools": [{"type": "function", "function": {"name": "f"}}]},
            "/v1/responses",
        ),
        ({"model": "gpt-6"}, {}, "/v1/chat/completions"),
    ],
)
def test_use_responses_api_none_routes_like_langchain(
    emu: Emulator, settings: dict[str, Any], call: dict[str, Any], expected: str | None
) -> None:
    settings.setdefault("use_responses_api", None)
    llm = make(emu, **settings)
    from pipes_openai._responses_request import uses_responses_api

    went = "/v1/responses" if uses_responses_api(llm, call) else "/v1/chat/completions"
    assert went == (expected or "/v1/chat/completions")
    if expected == "/v1/responses" and "previous_response_id" not in call:
        llm.invoke("hi", **call)
        assert emu.requests[-1].path == expected


def test_builtin_tool_in_bind_tools_routes_and_is_sent_as_is(emu: Emulator) -> None:
    emu.script(Reply("Pipes shipped.", output_items=[WEB_RESULT], annotations=[CITATION]))
    llm = make(emu, use_responses_api=None)
    message = llm.bind_tools([{"type": "web_search"}, GetWeather]).invoke("news?")
    body = last_body(emu)
    assert emu.requests[-1].path == "/v1/responses"
    assert body["tools"][0] == {"type": "web_search"}
    assert body["tools"][1]["name"] == "GetWeather"  # flat function tool
    assert "function" not in body["tools"][1]
    kinds = [block["type"] for block in message.content]  # type: ignore[index]
    assert kinds == ["web_search_call", "text"]
    assert message.content[1]["annotations"] == [CITATION]  # type: ignore[index]


def test_parameters_map_to_the_responses_body(emu: Emulator) -> None:
    llm = make(
        emu,
        model="o4-mini",
        max_tokens=50,
        reasoning_effort="low",
        verbosity="low",
        store=False,
        include=["reasoning.encrypted_content"],
        truncation="auto",
        service_tier="flex",
        prompt_cache_key="k1",
        prompt_cache_retention="24h",
        context_management=[{"type": "compaction", "compact_threshold": 100000}],
        model_kwargs={"metadata": {"team": "a"}},
    )
    llm.invoke([SystemMessage("Be brief."), HumanMessage("hi")], stop=["x"])
    body = last_body(emu)
    assert body["max_output_tokens"] == 50
    assert body["reasoning"] == {"effort": "low"}
    assert body["text"] == {"verbosity": "low"}
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["truncation"] == "auto"
    assert body["service_tier"] == "flex"
    assert body["prompt_cache_key"] == "k1"
    assert body["prompt_cache_retention"] == "24h"
    assert body["metadata"] == {"team": "a"}
    assert body["context_management"] == [{"type": "compaction", "compact_threshold": 100000}]
    assert "stop" not in body  # no Responses form (as in langchain-openai)
    assert body["input"][0] == {"type": "message", "role": "developer", "content": "Be brief."}


def test_chat_only_parameters_fail_clearly_on_responses(emu: Emulator) -> None:
    from pipes_openai import OpenAIConfigurationError

    with pytest.raises(OpenAIConfigurationError, match=r"seed=7.*use_responses_api=False"):
        make(emu, seed=7).invoke("x")
    assert emu.requests == []
    make(emu, logprobs=True, top_logprobs=2).invoke("x")
    assert last_body(emu)["include"] == ["message.output_text.logprobs"]
    assert last_body(emu)["top_logprobs"] == 2


def test_stream_options_reach_streams_only(emu: Emulator) -> None:
    llm = make(emu).bind(stream_options={"include_obfuscation": False})
    list(llm.stream("x"))
    assert last_body(emu)["stream_options"] == {"include_obfuscation": False}
    llm.invoke("x")
    assert "stream_options" not in last_body(emu)


def test_tool_choice_may_name_a_builtin_tool(emu: Emulator) -> None:
    tool = {"type": "file_search", "vector_store_ids": ["vs_1"]}
    make(emu).bind_tools([tool], tool_choice="file_search").invoke("x")
    assert last_body(emu)["tool_choice"] == {"type": "file_search"}
    assert last_body(emu)["tools"] == [tool]


# -- streaming -------------------------------------------------------------------------------


def test_stream_folds_to_what_invoke_returns(emu: Emulator) -> None:
    llm = make(emu)
    chunks = list(llm.stream("one two three"))
    assert chunks[0].id is not None
    assert chunks[0].id.startswith("resp_")
    assert chunks[-1].usage_metadata is not None  # the final usage chunk
    streamed = fold(chunks)
    invoked = llm.invoke("one two three")
    assert streamed.text == invoked.text == "one two three"
    assert [b["type"] for b in streamed.content] == ["text"]  # type: ignore[index]
    assert streamed.usage_metadata is not None
    assert invoked.usage_metadata is not None
    assert streamed.usage_metadata["output_tokens"] == invoked.usage_metadata["output_tokens"]
    assert streamed.response_metadata["status"] == "completed"


def test_stream_merges_function_call_arguments_by_output_index(emu: Emulator) -> None:
    emu.script(
        Reply(
            tool_calls=[
                ToolCall("GetWeather", {"location": "Paris, FR"}, id="call_a"),
                ToolCall("GetWeather", {"location": "Rome, IT"}, id="call_b"),
            ]
        )
    )
    message = fold(list(make(emu).bind_tools([GetWeather]).stream("weather?")))
    assert [(c["id"], c["args"]) for c in message.tool_calls] == [
        ("call_a", {"location": "Paris, FR"}),
        ("call_b", {"location": "Rome, IT"}),
    ]


def test_reasoning_summary_streams_and_invokes_as_reasoning_blocks(emu: Emulator) -> None:
    llm = make(emu, model="o4-mini", reasoning={"effort": "low", "summary": "auto"})
    emu.script(Reply("Answer.", reasoning_content="Thinking hard"))
    invoked = llm.invoke("q")
    emu.script(Reply("Answer.", reasoning_content="Thinking hard"))
    streamed = fold(list(llm.stream("q")))
    for message in (invoked, streamed):
        reasoning = message.content[0]  # type: ignore[index]
        assert reasoning["type"] == "reasoning"
        assert reasoning["summary"][0]["text"] == "Thinking hard"
        assert reasoning["id"].startswith("rs_")
        assert message.text == "Answer."
        assert message.usage_metadata is not None
        assert message.usage_metadata["output_token_details"]["reasoning"] > 0


def test_builtin_tool_progress_streams_and_folds_to_the_item(emu: Emulator) -> None:
    llm = make(emu).bind_tools([{"type": "web_search"}])
    emu.script(Reply("Found.", output_items=[WEB_RESULT], annotations=[CITATION]))
    invoked = llm.invoke("search")
    emu.script(Reply("Found.", output_items=[WEB_RESULT], annotations=[CITATION]))
    chunks = list(llm.stream("search"))
    statuses = [
        block["status"]
        for chunk in chunks
        if isinstance(chunk.content, list)
        for block in chunk.content
        if block.get("type") == "web_search_call"  # type: ignore[union-attr]
    ]
    assert statuses == ["in_progress", "in_progress", "searching", "completed", "completed"]
    streamed = fold(chunks)
    tool = {k: v for k, v in streamed.content[0].items() if k != "index"}  # type: ignore[union-attr]
    assert tool == invoked.content[0]
    text = streamed.content[1]  # type: ignore[index]
    assert text["text"] == "Found."
    assert text["annotations"] == [CITATION]


async def test_astream_and_ainvoke(emu: Emulator) -> None:
    llm = make(emu)
    chunks = [chunk async for chunk in llm.astream("async words")]
    assert fold(chunks).text == "async words"
    assert (await llm.ainvoke("again")).text == "again"


# -- conversation state ----------------------------------------------------------------------


def test_reasoning_round_trips_with_store_false(emu: Emulator) -> None:
    llm = make(
        emu,
        model="o4-mini",
        store=False,
        include=["reasoning.encrypted_content"],
        reasoning={"effort": "low", "summary": "auto"},
    )
    first = llm.invoke("first question")
    reasoning = first.content[0]  # type: ignore[index]
    assert reasoning["encrypted_content"]
    second = llm.invoke([HumanMessage("first question"), first, HumanMessage("and then?")])
    sent = last_body(emu)["input"]
    assert sent[1]["type"] == "reasoning"
    assert sent[1]["encrypted_content"] == reasoning["encrypted_content"]
    assert "id" not in sent[2]  # no message ids without stored state
    assert second.text == "and then?"


def test_streamed_reasoning_round_trips_with_its_encrypted_content(emu: Emulator) -> None:
    llm = make(
        emu,
        model="o4-mini",
        store=False,
        include=["reasoning.encrypted_content"],
        reasoning={"effort": "low", "summary": "auto"},
    )
    first = fold(list(llm.stream("first")))
    llm.invoke([HumanMessage("first"), first, HumanMessage("next")])  # the server verifies it
    assert last_body(emu)["input"][1]["encrypted_content"] == first.content[0]["encrypted_content"]  # type: ignore[index]


def test_reasoning_without_encrypted_content_is_not_sent_with_store_false(emu: Emulator) -> None:
    llm = make(emu, model="o4-mini", reasoning={"effort": "low", "summary": "auto"})
    first = llm.invoke("first")
    llm.store = False
    llm.invoke([HumanMessage("first"), first, HumanMessage("next")])
    assert [item["type"] for item in last_body(emu)["input"]] == ["message"] * 3


def test_use_previous_response_id_sends_only_the_new_turn(emu: Emulator) -> None:
    llm = make(emu, use_previous_response_id=True)
    first = llm.invoke("remember pipes")
    llm.invoke([HumanMessage("remember pipes"), first, HumanMessage("what was it?")])
    body = last_body(emu)
    assert body["previous_response_id"] == first.id
    assert body["input"] == [{"type": "message", "role": "user", "content": "what was it?"}]


def test_unknown_previous_response_id_is_a_typed_error(emu: Emulator) -> None:
    with pytest.raises(BadRequestError, match="resp_nope"):
        make(emu).invoke("hi", previous_response_id="resp_nope")


def test_tool_loop_round_trips_function_calls_and_outputs(emu: Emulator) -> None:
    llm = make(emu).bind_tools([GetWeather])
    emu.script(ToolCall("GetWeather", {"location": "Paris"}, id="call_1"))
    first = llm.invoke("weather in Paris?")
    assert first.tool_calls[0]["args"] == {"location": "Paris"}
    final = llm.invoke(
        [HumanMessage("weather in Paris?"), first, ToolMessage("sunny", tool_call_id="call_1")]
    )
    items = last_body(emu)["input"]
    assert [i["type"] for i in items] == ["message", "function_call", "function_call_output"]
    assert items[1]["call_id"] == "call_1"
    assert items[1]["id"].startswith("fc_")
    assert items[2] == {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
    assert final.text == "sunny"


# -- output versions -------------------------------------------------------------------------


def test_output_version_v0_keeps_langchain_03_shape(emu: Emulator) -> None:
    emu.script(Reply("Done.", reasoning_content="Hmm", output_items=[WEB_RESULT]))
    llm = make(emu, model="o4-mini", output_version="v0")
    message = llm.invoke("q")
    assert message.content == [{"type": "text", "text": "Done.", "annotations": []}]
    assert message.additional_kwargs["reasoning"]["summary"][0]["text"] == "Hmm"
    assert message.additional_kwargs["tool_outputs"][0]["type"] == "web_search_call"
    # ... and the items go back on the next turn.
    llm.invoke([HumanMessage("q"), message, HumanMessage("more")])
    kinds = [item["type"] for item in last_body(emu)["input"]]
    assert kinds == ["message", "reasoning", "web_search_call", "message", "message"]


def test_output_version_v1_uses_standard_blocks(emu: Emulator) -> None:
    emu.script(
        Reply("Pipes.", reasoning_content="Hmm", output_items=[WEB_RESULT], annotations=[CITATION])
    )
    message = make(emu, model="o4-mini", output_version="v1").invoke("q")
    reasoning, tool, result, text = message.content  # type: ignore[misc]
    assert reasoning["type"] == "reasoning"
    assert reasoning["reasoning"] == "Hmm"
    assert tool["type"] == "server_tool_call"
    assert tool["name"] == "web_search"
    assert tool["args"] == WEB_RESULT["action"]
    assert result == {"type": "server_tool_result", "tool_call_id": "ws_1", "status": "success"}
    assert text["annotations"][0]["type"] == "citation"
    assert text["annotations"][0]["url"] == CITATION["url"]
    # ... and the items go back on the next turn.
    llm = make(emu, model="o4-mini", output_version="v1")
    llm.invoke([HumanMessage("q"), message, HumanMessage("more")])
    kinds = [item["type"] for item in last_body(emu)["input"]]
    assert kinds == ["message", "reasoning", "web_search_call", "message", "message"]


# -- structured output -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_with_structured_output_on_responses(emu: Emulator, method: str) -> None:
    llm = make(emu)
    if method == "json_mode":
        emu.script(Reply('{"setup": "a", "punchline": "b"}'))
    joke = llm.with_structured_output(Joke, method=method).invoke("Tell me a joke in json")  # type: ignore[arg-type]
    assert isinstance(joke, Joke)
    body = last_body(emu)
    if method == "json_schema":
        assert body["text"]["format"]["type"] == "json_schema"
        assert body["text"]["format"]["strict"] is True
        assert body["text"]["format"]["name"] == "Joke"
    elif method == "json_mode":
        assert body["text"]["format"] == {"type": "json_object"}
    else:
        assert body["tool_choice"] == {"type": "function", "name": "Joke"}


def test_structured_output_streams_on_responses(emu: Emulator) -> None:
    chunks = list(make(emu).with_structured_output(Joke).stream("joke"))
    assert isinstance(chunks[-1], Joke)


def test_refusal_raises_the_typed_refusal_error(emu: Emulator) -> None:
    structured = make(emu).with_structured_output(Joke)
    emu.script(Reply(refusal="I can't help with that."))
    with pytest.raises(RefusalError) as info:
        structured.invoke("joke")
    assert info.value.refusal == "I can't help with that."
    emu.script(Reply(refusal="I can't help with that."))
    with pytest.raises(RefusalError):
        list(structured.stream("joke"))


# -- failures --------------------------------------------------------------------------------


def test_retries_and_typed_status_errors_are_those_of_chat_completions(emu: Emulator) -> None:
    emu.fail(429, times=1)
    assert make(emu).invoke("after a retry").text == "after a retry"
    emu.fail(429, times=3)
    with pytest.raises(RateLimitError):
        make(emu, max_retries=0).invoke("x")


def test_stream_cut_before_completed_raises(emu: Emulator) -> None:
    emu.fault(Fault.truncate(after_chunks=4))
    with pytest.raises(StreamIncompleteError, match=r"response\.completed"):
        list(make(emu).stream("a few words here"))


def test_connection_dropped_mid_stream_raises(emu: Emulator) -> None:
    emu.fault(Fault.drop(after_chunks=5))
    with pytest.raises(StreamIncompleteError):
        list(make(emu).stream("a few words here"))
    emu.fault(Fault.drop(after_chunks=0))  # before any answer: retried
    assert make(emu).invoke("after a drop").text == "after a drop"


def test_response_failed_event_raises_stream_event_error(emu: Emulator) -> None:
    emu.fault(Fault.stream_error(after_chunks=3, message="model crashed"))
    with pytest.raises(StreamEventError, match="model crashed"):
        list(make(emu).stream("a few words here"))


LONG = " ".join(f"w{i}" for i in range(20))


def test_incomplete_stream_raises(emu: Emulator) -> None:
    llm = make(emu, max_tokens=16)
    with pytest.raises(StreamIncompleteError, match="max_output_tokens"):
        list(llm.stream(LONG))
    emu.script(Reply("blocked", finish_reason="content_filter"))
    with pytest.raises(ContentFilterError):
        list(make(emu).stream("x"))


def test_raise_on_content_filter_covers_incomplete_responses(emu: Emulator) -> None:
    emu.script(Reply("blocked", finish_reason="content_filter"))
    assert make(emu).invoke("x").response_metadata["incomplete_details"] == {
        "reason": "content_filter"
    }
    emu.script(Reply("blocked", finish_reason="content_filter"))
    with pytest.raises(ContentFilterError):
        make(emu, raise_on_content_filter=True).invoke("x")


def test_incomplete_invoke_reports_status_and_details(emu: Emulator) -> None:
    message = make(emu, max_tokens=16).invoke(LONG)
    assert message.response_metadata["status"] == "incomplete"
    assert message.response_metadata["incomplete_details"] == {"reason": "max_output_tokens"}
    assert message.text == " ".join(LONG.split()[:16])


def test_secrets_stay_out_of_stream_errors(emu: Emulator) -> None:
    emu.fault(Fault.stream_error(after_chunks=2, message=f"bad key {KEY}"))
    with pytest.raises(StreamEventError) as info:
        list(make(emu).stream("hello"))
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value.body)


# -- Azure -----------------------------------------------------------------------------------


def test_azure_uses_the_v1_responses_route(emu: Emulator) -> None:
    llm = AzureChatOpenAI(
        azure_endpoint=emu.url,
        azure_deployment="my-gpt",
        api_version="2024-10-21",
        api_key=KEY,
        use_responses_api=True,
    )
    assert llm.invoke("hi azure").text == "hi azure"
    request = emu.requests[-1]
    assert request.path == "/openai/v1/responses"
    assert "api-version" not in request.query
    assert last_body(emu)["model"] == "my-gpt"


def test_get_and_delete_a_stored_response(emu: Emulator) -> None:
    import httpx

    message = make(emu).invoke("keep me")
    url = f"{emu.base_url}/responses/{message.id}"
    headers = {"authorization": f"Bearer {KEY}"}
    assert httpx.get(url, headers=headers).json()["id"] == message.id
    assert httpx.delete(url, headers=headers).json()["deleted"] is True
    assert httpx.get(url, headers=headers).status_code == 404
    with pytest.raises(BadRequestError, match="not found"):
        make(emu).invoke("again", previous_response_id=message.id)


def test_concurrent_async_streams(emu: Emulator) -> None:
    llm = make(emu)

    async def run() -> list[str]:
        async def one(i: int) -> str:
            return fold([c async for c in llm.astream(f"stream {i}")]).text

        return await asyncio.gather(*(one(i) for i in range(5)))

    assert asyncio.run(run()) == [f"stream {i}" for i in range(5)]
