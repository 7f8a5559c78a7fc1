from __future__ import annotations

import json
from typing import Any

import pytest

from pipes._errors import MessageConversionError
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolMessage,
    image_part,
    message_from_dict,
    message_to_dict,
    messages_from_dict,
    messages_to_dict,
    tool_call_chunk,
)

ALL: list[BaseMessage] = [
    SystemMessage("be brief", id="s"),
    HumanMessage(["look", image_part(url="https://x/cat.png")], name="bob"),
    AIMessage(
        "",
        tool_calls=[{"name": "f", "args": {"a": [1, 2]}, "id": "c1"}],
        invalid_tool_calls=[{"name": "g", "args": "{", "id": "c2", "error": "bad"}],
        usage_metadata={
            "input_tokens": 3,
            "output_tokens": 4,
            "total_tokens": 7,
            "output_token_details": {"reasoning": 1},
        },
        response_metadata={"model_name": "m", "finish_reason": "tool_calls"},
    ),
    ToolMessage("42", tool_call_id="c1", status="error", artifact={"raw": [1]}),
    ChatMessage("ok", role="critic"),
    AIMessageChunk("par", tool_call_chunks=[tool_call_chunk(name="f", args='{"a"', index=0)]),
    HumanMessageChunk("h"),
]


def test_round_trip_through_json() -> None:
    data = messages_to_dict(ALL)
    text = json.dumps(data)
    assert messages_from_dict(json.loads(text)) == ALL


def test_dict_shape() -> None:
    assert message_to_dict(HumanMessage("hi")) == {
        "type": "human",
        "data": {
            "content": "hi",
            "additional_kwargs": {},
            "response_metadata": {},
            "type": "human",
            "name": None,
            "id": None,
        },
    }


def test_flat_model_dump_form() -> None:
    for msg in ALL:
        assert message_from_dict(msg.model_dump()) == msg


def test_langchain_dump_with_example_key_loads() -> None:
    data = {
        "type": "ai",
        "data": {
            "content": "hi",
            "additional_kwargs": {},
            "response_metadata": {},
            "type": "ai",
            "name": None,
            "id": "run-1",
            "example": False,
            "tool_calls": [],
            "invalid_tool_calls": [],
            "usage_metadata": None,
        },
    }
    assert message_from_dict(data) == AIMessage("hi", id="run-1")


@pytest.mark.parametrize(
    "payload",
    [
        # LangChain's serialized-constructor form (the CVE-2025-68664 class of payload).
        {
            "lc": 1,
            "type": "constructor",
            "id": ["os", "system"],
            "kwargs": {"command": "echo pwned"},
        },
        {"type": "constructor", "data": {"id": ["subprocess", "Popen"], "kwargs": {}}},
        {"type": "builtins.eval", "data": {"content": "1"}},
        {"type": "pipes._messages._ai.AIMessage", "data": {"content": "x"}},
        {"type": "BaseModel", "content": "x"},
        {"type": "secret", "lc": 1, "id": ["OPENAI_API_KEY"]},
    ],
)
def test_revival_attack_is_rejected(payload: dict[str, Any]) -> None:
    with pytest.raises(MessageConversionError, match="unknown message type") as info:
        message_from_dict(payload)
    assert "never imports or instantiates" in str(info.value)


def test_nested_lc_objects_stay_plain_data() -> None:
    evil = {"lc": 1, "type": "constructor", "id": ["os", "system"], "kwargs": {"x": 1}}
    msg = message_from_dict(
        {"type": "ai", "data": {"content": "x", "additional_kwargs": {"payload": evil}}}
    )
    assert msg.additional_kwargs["payload"] == evil
    assert type(msg.additional_kwargs["payload"]) is dict
    msg = message_from_dict(
        {"type": "tool", "data": {"content": "x", "tool_call_id": "c", "artifact": evil}}
    )
    assert isinstance(msg, ToolMessage)
    assert type(msg.artifact) is dict


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(MessageConversionError, match="HumanMessage at position 0: invalid fields"):
        messages_from_dict([{"type": "human", "data": {"content": "x", "__class__": "os"}}])


def test_mismatched_inner_type() -> None:
    with pytest.raises(MessageConversionError, match="differ"):
        message_from_dict({"type": "human", "data": {"type": "ai", "content": "x"}})


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("not a dict", "expected a dict"),
        ({"type": "human", "data": "x"}, "'data' must be a dict"),
        ({"content": "x"}, "unknown message type None"),
    ],
)
def test_malformed(payload: Any, fragment: str) -> None:
    with pytest.raises(MessageConversionError, match=fragment):
        message_from_dict(payload)


def test_messages_from_dict_wants_a_list() -> None:
    with pytest.raises(MessageConversionError, match="expects a list"):
        messages_from_dict({"type": "human", "data": {"content": "x"}})  # type: ignore[arg-type]


@pytest.mark.parametrize("artifact", [object(), b"\xff\x00"])
def test_unserializable_values_fail_clearly(artifact: Any) -> None:
    with pytest.raises(MessageConversionError, match="Cannot serialize ToolMessage to JSON"):
        message_to_dict(ToolMessage("x", tool_call_id="c", artifact=artifact))


def test_any_message_in_user_models() -> None:
    from pydantic import BaseModel, ValidationError

    from pipes._messages import AnyMessage

    class Chat(BaseModel):
        messages: list[AnyMessage]

    chat = Chat(messages=ALL)  # type: ignore[arg-type]
    loaded = Chat.model_validate_json(chat.model_dump_json())
    assert loaded.messages == ALL
    assert [type(m) for m in loaded.messages] == [type(m) for m in ALL]
    with pytest.raises(ValidationError, match="constructor"):
        Chat.model_validate({"messages": [{"type": "constructor", "id": ["os", "system"]}]})


def test_the_loadable_classes_are_any_message() -> None:
    # AnyMessage is written out for type checkers; loading reads the classes' own entries.
    from typing import get_args

    from pipes._messages import AnyMessage
    from pipes._messages._base import MESSAGE_TYPES

    (union, _) = get_args(AnyMessage)
    assert set(get_args(union)) == set(MESSAGE_TYPES.values())
    assert all(MESSAGE_TYPES[cls.model_fields["type"].default] is cls for cls in get_args(union))
    assert len(MESSAGE_TYPES) == 10


def test_a_user_subclass_is_never_loaded() -> None:
    from typing import Literal

    from pipes._messages._base import MESSAGE_TYPES

    before = dict(MESSAGE_TYPES)

    class Mine(HumanMessage):
        type: Literal["mine"] = "mine"  # type: ignore[assignment]

    assert MESSAGE_TYPES == before
    with pytest.raises(MessageConversionError, match="unknown message type 'mine'"):
        message_from_dict({"type": "mine", "data": {"content": "hi"}})


def test_two_pipes_classes_cannot_share_a_type() -> None:
    from pipes._messages._base import MESSAGE_TYPES

    before = dict(MESSAGE_TYPES)
    with pytest.raises(TypeError, match="Twin and HumanMessage both have type 'human'"):

        class Twin(HumanMessage):
            __module__ = "pipes._messages._twin"

    assert MESSAGE_TYPES == before
