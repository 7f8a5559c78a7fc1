"""The unvalidated construction paths must build exactly what validation builds."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import field_validator

from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
)


def _state(msg: Any) -> tuple[Any, ...]:
    return (
        type(msg),
        msg.__dict__,
        msg.__pydantic_fields_set__,
        msg.__pydantic_extra__,
        msg.__pydantic_private__,
    )


@pytest.mark.parametrize("cls", [HumanMessage, SystemMessage, AIMessage, AIMessageChunk])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"content": "x"},
        {"content": "x", "id": "1", "name": None},
        {"id": "a"},
        {"content": "x", "response_metadata": {"finish_reason": "stop", "n": [1]}},
        {"additional_kwargs": {"reasoning_content": "hmm"}, "response_metadata": {}},
        # Older LangChain code: OpenAI tool calls only in additional_kwargs (backfilled by
        # AIMessage's model validator, which the fast path must run too).
        {
            "additional_kwargs": {
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ]
            }
        },
    ],
)
def test_fast_init_matches_validated_init(cls: Any, kwargs: dict[str, Any]) -> None:
    fast = cls(**kwargs)
    slow = cls.model_validate(kwargs)
    assert _state(fast) == _state(slow)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    if "tool_calls" not in kwargs.get("additional_kwargs", {}):
        # _fast() is for already-validated values: it runs no validator at all.
        assert fast._fast(kwargs) == slow


def test_fast_init_copies_dicts_like_validation() -> None:
    metadata = {"finish_reason": "stop"}
    msg = AIMessageChunk("x", response_metadata=metadata)
    assert msg.response_metadata == metadata
    assert msg.response_metadata is not metadata


def test_fast_init_backfills_openai_tool_calls() -> None:
    raw = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]
    msg = AIMessage("", additional_kwargs={"tool_calls": raw})
    assert msg.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c", "type": "tool_call"}]


def test_non_str_dict_keys_still_fail_validation() -> None:
    with pytest.raises(ValueError, match="response_metadata"):
        AIMessage("x", response_metadata={1: "a"})  # type: ignore[dict-item]


def test_fast_init_does_not_share_default_containers() -> None:
    a, b = AIMessageChunk("a"), AIMessageChunk("b")
    assert a.additional_kwargs is not b.additional_kwargs
    assert a.tool_calls is not b.tool_calls


def test_fast_init_still_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="content"):
        HumanMessage(content=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="extra"):
        HumanMessage("x", bogus="y")  # type: ignore[call-arg]


def test_user_subclass_validators_run() -> None:
    class Shouting(HumanMessage):
        @field_validator("content")
        @classmethod
        def _upper(cls, value: Any) -> Any:
            return value.upper() if isinstance(value, str) else value

    assert Shouting(content="hi").content == "HI"


def test_chunk_fast_path_then_merge() -> None:
    merged = HumanMessageChunk("a") + HumanMessageChunk(content="b", id="x")
    assert merged == HumanMessageChunk("ab", id="x")


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (AIMessageChunk, {"content": "x", "id": "1"}),
        (AIMessage, {"content": "x", "bogus": 1}),
        (HumanMessage, {}),
    ],
)
def test_model_construct_matches_pydantic(cls: Any, kwargs: dict[str, Any]) -> None:
    from pydantic import BaseModel

    ours = cls.model_construct(**kwargs)
    theirs = BaseModel.model_construct.__func__(cls, **kwargs)  # type: ignore[attr-defined]
    assert _state(ours) == _state(theirs)
    ours = cls.model_construct(_fields_set={"content"}, content="y")
    assert ours.model_fields_set == {"content"}


def test_model_construct_leaves_required_fields_unset() -> None:
    from pipes._messages import ToolMessage

    msg = ToolMessage.model_construct(content="x")
    assert "tool_call_id" not in msg.__dict__


@pytest.mark.parametrize(
    "call_chunks",
    [
        [{"name": None, "args": "ab", "id": None, "index": 0}],
        [{"name": "f", "args": '{"a": 1', "id": "c1", "index": 0, "type": "tool_call_chunk"}],
        [{"args": '{"a": 1}'}],  # missing keys are filled
        [{"name": "f", "args": "{}", "id": "c", "index": 0}, {"args": "{}", "index": 1}],
        # Fall back to validation (and must still agree):
        [{"name": "f", "args": "{}", "id": "c", "index": 0, "extra": 1}],
        [{"name": "f", "args": "{}", "id": "c", "index": True}],
    ],
)
def test_tool_call_chunk_fast_path_matches_validation(call_chunks: list[Any]) -> None:
    fast = AIMessageChunk("", tool_call_chunks=call_chunks)
    slow = AIMessageChunk.model_validate({"content": "", "tool_call_chunks": call_chunks})
    assert _state(fast) == _state(slow)
    assert fast.tool_calls == slow.tool_calls
    assert fast.tool_call_chunks is not call_chunks
    assert all(a is not b for a, b in zip(fast.tool_call_chunks, call_chunks, strict=True))


@pytest.mark.parametrize(
    "call_chunks",
    [
        [{"name": 3, "args": "{}", "id": "c", "index": 0}],
        [{"name": "f", "args": "{}", "id": "c", "index": "zero"}],
        ["not a dict"],
    ],
)
def test_invalid_tool_call_chunks_are_still_rejected(call_chunks: list[Any]) -> None:
    with pytest.raises(ValueError, match="tool_call_chunks"):
        AIMessageChunk("", tool_call_chunks=call_chunks)


def test_text_delta_equals_the_constructor() -> None:
    from pipes import AIMessageChunk

    fast = AIMessageChunk.text_delta("Hel", id="chatcmpl-1")
    slow = AIMessageChunk(content="Hel", id="chatcmpl-1")
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump() == slow.model_dump()
    assert repr(fast) == repr(slow)
    assert (fast + AIMessageChunk.text_delta("lo")).content == "Hello"
    # fresh mutable defaults per chunk
    assert fast.additional_kwargs is not AIMessageChunk.text_delta("x").additional_kwargs


def test_text_delta_with_an_index_equals_the_constructor() -> None:
    from pipes import AIMessageChunk

    fast = AIMessageChunk.text_delta("Hel", index=2)
    slow = AIMessageChunk(content=[{"type": "text", "text": "Hel", "index": 2}], id=None)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert repr(fast) == repr(slow)
    merged = fast + AIMessageChunk.text_delta("lo", index=2)
    assert merged.content == [{"type": "text", "text": "Hello", "index": 2}]


def test_text_delta_validates_what_it_cannot_trust() -> None:
    import pydantic

    from pipes import AIMessageChunk

    parts = AIMessageChunk.text_delta([{"type": "text", "text": "hi"}])  # type: ignore[arg-type]
    assert parts.content == [{"type": "text", "text": "hi"}]
    with pytest.raises(pydantic.ValidationError):
        AIMessageChunk.text_delta(42)  # type: ignore[arg-type]

    class Shouting(AIMessageChunk):
        @pydantic.field_validator("content")
        @classmethod
        def _upper(cls, value: object) -> object:
            return value.upper() if isinstance(value, str) else value

    assert Shouting.text_delta("hi").content == "HI"  # a user subclass's validators run
