"""Each request form is answered in kind: a named tool is called, legacy `functions` get a
`function_call`, custom tools a custom call, `modalities: ["audio"]` an audio reply, streamed
as the API streams them."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import httpx
import pytest

from pipes_openai.emulator import Emulator, ToolCall

from .helpers import assert_valid, chat, sse_events

WEATHER: Any = {
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
WEATHER_TOOL: Any = {"type": "function", "function": WEATHER}
SQL_TOOL = {"type": "custom", "custom": {"name": "run_sql", "description": "Run SQL."}}
AUDIO_FORMATS = ("wav", "aac", "mp3", "flac", "opus", "pcm16")


def _post(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    assert_valid("CreateChatCompletionResponse", reply)
    return reply


def _deltas(client: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/chat/completions", json={**body, "stream": True})
    assert response.status_code == 200, response.text
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    return [c["choices"][0] for c in events[:-1] if c["choices"]]


def test_named_custom_tool_is_called_with_free_form_input(client: httpx.Client) -> None:
    body = chat(
        "select 1",
        tools=[WEATHER_TOOL, SQL_TOOL],
        tool_choice={"type": "custom", "custom": {"name": "run_sql"}},
    )
    choice = _post(client, body)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "custom"
    assert call["custom"] == {"name": "run_sql", "input": "select 1"}

    # Streamed: opened with id, type and name, then the input in pieces (as OpenAI streams it).
    deltas = _deltas(client, body)
    calls = [c for d in deltas for c in d["delta"].get("tool_calls", ())]
    assert calls[0]["type"] == "custom"
    assert calls[0]["custom"]["name"] == "run_sql"
    assert "".join(c["custom"].get("input", "") for c in calls) == "select 1"
    assert deltas[-1]["finish_reason"] == "tool_calls"


def test_allowed_tools_restricts_the_call(client: httpx.Client) -> None:
    other = {"type": "function", "function": {**WEATHER, "name": "get_time"}}
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "required",
            "tools": [{"type": "function", "function": {"name": "get_time"}}],
        },
    }
    body = chat("weather please", tools=[WEATHER_TOOL, other], tool_choice=choice)
    (call,) = _post(client, body)["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_time"


def test_allowed_tools_auto_may_answer_text(client: httpx.Client) -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {
            "mode": "auto",
            "tools": [{"type": "custom", "custom": {"name": "run_sql"}}],
        },
    }
    body = chat("hello", tools=[WEATHER_TOOL, SQL_TOOL], tool_choice=choice)
    message = _post(client, body)["choices"][0]["message"]
    assert message["content"] == "hello"
    assert "tool_calls" not in message


def test_tool_choice_none_answers_text(client: httpx.Client) -> None:
    body = chat("get_weather for Paris", tools=[WEATHER_TOOL], tool_choice="none")
    message = _post(client, body)["choices"][0]["message"]
    assert "tool_calls" not in message
    assert message["content"]


def test_legacy_functions_get_a_function_call(client: httpx.Client) -> None:
    body = chat("Paris?", functions=[WEATHER], function_call={"name": "get_weather"})
    choice = _post(client, body)["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert "tool_calls" not in choice["message"]
    assert choice["message"]["function_call"]["name"] == "get_weather"
    assert choice["message"]["function_call"]["arguments"] == '{"city": "San Francisco"}'

    deltas = _deltas(client, body)
    pieces = [d["delta"]["function_call"] for d in deltas if "function_call" in d["delta"]]
    assert pieces[0]["name"] == "get_weather"
    assert "".join(p["arguments"] for p in pieces) == '{"city": "San Francisco"}'
    assert deltas[-1]["finish_reason"] == "function_call"


def test_legacy_functions_auto_and_results(client: httpx.Client) -> None:
    body = chat("What is the weather?", functions=[WEATHER])
    assert _post(client, body)["choices"][0]["finish_reason"] == "function_call"
    body = chat("hi", functions=[WEATHER], function_call="none")
    assert _post(client, body)["choices"][0]["message"]["content"] == "hi"
    # A function result is answered with its text, never with another call.
    body["function_call"] = "auto"
    body["messages"] += [
        {
            "role": "assistant",
            "content": None,
            "function_call": {"name": "get_weather", "arguments": "{}"},
        },
        {"role": "function", "name": "get_weather", "content": "sunny"},
    ]
    assert _post(client, body)["choices"][0]["message"]["content"] == "sunny"


def test_scripted_call_on_a_legacy_request_is_a_function_call(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.script(ToolCall("get_weather", {"city": "Oslo"}))
    choice = _post(client, chat("x", functions=[WEATHER]))["choices"][0]
    assert choice["message"]["function_call"] == {
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
    }
    assert choice["finish_reason"] == "function_call"


def _audio(fmt: str) -> dict[str, Any]:
    return {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": fmt}}


@pytest.mark.parametrize("fmt", AUDIO_FORMATS)
def test_audio_output_in_the_requested_container(client: httpx.Client, fmt: str) -> None:
    reply = _post(client, chat("Say hi.", model="gpt-4o-audio-preview", **_audio(fmt)))
    message = reply["choices"][0]["message"]
    assert message["content"] is None
    audio = message["audio"]
    assert audio["transcript"] == "Say hi."
    assert reply["usage"]["completion_tokens_details"]["audio_tokens"] == 3
    assert audio["id"].startswith("audio_")
    assert audio["expires_at"] > reply["created"]
    data = base64.b64decode(audio["data"], validate=True)
    magic = {"wav": b"RIFF", "flac": b"fLaC", "opus": b"OggS", "mp3": b"\xff\xfb"}
    if fmt == "wav":
        with wave.open(io.BytesIO(data)) as clip:
            assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 24000)
            assert clip.readframes(clip.getnframes()) == b"\0" * len(data[44:])
    elif fmt == "pcm16":
        assert len(data) % 2 == 0
    elif fmt == "aac":
        assert data[:2] == b"\xff\xf1"  # ADTS sync word, MPEG-4, no CRC
    else:
        assert data.startswith(magic[fmt])
    if fmt == "opus":
        assert data[28:36] == b"OpusHead"


def test_audio_output_streamed(client: httpx.Client) -> None:
    deltas = _deltas(client, chat("Say hi.", **_audio("pcm16")))
    audio = [d["delta"]["audio"] for d in deltas if "audio" in d["delta"]]
    assert "".join(a.get("transcript", "") for a in audio) == "Say hi."
    assert len({a["id"] for a in audio if "id" in a}) == 1
    assert base64.b64decode("".join(a.get("data", "") for a in audio))
    assert not any(d["delta"].get("content") for d in deltas)


def test_audio_output_streams_pcm16_only(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat(stream=True, **_audio("wav")))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Unsupported value: 'audio.format' does not support 'wav' when stream=true."
        " Supported values are: 'pcm16'.",
        "type": "invalid_request_error",
        "param": "audio.format",
        "code": "unsupported_value",
    }


def test_audio_output_needs_its_parameters(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat(modalities=["text", "audio"]))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "audio"
    assert response.json()["error"]["code"] == "missing_required_parameter"


def test_logprobs_n_and_stops(client: httpx.Client) -> None:
    reply = _post(client, chat("one, two; three", logprobs=True, top_logprobs=3, n=2))
    assert len(reply["choices"]) == 2
    entries = reply["choices"][1]["logprobs"]["content"]
    assert [e["token"] for e in entries] == ["one", ",", " two", ";", " three"]
    assert all(len(e["top_logprobs"]) == 3 for e in entries)
    # The first of several stop strings to occur cuts the reply.
    reply = _post(client, chat("one, two; three", stop=["three", ";", ","]))
    assert reply["choices"][0]["message"]["content"] == "one"


def test_grammar_custom_tools_answer_unsupported(client: httpx.Client) -> None:
    grammar = {"type": "grammar", "grammar": {"definition": "start: /a+/", "syntax": "lark"}}
    tool = {"type": "custom", "custom": {"name": "run_sql", "format": grammar}}
    response = client.post("/chat/completions", json=chat(tools=[tool]))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsupported_value"
    assert error["param"] == "tools[0].custom.format.type"
    assert error["message"].startswith("Unsupported value: 'tools[0].custom.format.type'")


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tool_choice": {"type": "custom", "custom": {"name": "nope"}}}, "tool_choice"),
        (
            {"tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "x", "tools": []}}},
            "tool_choice.allowed_tools.mode",
        ),
        ({"function_call": {"name": "nope"}, "functions": [WEATHER]}, "function_call"),
        ({"tools": [{"type": "custom", "custom": {}}]}, "tools[0].custom.name"),
        ({"audio": {"voice": "alloy", "format": "ogg"}, "modalities": ["audio"]}, "audio.format"),
    ],
)
def test_bad_new_forms_name_their_param(
    client: httpx.Client, extra: dict[str, Any], param: str
) -> None:
    body = chat(tools=[WEATHER_TOOL], **extra) if "tools" not in extra else chat(**extra)
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


# The Responses API: custom tools and allowed_tools in its flat forms.
CUSTOM_FLAT: Any = {"type": "custom", "name": "run_sql"}
FUNCTION_FLAT: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": WEATHER["parameters"],
}


def test_a_scripted_call_of_a_custom_tool_is_a_custom_call(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.script(ToolCall("run_sql", "select 2"), ToolCall("run_sql", "select 3"))
    body = chat("query", tools=[SQL_TOOL, WEATHER_TOOL])
    (call,) = _post(client, body)["choices"][0]["message"]["tool_calls"]
    assert call["type"] == "custom"
    assert call["custom"] == {"name": "run_sql", "input": "select 2"}
    deltas = [choice["delta"] for choice in _deltas(client, body)]
    streamed = [call for delta in deltas for call in delta.get("tool_calls") or ()]
    assert streamed[0]["type"] == "custom"
    assert "".join(c["custom"].get("input", "") for c in streamed) == "select 3"


def test_responses_named_custom_tool(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "input": "select 1",
        "tools": [FUNCTION_FLAT, CUSTOM_FLAT],
        "tool_choice": {"type": "custom", "name": "run_sql"},
    }
    response = client.post("/responses", json=body)
    assert response.status_code == 200, response.text
    (call,) = response.json()["output"]
    assert call["type"] == "custom_tool_call"
    assert (call["name"], call["input"]) == ("run_sql", "select 1")

    events = sse_events(client.post("/responses", json={**body, "stream": True}).text)
    deltas = [e["delta"] for e in events if e["type"] == "response.custom_tool_call_input.delta"]
    assert "".join(deltas) == "select 1"
    (done,) = [e for e in events if e["type"] == "response.custom_tool_call_input.done"]
    assert done["input"] == "select 1"


def test_responses_allowed_tools_and_custom_results(client: httpx.Client) -> None:
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "input": "hello",
        "tools": [FUNCTION_FLAT, CUSTOM_FLAT],
        "tool_choice": {
            "type": "allowed_tools",
            "mode": "required",
            "tools": [{"type": "function", "name": "get_weather"}],
        },
    }
    (call,) = client.post("/responses", json=body).json()["output"]
    assert (call["type"], call["name"]) == ("function_call", "get_weather")
    # A custom tool's output comes back as text, not as another call.
    body["tool_choice"] = "auto"
    body["input"] = [
        {"type": "custom_tool_call", "call_id": "c1", "name": "run_sql", "input": "select 1"},
        {"type": "custom_tool_call_output", "call_id": "c1", "output": "1 row"},
    ]
    (message,) = client.post("/responses", json=body).json()["output"]
    assert message["content"][0]["text"] == "1 row"


def test_responses_grammar_custom_tools_answer_unsupported(client: httpx.Client) -> None:
    grammar = {"type": "grammar", "syntax": "regex", "definition": "a+"}
    body = {"model": "gpt-4o-mini", "input": "x", "tools": [{**CUSTOM_FLAT, "format": grammar}]}
    response = client.post("/responses", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_value"
    assert response.json()["error"]["param"] == "tools[0].format.type"
