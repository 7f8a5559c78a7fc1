"""`content_blocks`: LangChain 1.x standard blocks derived from a message, read-only and lazy.

The expected blocks are what langchain-core 1.8.3 returns for the same messages (its
generated `lc_...` block ids left out: pipes generates none).
"""

from __future__ import annotations

from typing import Any

import pytest

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolMessage,
)

B64 = "iVBORw0KGgo="

CASES: list[tuple[BaseMessage, list[dict[str, Any]]]] = [
    (
        HumanMessage("hi"),
        [{"text": "hi", "type": "text"}],
    ),
    (
        HumanMessage(""),
        [],
    ),
    (
        SystemMessage("sys"),
        [{"text": "sys", "type": "text"}],
    ),
    (
        ToolMessage("res", tool_call_id="1"),
        [{"text": "res", "type": "text"}],
    ),
    (
        HumanMessage(["a", {"type": "text", "text": "b"}]),
        [{"text": "a", "type": "text"}, {"text": "b", "type": "text"}],
    ),
    (
        HumanMessage([{"type": "image", "url": "https://x/cat.png"}]),
        [{"type": "image", "url": "https://x/cat.png"}],
    ),
    (
        HumanMessage([{"type": "image", "base64": B64, "mime_type": "image/png"}]),
        [{"base64": "iVBORw0KGgo=", "mime_type": "image/png", "type": "image"}],
    ),
    (
        HumanMessage([{"type": "image", "file_id": "file-1"}]),
        [{"file_id": "file-1", "type": "image"}],
    ),
    (
        HumanMessage(
            [{"type": "image", "source_type": "url", "url": "https://x/cat.png", "detail": "high"}]
        ),
        [{"extras": {"detail": "high"}, "type": "image", "url": "https://x/cat.png"}],
    ),
    (
        HumanMessage(
            [{"type": "image", "source_type": "base64", "data": B64, "mime_type": "image/png"}]
        ),
        [{"base64": "iVBORw0KGgo=", "mime_type": "image/png", "type": "image"}],
    ),
    (
        HumanMessage(
            [{"type": "audio", "source_type": "base64", "data": B64, "mime_type": "audio/wav"}]
        ),
        [{"base64": "iVBORw0KGgo=", "mime_type": "audio/wav", "type": "audio"}],
    ),
    (
        HumanMessage(
            [
                {
                    "type": "file",
                    "source_type": "url",
                    "url": "https://x/a.pdf",
                    "mime_type": "application/pdf",
                }
            ]
        ),
        [{"mime_type": "application/pdf", "type": "file", "url": "https://x/a.pdf"}],
    ),
    (
        HumanMessage(
            [
                {
                    "type": "file",
                    "source_type": "base64",
                    "data": B64,
                    "mime_type": "application/pdf",
                    "filename": "a.pdf",
                }
            ]
        ),
        [
            {
                "base64": "iVBORw0KGgo=",
                "extras": {"filename": "a.pdf"},
                "mime_type": "application/pdf",
                "type": "file",
            }
        ],
    ),
    (
        HumanMessage(
            [{"type": "image_url", "image_url": {"url": "https://x/cat.png", "detail": "low"}}]
        ),
        [{"extras": {"detail": "low"}, "type": "image", "url": "https://x/cat.png"}],
    ),
    (
        HumanMessage([{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}}]),
        [{"base64": "iVBORw0KGgo=", "mime_type": "image/png", "type": "image"}],
    ),
    (
        HumanMessage([{"type": "input_audio", "input_audio": {"data": B64, "format": "wav"}}]),
        [{"base64": "iVBORw0KGgo=", "mime_type": "audio/wav", "type": "audio"}],
    ),
    (
        HumanMessage(
            [
                {
                    "type": "file",
                    "file": {
                        "file_data": f"data:application/pdf;base64,{B64}",
                        "filename": "a.pdf",
                    },
                }
            ]
        ),
        [
            {
                "base64": "iVBORw0KGgo=",
                "extras": {"filename": "a.pdf"},
                "mime_type": "application/pdf",
                "type": "file",
            }
        ],
    ),
    (
        HumanMessage([{"type": "tool_use", "id": "x", "name": "f", "input": {}}]),
        [
            {
                "type": "non_standard",
                "value": {"id": "x", "input": {}, "name": "f", "type": "tool_use"},
            }
        ],
    ),
    (
        HumanMessage(
            [{"type": "reasoning", "reasoning": "hmm"}, {"type": "video", "url": "https://x/v.mp4"}]
        ),
        [{"reasoning": "hmm", "type": "reasoning"}, {"type": "video", "url": "https://x/v.mp4"}],
    ),
    (
        AIMessage("answer", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}]),
        [
            {"text": "answer", "type": "text"},
            {"args": {"a": 1}, "id": "c1", "name": "f", "type": "tool_call"},
        ],
    ),
    (
        AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}],
            additional_kwargs={"reasoning_content": "think"},
        ),
        [
            {"reasoning": "think", "type": "reasoning"},
            {"args": {"a": 1}, "id": "c1", "name": "f", "type": "tool_call"},
        ],
    ),
    (
        AIMessage(
            [{"type": "reasoning", "reasoning": "r"}, "x"],
            additional_kwargs={"reasoning_content": "think"},
        ),
        [{"reasoning": "r", "type": "reasoning"}, {"text": "x", "type": "text"}],
    ),
    (
        AIMessage(
            [{"type": "tool_call", "id": "c1", "name": "f", "args": {}}],
            tool_calls=[
                {"name": "f", "args": {}, "id": "c1"},
                {"name": "g", "args": {}, "id": "c2"},
            ],
        ),
        [
            {"args": {}, "id": "c1", "name": "f", "type": "tool_call"},
            {"args": {}, "id": "c2", "name": "g", "type": "tool_call"},
        ],
    ),
    (
        AIMessageChunk(
            "", tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "c1", "index": 0}]
        ),
        [{"args": '{"a"', "id": "c1", "index": 0, "name": "f", "type": "tool_call_chunk"}],
    ),
    (
        AIMessageChunk(
            "txt", tool_call_chunks=[{"name": "f", "args": '{"a": 1}', "id": "c1", "index": 0}]
        ),
        [
            {"text": "txt", "type": "text"},
            {"args": {"a": 1}, "id": "c1", "name": "f", "type": "tool_call"},
        ],
    ),
    (
        HumanMessageChunk("piece"),
        [{"text": "piece", "type": "text"}],
    ),
]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_same_blocks_as_langchain(message: BaseMessage, expected: list[dict[str, Any]]) -> None:
    assert message.content_blocks == expected


def test_blocks_are_derived_on_access_not_stored() -> None:
    message = AIMessage("hi", additional_kwargs={"reasoning_content": "r"})
    assert "content_blocks" not in message.__dict__
    assert "content_blocks" not in message.model_dump()
    blocks = message.content_blocks
    blocks[1]["text"] = "changed"
    blocks.append({"type": "text", "text": "more"})
    assert message.content == "hi"
    assert message.content_blocks == [
        {"type": "reasoning", "reasoning": "r"},
        {"type": "text", "text": "hi"},
    ]


def test_blocks_are_read_only() -> None:
    message = HumanMessage("hi")
    with pytest.raises((AttributeError, TypeError, ValueError)):
        message.content_blocks = []  # type: ignore[misc]


def test_howto_multimodal_input_blocks() -> None:
    # LangChain 1.x "Messages" guide: a human message with standard text and image blocks.
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Describe the content of this image."},
            {"type": "image", "url": "https://example.com/path/to/image.jpg"},
        ]
    )
    assert message.content_blocks == [
        {"type": "text", "text": "Describe the content of this image."},
        {"type": "image", "url": "https://example.com/path/to/image.jpg"},
    ]


def test_howto_reasoning_and_tool_calls() -> None:
    message = AIMessage(
        "",
        additional_kwargs={"reasoning_content": "The user wants the weather."},
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
    )
    assert [block["type"] for block in message.content_blocks] == ["reasoning", "tool_call"]
