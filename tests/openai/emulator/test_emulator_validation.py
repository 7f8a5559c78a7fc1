"""Request validation answers like the real API: 400, type, param and code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import chat, strict_object

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}

CASES: list[tuple[str, Any, str | None, str]] = [
    # (id, body, expected param, substring of the message)
    ("not-an-object", [1, 2], None, "JSON object"),
    ("missing-model", {"messages": [{"role": "user", "content": "x"}]}, "model", "model"),
    ("model-not-string", {"model": 3, "messages": []}, "model", "Invalid type"),
    ("missing-messages", {"model": "gpt-4o-mini"}, "messages", "'messages'"),
    ("messages-not-array", {"model": "gpt-4o-mini", "messages": "hi"}, "messages", "Invalid type"),
    ("empty-messages", {"model": "gpt-4o-mini", "messages": []}, "messages", "empty array"),
    (
        "unknown-role",
        {"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "x"}]},
        "messages[0].role",
        "'robot'",
    ),
    (
        "missing-role",
        {"model": "gpt-4o-mini", "messages": [{"content": "x"}]},
        "messages[0].role",
        "role",
    ),
    (
        "missing-content",
        {"model": "gpt-4o-mini", "messages": [{"role": "user"}]},
        "messages[0].content",
        "content",
    ),
    (
        "orphan-tool",
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "c1", "content": "r"},
            ],
        },
        "messages.[1].role",
        "preceeding message with 'tool_calls'",
    ),
    (
        "unanswered-tool-call",
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "user", "content": "y"},
            ],
        },
        "messages.[1].role",
        "c1",
    ),
    (
        "tool-without-call-id",
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "content": "r"},
            ],
        },
        "messages[1].tool_call_id",
        "tool_call_id",
    ),
    ("temperature", chat(temperature=2.5), "temperature", "maximum"),
    ("n-zero", chat(n=0), "n", "minimum"),
    ("n-float", chat(n=1.5), "n", "integer"),
    ("top-logprobs", chat(logprobs=True, top_logprobs=21), "top_logprobs", "maximum"),
    ("top-logprobs-alone", chat(top_logprobs=1), "top_logprobs", "logprobs"),
    ("stream-not-bool", chat(stream="yes"), "stream", "boolean"),
    ("stream-options", chat(stream_options={"include_usage": True}), "stream_options", "stream"),
    ("stop-too-many", chat(stop=["a", "b", "c", "d", "e"]), "stop", "4"),
    ("bad-tool-type", chat(tools=[{"type": "retrieval"}]), "tools[0].type", "retrieval"),
    (
        "bad-tool-name",
        chat(tools=[{"type": "function", "function": {"name": "has space"}}]),
        "tools[0].function.name",
        "pattern",
    ),
    ("bad-tool-choice", chat(tools=[TOOL], tool_choice="sometimes"), "tool_choice", "sometimes"),
    (
        "tool-choice-unknown-function",
        chat(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "g"}}),
        "tool_choice",
        "'g'",
    ),
    ("required-without-tools", chat(tool_choice="required"), "tool_choice", "tools"),
    ("bad-response-format", chat(response_format={"type": "xml"}), "response_format.type", "xml"),
    (
        "json-schema-without-name",
        chat(response_format={"type": "json_schema", "json_schema": {"schema": {}}}),
        "response_format.json_schema.name",
        "name",
    ),
    ("seed-string", chat(seed="1"), "seed", "integer"),
    # the API's limit, checked before the entries (20,000 of them took ~160 ms to count)
    (
        "129-tools",
        chat(tools=[{"type": "function", "function": {"name": f"f{i}"}} for i in range(129)]),
        "tools",
        "array too long. Expected an array with maximum length 128, but got an array with"
        " length 129 instead.",
    ),
    (
        "129-functions",
        chat(functions=[{"name": f"f{i}"} for i in range(129)]),
        "functions",
        "maximum length 128",
    ),
]


@pytest.mark.parametrize(
    ("body", "param", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_requests(client: httpx.Client, body: Any, param: str | None, needle: str) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert needle in error["message"]


def test_malformed_json(client: httpx.Client) -> None:
    response = client.post("/chat/completions", content=b'{"model": ')
    assert response.status_code == 400
    assert "could not parse the JSON body" in response.json()["error"]["message"]


def test_valid_tool_round_trip_is_accepted(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "developer", "content": "be brief"},
            {"role": "user", "content": "x", "name": "alice"},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "c1", "content": "r"},
        ],
        "tools": [TOOL],
    }
    assert client.post("/chat/completions", json=body).status_code == 200


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    missing = client.post("/completions", json=chat())
    assert missing.status_code == 404
    assert "Invalid URL" in missing.json()["error"]["message"]
    wrong = client.get("/chat/completions")
    assert wrong.status_code == 405
    assert wrong.headers["x-request-id"]


def _format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "Out", "strict": True, "schema": schema}}


STRICT_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no-additional-properties",
        chat(
            response_format=_format(
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
            )
        ),
        "response_format",
        "Invalid schema for response_format 'Out': In context=(), 'additionalProperties' is"
        " required to be supplied and to be false.",
    ),
    (
        "optional-property",
        chat(
            response_format=_format(
                {
                    "type": "object",
                    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                    "required": ["a"],
                    "additionalProperties": False,
                }
            )
        ),
        "response_format",
        "'required' is required to be supplied and to be an array including every key in"
        " properties. Missing 'b'.",
    ),
    (
        "nested",
        chat(
            response_format=_format(
                {
                    "type": "object",
                    "properties": {"inner": {"type": "object", "properties": {}}},
                    "required": ["inner"],
                    "additionalProperties": False,
                }
            )
        ),
        "response_format",
        "In context=('properties', 'inner'), 'additionalProperties'",
    ),
    (
        "in-defs",
        chat(
            response_format=_format(
                {
                    "type": "object",
                    "properties": {"x": {"$ref": "#/$defs/X"}},
                    "required": ["x"],
                    "additionalProperties": False,
                    "$defs": {"X": {"type": "object", "properties": {"y": {"type": "string"}}}},
                }
            )
        ),
        "response_format",
        "In context=('$defs', 'X')",
    ),
    (
        "root-not-object",
        chat(response_format=_format({"type": "array", "items": {"type": "string"}})),
        "response_format",
        "schema must be a JSON Schema of 'type: \"object\"'",
    ),
    (
        "strict-tool",
        chat(
            tools=[
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "strict": True,
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                    },
                }
            ]
        ),
        "tools[0].function.parameters",
        "Invalid schema for function 'get_weather': In context=(), 'additionalProperties'",
    ),
]


@pytest.mark.parametrize(
    ("body", "param", "needle"), [c[1:] for c in STRICT_CASES], ids=[c[0] for c in STRICT_CASES]
)
def test_strict_schemas_follow_openai_rules(
    client: httpx.Client, body: dict[str, Any], param: str, needle: str
) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert needle in error["message"]


def test_non_strict_schemas_are_not_held_to_strict_rules(client: httpx.Client) -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "Out", "schema": loose}}
    assert client.post("/chat/completions", json=chat(response_format=fmt)).status_code == 200
    tool = {"type": "function", "function": {"name": "f", "parameters": loose}}
    assert client.post("/chat/completions", json=chat(tools=[tool])).status_code == 200


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini-2025-04-16", "gpt-5", "gpt-5-mini"])
def test_reasoning_models_refuse_max_tokens_and_sampling(client: httpx.Client, model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "x"}]}
    refused = client.post("/chat/completions", json={**body, "max_tokens": 5})
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model."
        " Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
    hot = client.post("/chat/completions", json={**body, "temperature": 0.7})
    assert hot.status_code == 400
    assert hot.json()["error"]["code"] == "unsupported_value"
    assert hot.json()["error"]["param"] == "temperature"
    ok = client.post(
        "/chat/completions",
        json={**body, "max_completion_tokens": 5, "temperature": 1, "reasoning_effort": "high"},
    )
    assert ok.status_code == 200
    usage = ok.json()["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 256
    assert usage["completion_tokens"] == 256 + 1


def test_reasoning_tokens_follow_the_effort(client: httpx.Client) -> None:
    def reasoning(**extra: Any) -> int:
        body = {"model": "o3-mini", "messages": [{"role": "user", "content": "x"}], **extra}
        usage = client.post("/chat/completions", json=body).json()["usage"]
        tokens: int = usage["completion_tokens_details"]["reasoning_tokens"]
        return tokens

    assert [reasoning(reasoning_effort=e) for e in ("minimal", "low", "medium", "high")] == [
        0,
        16,
        64,
        256,
    ]
    assert reasoning() == 64
    assert reasoning(n=2) == 128


def test_other_models_refuse_reasoning_effort(client: httpx.Client) -> None:
    for model in ("gpt-4o", "gpt-5-chat-latest"):
        response = client.post(
            "/chat/completions", json=chat(reasoning_effort="low") | {"model": model}
        )
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "reasoning_effort"


def _parts(*parts: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": list(parts)}]}


PART_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown-type", _parts({"type": "video"}), "messages[0].content[0].type", "'video'"),
    ("text-missing", _parts({"type": "text"}), "messages[0].content[0].text", "Missing"),
    ("text-not-string", _parts({"type": "text", "text": 1}), "messages[0].content[0].text", "type"),
    (
        "image-without-url",
        _parts({"type": "text", "text": "x"}, {"type": "image_url", "image_url": {}}),
        "messages[0].content[1].image_url.url",
        "Missing",
    ),
    (
        "image-url-as-string",
        _parts({"type": "image_url", "image_url": "https://x.test/a.png"}),
        "messages[0].content[0].image_url",
        "expected an object, but got a string",
    ),
    (
        "image-bad-url",
        _parts({"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}),
        "messages[0].content[0].image_url.url",
        "valid URL",
    ),
    (
        "image-bad-detail",
        _parts(
            {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "max"}}
        ),
        "messages[0].content[0].image_url.detail",
        "'max'",
    ),
    (
        "audio-bad-format",
        _parts({"type": "input_audio", "input_audio": {"data": "AAAA", "format": "ogg"}}),
        "messages[0].content[0].input_audio.format",
        "'wav' and 'mp3'",
    ),
    (
        "audio-without-data",
        _parts({"type": "input_audio", "input_audio": {"format": "wav"}}),
        "messages[0].content[0].input_audio.data",
        "Missing",
    ),
]


@pytest.mark.parametrize(
    ("body", "param", "needle"), [c[1:] for c in PART_CASES], ids=[c[0] for c in PART_CASES]
)
def test_invalid_content_parts(client: httpx.Client, body: Any, param: str, needle: str) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
    assert needle in response.json()["error"]["message"]


def test_valid_content_parts(client: httpx.Client) -> None:
    body = _parts(
        {"type": "text", "text": "What is in these?"},
        {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
    )
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "What is in these?"


# Keywords of odd types in a tool's or a format's schema: each used to be a 500.
ODD_SCHEMAS = [
    strict_object({"a": {"type": "object", "properties": {}, "required": [{}]}}),
    strict_object({"a": {"type": "object", "properties": -1, "additionalProperties": False}}),
    strict_object({"a": {"type": "string", "minLength": 10**30}}),
]


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("schema", ODD_SCHEMAS)
def test_odd_schema_keywords_are_answered(
    client: httpx.Client, schema: dict[str, Any], strict: bool
) -> None:
    tool = {"type": "function", "function": {"name": "f", "strict": strict, "parameters": schema}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "strict": strict, "schema": schema}}
    for extra in ({"tools": [tool], "tool_choice": "required"}, {"response_format": fmt}):
        response = client.post("/chat/completions", json=chat(**extra))
        assert response.status_code in (200, 400), response.text
