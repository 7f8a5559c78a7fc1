"""Helpers for the emulator tests: schema validation, SSE parsing, capped synthesis."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
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


def strict_object(props: dict[str, Any]) -> dict[str, Any]:
    """A strict-mode object schema: every property required, no others allowed."""
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


# Synthesizes each schema (loose, then strict) in a child process capped in CPU time and
# memory, so a synthesizer that spins or blows up fails a test instead of wedging the runner.
_CAPPED_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    cpu = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    from pipes_openai.emulator import synthesize

    for schema in json.loads(sys.stdin.read()):
        for strict in (False, True):
            try:
                synthesize(schema, strict=strict)
            except ValueError:
                pass
    print("done")
    """
)


def assert_synthesis_ends(schemas: list[Any], *, cpu_seconds: int) -> None:
    """Every schema ends in a value or a `ValueError` within `cpu_seconds` of CPU in all."""
    result = subprocess.run(
        [sys.executable, "-c", _CAPPED_CHILD, str(cpu_seconds)],
        input=json.dumps(schemas),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "done", result.stderr[-2000:]
