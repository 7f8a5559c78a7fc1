"""JSON Schema synthesis: every synthesized value validates against its schema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from pipes_openai.emulator import synthesize

SCHEMAS: list[tuple[str, dict[str, Any]]] = [
    ("string", {"type": "string"}),
    ("integer-bounds", {"type": "integer", "minimum": 5, "maximum": 7}),
    ("exclusive", {"type": "number", "exclusiveMinimum": 10, "exclusiveMaximum": 11}),
    ("multiple-of", {"type": "integer", "minimum": 7, "multipleOf": 5}),
    ("boolean", {"type": "boolean"}),
    ("null", {"type": "null"}),
    ("enum", {"enum": ["celsius", "fahrenheit"]}),
    ("const", {"const": 3}),
    ("type-list", {"type": ["null", "string"]}),
    ("min-length", {"type": "string", "minLength": 40}),
    ("max-length", {"type": "string", "maxLength": 2}),
    (
        "formats",
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "mail": {"type": "string", "format": "email"},
                "link": {"type": "string", "format": "uri"},
                "uid": {"type": "string", "format": "uuid"},
            },
            "required": ["when", "day", "mail", "link", "uid"],
        },
    ),
    (
        "nested",
        {
            "type": "object",
            "properties": {
                "person": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "age": {"type": "integer", "minimum": 0},
                        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                    },
                    "required": ["name", "age", "tags"],
                    "additionalProperties": False,
                },
            },
            "required": ["person"],
        },
    ),
    ("array-bounds", {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 3}),
    (
        "unique-items",
        {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": True},
    ),
    (
        "tuple",
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False},
    ),
    ("anyof", {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}),
    (
        "oneof-objects",
        {
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                {"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]},
            ]
        },
    ),
    (
        "allof",
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
            ]
        },
    ),
    (
        "defaults",
        {
            "type": "object",
            "properties": {
                "unit": {"type": "string", "default": "fahrenheit"},
                "count": {"type": "integer", "default": 3},
            },
        },
    ),
    (
        "min-properties",
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
    ),
    (
        "refs",
        {
            "$defs": {
                "Address": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
            "type": "object",
            "properties": {
                "home": {"$ref": "#/$defs/Address"},
                "work": {"$ref": "#/$defs/Address"},
            },
            "required": ["home", "work"],
        },
    ),
    (
        "recursive",
        {
            "$defs": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "integer"},
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    },
                    "required": ["value", "children"],
                },
            },
            "$ref": "#/$defs/Node",
        },
    ),
    (
        "recursive-optional",
        {
            "$defs": {
                "Node": {
                    "type": "object",
                    "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
                    "required": ["next"],
                },
            },
            "$ref": "#/$defs/Node",
        },
    ),
    (
        "pydantic-like",
        {
            "title": "GetWeather",
            "description": "Get the current weather in a given location",
            "type": "object",
            "properties": {
                "location": {"title": "Location", "type": "string"},
                "unit": {
                    "anyOf": [{"enum": ["c", "f"], "type": "string"}, {"type": "null"}],
                    "default": None,
                },
            },
            "required": ["location"],
        },
    ),
    ("empty", {}),
]


@pytest.mark.parametrize("schema", [s[1] for s in SCHEMAS], ids=[s[0] for s in SCHEMAS])
@pytest.mark.parametrize("strict", [False, True])
def test_synthesized_values_validate(schema: dict[str, Any], strict: bool) -> None:
    value = synthesize(schema, strict=strict)
    jsonschema.validate(value, schema)
    assert synthesize(schema, strict=strict) == value  # deterministic


def test_plausible_values_from_property_names() -> None:
    schema = {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "flag": {"type": "boolean"},
        },
        "required": ["location", "email", "name", "age", "unit", "flag"],
    }
    assert synthesize(schema) == {
        "location": "San Francisco",
        "email": "alice@example.com",
        "name": "Alice",
        "age": 30,
        "unit": "celsius",
        "flag": True,
    }


def test_strict_fills_optional_properties_and_non_strict_does_not() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert synthesize(schema) == {"a": "a"}
    assert set(synthesize(schema, strict=True)) == {"a", "b"}


def test_recursion_stops() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/$defs/Node"}},
                "required": ["child"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    value = synthesize(schema)
    depth = 0
    while isinstance(value, dict) and "child" in value:
        value = value["child"]
        depth += 1
    assert 1 <= depth <= 32  # unsatisfiable recursion: a finite value, cut at the hard limit
