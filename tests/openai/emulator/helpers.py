"""Helpers for the emulator tests: schema validation and SSE parsing."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

# The issue points at ../shared/specs relative to the repository root; PIPES_OPENAI_SCHEMA
# overrides it (e.g. when the tests run from a copy of the repository).
SCHEMA_PATH = Path(
    os.environ.get("PIPES_OPENAI_SCHEMA")
    or Path(__file__).resolve().parents[3].parent
    / "shared"
    / "specs"
    / "openai-chat-completions.schema.json"
)


def _with_nullable(node: Any) -> Any:
    """Translate OpenAPI 3.0 ``nullable: true`` (ignored by JSON Schema) into ``anyOf`` null.

    The shared schema is extracted from OpenAI's OpenAPI document, which still uses
    ``nullable`` in places (e.g. a stream chunk's ``finish_reason``); a plain 2020-12
    validator would reject the ``null`` the real API sends there.
    """
    if isinstance(node, list):
        return [_with_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_nullable(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _validators() -> dict[str, jsonschema.Draft202012Validator]:
    doc = _with_nullable(json.loads(SCHEMA_PATH.read_text()))
    out = {}
    for name in (
        "CreateChatCompletionRequest",
        "CreateChatCompletionResponse",
        "CreateChatCompletionStreamResponse",
        "ErrorResponse",
    ):
        schema = copy.copy(doc)
        schema["$ref"] = f"#/$defs/{name}"
        out[name] = jsonschema.Draft202012Validator(schema)
    return out


def assert_valid(kind: str, instance: Any) -> None:
    """Fail with every schema error when ``instance`` is not a valid ``kind``."""
    errors = sorted(_validators()[kind].iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def sse_events(text: str) -> list[Any]:
    """The ``data:`` payloads of an SSE body, JSON-decoded (``[DONE]`` kept as a string)."""
    events: list[Any] = []
    for block in text.split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                data = line[6:]
                events.append(data if data == "[DONE]" else json.loads(data))
    return events


def chat(content: str = "Hello, world!", **extra: Any) -> dict[str, Any]:
    """A minimal chat completion request body."""
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}
