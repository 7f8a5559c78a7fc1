from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from pipes._errors import MessageConversionError
from pipes._messages import (
    HumanMessage,
    audio_format,
    audio_part,
    content_text,
    file_part,
    image_part,
    text_part,
    validate_content,
)


def test_builders() -> None:
    assert text_part("hi") == {"type": "text", "text": "hi"}
    assert image_part(url="https://x/a.png", detail="low") == {
        "type": "image",
        "source_type": "url",
        "url": "https://x/a.png",
        "detail": "low",
    }
    assert image_part(data=b"\x89PNG", mime_type="image/png") == {
        "type": "image",
        "source_type": "base64",
        "data": base64.b64encode(b"\x89PNG").decode(),
        "mime_type": "image/png",
    }
    assert audio_part("QUJD", format="mp3") == {
        "type": "audio",
        "source_type": "base64",
        "data": "QUJD",
        "mime_type": "audio/mpeg",
    }
    assert audio_part(b"RIFF", mime_type="audio/wav")["data"] == base64.b64encode(b"RIFF").decode()
    assert file_part(data=b"%PDF", mime_type="application/pdf", filename="r.pdf") == {
        "type": "file",
        "source_type": "base64",
        "data": base64.b64encode(b"%PDF").decode(),
        "mime_type": "application/pdf",
        "filename": "r.pdf",
    }
    assert file_part(id="file-1")["id"] == "file-1"


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: image_part(), "exactly one of url=, data=, id="),
        (lambda: image_part(url="u", data=b"x"), "exactly one of"),
        (lambda: image_part(data=b"x"), "mime_type like 'image/png'"),
        (lambda: image_part(data=b"x", mime_type="audio/wav"), "mime_type"),
        (lambda: image_part(url="u", detail="ultra"), "detail must be one of"),  # type: ignore[arg-type]
        (lambda: audio_part("QUJD"), "need mime_type= or format="),
        (lambda: audio_part("QUJD", mime_type="image/png"), "mime_type like 'audio/wav'"),
        (lambda: file_part(), "exactly one of url=, data=, id=, text="),
        (lambda: file_part(data=b"x"), "mime_type"),
        (lambda: text_part(3), "text must be a string"),  # type: ignore[arg-type]
    ],
)
def test_builder_errors(build: Any, fragment: str) -> None:
    with pytest.raises(MessageConversionError, match=fragment):
        build()


def test_audio_format() -> None:
    assert audio_format("audio/wav") == "wav"
    assert audio_format("audio/x-wav") == "wav"
    assert audio_format("audio/mpeg") == "mp3"
    assert audio_format("AUDIO/MP3; codecs=x") == "mp3"
    with pytest.raises(MessageConversionError, match="no known audio format"):
        audio_format("audio/ogg")


def test_native_parts_pass_through_unchanged() -> None:
    parts: list[Any] = [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA", "detail": "x"}},
        {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}},
        {"type": "file", "file": {"file_id": "file-1"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A"}},
        {"type": "tool_use", "id": "t", "name": "f", "input": {}},
    ]
    assert HumanMessage(parts).content == parts


def test_langchain_v1_short_forms_are_normalized() -> None:
    msg = HumanMessage(
        [
            {"type": "image", "url": "https://x/a.png"},
            {"type": "image", "base64": "AAA", "mime_type": "image/png"},
            {"type": "file", "file_id": "file-1"},
            {"type": "image", "id": "block-7", "file_id": "file-2"},
        ]
    )
    assert msg.content == [
        {"type": "image", "url": "https://x/a.png", "source_type": "url"},
        {"type": "image", "mime_type": "image/png", "source_type": "base64", "data": "AAA"},
        {"type": "file", "source_type": "id", "id": "file-1"},
        {"type": "image", "id": "file-2", "source_type": "id"},
    ]


@pytest.mark.parametrize(
    ("part", "fragment"),
    [
        ({"text": "no type"}, "needs a string 'type' key"),
        ({"type": "text"}, "a 'text' part needs a string 'text'"),
        ({"type": "image"}, "needs a 'source_type'"),
        ({"type": "image", "source_type": "ftp", "url": "u"}, "unknown source_type 'ftp'"),
        ({"type": "image", "source_type": "url"}, "'url' must be a non-empty string"),
        ({"type": "image", "source_type": "base64", "data": "AAA"}, "needs a mime_type"),
        ({"type": "audio", "source_type": "base64", "data": "A", "mime_type": "text/x"}, "audio"),
        ({"type": "file", "source_type": "text"}, "'text' must be a non-empty string"),
    ],
)
def test_invalid_neutral_parts_fail_at_construction(part: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as info:
        HumanMessage(["ok", part])
    assert "content part 1" in str(info.value)
    with pytest.raises(MessageConversionError, match=fragment):
        validate_content(["ok", part])


def test_content_text() -> None:
    assert content_text("abc") == "abc"
    parts: list[Any] = ["a", text_part("b"), image_part(url="u"), {"type": "text", "text": "c"}]
    assert content_text(parts) == "abc"


def test_multimodal_message() -> None:
    msg = HumanMessage([text_part("What is this?"), image_part(url="https://x/cat.png")])
    assert msg.text == "What is this?"
    assert isinstance(msg.content, list)
    assert msg.content[1]["source_type"] == "url"  # type: ignore[index]
