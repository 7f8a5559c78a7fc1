"""Every request form the official Chat Completions schema allows is accepted and answered
in kind (the variants come from walking the schema, not from a hand-made list)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from openai_helpers import schema_validator

from .helpers import assert_valid, sse_events
from .schema_walk import RequestWalk

REQUEST = schema_validator("CreateChatCompletionRequest")

# Schema-valid forms the emulator deliberately refuses, with the API's unsupported-feature
# error: (label fragment, error code, why).
UNSUPPORTED = [
    (
        "custom.format<oneOf[1]>",
        "unsupported_value",
        "a grammar-constrained custom tool: the emulator cannot write text a Lark or regex"
        " grammar accepts (script the call instead)",
    ),
]

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def _tool_named(kind: str, name: str) -> dict[str, Any]:
    return {"type": kind, kind: {"name": name}}


def contextualise(prop: str, value: Any) -> dict[str, Any]:
    """A minimal body around one walked value, plus what the API requires beside it that a
    schema cannot say (a tool named by `tool_choice` is sent, `logprobs` beside
    `top_logprobs`, a tool result follows its call...)."""
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hello, reply in JSON."}],
        prop: value,
    }
    if prop == "messages":
        body["messages"] = _conversation(value)
    if body.get("top_logprobs") is not None:
        body["logprobs"] = True
    if body.get("stream_options") is not None:
        body["stream"] = True
    if body.get("reasoning_effort") is not None:
        body["model"] = "gpt-5"
    speaks = prop == "modalities" and "audio" in (value or ())
    if speaks or (prop == "audio" and value is not None):
        body["modalities"] = ["text", "audio"]
        body["audio"] = value if prop == "audio" else {"voice": "alloy", "format": "wav"}
    if prop == "functions" or (prop == "function_call" and value is not None):
        body["functions"] = value if prop == "functions" else [TOOL["function"]]
        if isinstance(value, dict):
            body["functions"] = [{**TOOL["function"], "name": value["name"]}]
    if prop in ("tool_choice", "parallel_tool_calls") and value is not None:
        body["tools"] = [TOOL]
        if isinstance(value, dict):
            body["tools"], body["tool_choice"] = _tools_for_choice(value)
    if prop == "tools":
        for tool in value:
            spec = tool[tool["type"]]
            if spec.get("strict"):  # strict mode needs a closed parameters schema
                spec["parameters"] = {
                    "type": "object",
                    "properties": {},
                    "additionalProperties": False,
                }
    return body


def _tools_for_choice(choice: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    if choice["type"] != "allowed_tools":
        kind, name = choice["type"], choice[choice["type"]]["name"]
        return [TOOL if kind == "function" else _tool_named("custom", name)], (
            {"type": kind, kind: {"name": TOOL["function"]["name"]}}
            if kind == "function"
            else choice
        )
    refs = [_tool_named("function", TOOL["function"]["name"])]
    allowed = {**choice["allowed_tools"], "tools": refs}
    return [TOOL], {**choice, "allowed_tools": allowed}


def _conversation(walked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The walked messages, each tool result after its call and each call answered."""
    messages: list[dict[str, Any]] = []
    for msg in walked:
        if msg.get("role") == "tool":
            call = {"id": msg["tool_call_id"], "type": "function"}
            call["function"] = {"name": "get_weather", "arguments": "{}"}
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append(msg)
        for call in msg.get("tool_calls") or ():
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": "sunny"})
    if messages[-1].get("role") not in ("user", "tool", "function"):
        messages.append({"role": "user", "content": "Go on."})
    return messages


# An assistant turn that says nothing (no content, calls, refusal or audio): schema-valid,
# but the API refuses it with its own 400 (checked in test_assistant_turn_saying_nothing).
_SILENT_ASSISTANT = {"role": "assistant"}
_SAYS = ("content", "tool_calls", "function_call", "refusal", "audio")


def _says_nothing(prop: str, value: Any) -> bool:
    msg = value[0] if prop == "messages" else {}
    return msg.get("role") == "assistant" and not any(msg.get(k) for k in _SAYS)


# The model is not walked: it is the model registry's business, not a request form.
WALK = RequestWalk(REQUEST, "CreateChatCompletionRequest", contextualise)
WALK.variants = [v for v in WALK.variants if not _says_nothing(v[1], v[2])]


def _unsupported(label: str) -> str | None:
    return next((code for fragment, code, _ in UNSUPPORTED if fragment in label), None)


# `top_logprobs` is nullable in the request's own properties but not in the
# CreateModelResponseProperties part it also has to match.
KNOWN_INVALID = ["top_logprobs<anyOf[1]>"]


def test_the_walk_covers_the_schema() -> None:
    forms = (
        "ChatCompletionRequestToolMessage",
        "ChatCompletionRequestFunctionMessage",
        "ChatCompletionRequestMessageContentPartAudio",
        "ChatCompletionRequestMessageContentPartFile",
        "ChatCompletionMessageCustomToolCall",
        "CustomToolChatCompletions",
        "ChatCompletionAllowedToolsChoice",
        "ChatCompletionNamedToolChoiceCustom",
        "tool_choice<oneOf[0]>=required",
        "ResponseFormatJsonSchema",
        "format=pcm16",
    )
    WALK.assert_covers(forms, at_least=150, invalid=KNOWN_INVALID)


@WALK.parametrize()
def test_every_schema_variant_is_answered(
    client: httpx.Client, request: pytest.FixtureRequest, prop: str, value: Any
) -> None:
    label = request.node.callspec.id
    body = WALK.valid_body(prop, value)
    response = client.post("/chat/completions", json=body)
    code = _unsupported(label)
    if code is not None:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == code
        assert_valid("ErrorResponse", response.json())
        return
    assert response.status_code == 200, response.text
    if body.get("stream"):
        events = sse_events(response.text)
        assert events[-1] == "[DONE]"
        for chunk in events[:-1]:
            assert_valid("CreateChatCompletionStreamResponse", chunk)
        return
    reply = response.json()
    assert_valid("CreateChatCompletionResponse", reply)
    _assert_in_kind(body, reply["choices"][0])


def _assert_in_kind(body: dict[str, Any], choice: dict[str, Any]) -> None:
    message = choice["message"]
    choice_of = body.get("tool_choice")
    if body.get("function_call") not in (None, "none", "auto"):
        assert message["function_call"]["name"] == body["function_call"]["name"]
        assert choice["finish_reason"] == "function_call"
        assert "tool_calls" not in message
    elif choice_of == "required" or (
        isinstance(choice_of, dict)
        and choice_of.get("allowed_tools", {"mode": "required"})["mode"] == "required"
    ):
        assert choice["finish_reason"] == "tool_calls"
        (call,) = message["tool_calls"]
        if isinstance(choice_of, dict) and choice_of["type"] in ("function", "custom"):
            assert call["type"] == choice_of["type"]
            assert call[call["type"]]["name"] == choice_of[choice_of["type"]]["name"]
    elif choice_of == "none":
        assert "tool_calls" not in message
    if "audio" in (body.get("modalities") or ()):
        assert message["content"] is None
        assert message["audio"]["transcript"]
        base64.b64decode(message["audio"]["data"], validate=True)
    if body.get("logprobs") and message["content"]:
        entries = choice["logprobs"]["content"]
        assert entries
        assert all(len(e["top_logprobs"]) == (body.get("top_logprobs") or 0) for e in entries)


def test_assistant_turn_saying_nothing(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [_SILENT_ASSISTANT, {"role": "user", "content": "hi"}],
    }
    REQUEST.validate(body)  # the schema allows it ...
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400  # ... the API does not, and says so in these words:
    assert response.json()["error"] == {
        "message": "Invalid value for 'content': expected a string, got null.",
        "type": "invalid_request_error",
        "param": "messages.[0].content",
        "code": None,
    }


@WALK.parametrize()
def test_every_schema_variant_streams_the_same_answer(
    client: httpx.Client, request: pytest.FixtureRequest, prop: str, value: Any
) -> None:
    label = request.node.callspec.id
    body = WALK.valid_body(prop, value)
    if _unsupported(label) is not None or body.get("stream") is False:
        return  # refused before any streaming; or a variant that says "do not stream"
    body.pop("stream_options", None)
    whole = client.post("/chat/completions", json={**body, "stream": False})
    streamed = client.post("/chat/completions", json={**body, "stream": True})
    if "audio" in (body.get("modalities") or ()) and body["audio"]["format"] != "pcm16":
        # The API streams audio as pcm16 only, and says so.
        assert streamed.status_code == 400
        assert streamed.json()["error"]["param"] == "audio.format"
        assert streamed.json()["error"]["code"] == "unsupported_value"
        return
    assert streamed.status_code == 200, streamed.text
    events = sse_events(streamed.text)
    assert events[-1] == "[DONE]"
    for chunk in events[:-1]:
        if not _has_custom_call(chunk):
            assert_valid("CreateChatCompletionStreamResponse", chunk)
    assert _assemble(events[:-1]) == _essence(whole.json()["choices"][0])


def _has_custom_call(chunk: dict[str, Any]) -> bool:
    # The official chunk schema knows only function tool-call deltas, though the API streams
    # custom ones as {"type": "custom", "custom": {...}} (openai/openai-openapi#576).
    calls = [c for ch in chunk["choices"] for c in ch["delta"].get("tool_calls") or ()]
    return any("custom" in c for c in calls)


def _essence(choice: dict[str, Any]) -> dict[str, Any]:
    """What a streamed reply must reproduce of `choice`: text, calls, audio text, finish."""
    message = choice["message"]
    calls = [
        (c["type"], c[c["type"]]["name"], c[c["type"]].get("arguments", c[c["type"]].get("input")))
        for c in message.get("tool_calls") or ()
    ]
    return {
        "content": message["content"] or "",
        "calls": calls,
        "function_call": message.get("function_call"),
        "transcript": (message.get("audio") or {}).get("transcript"),
        "finish_reason": choice["finish_reason"],
    }


def _assemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """The first choice of a stream, put back together as `_essence` sees a whole reply."""
    content, transcript, finish = "", None, None
    calls: dict[int, list[str]] = {}
    function_call: dict[str, str] | None = None
    for chunk in chunks:
        for choice in chunk["choices"]:
            if choice["index"] != 0:
                continue
            delta, finish = choice["delta"], choice["finish_reason"] or finish
            content += delta.get("content") or ""
            if "audio" in delta:
                transcript = (transcript or "") + delta["audio"].get("transcript", "")
            if "function_call" in delta:
                function_call = function_call or {"name": "", "arguments": ""}
                for key, piece in delta["function_call"].items():
                    function_call[key] += piece
            for call in delta.get("tool_calls") or ():
                kind = "custom" if "custom" in call else "function"
                entry = calls.setdefault(call["index"], [kind, "", ""])
                entry[1] += call[kind].get("name", "")
                entry[2] += call[kind].get("arguments", call[kind].get("input", ""))
    return {
        "content": content,
        "calls": [tuple(calls[i]) for i in sorted(calls)],
        "function_call": function_call,
        "transcript": transcript,
        "finish_reason": finish,
    }
