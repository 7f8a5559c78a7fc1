"""Content parts: provider-neutral TypedDicts, builders and shape validation.

A message's `content` is a string or a list whose items are strings or dict *parts*.
Parts of the neutral types (`text`, `image`, `audio`, `file`) are checked here so a
malformed part fails when the message is built, not deep inside a provider call. Any other
`type` (OpenAI-native `image_url` / `input_audio`, Anthropic `tool_use` ...) passes
through unchanged:

```python
HumanMessage([text_part("What is this?"), image_part(url="https://x/cat.png")])
```
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from pipes._errors import MessageConversionError

__all__ = [
    "AudioContentPart",
    "ContentInput",
    "FileContentPart",
    "ImageContentPart",
    "MessageContent",
    "TextContentPart",
    "audio_format",
    "audio_part",
    "content_text",
    "file_part",
    "image_part",
    "text_part",
    "validate_content",
]

MessageContent = str | list[str | dict[str, Any]]
"""What `BaseMessage.content` holds: a string or a list of strings and parts."""

ContentInput = str | Sequence[str | Mapping[str, Any]]
"""What message constructors accept as content (part TypedDicts, tuples ... included)."""


class TextContentPart(TypedDict):
    """`{"type": "text", "text": "..."}` (the same shape OpenAI and Anthropic use)."""

    type: Literal["text"]
    text: str


class ImageContentPart(TypedDict):
    """A neutral image: by URL, by base64 `data` (with `mime_type`) or by provider file id."""

    type: Literal["image"]
    source_type: Literal["url", "base64", "id"]
    url: NotRequired[str]
    data: NotRequired[str]
    id: NotRequired[str]
    mime_type: NotRequired[str]
    detail: NotRequired[Literal["auto", "low", "high"]]


class AudioContentPart(TypedDict):
    """A neutral audio clip, base64 `data` with a `mime_type` such as `audio/wav`."""

    type: Literal["audio"]
    source_type: Literal["base64", "url", "id"]
    data: NotRequired[str]
    url: NotRequired[str]
    id: NotRequired[str]
    mime_type: NotRequired[str]


class FileContentPart(TypedDict):
    """A neutral file (e.g. a PDF): URL, base64 data, provider file id or inline text."""

    type: Literal["file"]
    source_type: Literal["url", "base64", "id", "text"]
    url: NotRequired[str]
    data: NotRequired[str]
    id: NotRequired[str]
    text: NotRequired[str]
    mime_type: NotRequired[str]
    filename: NotRequired[str]


# source_type -> the key that must carry the payload.
_SOURCE_KEYS: dict[str, dict[str, str]] = {
    "image": {"url": "url", "base64": "data", "id": "id"},
    "audio": {"url": "url", "base64": "data", "id": "id"},
    "file": {"url": "url", "base64": "data", "id": "id", "text": "text"},
}
_DETAILS = ("auto", "low", "high")
_AUDIO_FORMATS: dict[str, str] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
}
_FORMAT_MIMES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def _fail(where: str, what: str, fix: str = "") -> MessageConversionError:
    return MessageConversionError(f"{where}: {what}." + (f" {fix}" if fix else ""))


def _check_str(part: dict[str, Any], key: str, where: str, fix: str) -> None:
    value = part.get(key)
    if not isinstance(value, str) or not value:
        raise _fail(where, f"{key!r} must be a non-empty string, got {_short(value)}", fix)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _validate_media(part: dict[str, Any], kind: str, where: str) -> dict[str, Any]:
    """Check (and, for the LangChain 1.x short form, normalize) an image/audio/file part."""
    if "source_type" not in part:
        if "source" in part or (kind == "file" and "file" in part):
            return part  # Anthropic-native ``source`` / OpenAI-native ``file`` object
        # LangChain 1.x short form: {"type": "image", "url": ...} / {"base64": ..., ...}
        if "url" in part:
            part = {**part, "source_type": "url"}
        elif "base64" in part:
            rest = {k: v for k, v in part.items() if k != "base64"}
            part = {**rest, "source_type": "base64", "data": part["base64"]}
        elif "file_id" in part:  # (a LangChain 1.x "id" is the block's id, not a file's)
            rest = {k: v for k, v in part.items() if k != "file_id"}
            part = {**rest, "source_type": "id", "id": part["file_id"]}
        else:
            raise _fail(
                where,
                f"a {kind!r} part needs a 'source_type' ({', '.join(_SOURCE_KEYS[kind])})",
                f"Build it with {kind}_part(...), e.g. {kind}_part(url='https://...').",
            )
    source_type = part["source_type"]
    keys = _SOURCE_KEYS[kind]
    if source_type not in keys:
        raise _fail(
            where,
            f"unknown source_type {_short(source_type)} for a {kind!r} part",
            f"Use one of {', '.join(repr(k) for k in keys)}.",
        )
    _check_str(part, keys[source_type], where, f"Give the {source_type} in {keys[source_type]!r}.")
    if source_type == "base64":
        mime = part.get("mime_type")
        prefix = {"image": "image/", "audio": "audio/"}.get(kind, "")
        if not isinstance(mime, str) or not mime.startswith(prefix) or "/" not in mime:
            raise _fail(
                where,
                f"base64 {kind} data needs a mime_type like "
                f"{ {'image': 'image/png', 'audio': 'audio/wav'}.get(kind, 'application/pdf')!r},"
                f" got {_short(mime)}",
                "Pass mime_type=...",
            )
    if kind == "image" and "detail" in part and part["detail"] not in _DETAILS:
        raise _fail(where, f"detail must be one of {_DETAILS}, got {_short(part['detail'])}")
    return part


def validate_content(content: MessageContent) -> MessageContent:
    """Check every part of `content`; return it (short LangChain 1.x media forms normalized).

    Raises [`MessageConversionError`][pipes.MessageConversionError] naming the part's position and
    what is wrong.
    """
    if type(content) is str:
        return content
    out: list[str | dict[str, Any]] | None = None
    for i, part in enumerate(content):
        if isinstance(part, str):
            continue
        checked = validate_part(part, position=i)
        if checked is not part:
            if out is None:
                out = list(content)
            out[i] = checked
    return content if out is None else out


def validate_part(part: dict[str, Any], position: int | None = None) -> dict[str, Any]:
    """Validate one dict content part (see [`validate_content`][pipes.validate_content])."""
    where = "content part" if position is None else f"content part {position}"
    kind = part.get("type")
    if not isinstance(kind, str):
        raise _fail(
            where,
            f"a dict part needs a string 'type' key, got {_short(part)}",
            "Use text_part(...), image_part(...), audio_part(...) or a provider-native part.",
        )
    if kind == "text":
        if not isinstance(part.get("text"), str):
            raise _fail(
                where,
                f"a 'text' part needs a string 'text', got {_short(part.get('text'))}",
                "Use text_part('...').",
            )
        return part
    if kind in _SOURCE_KEYS:
        return _validate_media(part, kind, where)
    return part  # provider-native: passed through untouched


def content_text(content: MessageContent) -> str:
    """The text of `content`: string items and `text` parts, concatenated."""
    if type(content) is str:
        return content
    pieces: list[str] = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
        elif part.get("type") == "text" and isinstance(part.get("text"), str):
            pieces.append(part["text"])
    return "".join(pieces)


def _b64(data: str | bytes) -> str:
    return base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else data


def text_part(text: str) -> TextContentPart:
    """A text part: `text_part("hello")` -> `{"type": "text", "text": "hello"}`."""
    if not isinstance(text, str):
        raise _fail("text_part", f"text must be a string, got {_short(text)}")
    return {"type": "text", "text": text}


def image_part(
    url: str | None = None,
    *,
    data: str | bytes | None = None,
    id: str | None = None,
    mime_type: str | None = None,
    detail: Literal["auto", "low", "high"] | None = None,
) -> ImageContentPart:
    """An image part from exactly one of `url`, `data` (bytes or base64) or `id`.

    `image_part(url="https://x/cat.png")` or
    `image_part(data=png_bytes, mime_type="image/png", detail="low")`.
    """
    part: dict[str, Any] = {"type": "image"}
    given = [k for k, v in (("url", url), ("data", data), ("id", id)) if v is not None]
    if len(given) != 1:
        raise _fail(
            "image_part",
            f"give exactly one of url=, data=, id= (got {given or 'none'})",
            "E.g. image_part(url='https://...') or image_part(data=b'...', mime_type='image/png').",
        )
    if url is not None:
        part.update(source_type="url", url=url)
    elif data is not None:
        part.update(source_type="base64", data=_b64(data))
    else:
        part.update(source_type="id", id=id)
    if mime_type is not None:
        part["mime_type"] = mime_type
    if detail is not None:
        part["detail"] = detail
    checked = validate_part(part)
    return checked  # type: ignore[return-value]


def audio_format(mime_type: str) -> Literal["wav", "mp3"]:
    """OpenAI `input_audio` format of a mime type: `audio_format("audio/mpeg") == "mp3"`."""
    fmt = _AUDIO_FORMATS.get(mime_type.lower().split(";")[0].strip())
    if fmt is None:
        raise _fail(
            "audio_format",
            f"no known audio format for mime type {mime_type!r}",
            f"Use one of {', '.join(sorted(_AUDIO_FORMATS))}.",
        )
    return fmt  # type: ignore[return-value]


def audio_part(
    data: str | bytes,
    *,
    mime_type: str | None = None,
    format: Literal["wav", "mp3"] | None = None,
) -> AudioContentPart:
    """A base64 audio part; say what it is with `mime_type` or `format`.

    `audio_part(wav_bytes, format="wav")` or `audio_part(b64, mime_type="audio/mpeg")`.
    """
    if mime_type is None:
        if format is None or format not in _FORMAT_MIMES:
            raise _fail(
                "audio_part",
                f"need mime_type= or format= ('wav' or 'mp3'), got format={format!r}",
                "E.g. audio_part(data, format='wav').",
            )
        mime_type = _FORMAT_MIMES[format]
    part = {"type": "audio", "source_type": "base64", "data": _b64(data), "mime_type": mime_type}
    return validate_part(part)  # type: ignore[return-value]


def file_part(
    url: str | None = None,
    *,
    data: str | bytes | None = None,
    id: str | None = None,
    text: str | None = None,
    mime_type: str | None = None,
    filename: str | None = None,
) -> FileContentPart:
    """A file part (PDF, text ...) from exactly one of `url`, `data`, `id` or `text`.

    `file_part(data=pdf_bytes, mime_type="application/pdf", filename="report.pdf")`.
    """
    sources: Sequence[tuple[str, Any]] = (
        ("url", url),
        ("base64", data),
        ("id", id),
        ("text", text),
    )
    given = [(k, v) for k, v in sources if v is not None]
    if len(given) != 1:
        raise _fail(
            "file_part",
            f"give exactly one of url=, data=, id=, text= (got {[k for k, _ in given] or 'none'})",
            "E.g. file_part(data=pdf_bytes, mime_type='application/pdf').",
        )
    source_type, value = given[0]
    part: dict[str, Any] = {"type": "file", "source_type": source_type}
    part[_SOURCE_KEYS["file"][source_type]] = _b64(value) if source_type == "base64" else value
    if mime_type is not None:
        part["mime_type"] = mime_type
    if filename is not None:
        part["filename"] = filename
    return validate_part(part)  # type: ignore[return-value]
