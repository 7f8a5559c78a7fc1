"""Invocation params and messages as GenAI semantic-convention attributes (no SDK needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipes import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pipes.otel._attributes import (
    CAPTURE_CONTENT_ENV,
    capture_content_enabled,
    error_type,
    input_message_attributes,
    output_message_attributes,
    provider_name,
    request_attributes,
    response_attributes,
    tool_attributes,
    usage_attributes,
)


def test_request_attributes_from_invocation_params() -> None:
    params = {
        "model": "gpt-4o",
        "temperature": 0.2,
        "max_tokens": 100,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["\n\n", "END"],
        "frequency_penalty": 0.5,
        "presence_penalty": 0,
        "n": 2,
        "api_key": "sk-secret",
        "_type": "openai-chat",
    }
    assert request_attributes(params, provider="openai") == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ["\n\n", "END"],
        "gen_ai.request.frequency_penalty": 0.5,
        "gen_ai.request.presence_penalty": 0,
        "gen_ai.request.choice.count": 2,
    }


def test_unset_params_are_left_out_and_langchain_names_are_read() -> None:
    params = {
        "model_name": "gpt-4o-mini",
        "temperature": None,
        "max_completion_tokens": 5,
        "stop": "END",
        "seed": True,  # not a number: left out rather than reported as 1
        "n": 1,
    }
    assert request_attributes(params) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.max_tokens": 5,
        "gen_ai.request.stop_sequences": ["END"],
    }


def test_ls_metadata_keys_serve_as_params() -> None:
    params = {"ls_provider": "azure_openai", "ls_model_name": "gpt-4o", "ls_temperature": 1.0}
    assert request_attributes(params) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 1.0,
    }


@pytest.mark.parametrize(
    ("pipes_name", "semconv"),
    [("openai", "openai"), ("azure_openai", "azure.ai.openai"), ("fake", "fake"), ("", None)],
)
def test_provider_names(pipes_name: str, semconv: str | None) -> None:
    assert provider_name(pipes_name) == semconv


def test_response_attributes_from_the_final_message() -> None:
    message = AIMessage(
        content="hi",
        id="chatcmpl-1",
        response_metadata={"model_name": "gpt-4o-2024-08-06", "finish_reason": "stop"},
        usage_metadata={
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_token_details": {"cache_read": 4, "cache_creation": 0},
            "output_token_details": {"reasoning": 2},
        },
    )
    assert response_attributes(message) == {
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "gen_ai.usage.reasoning.output_tokens": 2,
    }


def test_a_bare_message_has_no_response_attributes() -> None:
    assert response_attributes(AIMessage(content="hi")) == {}
    assert usage_attributes(None) == {}


def test_tool_attributes() -> None:
    assert tool_attributes("search", call_id="call_1", description="Look it up") == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "search",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.description": "Look it up",
    }
    assert "gen_ai.tool.call.id" not in tool_attributes("search")


def test_error_type_names_the_public_module() -> None:
    from pipes_openai import RateLimitError

    assert error_type(ValueError("x")) == "ValueError"
    assert error_type(RateLimitError.__new__(RateLimitError)) == "pipes_openai.RateLimitError"


def test_content_capture_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CAPTURE_CONTENT_ENV, raising=False)
    assert capture_content_enabled() is False
    assert capture_content_enabled(True) is True
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "TRUE")
    assert capture_content_enabled() is True
    assert capture_content_enabled(False) is True  # the operator's switch
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "1")
    assert capture_content_enabled() is False


def test_messages_as_semconv_json() -> None:
    messages: list[Any] = [
        SystemMessage("Be brief"),
        HumanMessage(
            content=[
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ]
        ),
        AIMessage(content="", tool_calls=[{"name": "look", "args": {"q": 1}, "id": "c1"}]),
        ToolMessage(content="a cat", tool_call_id="c1"),
    ]
    attributes = input_message_attributes(messages)
    assert json.loads(str(attributes["gen_ai.system_instructions"])) == [
        {"type": "text", "content": "Be brief"}
    ]
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "What is this?"},
                {"type": "uri", "modality": "image", "uri": "https://x.test/a.png"},
                {"type": "blob", "modality": "image"},
            ],
        },
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "look", "arguments": {"q": 1}}],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "c1", "response": "a cat"}],
        },
    ]
    out = AIMessage(content="Un chat", response_metadata={"finish_reason": "length"})
    assert json.loads(str(output_message_attributes(out)["gen_ai.output.messages"])) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Un chat"}],
            "finish_reason": "length",
        }
    ]
