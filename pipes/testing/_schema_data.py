"""Synthesize a small value that validates against a JSON schema (for fake structured output).

Like pydantic-ai's `TestModel`, the fake chat model answers a structured-output request
with data generated from the schema, so `FakeChatModel().with_structured_output(Person)`
returns a valid `Person` without scripting anything.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["synthesize"]

_MAX_DEPTH = 12


def synthesize(schema: dict[str, Any]) -> Any:
    """Return the simplest value valid for `schema` (required keys only, minimal sizes).

    Covers types, enums/consts, `anyOf`/`oneOf`/`allOf`, `$ref`, numeric bounds,
    string lengths and formats; a `pattern` is matched by trying typical values, so an
    exotic regex may not be satisfied (script the reply in that case).

    Example:
        ```python
        synthesize({"type": "object", "properties": {"n": {"type": "integer"}},
                    "required": ["n"]})  # -> {"n": 0}
        ```
    """
    return _Gen(schema).value(schema, 0)


class _Gen:
    def __init__(self, root: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = {**root.get("definitions", {}), **root.get("$defs", {})}

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < _MAX_DEPTH:
            ref: str = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if name not in self.defs:
                raise ValueError(f"cannot resolve JSON-schema reference {ref!r}")
            schema = {**self.defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema

    def value(self, schema: dict[str, Any] | bool, depth: int) -> Any:
        if not isinstance(schema, dict):
            return None
        schema = self.resolve(schema)
        if depth > _MAX_DEPTH:
            return None
        if "const" in schema:
            return schema["const"]
        if "default" in schema:
            return schema["default"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(s) for s in schema[key]]
                # Prefer a non-null branch: a structured answer full of None teaches nothing.
                non_null = [s for s in options if s.get("type") != "null"]
                return self.value((non_null or options)[0], depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                part = self.resolve(part)
                merged = {**merged, **part}
                if "properties" in part:
                    merged["properties"] = {**merged.get("properties", {}), **part["properties"]}
            return self.value(merged, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null_kinds = [k for k in kind if k != "null"]
            kind = non_null_kinds[0] if non_null_kinds else "null"
        if kind is None and "properties" in schema:
            kind = "object"
        if kind == "object":
            props: dict[str, Any] = schema.get("properties", {})
            required = schema.get("required", [])
            return {name: self.value(props.get(name, {}), depth + 1) for name in required}
        if kind == "array":
            items = schema.get("items", {})
            n = int(schema.get("minItems", 0))
            if isinstance(schema.get("prefixItems"), list):
                return [self.value(s, depth + 1) for s in schema["prefixItems"]]
            return [self.value(items, depth + 1) for _ in range(n)]
        if kind == "string":
            return _string(schema)
        if kind == "integer":
            return _number(schema, integer=True)
        if kind == "number":
            return _number(schema, integer=False)
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return None  # unconstrained ({}): any JSON value is valid


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    by_format = {
        "date-time": "2024-01-01T00:00:00Z",
        "date": "2024-01-01",
        "time": "00:00:00",
        "email": "user@example.com",
        "uri": "https://example.com",
        "uuid": "00000000-0000-4000-8000-000000000000",
        "duration": "P1D",
    }
    text = by_format.get(fmt, "a") if isinstance(fmt, str) else "a"
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        # No regex inversion: try a few typical values (JSON-schema patterns are searches).
        try:
            compiled = re.compile(pattern)
        except re.error:
            compiled = None
        if compiled is not None and not compiled.search(text):
            text = next((c for c in _PATTERN_CANDIDATES if compiled.search(c)), text)
    min_len = int(schema.get("minLength", 0))
    if len(text) < min_len:
        filler = text[-1] if text else "a"
        text = text + filler * (min_len - len(text))
    max_len = schema.get("maxLength")
    if max_len is not None:
        text = text[: int(max_len)]
    return text


_PATTERN_CANDIDATES = (
    "0",
    "A",
    "a0",
    "A0",
    "aaa",
    "000",
    "a-a",
    "a_a",
    "a.a",
    "user@example.com",
    "https://example.com",
    "2024-01-01",
    "00:00",
    "+10000000000",
    "",
)


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum")
    if low is None and "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    high = schema.get("maximum")
    if high is None and "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1
    value: float = 0
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    if integer:
        return int(value) if float(value).is_integer() else int(value) + 1
    return float(value)
