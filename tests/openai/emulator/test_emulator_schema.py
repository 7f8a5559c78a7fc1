"""Every response kind, chunk and error validates against the shared OpenAI schema."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

from .helpers import assert_valid, chat, sse_events

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "GetWeather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
PERSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "Person",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
            "additionalProperties": False,
        },
    },
}

# (id, scripted replies, request body extras)
SCENARIOS: list[tuple[str, list[Any], dict[str, Any]]] = [
    ("echo", [], {}),
    ("scripted-text", ["Bonjour, le monde !"], {}),
    ("unicode", ["Grüße, 世界 🌍"], {}),
    ("empty-content", [""], {}),
    ("tool-call", [ToolCall("GetWeather", {"location": "Paris"})], {"tools": [WEATHER_TOOL]}),
    (
        "parallel-tool-calls",
        [Reply(tool_calls=[ToolCall("a", {"x": 1}), ToolCall("b", "not json")])],
        {},
    ),
    ("synth-tool-call", [], {"tools": [WEATHER_TOOL], "tool_choice": "required"}),
    ("refusal", [Reply(refusal="I can't help with that.")], {}),
    ("reasoning", [Reply(content="4", reasoning_content="2+2 is 4")], {}),
    ("content-filter", [Reply(content="", finish_reason="content_filter")], {}),
    ("length", [], {"max_tokens": 2}),
    ("stop", [], {"stop": [","]}),
    ("n3", [], {"n": 3}),
    ("logprobs", [], {"logprobs": True, "top_logprobs": 3}),
    ("json-schema", [], {"response_format": PERSON_FORMAT}),
    (
        "custom-usage",
        [Reply(content="hi", usage={"prompt_tokens_details": {"cached_tokens": 5}})],
        {},
    ),
    ("seed-and-tier", [], {"seed": 42, "service_tier": "flex", "temperature": 0.2}),
]


@pytest.mark.parametrize(
    ("replies", "extra"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_non_streaming_responses_validate(
    emulator: Emulator, client: httpx.Client, replies: list[Any], extra: dict[str, Any]
) -> None:
    emulator.script(*replies)
    response = client.post("/chat/completions", json=chat(**extra))
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid("CreateChatCompletionResponse", body)
    assert body["object"] == "chat.completion"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("replies", "extra"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_chunks_validate(
    emulator: Emulator,
    client: httpx.Client,
    replies: list[Any],
    extra: dict[str, Any],
    include_usage: bool,
) -> None:
    emulator.script(*replies)
    body = chat(stream=True, **extra)
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    for chunk in chunks:
        assert_valid("CreateChatCompletionStreamResponse", chunk)
    assert len({c["id"] for c in chunks}) == 1
    if include_usage:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"]["total_tokens"] > 0
        assert all(c["usage"] is None for c in chunks[:-1])
    else:
        assert all("usage" not in c for c in chunks)


ERROR_CASES: list[tuple[str, Any]] = [
    ("malformed-json", b"{not json"),
    ("missing-model", {"messages": [{"role": "user", "content": "x"}]}),
    ("missing-messages", {"model": "gpt-4o-mini"}),
    ("empty-messages", {"model": "gpt-4o-mini", "messages": []}),
    ("unknown-role", {"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "x"}]}),
    (
        "orphan-tool-message",
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "tool", "tool_call_id": "c1", "content": "x"}],
        },
    ),
    ("bad-temperature", chat(temperature=3)),
    ("top-logprobs-without-logprobs", chat(top_logprobs=2)),
    ("stream-options-without-stream", chat(stream_options={"include_usage": True})),
]


@pytest.mark.parametrize("payload", [c[1] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_validation_errors_validate(client: httpx.Client, payload: Any) -> None:
    if isinstance(payload, bytes):
        response = client.post("/chat/completions", content=payload)
    else:
        response = client.post("/chat/completions", json=payload)
    assert response.status_code == 400
    assert_valid("ErrorResponse", response.json())
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503])
def test_injected_errors_validate(emulator: Emulator, client: httpx.Client, status: int) -> None:
    emulator.fail(status)
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == status
    assert_valid("ErrorResponse", response.json())


def test_auth_and_not_found_errors_validate() -> None:
    with Emulator(api_key="sk-test") as emu, httpx.Client(base_url=emu.base_url) as c:
        for response in (
            c.post("/chat/completions", json=chat()),
            c.post("/chat/completions", json=chat(), headers={"authorization": "Bearer nope"}),
            c.post("/nowhere", json=chat()),
            c.get("/models/no-such-model"),
        ):
            assert response.status_code in (401, 404)
            assert_valid("ErrorResponse", response.json())


def test_mid_stream_error_event_validates(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fault(Fault.stream_error(after_chunks=2, code="server_overloaded"))
    events = sse_events(client.post("/chat/completions", json=chat(stream=True)).text)
    assert len(events) == 3
    for chunk in events[:2]:
        assert_valid("CreateChatCompletionStreamResponse", chunk)
    assert_valid("ErrorResponse", events[2])
    assert events[2]["error"]["code"] == "server_overloaded"


def test_requests_the_sdk_would_send_validate_as_requests() -> None:
    # The helper's own request bodies are valid requests (guards the validator setup itself).
    assert_valid("CreateChatCompletionRequest", chat(tools=[WEATHER_TOOL], stream=True))
    with pytest.raises(AssertionError):
        assert_valid("CreateChatCompletionResponse", {"id": 1})
