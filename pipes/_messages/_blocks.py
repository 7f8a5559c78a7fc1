"""`message.content_blocks`: the content as LangChain 1.x standard blocks, derived on access.

Strings become `text` blocks; standard blocks pass through; pipes' (and LangChain 0.x's)
`source_type` media parts and OpenAI's `image_url` / `input_audio` / `file` parts become
`image` / `audio` / `file` / `text-plain` blocks; anything else is wrapped as
`{"type": "non_standard", "value": part}`. AI messages add `tool_call` blocks for their
tool calls and a leading `reasoning` block from `additional_kwargs["reasoning_content"]`.

Nothing is computed when a message is built: streaming builds a message per token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["KNOWN_BLOCK_TYPES", "ai_content_blocks", "content_blocks"]

KNOWN_BLOCK_TYPES = frozenset(
    {
        "text",
        "reasoning",
        "refusal",
        "tool_call",
        "invalid_tool_call",
        "tool_call_chunk",
        "image",
        "audio",
        "file",
        "text-plain",
        "video",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "non_standard",
    }
)
"""The block types of LangChain 1.x's standard content (`langchain_core.messages.content`)."""

_DATA_URI = re.compile(r"^data:(?P<mime_type>[^;]+);base64,(?P<data>.+)$", re.DOTALL)


def _block(kind: str, extras: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """A standard block: the fields that are set, then the leftover keys under `extras`."""
    block: dict[str, Any] = {"type": kind}
    block.update((key, value) for key, value in fields.items() if value is not None)
    kept = {key: value for key, value in extras.items() if value is not None}
    if kept:
        block["extras"] = kept
    return block


def _rest(part: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    skip = set(known)
    return {key: value for key, value in part.items() if key not in skip}


def _from_source_type(part: Mapping[str, Any]) -> dict[str, Any]:
    """A `source_type` part (pipes' `image_part` & co., LangChain 0.x) as a v1 block."""
    kind = part["type"]
    source = part.get("source_type")
    if source in ("url", "base64"):
        key = "url" if source == "url" else "data"
        extras = _rest(part, ("type", "source_type", "mime_type", key, "id"))
        return _block(
            kind,
            extras,
            id=part.get("id"),
            url=part.get("url") if source == "url" else None,
            base64=part.get("data") if source == "base64" else None,
            mime_type=part.get("mime_type"),
        )
    if source == "id":
        return _block(kind, _rest(part, ("type", "source_type", "id")), file_id=part.get("id"))
    if source == "text" and kind == "file":
        # LangChain 0.x keeps a plain-text file's text under `url`; pipes under `text`.
        text = part.get("text", part.get("url"))
        extras = _rest(part, ("type", "source_type", "mime_type", "url", "text", "id"))
        return _block(
            "text-plain",
            extras,
            id=part.get("id"),
            text=text,
            mime_type=part.get("mime_type") or "text/plain",
        )
    return {"type": "non_standard", "value": dict(part)}


def _prefixed(extras: dict[str, Any], nested: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {**extras, **{f"{prefix}_{key}": value for key, value in nested.items()}}


def _from_openai(part: Mapping[str, Any]) -> dict[str, Any] | None:
    """An OpenAI Chat Completions media part as a v1 block (None: not one)."""
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        if not (isinstance(image, Mapping) and isinstance(image.get("url"), str)):
            return None
        if not set(part) <= {"type", "image_url", "detail"}:
            return None
        extras = _rest(part, ("type", "image_url"))
        for key, value in _rest(image, ("url",)).items():
            extras[key if key == "detail" else f"image_url_{key}"] = value
        parsed = _DATA_URI.match(image["url"])
        if parsed:
            return _block("image", extras, base64=parsed["data"], mime_type=parsed["mime_type"])
        return _block("image", extras, url=image["url"])
    if kind == "input_audio":
        audio = part.get("input_audio")
        if not (
            isinstance(audio, Mapping)
            and isinstance(audio.get("data"), str)
            and isinstance(audio.get("format"), str)
        ):
            return None
        extras = _prefixed(
            _rest(part, ("type", "input_audio")), _rest(audio, ("data", "format")), "audio"
        )
        return _block("audio", extras, base64=audio["data"], mime_type=f"audio/{audio['format']}")
    if kind == "file":
        file = part.get("file")
        if not isinstance(file, Mapping):
            return None
        extras = _rest(part, ("type", "file"))
        if isinstance(file.get("file_id"), str):
            return _block(
                "file",
                _prefixed(extras, _rest(file, ("file_id",)), "file"),
                file_id=file["file_id"],
            )
        data = file.get("file_data")
        parsed = _DATA_URI.match(data) if isinstance(data, str) else None
        if parsed:
            rest = _prefixed(extras, _rest(file, ("file_data", "filename")), "file")
            # LangChain labels every base64 OpenAI file a PDF (the only kind the API takes).
            return _block(
                "file",
                {"filename": file.get("filename"), **rest},
                base64=parsed["data"],
                mime_type="application/pdf",
            )
    return None


def _standard(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    kind = part.get("type")
    if kind in ("image", "audio", "file") and "source_type" in part:
        return _from_source_type(part)
    # OpenAI's `file` parts share the standard type name: try them as OpenAI's first.
    converted = _from_openai(part)
    if converted is not None:
        return converted
    if kind in KNOWN_BLOCK_TYPES:
        return dict(part)
    return {"type": "non_standard", "value": dict(part)}


def content_blocks(content: str | list[Any]) -> list[dict[str, Any]]:
    """The standard blocks of a message's `content` (new dicts: editing them changes
    nothing in the message)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [_standard(part) for part in content]


def ai_content_blocks(
    content: str | list[Any],
    tool_calls: list[Any],
    additional_kwargs: Mapping[str, Any],
    tool_call_chunks: list[Any] | None = None,
) -> list[dict[str, Any]]:
    """`content_blocks` of an AI message: the content's blocks, a `tool_call` block per
    tool call not already in the content, a leading `reasoning` block from
    `additional_kwargs["reasoning_content"]` unless the content has one.

    A chunk with `tool_call_chunks` and no content (a streamed piece of a call) shows
    `tool_call_chunk` blocks instead, as LangChain's chunks do.
    """
    blocks = content_blocks(content)
    if tool_call_chunks and not content:
        blocks = [b for b in blocks if b["type"] not in ("tool_call", "invalid_tool_call")]
        for piece in tool_call_chunks:
            block = {
                "type": "tool_call_chunk",
                "id": piece.get("id"),
                "name": piece.get("name"),
                "args": piece.get("args"),
            }
            if piece.get("index") is not None:
                block["index"] = piece["index"]
            blocks.append(block)
    elif tool_calls:
        present = {
            part.get("id")
            for part in content
            if isinstance(part, dict) and part.get("type") == "tool_call"
        }
        for call in tool_calls:
            call_id = call.get("id")
            if call_id and call_id not in present:
                block = {
                    "type": "tool_call",
                    "id": call_id,
                    "name": call["name"],
                    "args": call["args"],
                }
                for key in ("index", "extras"):
                    if key in call:
                        block[key] = call[key]
                blocks.append(block)
    reasoning = additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and not any(b.get("type") == "reasoning" for b in blocks):
        blocks.insert(0, {"type": "reasoning", "reasoning": reasoning})
    return blocks
