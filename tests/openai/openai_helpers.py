"""Helpers for the pipes_openai tests: request validation against the official schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

# The issue's path: ../shared/specs relative to the repository root.
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "specs"
    / "openai-chat-completions.schema.json"
)


def _with_nullable(node: Any) -> Any:
    # The schema comes from an OpenAPI 3.0 document: `nullable: true` means "or null".
    if isinstance(node, list):
        return [_with_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_nullable(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    document = _with_nullable(json.loads(SCHEMA_PATH.read_text()))
    schema = {"$defs": document["$defs"], "$ref": f"#/$defs/{name}"}
    return jsonschema.Draft202012Validator(schema)


def assert_valid_request(body: Any) -> None:
    """Fail with every schema error of a CreateChatCompletionRequest body."""
    errors = sorted(_validator("CreateChatCompletionRequest").iter_errors(body), key=str)
    assert not errors, "request body does not match CreateChatCompletionRequest:\n" + "\n".join(
        f"- {list(e.absolute_path)}: {e.message[:300]}" for e in errors
    )
