"""Static types of the public API (checked by mypy --strict; the asserts also run)."""

from __future__ import annotations

from typing import Any, assert_type

from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    HumanMessageChunk,
    ToolCall,
    UsageMetadata,
    convert_to_messages,
    image_part,
    merge_message_chunks,
    text_part,
)


def test_static_types() -> None:
    a = AIMessageChunk("a")
    assert_type(a + AIMessageChunk("b"), AIMessageChunk)
    assert_type(a + [AIMessageChunk("b")], AIMessageChunk)  # noqa: RUF005
    assert_type(AIMessageChunk.merge_chunks([a]), AIMessageChunk)
    assert_type(merge_message_chunks([a, a]), AIMessageChunk)
    assert_type(a.to_message(), AIMessage)
    assert_type(HumanMessageChunk("h").to_message(), HumanMessage)
    assert_type(convert_to_messages("hi"), list[BaseMessage])
    msg = AIMessage("x", tool_calls=[{"name": "f", "args": {}, "id": None}])
    assert_type(msg.tool_calls, list[ToolCall])
    assert_type(msg.usage_metadata, UsageMetadata | None)
    text: str = msg.text
    assert_type(msg.text(), str)
    assert text == "x"
    # Builder TypedDicts are accepted as content without casts.
    HumanMessage([text_part("a"), image_part(url="u")])
    parts: list[Any] = ["x"]
    HumanMessage(parts)


def check_message_utilities(messages: list[BaseMessage]) -> None:
    from pipes import Runnable, filter_messages, merge_message_runs, trim_messages

    assert_type(trim_messages(messages, max_tokens=3, token_counter=len), list[BaseMessage])
    assert_type(trim_messages(max_tokens=3, token_counter=len), Runnable[Any, list[BaseMessage]])
    assert_type(filter_messages(messages, include_types="ai"), list[BaseMessage])
    assert_type(merge_message_runs(), Runnable[Any, list[BaseMessage]])
