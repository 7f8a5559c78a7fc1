"""JSON Schema synthesis: every synthesized value validates against its schema."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest

from pipes_openai.emulator import synthesize

from .test_emulator_synth_strict import FORMATS, STRICT_FORMATS

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
    jsonschema.validate(value, schema, format_checker=FORMATS)
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


NUMBERS: list[tuple[str, dict[str, Any], Any]] = [
    # 0.6 is a multiple of 0.1 in decimal, but 0.6 / 0.1 == 5.999999999999999 in floats
    ("float-multiple", {"type": "number", "minimum": 0.25, "maximum": 0.6, "multipleOf": 0.1}, 0.5),
    ("integer-grid", {"type": "integer", "minimum": 3.3, "multipleOf": 2}, 4),
    ("integer-half", {"type": "integer", "exclusiveMinimum": 7, "multipleOf": 0.5}, 8),
    ("integer-2.5", {"type": "integer", "minimum": 1, "multipleOf": 2.5}, 5),
    ("exclusive-both", {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 2}, 1.5),
    (
        "exclusive-grid",
        {"type": "integer", "exclusiveMinimum": 4, "maximum": 6, "multipleOf": 5},
        None,
    ),
    ("negative", {"type": "integer", "maximum": -3.5, "multipleOf": 3}, -6),
    ("tight", {"type": "number", "minimum": 0.1, "maximum": 0.1}, 0.1),
]


@pytest.mark.parametrize(
    ("schema", "expected"), [n[1:] for n in NUMBERS], ids=[n[0] for n in NUMBERS]
)
def test_numbers_land_inside_bounds_on_the_grid(schema: dict[str, Any], expected: Any) -> None:
    value = synthesize(schema, strict=True)
    jsonschema.validate(value, schema)
    if expected is not None:
        assert value == expected
    assert isinstance(value, int) == (schema["type"] == "integer" or float(value).is_integer())


@pytest.mark.parametrize("fmt", STRICT_FORMATS)
def test_every_strict_format_validates(fmt: str) -> None:
    schema = {"type": "string", "format": fmt}
    value = synthesize(schema, strict=True, name="text")
    jsonschema.validate(value, schema, format_checker=FORMATS)
    short = synthesize({**schema, "maxLength": 3})  # another sample of the format fits
    if fmt in ("hostname", "ipv6", "duration"):
        assert len(short) <= 3
        jsonschema.validate(short, schema, format_checker=FORMATS)


def test_pattern_is_honoured_with_length_bounds_and_plausible_names() -> None:
    assert synthesize({"type": "string", "pattern": r"^\d{3}-\d{4}$"}) == "000-0000"
    assert synthesize({"type": "string", "pattern": "^[a-z]+$"}, name="city") == "a"
    # a plausible value for the name wins when it matches
    assert synthesize({"type": "string", "pattern": "^[A-Z][a-z]+$"}, name="name") == "Alice"
    value = synthesize({"type": "string", "pattern": "^(ab)+c?$", "minLength": 7, "maxLength": 8})
    assert value in ("abababab", "abababc")
    assert synthesize({"type": "string", "format": "email", "pattern": r"\.co$"}) == "a@b.co"


def test_recursion_through_the_root_terminates() -> None:
    schema = {
        "type": "object",
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#"}, "minItems": 1},
            "parent": {"anyOf": [{"$ref": "#"}, {"type": "null"}]},
        },
        "required": ["value", "children", "parent"],
        "additionalProperties": False,
    }
    # children needs one root each, and a root needs children: no finite instance
    with pytest.raises(ValueError, match="admits no finite instance"):
        synthesize(schema, strict=True)
    schema["properties"]["children"]["minItems"] = 0
    value = synthesize(schema, strict=True)
    jsonschema.validate(value, schema)
    assert value["parent"] is not None  # plausible nesting first, null where it must end


def test_union_takes_a_satisfiable_branch() -> None:
    schema = {
        "anyOf": [
            {"type": "integer", "minimum": 10, "maximum": 1},
            {"type": "string", "pattern": "["},
            {"type": "string", "pattern": "^ok$"},
        ]
    }
    assert synthesize(schema, strict=True) == "ok"
    assert (
        synthesize({"type": ["integer", "null"], "minimum": 3, "maximum": 1}, strict=True) is None
    )


def test_strict_errors_keep_their_cause() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression") as bad_pattern:
        synthesize({"type": "string", "pattern": "(a"}, strict=True)
    assert isinstance(bad_pattern.value.__cause__, ValueError)
    assert isinstance(bad_pattern.value.__cause__.__cause__, re.error)
    with pytest.raises(ValueError, match=r"In context=\('n',\)") as bounds:
        synthesize(
            {"properties": {"n": {"type": "number", "maximum": -1, "minimum": 1}}}, strict=True
        )
    assert isinstance(bounds.value.__cause__, ValueError)
