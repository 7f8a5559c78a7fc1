from __future__ import annotations

from typing import Any

import pytest

from pipes._errors import MessageConversionError
from pipes._messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_message,
    convert_to_messages,
)


def test_string_is_a_human_message() -> None:
    assert convert_to_messages("hi") == [HumanMessage("hi")]
    assert convert_to_message("hi") == HumanMessage("hi")


def test_message_objects_pass_through() -> None:
    msg = AIMessage("x")
    assert convert_to_messages(msg)[0] is msg
    assert convert_to_messages([msg])[0] is msg


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("system", SystemMessage("t")),
        ("human", HumanMessage("t")),
        ("user", HumanMessage("t")),
        ("ai", AIMessage("t")),
        ("assistant", AIMessage("t")),
    ],
)
def test_role_tuples_and_lists(role: str, expected: Any) -> None:
    assert convert_to_messages([(role, "t")]) == [expected]
    assert convert_to_messages([[role, "t"]]) == [expected]
    assert convert_to_message((role, "t")) == expected
    # A single (role, content) tuple is one message, not two human messages.
    assert convert_to_messages((role, "t")) == [expected]


def test_developer_role_is_a_marked_system_message() -> None:
    msg = convert_to_message(("developer", "be terse"))
    assert isinstance(msg, SystemMessage)
    assert msg.additional_kwargs == {"__openai_role__": "developer"}
    msg = convert_to_message({"role": "developer", "content": "x"})
    assert msg.additional_kwargs["__openai_role__"] == "developer"


def test_tool_tuple_needs_a_tool_call_id() -> None:
    with pytest.raises(MessageConversionError, match="tool_call_id") as info:
        convert_to_messages([("tool", "42")])
    assert "position 0" in str(info.value)


def test_tuple_with_parts() -> None:
    parts: list[dict[str, Any]] = [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "u"}},
    ]
    msg = convert_to_message(("user", parts))
    assert msg == HumanMessage(parts)


def test_dicts() -> None:
    assert convert_to_message({"role": "user", "content": "hi", "name": "bob"}) == HumanMessage(
        "hi", name="bob"
    )
    assert convert_to_message({"role": "tool", "content": "42", "tool_call_id": "c1"}) == (
        ToolMessage("42", tool_call_id="c1")
    )
    # LangChain's {"type": ...} spelling works too.
    assert convert_to_message({"type": "human", "content": "hi"}) == HumanMessage("hi")


def test_openai_assistant_dict_with_tool_calls() -> None:
    msg = convert_to_message(
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {"id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{"}},
            ],
        }
    )
    assert isinstance(msg, AIMessage)
    assert msg.content == ""
    assert msg.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
    ]
    assert msg.invalid_tool_calls[0]["id"] == "call_2"
    assert msg.invalid_tool_calls[0]["args"] == "{"
    # Keys without a field are kept, not dropped.
    assert msg.additional_kwargs == {"refusal": None}


def test_assistant_dict_with_langchain_style_tool_calls() -> None:
    msg = convert_to_message(
        {"role": "ai", "content": "", "tool_calls": [{"name": "f", "args": {"a": 1}, "id": "c"}]}
    )
    assert isinstance(msg, AIMessage)
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c", "type": "tool_call"}]


def test_dumped_message_converts_back() -> None:
    original = AIMessage(
        "x",
        id="1",
        tool_calls=[{"name": "f", "args": {}, "id": "c"}],
        usage_metadata={"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    )
    assert convert_to_message(original.model_dump()) == original


def test_sequence_of_mixed_forms() -> None:
    msgs = convert_to_messages(
        [
            ("system", "Translate to French"),
            "I love programming.",
            {"role": "assistant", "content": "J'adore la programmation."},
            HumanMessage("Thanks"),
        ]
    )
    assert [m.type for m in msgs] == ["system", "human", "ai", "human"]


def test_objects_with_to_messages() -> None:
    class Value:
        def to_messages(self) -> list[HumanMessage]:
            return [HumanMessage("from prompt")]

    assert convert_to_messages(Value()) == [HumanMessage("from prompt")]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (42, "unsupported type int"),
        (("wizard", "hi"), "unknown role 'wizard'"),
        (("human", "hi", "extra"), "2 items, not 3"),
        (("human", 3), "content must be a string"),
        ({"content": "hi"}, "needs a 'role' key"),
        ({"role": "user"}, "needs a 'content' key"),
        ({"role": "user", "content": 3}, "invalid fields"),
        ({"role": "ai", "content": "", "tool_calls": "nope"}, "'tool_calls' must be a list"),
        ({"role": "user", "content": "", "additional_kwargs": 1}, "must be a dict"),
    ],
)
def test_errors_name_value_position_and_forms(value: Any, fragment: str) -> None:
    with pytest.raises(MessageConversionError) as info:
        convert_to_messages(["ok", value])
    text = str(info.value)
    assert fragment in text
    assert "position 1" in text
    assert "Accepted:" in text
    assert isinstance(info.value, ValueError)


def test_error_repr_is_truncated() -> None:
    with pytest.raises(MessageConversionError) as info:
        convert_to_messages([object()] * 1 + [b"x" * 10_000])
    assert len(str(info.value)) < 1000
    with pytest.raises(MessageConversionError) as info:
        convert_to_message(("human", b"x" * 10_000))
    assert "..." in str(info.value)
    assert len(str(info.value)) < 1000


def test_top_level_unsupported() -> None:
    with pytest.raises(MessageConversionError, match="unsupported type int"):
        convert_to_messages(5)


def test_dumped_chat_message_and_function_call_only_dict() -> None:
    from pipes._messages import ChatMessage

    chat = ChatMessage("ok", role="critic")
    assert convert_to_message(chat.model_dump()) == chat
    msg = convert_to_message(
        {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}
    )
    assert isinstance(msg, AIMessage)
    assert msg.additional_kwargs == {"function_call": {"name": "f", "arguments": "{}"}}


def test_bytes_are_not_a_sequence_of_messages() -> None:
    with pytest.raises(MessageConversionError, match="unsupported type bytes"):
        convert_to_messages(b"hi")


def test_generators_are_accepted() -> None:
    assert convert_to_messages(m for m in ["a", ("ai", "b")]) == [HumanMessage("a"), AIMessage("b")]


def test_malformed_openai_tool_call_entries_become_invalid_calls() -> None:
    from pipes._messages import parse_openai_tool_calls

    calls, invalid = parse_openai_tool_calls(
        [
            "garbage",
            {"id": "c1", "function": {"arguments": "{}"}},
            {"id": "c2", "function": {"name": "f", "arguments": {"a": 1}}},
        ]
    )
    assert calls == [{"name": "f", "args": {"a": 1}, "id": "c2", "type": "tool_call"}]
    assert invalid[0]["error"] == "a tool call must be a dict, got str"
    assert invalid[1]["id"] == "c1"
    assert invalid[1]["error"] == "the tool call has no name"


@pytest.mark.parametrize("arguments", [["a"], 1, True, 1.5])
def test_non_text_tool_call_arguments_become_invalid_calls(arguments: Any) -> None:
    # A hostile or buggy server sent arguments that are neither text nor an object: an
    # AttributeError ('list' object has no attribute 'strip') escaped ChatOpenAI.invoke.
    from pipes._messages import AIMessage, parse_openai_tool_calls

    calls, invalid = parse_openai_tool_calls(
        [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}]
    )
    assert calls == []
    assert invalid[0]["error"] == (
        f"arguments must be JSON text or an object, got {type(arguments).__name__}"
    )
    assert invalid[0]["args"] == repr(arguments)
    AIMessage(content="", invalid_tool_calls=invalid)  # a valid message


@pytest.mark.parametrize("call_id", [1, {}, ["x"]])
def test_non_text_tool_call_ids_become_invalid_calls(call_id: Any) -> None:
    # A non-string id made AIMessage(...) raise a bare pydantic ValidationError.
    from pipes._messages import AIMessage, parse_openai_tool_calls

    calls, invalid = parse_openai_tool_calls(
        [{"id": call_id, "function": {"name": "f", "arguments": "{}"}}]
    )
    assert calls == []
    assert invalid[0]["name"] == "f"
    assert invalid[0]["id"] is None
    assert invalid[0]["error"] == f"the tool call id must be text, got {type(call_id).__name__}"
    AIMessage(content="", invalid_tool_calls=invalid)
