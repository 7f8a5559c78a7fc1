"""Static types of the public API: checked by mypy --strict and pyright; the asserts also run.

`# type: ignore[code]` marks lines that MUST be errors (warn_unused_ignores is on).
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import Any, assert_type

from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolCall,
    ToolMessage,
    ToolMessageChunk,
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


def check_constructors() -> None:
    # Content positionally (as LangChain takes it) or by keyword; every field by keyword.
    HumanMessage("hi", name="ann", id="1", additional_kwargs={}, response_metadata={})
    SystemMessage(content="be brief", type="system")
    ChatMessage("ok", role="critic")
    ChatMessageChunk("o", role="critic", type="ChatMessageChunk")
    AIMessage("", tool_calls=[], invalid_tool_calls=[], usage_metadata=None)
    AIMessageChunk("a", tool_call_chunks=[], tool_calls=[], type="AIMessageChunk")
    ToolMessage(42, tool_call_id="c", status="error", artifact=object())
    ToolMessageChunk("r", tool_call_id="c")
    HumanMessage()


def check_constructor_errors() -> None:
    HumanMessage("hi", nmae="ann")  # type: ignore[call-arg]
    HumanMessage("hi", name=1)  # type: ignore[arg-type]
    HumanMessage("hi", type="ai")  # type: ignore[arg-type]
    HumanMessage(42)  # type: ignore[arg-type]
    HumanMessage("a", "b")  # type: ignore[call-arg, arg-type]
    ChatMessage("ok")  # type: ignore[call-arg]
    AIMessage("", tool_call_chunks=[])  # type: ignore[call-arg]
    AIMessage("", tool_calls=[{"name": "f"}])  # type: ignore[typeddict-item]
    AIMessageChunk("", type="ai")  # type: ignore[arg-type]
    ToolMessage("r")  # type: ignore[call-arg]
    ToolMessage("r", tool_call_id="c", status="ok")  # type: ignore[arg-type]
    ToolMessageChunk("r", tool_call_id="c", role="x")  # type: ignore[call-arg]
