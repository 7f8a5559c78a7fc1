"""Deterministic behaviour: echo, scripts, tools, structured output, limits, usage, logprobs."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from pipes_openai.emulator import Emulator, Reply, ToolCall, count_tokens, tokenize

from .helpers import chat, sse_events


def _tool(
    name: str, properties: dict[str, Any], required: list[str] | None = None
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool",
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required if required is not None else list(properties),
            },
        },
    }


WEATHER = _tool("GetWeather", {"location": {"type": "string"}})
POPULATION = _tool("get_population", {"city": {"type": "string"}, "year": {"type": "integer"}})


def _post(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _stream(client: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    response = client.post("/chat/completions", json={**body, "stream": True})
    assert response.status_code == 200, response.text
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    return events[:-1]


def _message(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    message: dict[str, Any] = data["choices"][index]["message"]
    return message


def test_tokenizer_round_trips_and_counts() -> None:
    text = "Hello, world!  It's 3.14 — ok?\n"
    assert "".join(tokenize(text)) == text
    assert tokenize("Hello, world!") == ["Hello", ",", " world", "!"]
    assert count_tokens("") == 0
    assert count_tokens("Hello, world!") == 4


def test_echo_returns_the_last_user_message(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You translate."},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "I love"},
                    {"type": "text", "text": "programming."},
                ],
            },
        ],
    }
    data = _post(client, **body)
    assert _message(data)["content"] == "I love\nprogramming."
    assert _message(data)["role"] == "assistant"
    assert data["choices"][0]["finish_reason"] == "stop"
    assert data["model"] == "gpt-4o-mini"


def test_usage_is_deterministic(client: httpx.Client) -> None:
    data = _post(client, **chat("Hello, world!"))
    # 3 priming + (3 per message + 4 content tokens); completion = the 4 echoed tokens.
    assert data["usage"]["prompt_tokens"] == 10
    assert data["usage"]["completion_tokens"] == 4
    assert data["usage"]["total_tokens"] == 14
    assert data["usage"]["prompt_tokens_details"] == {"cached_tokens": 0, "audio_tokens": 0}
    assert data["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    assert _post(client, **chat("Hello, world!"))["usage"] == data["usage"]


def test_scripted_replies_are_served_in_order(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script("one", Reply(content="two"), ToolCall("lookup", {"q": "x"}, id="call_1"))
    assert emulator.pending == 3
    assert _message(_post(client, **chat()))["content"] == "one"
    assert _message(_post(client, **chat()))["content"] == "two"
    third = _post(client, **chat())
    assert _message(third)["content"] is None
    assert _message(third)["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"q": "x"}'},
        }
    ]
    assert third["choices"][0]["finish_reason"] == "tool_calls"
    assert emulator.pending == 0
    assert _message(_post(client, **chat("echo me")))["content"] == "echo me"


def test_scripted_reply_fields(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script(
        Reply(refusal="I can't help with that."),
        Reply(content="4", reasoning_content="two plus two"),
        Reply(finish_reason="length"),
        Reply(
            content="x",
            usage={"prompt_tokens": 100, "prompt_tokens_details": {"cached_tokens": 60}},
        ),
        Reply(content="ft", model="ft:gpt-4o-mini:org::abc"),
        Reply(tool_calls=[ToolCall("f", "{not json")]),
    )
    refusal = _message(_post(client, **chat()))
    assert refusal["refusal"] == "I can't help with that."
    assert refusal["content"] is None
    reasoning = _post(client, **chat())
    assert _message(reasoning)["reasoning_content"] == "two plus two"
    assert reasoning["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3
    length = _post(client, **chat("kept as echo"))
    assert length["choices"][0]["finish_reason"] == "length"
    assert _message(length)["content"] == "kept as echo"
    usage = _post(client, **chat())["usage"]
    assert usage["prompt_tokens"] == 100
    assert usage["prompt_tokens_details"] == {"cached_tokens": 60, "audio_tokens": 0}
    assert usage["total_tokens"] == 100 + usage["completion_tokens"]
    assert _post(client, **chat())["model"] == "ft:gpt-4o-mini:org::abc"
    assert (
        _message(_post(client, **chat()))["tool_calls"][0]["function"]["arguments"] == "{not json"
    )


def test_reply_rejects_unknown_finish_reason() -> None:
    with pytest.raises(ValueError, match="finish reason"):
        Reply(finish_reason="done")


def test_script_rejects_other_types(emulator: Emulator) -> None:
    with pytest.raises(TypeError, match="Reply, ToolCall, Fault or str"):
        emulator.script(42)  # type: ignore[arg-type]


def test_streamed_deltas_join_to_the_content(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script("Hello there, how are you today?")
    chunks = _stream(client, **chat())
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "Hello there, how are you today?"
    assert len(chunks) == 1 + len(tokenize(text)) + 1  # role, one chunk per token, finish
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }


def test_streamed_tool_calls(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script(Reply(tool_calls=[ToolCall("a", {"x": 1}), ToolCall("b", {"y": "two"})]))
    chunks = _stream(client, **chat(stream_options={"include_usage": True}))
    calls: dict[int, dict[str, Any]] = {}
    for chunk in chunks[1:-2]:
        (delta,) = chunk["choices"][0]["delta"]["tool_calls"]
        call = calls.setdefault(delta["index"], {"arguments": ""})
        if "id" in delta:
            assert "id" not in call, "id must come only in the first delta of a call"
            call["id"] = delta["id"]
            call["name"] = delta["function"]["name"]
        call["arguments"] += delta["function"].get("arguments", "")
    assert [calls[i]["name"] for i in sorted(calls)] == ["a", "b"]
    assert json.loads(calls[0]["arguments"]) == {"x": 1}
    assert json.loads(calls[1]["arguments"]) == {"y": "two"}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_streamed_refusal_and_reasoning(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script(Reply(refusal="No way."), Reply(content="ok", reasoning_content="think hard"))
    refusal = "".join(
        c["choices"][0]["delta"].get("refusal") or "" for c in _stream(client, **chat())
    )
    assert refusal == "No way."
    chunks = _stream(client, **chat())
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content", "") for c in chunks)
    assert reasoning == "think hard"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "ok"


def test_forced_tool_choice_synthesizes_arguments(client: httpx.Client) -> None:
    data = _post(
        client,
        **chat(
            "nothing relevant",
            tools=[WEATHER, POPULATION],
            tool_choice={"type": "function", "function": {"name": "get_population"}},
        ),
    )
    (call,) = _message(data)["tool_calls"]
    assert call["function"]["name"] == "get_population"
    args = json.loads(call["function"]["arguments"])
    jsonschema.validate(args, POPULATION["function"]["parameters"])
    assert args == {"city": "San Francisco", "year": 2024}
    assert call["id"].startswith("call_")


def test_required_tool_choice_prefers_the_mentioned_tool(client: httpx.Client) -> None:
    tools = [WEATHER, POPULATION]
    mentioned = _post(
        client, **chat("what is the population of Paris", tools=tools, tool_choice="required")
    )
    assert _message(mentioned)["tool_calls"][0]["function"]["name"] == "get_population"
    first = _post(client, **chat("hi", tools=tools, tool_choice="required"))
    assert [c["function"]["name"] for c in _message(first)["tool_calls"]] == ["GetWeather"]


def test_auto_tool_choice_calls_mentioned_tools_only(client: httpx.Client) -> None:
    tools = [WEATHER, POPULATION]
    text = _post(client, **chat("tell me a joke", tools=tools))
    assert _message(text)["content"] == "tell me a joke"
    assert "tool_calls" not in _message(text)
    weather = _post(client, **chat("What's the weather in SF?", tools=tools, tool_choice="auto"))
    assert [c["function"]["name"] for c in _message(weather)["tool_calls"]] == ["GetWeather"]
    both = _post(client, **chat("weather and population of Paris", tools=tools))
    assert [c["function"]["name"] for c in _message(both)["tool_calls"]] == [
        "GetWeather",
        "get_population",
    ]
    ids = [c["id"] for c in _message(both)["tool_calls"]]
    assert len(set(ids)) == 2
    one = _post(client, **chat("weather and population", tools=tools, parallel_tool_calls=False))
    assert len(_message(one)["tool_calls"]) == 1
    none = _post(client, **chat("weather please", tools=tools, tool_choice="none"))
    assert _message(none)["content"] == "weather please"


def test_tool_results_are_answered_with_their_text(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "tools": [WEATHER],
        "messages": [
            {"role": "user", "content": "What's the weather in SF?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "GetWeather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "It's sunny, 22°C."},
        ],
    }
    data = _post(client, **body)
    assert _message(data)["content"] == "It's sunny, 22°C."
    assert data["choices"][0]["finish_reason"] == "stop"


def test_json_schema_response_format(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "setup": {"type": "string"},
            "punchline": {"type": "string"},
            "rating": {
                "anyOf": [{"type": "integer", "minimum": 1, "maximum": 10}, {"type": "null"}]
            },
        },
        "required": ["setup", "punchline", "rating"],
        "additionalProperties": False,
    }
    data = _post(
        client,
        **chat(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "Joke", "strict": True, "schema": schema},
            }
        ),
    )
    value = json.loads(_message(data)["content"])
    jsonschema.validate(value, schema)
    assert value["setup"] == "Why did the chicken cross the road?"


def test_json_object_response_format(client: httpx.Client) -> None:
    data = _post(client, **chat("Answer in JSON please", response_format={"type": "json_object"}))
    assert json.loads(_message(data)["content"]) == {"echo": "Answer in JSON please"}
    refused = client.post(
        "/chat/completions", json=chat("no keyword", response_format={"type": "json_object"})
    )
    assert refused.status_code == 400
    assert "json" in refused.json()["error"]["message"]


def test_n_choices(client: httpx.Client) -> None:
    data = _post(client, **chat("same", n=3))
    assert [c["index"] for c in data["choices"]] == [0, 1, 2]
    assert {_message(data, i)["content"] for i in range(3)} == {"same"}
    assert data["usage"]["completion_tokens"] == 3
    chunks = _stream(client, **chat("same", n=2))
    finishes = [c["choices"][0]["index"] for c in chunks if c["choices"][0]["finish_reason"]]
    assert finishes == [0, 1]


def test_logprobs(client: httpx.Client) -> None:
    data = _post(client, **chat("Hello, world!", logprobs=True, top_logprobs=3))
    entries = data["choices"][0]["logprobs"]["content"]
    assert [e["token"] for e in entries] == ["Hello", ",", " world", "!"]
    for entry in entries:
        assert entry["logprob"] < 0
        assert entry["bytes"] == list(entry["token"].encode())
        assert len(entry["top_logprobs"]) == 3
        assert entry["top_logprobs"][0]["token"] == entry["token"]
        assert [t["logprob"] for t in entry["top_logprobs"]] == sorted(
            (t["logprob"] for t in entry["top_logprobs"]), reverse=True
        )
    again = _post(client, **chat("Hello, world!", logprobs=True, top_logprobs=3))
    assert again["choices"][0]["logprobs"] == data["choices"][0]["logprobs"]
    assert _post(client, **chat())["choices"][0]["logprobs"] is None
    chunks = _stream(client, **chat("Hello, world!", logprobs=True))
    streamed = [
        c["choices"][0]["logprobs"]["content"][0]["token"]
        for c in chunks
        if c["choices"][0]["logprobs"]
    ]
    assert streamed == ["Hello", ",", " world", "!"]


def test_max_tokens_and_stop(client: httpx.Client) -> None:
    cut = _post(client, **chat("one two three four", max_tokens=2))
    assert _message(cut)["content"] == "one two"
    assert cut["choices"][0]["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 2
    cut = _post(client, **chat("one two three four", max_completion_tokens=3))
    assert _message(cut)["content"] == "one two three"
    stopped = _post(client, **chat("one two. three", stop=["."]))
    assert _message(stopped)["content"] == "one two"
    assert stopped["choices"][0]["finish_reason"] == "stop"


def test_seed_and_service_tier(client: httpx.Client) -> None:
    data = _post(client, **chat(seed=7, service_tier="flex"))
    assert data["service_tier"] == "flex"
    assert data["system_fingerprint"] == "fp_emulator"
    assert _post(client, **chat(service_tier="auto"))["service_tier"] == "default"


def test_ids_are_unique_per_request(client: httpx.Client) -> None:
    first = client.post("/chat/completions", json=chat())
    second = client.post("/chat/completions", json=chat())
    assert first.json()["id"] != second.json()["id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_images_and_audio_count_as_prompt_tokens(client: httpx.Client) -> None:
    content = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
        {"type": "input_audio", "input_audio": {"data": "A" * 3000, "format": "wav"}},
    ]
    data = _post(
        client, model="gpt-4o-audio-preview", messages=[{"role": "user", "content": content}]
    )
    assert _message(data)["content"] == "Describe"
    assert data["usage"]["prompt_tokens_details"]["audio_tokens"] == 3
    assert data["usage"]["prompt_tokens"] == 3 + 3 + 1 + 85 + 3


def test_requests_are_recorded_with_secrets_redacted(
    emulator: Emulator, client: httpx.Client
) -> None:
    client.post(
        "/chat/completions",
        json=chat("record me"),
        headers={
            "authorization": "Bearer sk-very-secret",
            "api-key": "az-secret",
            "x-custom": "1",
            "openai-organization": "org-1",
        },
    )
    recorded = emulator.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == "/v1/chat/completions"
    assert recorded.body["messages"][0]["content"] == "record me"
    assert recorded.headers["authorization"] == "Bearer <redacted>"
    assert recorded.headers["api-key"] == "<redacted>"
    assert recorded.headers["x-custom"] == "1"
    assert recorded.headers["openai-organization"] == "org-1"  # an id, not a secret
    assert "secret" not in repr(emulator.requests)
    emulator.reset()
    assert emulator.requests == []


def test_models_endpoint(client: httpx.Client) -> None:
    listing = client.get("/models").json()
    assert listing["object"] == "list"
    assert "gpt-4o-mini" in [m["id"] for m in listing["data"]]
    assert client.get("/models/gpt-4o").json()["id"] == "gpt-4o"
    missing = client.get("/models/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"


def test_azure_deployment_path() -> None:
    with Emulator(api_key="az-key") as emu, httpx.Client(base_url=emu.url) as c:
        path = "/openai/deployments/my-gpt4o/chat/completions"
        body = {"messages": [{"role": "user", "content": "hi azure"}]}
        ok = c.post(
            path, params={"api-version": "2024-10-21"}, json=body, headers={"api-key": "az-key"}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["model"] == "my-gpt4o"
        assert ok.json()["choices"][0]["message"]["content"] == "hi azure"
        bearer = c.post(
            path,
            params={"api-version": "2024-10-21"},
            json=body,
            headers={"authorization": "Bearer az-key"},
        )
        assert bearer.status_code == 200
        wrong = c.post(
            path, params={"api-version": "2024-10-21"}, json=body, headers={"api-key": "bad"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_api_key"
        no_version = c.post(path, json=body, headers={"api-key": "az-key"})
        assert no_version.status_code == 404
        assert "api-version" in no_version.json()["error"]["message"]
        assert emu.requests[0].query == {"api-version": "2024-10-21"}
        assert emu.requests[0].headers["api-key"] == "<redacted>"


def test_api_key_check() -> None:
    with Emulator(api_key="sk-test") as emu, httpx.Client(base_url=emu.base_url) as c:
        assert (
            c.post(
                "/chat/completions", json=chat(), headers={"authorization": "Bearer sk-test"}
            ).status_code
            == 200
        )
        wrong = c.post(
            "/chat/completions", json=chat(), headers={"authorization": "Bearer sk-wrong"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_api_key"
        assert "sk-wrong" not in wrong.text
        missing = c.post("/chat/completions", json=chat())
        assert missing.status_code == 401
        assert "didn't provide an API key" in missing.json()["error"]["message"]


def test_default_accepts_any_key(client: httpx.Client) -> None:
    ok = client.post("/chat/completions", json=chat(), headers={"authorization": "Bearer whatever"})
    assert ok.status_code == 200
    assert client.post("/chat/completions", json=chat()).status_code == 200


def test_azure_v1_path_accepts_api_key_header() -> None:
    with Emulator(api_key="az-key") as emu, httpx.Client(base_url=emu.url) as c:
        ok = c.post("/openai/v1/chat/completions", json=chat("v1"), headers={"api-key": "az-key"})
        assert ok.status_code == 200
        assert ok.json()["choices"][0]["message"]["content"] == "v1"
        # The plain OpenAI path wants Bearer auth, like api.openai.com.
        plain = c.post("/v1/chat/completions", json=chat(), headers={"api-key": "az-key"})
        assert plain.status_code == 401


def test_a_configured_system_fingerprint_is_in_replies_and_chunks() -> None:
    with Emulator(system_fingerprint="fp_custom") as emulator:
        url = f"{emulator.base_url}/chat/completions"
        assert httpx.post(url, json=chat()).json()["system_fingerprint"] == "fp_custom"
        chunks = [
            e for e in sse_events(httpx.post(url, json=chat(stream=True)).text) if e != "[DONE]"
        ]
        assert {c["system_fingerprint"] for c in chunks} == {"fp_custom"}
