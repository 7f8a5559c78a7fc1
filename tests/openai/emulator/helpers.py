"""Helpers for the emulator tests: schema validation and SSE parsing."""

from __future__ import annotations

import json
from typing import Any

from openai_helpers import schema_validator


def assert_valid(kind: str, instance: Any) -> None:
    """Fail with every schema error when ``instance`` is not a valid ``kind``."""
    errors = sorted(schema_validator(kind).iter_errors(instance), key=lambda e: list(e.path))
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
