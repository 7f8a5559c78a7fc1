from __future__ import annotations

import datetime
import enum
from typing import Any, Literal

import jsonschema  # type: ignore[import-untyped]
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from pipes._schema import convert_to_openai_tool
from pipes.testing import FakeChatModel
from pipes.testing._schema_data import synthesize


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str = Field(min_length=3)
    zip_code: str = Field(pattern=r"^\d+$", default="0")


class Order(BaseModel):
    """An order with everything a schema can hold."""

    id: int = Field(ge=10, le=20)
    price: float = Field(gt=0)
    color: Color
    kind: Literal["a", "b"]
    tags: list[str] = Field(min_length=2)
    address: Address
    backup: Address | None
    when: datetime.datetime
    day: datetime.date
    notes: str | None = None
    meta: dict[str, int]
    pair: tuple[int, str]


class Movie(TypedDict):
    title: str
    year: int


class Tree(BaseModel):
    """A recursive schema."""

    name: str
    children: list[Tree]


@pytest.mark.parametrize("model", [Order, Address, Tree])
def test_synthesized_data_validates_against_the_pydantic_schema(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    data = synthesize(schema)
    jsonschema.validate(data, schema)
    model.model_validate(data)


@pytest.mark.parametrize("strict", [False, True])
def test_synthesized_data_validates_against_tool_schemas(strict: bool) -> None:
    schema = convert_to_openai_tool(Address, strict=strict)["function"]["parameters"]
    data = synthesize(schema)
    jsonschema.validate(data, schema)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "a"),
        ({"type": "string", "minLength": 3}, "aaa"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "integer", "exclusiveMinimum": 5}, 6),
        ({"type": "number", "maximum": -1}, -1.0),
        ({"type": "boolean"}, False),
        ({"type": "null"}, None),
        ({"enum": ["x", "y"]}, "x"),
        ({"const": 7}, 7),
        ({"type": ["null", "integer"]}, 0),
        ({"anyOf": [{"type": "null"}, {"type": "string"}]}, "a"),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, [0, 0]),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, {}),
        ({}, None),
    ],
)
def test_simple_schemas(schema: dict[str, Any], expected: Any) -> None:
    assert synthesize(schema) == expected


def test_unresolvable_reference_fails_clearly() -> None:
    with pytest.raises(ValueError, match="cannot resolve JSON-schema reference '#/\\$defs/Nope'"):
        synthesize({"$ref": "#/$defs/Nope"})


def test_fake_structured_output_for_a_typed_dict() -> None:
    result = FakeChatModel().with_structured_output(Movie, method="json_schema").invoke("x")
    assert result == {"title": "a", "year": 0}


def test_fake_structured_output_for_a_rich_model() -> None:
    order = FakeChatModel().with_structured_output(Order).invoke("x")
    assert isinstance(order, Order)
    assert 10 <= order.id <= 20
    assert len(order.tags) == 2


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [(r"^\d+$", "0"), (r"^[A-Z]", "A"), (r"^\d{4}-\d{2}-\d{2}$", "2024-01-01"), (r"[", "a")],
)
def test_string_patterns_are_matched_by_typical_values(pattern: str, expected: str) -> None:
    assert synthesize({"type": "string", "pattern": pattern}) == expected
