"""Helpers for the pipes_openai tests: request validation against the official schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

# The official schemas (../shared/specs in the project's workspace), vendored so that a fresh
# clone can run the tests; test_schema_copy.py checks the copy against the original when the
# original is there.
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "openai-chat-completions.schema.json"
RESPONSES_SCHEMA_PATH = SCHEMA_PATH.with_name("openai-responses.schema.json")


def _with_nullable(node: Any) -> Any:
    """Translate OpenAPI 3.0 ``nullable: true`` (ignored by JSON Schema) into ``anyOf`` null,
    and a ``oneOf`` with a ``discriminator`` into ``anyOf``.

    The schema is extracted from OpenAI's OpenAPI document, which still uses ``nullable`` in
    places (e.g. a stream chunk's ``finish_reason``); a plain 2020-12 validator would reject
    the ``null`` the real API sends there.
    """
    if isinstance(node, list):
        return [_with_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_nullable(value) for key, value in node.items()}
    if "discriminator" in out and "oneOf" in out:
        # OpenAPI picks the branch by the discriminator; JSON Schema's oneOf would instead
        # reject a value two branches accept (a user message with a list of input parts is
        # both an EasyInputMessage and an InputMessage).
        out["anyOf"] = out.pop("oneOf")
    if out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def schema_validator(name: str, path: Path = SCHEMA_PATH) -> jsonschema.Draft202012Validator:
    """A validator for ``$defs/<name>`` of the official schema (e.g. ``ErrorResponse``)."""
    document = _with_nullable(json.loads(path.read_text()))
    schema = {"$defs": document["$defs"], "$ref": f"#/$defs/{name}"}
    return jsonschema.Draft202012Validator(schema)


def responses_validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for ``$defs/<name>`` of the official Responses schema (e.g. ``Response``)."""
    return schema_validator(name, RESPONSES_SCHEMA_PATH)


def assert_valid_responses(name: str, instance: Any) -> None:
    """Fail with every schema error of ``instance`` as the Responses schema's ``name``."""
    errors = sorted(responses_validator(name).iter_errors(instance), key=str)
    assert not errors, f"not a valid {name}:\n" + "\n".join(
        f"- {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10]
    )


def assert_valid_request(body: Any) -> None:
    """Fail with every schema error of a CreateChatCompletionRequest body."""
    errors = sorted(schema_validator("CreateChatCompletionRequest").iter_errors(body), key=str)
    assert not errors, "request body does not match CreateChatCompletionRequest:\n" + "\n".join(
        f"- {list(e.absolute_path)}: {e.message[:300]}" for e in errors
    )
