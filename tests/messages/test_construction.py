from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    get_buffer_string,
    text_part,
)


def test_positional_and_keyword_content() -> None:
    assert HumanMessage("hi") == HumanMessage(content="hi")
    assert HumanMessage("hi").content == "hi"
    assert SystemMessage("be brief").type == "system"
    assert AIMessage("yo").type == "ai"
    assert ChatMessage("ok", role="critic").role == "critic"
    assert ToolMessage("22C", tool_call_id="c1").type == "tool"


def test_content_given_twice_is_an_error() -> None:
    with pytest.raises(TypeError, match="both positionally"):
        HumanMessage("a", content="b")  # type: ignore[misc]


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="contnet"):
        HumanMessage(contnet="hi")  # type: ignore[call-arg]


def test_type_discriminators() -> None:
    assert [m.type for m in (HumanMessage(""), SystemMessage(""), AIMessage(""))] == [
        "human",
        "system",
        "ai",
    ]
    assert ToolMessage("", tool_call_id="x").type == "tool"
    assert ChatMessage("", role="r").type == "chat"
    assert AIMessageChunk("").type == "AIMessageChunk"


def test_text_property_concatenates_text_parts() -> None:
    msg = HumanMessage(["a", text_part("b"), {"type": "image_url", "image_url": {"url": "u"}}])
    assert msg.text == "ab"
    assert AIMessage("plain").text == "plain"


def test_repr_omits_defaults_and_shows_set_fields() -> None:
    msg = AIMessage(
        "J'adore la programmation.",
        response_metadata={"model_name": "gpt-4o-mini", "finish_reason": "stop"},
        id="run-1",
        usage_metadata={"input_tokens": 21, "output_tokens": 5, "total_tokens": 26},
    )
    text = repr(msg)
    assert text == (
        'AIMessage(content="J\'adore la programmation.", '
        "response_metadata={'model_name': 'gpt-4o-mini', 'finish_reason': 'stop'}, "
        "id='run-1', usage_metadata={'input_tokens': 21, 'output_tokens': 5, "
        "'total_tokens': 26})"
    )
    assert str(msg) == text
    assert repr(HumanMessage("hi")) == "HumanMessage(content='hi')"
    assert repr(ToolMessage("x", tool_call_id="c")) == "ToolMessage(content='x', tool_call_id='c')"


def test_equality_dump_and_copy() -> None:
    msg = AIMessage("a", id="1")
    assert msg == AIMessage("a", id="1")
    assert msg != AIMessage("a", id="2")
    assert msg != HumanMessage("a", id="1")  # type: ignore[comparison-overlap]
    dumped = msg.model_dump()
    assert dumped["content"] == "a"
    assert dumped["type"] == "ai"
    copy = msg.model_copy(update={"content": "b"})
    assert copy.content == "b"
    assert msg.content == "a"


def test_default_containers_are_not_shared() -> None:
    a, b = HumanMessage("a"), HumanMessage("b")
    a.additional_kwargs["x"] = 1
    assert b.additional_kwargs == {}


def test_ai_message_tool_calls_defaults_filled() -> None:
    msg = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    msg = AIMessage(
        "",
        tool_calls=[{"name": "f", "args": {}}],  # type: ignore[typeddict-item]
        invalid_tool_calls=[{"name": "g", "args": "{", "error": "bad"}],  # type: ignore[typeddict-item]
    )
    assert msg.tool_calls[0]["id"] is None
    assert msg.invalid_tool_calls[0]["id"] is None
    assert msg.invalid_tool_calls[0]["type"] == "invalid_tool_call"


def test_ai_message_tool_call_args_must_be_a_dict() -> None:
    with pytest.raises(ValidationError):
        AIMessage("", tool_calls=[{"name": "f", "args": "not a dict", "id": "c"}])  # type: ignore[typeddict-item]


def test_ai_message_backfills_openai_tool_calls_from_additional_kwargs() -> None:
    msg = AIMessage(
        "",
        additional_kwargs={
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}},
                {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{oops"}},
            ]
        },
    )
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert msg.invalid_tool_calls[0]["id"] == "c2"
    assert msg.invalid_tool_calls[0]["args"] == "{oops"
    assert "not valid JSON" in (msg.invalid_tool_calls[0]["error"] or "")


def test_usage_metadata_details() -> None:
    msg = AIMessage(
        "",
        usage_metadata={
            "input_tokens": 10,
            "output_tokens": 4,
            "total_tokens": 14,
            "input_token_details": {"cache_read": 3},
            "output_token_details": {"reasoning": 2},
        },
    )
    assert msg.usage_metadata is not None
    assert msg.usage_metadata["input_token_details"] == {"cache_read": 3}


def test_tool_message_fields_and_coercions() -> None:
    msg = ToolMessage(42, tool_call_id=7, status="error", artifact={"raw": [1, 2]})  # type: ignore[arg-type]
    assert msg.content == "42"
    assert msg.tool_call_id == "7"
    assert msg.status == "error"
    assert msg.artifact == {"raw": [1, 2]}
    with pytest.raises(ValidationError, match="tool_call_id"):
        ToolMessage("x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ToolMessage("x", tool_call_id="c", status="maybe")  # type: ignore[arg-type]


def test_ids_are_coerced_to_str() -> None:
    assert HumanMessage("x", id=5).id == "5"  # type: ignore[arg-type]


def test_get_buffer_string() -> None:
    msgs = [
        SystemMessage("be brief"),
        HumanMessage("hi"),
        AIMessage("hello", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c"}]),
        ToolMessage("1", tool_call_id="c"),
        ChatMessage("fine", role="critic"),
    ]
    assert get_buffer_string(msgs, human_prefix="User", ai_prefix="Bot") == (
        'System: be brief\nUser: hi\nBot: hello [{"name": "f", "args": {"a": 1}}]\n'
        "Tool: 1\ncritic: fine"
    )
    assert get_buffer_string([HumanMessage("a"), AIMessage("b")]) == "Human: a\nAI: b"


def test_pretty_repr() -> None:
    text = AIMessage("hello").pretty_repr()
    assert text.splitlines()[0].strip("=") == " AI Message "
    assert text.endswith("\n\nhello")


def test_text_is_a_str_and_callable_like_langchain_0_3() -> None:
    msg = AIMessage(["a", text_part("b")])
    assert msg.text == "ab"
    assert msg.text() == "ab"
    assert type(msg.text()) is str
    assert isinstance(msg.text, str)


def test_pretty_repr_lists_tool_calls() -> None:
    msg = AIMessage(
        "",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}],
        invalid_tool_calls=[{"name": "f", "args": "{", "id": "c2", "error": "bad JSON"}],
    )
    assert msg.pretty_repr().splitlines()[1:] == [
        "Tool Calls:",
        "  get_weather (c1)",
        " Call ID: c1",
        "  Args:",
        "    city: Paris",
        "Invalid Tool Calls:",
        "  f (c2)",
        " Call ID: c2",
        "  Error: bad JSON",
        "  Args:",
        "    {",
    ]
