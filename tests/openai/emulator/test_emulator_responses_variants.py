"""Every request form the official Responses schema allows (input item types, tool types,
`tool_choice` and `text.format` forms, reasoning, ...) is answered: a `Response` that
validates, or the error the API itself gives for that body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openai_helpers import assert_valid_responses, responses_validator

from .helpers import sse_events
from .schema_walk import RequestWalk

REQUEST = responses_validator("CreateResponse")

# Schema-valid bodies the API itself refuses, for reasons a schema cannot say; the emulator
# answers them as the API does: (label fragment, status, code, why).
API_REFUSES = [
    ("encrypted_content<anyOf[0]>", 400, "invalid_encrypted_content", "not the emulator's"),
    ("ReasoningItem", 404, None, "an item sent back by id must be stored (store is false)"),
    ("ItemReferenceParam", 404, None, "a referenced item must be stored"),
    ("previous_response_id<anyOf[0]>", 400, "previous_response_not_found", "unknown id"),
    ("FunctionCallOutputItemParam", 400, None, "a function_call_output needs its call_id"),
]
# ... except where the walked variant fills in what the refusal is about.
_REFUSAL_LIFTED = ("call_id<anyOf[0]>",)
# Schema-valid forms the emulator deliberately refuses with the API's unsupported-feature
# error (the same list as the Chat Completions walk).
UNSUPPORTED = [
    (
        "CustomGrammarFormatParam",
        400,
        "unsupported_value",
        "a grammar-constrained custom tool: the emulator cannot write text a Lark or regex"
        " grammar accepts (script the call instead)",
    ),
]


def contextualise(prop: str, value: Any) -> dict[str, Any]:
    """A minimal body around one walked value, plus what the API requires beside it."""
    body: dict[str, Any] = {"model": "gpt-4o-mini", "input": "Hello, reply in JSON.", prop: value}
    effort = body.get("reasoning", {}) if isinstance(body.get("reasoning"), dict) else {}
    if effort.get("effort") not in (None, "none"):
        body["model"] = "gpt-5"
    if prop == "tool_choice" and isinstance(value, dict):
        body["tools"] = [_FUNCTION, {"type": "custom", "name": "run_sql"}]
        if value["type"] in ("function", "custom"):
            body["tool_choice"] = {
                **value,
                "name": body["tools"][value["type"] == "custom"]["name"],
            }
        if value["type"] == "allowed_tools":
            body["tool_choice"] = {**value, "tools": [{"type": "function", "name": "get_weather"}]}
    if prop == "tool_choice" and value == "required":
        body["tools"] = [_FUNCTION]
    if prop == "tools":
        for tool in value:
            if tool.get("type") == "function" and tool.get("strict"):
                # strict mode needs a closed parameters schema, as on Chat Completions
                tool["parameters"] = {
                    "type": "object",
                    "properties": {},
                    "additionalProperties": False,
                }
    if prop == "text" and isinstance(value, dict):
        fmt = value.get("format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and fmt.get("strict"):
            fmt["schema"] = {"type": "object", "properties": {}, "additionalProperties": False}
    return body


_FUNCTION = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}


def _assert_in_kind(body: dict[str, Any], response: dict[str, Any]) -> None:
    calls = [i for i in response["output"] if i["type"] in ("function_call", "custom_tool_call")]
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice["type"] in ("function", "custom"):
        (call,) = calls
        assert (
            call["type"]
            == {"function": "function_call", "custom": "custom_tool_call"}[choice["type"]]
        )
        assert call["name"] == choice["name"]
    elif choice == "required" or (isinstance(choice, dict) and choice.get("mode") == "required"):
        assert calls
    elif choice == "none":
        assert not calls


def _refusal(label: str) -> tuple[int, str | None] | None:
    if any(lift in label for lift in _REFUSAL_LIFTED):
        return None
    return next(((s, c) for frag, s, c, _ in API_REFUSES + UNSUPPORTED if frag in label), None)


# The model is not walked: it is the model registry's business, not a request form.
WALK = RequestWalk(REQUEST, "CreateResponse", contextualise, max_depth=5)


# An MCP tool with a tunnel_id must also name a server (a rule inside a nested union).
KNOWN_INVALID = ["tools[]<MCPTool>.tunnel_id"]


def test_the_walk_covers_the_schema() -> None:
    forms = ("FunctionCallOutputItemParam", "ReasoningItem", "CustomToolParam", "ToolChoiceAllowed")
    WALK.assert_covers(forms, at_least=400, invalid=KNOWN_INVALID)


@WALK.parametrize()
def test_every_schema_variant_is_answered(
    client: httpx.Client, request: pytest.FixtureRequest, prop: str, value: Any
) -> None:
    label = request.node.callspec.id
    body = WALK.valid_body(prop, value)
    response = client.post("/responses", json=body)
    refusal = _refusal(label)
    if refusal is not None:
        status, code = refusal
        assert response.status_code == status, response.text
        assert code is None or response.json()["error"]["code"] == code
        return
    assert response.status_code == 200, response.text
    if body.get("stream"):
        assert "event: response.completed" in response.text
        return
    assert_valid_responses("Response", response.json())
    _assert_in_kind(body, response.json())


def _event_defs() -> dict[str, str]:
    """Each stream event type -> the name of its `$defs` schema."""
    union = REQUEST.schema["$defs"]["ResponseStreamEvent"]
    names = [b["$ref"].rsplit("/", 1)[-1] for b in union.get("anyOf", union.get("oneOf", []))]
    return {
        kind: name
        for name in names
        for kind in REQUEST.schema["$defs"][name]["properties"]["type"]["enum"]
    }


_EVENT_DEFS = _event_defs()


@WALK.parametrize()
def test_every_schema_variant_streams(
    client: httpx.Client, request: pytest.FixtureRequest, prop: str, value: Any
) -> None:
    body = WALK.valid_body(prop, value)
    if _refusal(request.node.callspec.id) is not None or body.get("stream") is False:
        return  # refused before any streaming; or a variant that says "do not stream"
    body.pop("stream_options", None)
    response = client.post("/responses", json={**body, "stream": True})
    assert response.status_code == 200, response.text
    events = sse_events(response.text)
    for number, event in enumerate(events):
        # Against the event's own branch of ResponseStreamEvent (the whole union is slow).
        assert_valid_responses(_EVENT_DEFS[event["type"]], event)
        assert event["sequence_number"] == number
    assert events[-1]["type"] == "response.completed"
    _assert_in_kind(body, events[-1]["response"])
