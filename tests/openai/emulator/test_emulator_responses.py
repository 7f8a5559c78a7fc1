"""The emulator's Responses API: every response, event and error validates against the official
schema; stored responses, input token counts, scripted replies, faults and cassettes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_helpers import assert_valid_responses

from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

WEATHER = {
    "type": "function",
    "name": "GetWeather",
    "description": "Get the current weather",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
        "additionalProperties": False,
    },
    "strict": True,
}
WEB_CALL = {
    "type": "web_search_call",
    "id": "ws_1",
    "status": "completed",
    "action": {"type": "search", "query": "pipes"},
}
FILE_CALL = {
    "type": "file_search_call",
    "id": "fs_1",
    "status": "completed",
    "queries": ["pipes"],
    "results": [{"file_id": "file_1", "filename": "a.txt", "score": 0.9, "text": "pipes"}],
}
CITATION = {
    "type": "url_citation",
    "url": "https://example.com/",
    "title": "Example",
    "start_index": 0,
    "end_index": 4,
}


def request(**extra: Any) -> dict[str, Any]:
    """A minimal Responses request body."""
    body: dict[str, Any] = {"model": "gpt-4o-mini", "input": "Hello, world!"}
    body.update(extra)
    assert_valid_responses("CreateResponse", body)
    return body


def events_of(text: str) -> list[dict[str, Any]]:
    """The typed events of a Responses SSE body (the `event:` line must match `type`)."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        data = json.loads(lines["data"])
        assert lines["event"] == data["type"]
        events.append(data)
    return events


def assert_stream_valid(events: list[dict[str, Any]]) -> None:
    for number, event in enumerate(events):
        assert_valid_responses("ResponseStreamEvent", event)
        assert event["sequence_number"] == number


SCRIPTS = {
    "echo": [],
    "tool calls": [
        ToolCall("GetWeather", {"location": "Paris"}),
    ],
    "parallel calls": [
        Reply(
            tool_calls=[
                ToolCall("GetWeather", {"location": "A"}),
                ToolCall("GetWeather", {"location": "B"}),
            ]
        )
    ],
    "reasoning": [Reply("Answer.", reasoning_content="I think so.")],
    "built-in tools and citations": [
        Reply("Pipe facts.", output_items=[WEB_CALL, FILE_CALL], annotations=[CITATION])
    ],
    "refusal": [Reply(refusal="I can't help with that.")],
    "content filter": [Reply("cut", finish_reason="content_filter")],
}


@pytest.mark.parametrize("script", list(SCRIPTS.values()), ids=list(SCRIPTS))
@pytest.mark.parametrize("model", ["gpt-4o-mini", "o4-mini"])
def test_every_response_and_event_validates(
    emulator: Emulator, client: httpx.Client, script: list[Any], model: str
) -> None:
    body = request(
        model=model,
        tools=[WEATHER, {"type": "web_search"}],
        include=["reasoning.encrypted_content"],
        **({"reasoning": {"effort": "low", "summary": "auto"}} if model == "o4-mini" else {}),
    )
    emulator.script(*script)
    plain = client.post("/responses", json=body)
    assert plain.status_code == 200, plain.text
    assert_valid_responses("Response", plain.json())
    emulator.script(*script)
    streamed = client.post("/responses", json={**body, "stream": True})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = events_of(streamed.text)
    assert_stream_valid(events)
    assert events[0]["type"] == "response.created"
    assert events[-1]["type"] in ("response.completed", "response.incomplete")
    final = events[-1]["response"]
    expected = plain.json()
    for key in ("id", "created_at", "completed_at"):
        final.pop(key), expected.pop(key)
    # Item ids differ per request; everything else is what the plain request returned.
    assert json.dumps(final).count('"type"') == json.dumps(expected).count('"type"')
    assert final["status"] == expected["status"]


def test_max_output_tokens_gives_an_incomplete_response(client: httpx.Client) -> None:
    text = " ".join(f"w{i}" for i in range(40))
    data = client.post("/responses", json=request(input=text, max_output_tokens=16)).json()
    assert data["status"] == "incomplete"
    assert data["incomplete_details"] == {"reason": "max_output_tokens"}
    assert_valid_responses("Response", data)


def test_previous_response_id_continues_a_stored_conversation(client: httpx.Client) -> None:
    first = client.post("/responses", json=request(input="remember me")).json()
    second = client.post(
        "/responses",
        json=request(
            input=[{"role": "user", "content": "again"}], previous_response_id=first["id"]
        ),
    ).json()
    assert second["previous_response_id"] == first["id"]
    assert second["output"][-1]["content"][0]["text"] == "again"
    stored = client.get(f"/responses/{second['id']}")
    assert stored.json() == second
    assert client.delete(f"/responses/{first['id']}").json() == {
        "id": first["id"],
        "object": "response",
        "deleted": True,
    }
    gone = client.post("/responses", json=request(previous_response_id=first["id"]))
    assert gone.status_code == 400
    assert gone.json()["error"]["param"] == "previous_response_id"
    assert_valid_responses("ErrorResponse", gone.json())
    assert client.get(f"/responses/{first['id']}").status_code == 404


def test_store_false_keeps_nothing_and_rejects_unknown_reasoning(client: httpx.Client) -> None:
    data = client.post(
        "/responses",
        json=request(model="o4-mini", store=False, include=["reasoning.encrypted_content"]),
    ).json()
    assert client.get(f"/responses/{data['id']}").status_code == 404
    reasoning = data["output"][0]
    assert reasoning["type"] == "reasoning"
    assert reasoning["encrypted_content"]
    back = [{"role": "user", "content": "hi"}, reasoning, {"role": "user", "content": "next"}]
    assert client.post("/responses", json=request(model="o4-mini", input=back)).status_code == 200
    bare = {k: v for k, v in reasoning.items() if k != "encrypted_content"}
    missing = client.post("/responses", json=request(model="o4-mini", input=[bare]))
    assert missing.status_code == 404
    assert "not found" in missing.json()["error"]["message"]
    forged = {**reasoning, "encrypted_content": "not-ours"}
    bad = client.post("/responses", json=request(model="o4-mini", input=[forged]))
    assert bad.json()["error"]["code"] == "invalid_encrypted_content"


def test_input_tokens_counts_without_answering(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script("kept for the next request")
    data = client.post("/responses/input_tokens", json=request(input="count these words")).json()
    assert data["object"] == "response.input_tokens"
    assert data["input_tokens"] > 0
    assert emulator.pending == 1  # the queue is untouched


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": "gpt-4o-mini"}, "input"),
        ({"model": "gpt-4o-mini", "input": "x", "messages": []}, "messages"),
        ({"model": "gpt-4o-mini", "input": [{"role": "robot", "content": "x"}]}, "input[0].role"),
        ({"model": "gpt-4o-mini", "input": "x", "max_output_tokens": 5}, "max_output_tokens"),
        (
            {
                "model": "gpt-4o-mini",
                "input": "x",
                "tools": [{"type": "function", "function": {"name": "f"}}],
            },
            "tools[0].function",
        ),
        (
            {"model": "gpt-4o-mini", "input": "x", "reasoning": {"effort": "high"}},
            "reasoning.effort",
        ),
    ],
)
def test_bad_requests_get_the_api_error(
    client: httpx.Client, body: dict[str, Any], param: str
) -> None:
    response = client.post("/responses", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert_valid_responses("ErrorResponse", response.json())


def test_faults_apply_to_responses(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(429, retry_after=0.01)
    limited = client.post("/responses", json=request())
    assert limited.status_code == 429
    assert limited.headers["retry-after"]
    emulator.fault(Fault.stream_error(after_chunks=3, message="boom"))
    events = events_of(client.post("/responses", json=request(stream=True)).text)
    assert [e["type"] for e in events][-1] == "response.failed"
    assert events[-1]["response"]["error"]["message"] == "boom"
    assert_stream_valid(events)
    emulator.fault(Fault.truncate(after_chunks=4))
    cut = events_of(client.post("/responses", json=request(stream=True)).text)
    assert len(cut) == 4
    assert cut[-1]["type"] != "response.completed"


def test_cassette_replays_responses(tmp_path: Path) -> None:
    path = tmp_path / "responses.json"
    with Emulator() as upstream:
        upstream.script("recorded", Reply("streamed"))
        with Emulator(upstream=upstream.base_url, record=path) as recorder:
            plain = httpx.post(f"{recorder.base_url}/responses", json=request(input="a"))
            streamed = httpx.post(
                f"{recorder.base_url}/responses", json=request(input="b", stream=True)
            )
    with Emulator(cassette=path) as player:
        again = httpx.post(f"{player.base_url}/responses", json=request(input="a"))
        assert again.json() == plain.json()
        again_streamed = httpx.post(
            f"{player.base_url}/responses", json=request(input="b", stream=True)
        )
        assert events_of(again_streamed.text) == events_of(streamed.text)


# -- the official SDK ---------------------------------------------------------------------


def test_openai_sdk_create_stream_and_parse(emulator: Emulator) -> None:
    openai = pytest.importorskip("openai")
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    with openai.OpenAI(base_url=emulator.base_url, api_key="x", max_retries=0) as sdk:
        created = sdk.responses.create(model="gpt-4o-mini", input="Hello SDK")
        assert created.output_text == "Hello SDK"
        assert created.usage is not None
        with sdk.responses.stream(model="gpt-4o-mini", input="stream it") as stream:
            deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
            final = stream.get_final_response()
        assert "".join(deltas) == "stream it" == final.output_text
        parsed = sdk.responses.parse(model="gpt-4o-mini", input="a person", text_format=Person)
        assert isinstance(parsed.output_parsed, Person)
        emulator.script(ToolCall("GetWeather", {"location": "Paris"}))
        called = sdk.responses.create(
            model="gpt-4o-mini",
            input="weather?",
            tools=[WEATHER],  # type: ignore[list-item]
        )
        assert called.output[0].type == "function_call"


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"max_output_tokens": "64"}, "max_output_tokens", "invalid_type"),
        (
            {"tools": [{"type": "function", "name": f"f{i}"} for i in range(129)]},
            "tools",
            "array_above_max_length",
        ),
    ],
)
def test_bad_requests_get_the_api_code(
    client: httpx.Client, extra: dict[str, Any], param: str, code: str
) -> None:
    body = {"model": "gpt-4o-mini", "input": "x", **extra}  # not request(): invalid on purpose
    error = client.post("/responses", json=body).json()["error"]
    assert (error["param"], error["code"]) == (param, code), error["message"]
