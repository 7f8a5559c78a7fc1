from __future__ import annotations

import copy
import dataclasses
import enum
import functools
import typing
from typing import Annotated, Any, Literal, NotRequired

import jsonschema
import pydantic
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from pipes._schema import (
    SchemaConversionError,
    StrictSchemaError,
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
)

from .strict_rules import violations

# ---------------------------------------------------------------- fixtures (module level so
# string annotations resolve)


class Multiply(BaseModel):
    """Multiply two integers."""

    a: int = Field(description="First factor")
    b: int


class Color(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    """A postal address."""

    street: str = Field(description="Street and number")
    zip_code: str | None = None


class Person(BaseModel):
    """A person."""

    name: str = Field(description="Full name", min_length=1, max_length=80)
    title: str  # a property named "title" must survive title removal
    age: int = 30
    home: Address = Field(description="Where they live")
    previous: list[Address] = []
    color: Color = Color.RED
    kind: Literal["person"] = "person"
    nickname: str | None = None
    score: float = Field(0.0, ge=0, le=1)
    tags: set[str] = Field(default_factory=set)


class Node(BaseModel):
    """A tree node."""

    value: int
    children: list[Node] = []


class Cat(BaseModel):
    pet: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet: Literal["dog"]
    barks: float


class Owner(BaseModel):
    """Owns a pet."""

    pet: Cat | Dog = Field(discriminator="pet")


class Inner(TypedDict):
    """An inner dict."""

    a: int


class Joke(TypedDict):
    """Joke to tell user.

    Args:
        punchline: The punchline.
    """

    setup: Annotated[str, ..., "The setup of the joke"]
    punchline: str
    rating: NotRequired[Annotated[int | None, None, "How funny, 1 to 10"]]
    inner: list[Inner]
    terse: Annotated[str, "Only a description"]


@dataclasses.dataclass
class Point:
    """A point in the plane."""

    x: float
    y: float = 0.0


@dataclasses.dataclass
class Undocumented:
    x: int


def add(a: int, b: Annotated[int, "Second addend"], scale: float = 1.0, *rest: int) -> float:
    """Add two integers.

    Then scale the sum.

    Args:
        a: First addend.
        scale: Multiplier
            applied last.

    Returns:
        The scaled sum.
    """
    return (a + b) * scale


def no_doc(x: str, flag: bool = False) -> str:
    return x


def no_args() -> str:
    """Say hi."""
    return "hi"


def with_models(person: Person, where: Address | None = None) -> str:
    """Greet a person."""
    return person.name


# ---------------------------------------------------------------- pydantic models


def test_pydantic_model_basic() -> None:
    tool = convert_to_openai_tool(Multiply)
    assert tool == {
        "type": "function",
        "function": {
            "name": "Multiply",
            "description": "Multiply two integers.",
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "First factor"},
                    "b": {"type": "integer"},
                },
                "required": ["a", "b"],
            },
        },
    }
    assert "strict" not in tool["function"]


def test_pydantic_model_titles_removed_but_title_property_kept() -> None:
    params = convert_to_openai_function(Person)["parameters"]
    assert "title" in params["properties"]
    assert params["properties"]["title"] == {"type": "string"}

    def titles(node: Any, parent: str = "") -> list[str]:
        found = []
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "title" and parent != "properties":
                    found.append(repr(v))
                found += titles(v, k)
        elif isinstance(node, list):
            for v in node:
                found += titles(v, parent)
        return found

    assert titles(params) == []


def test_pydantic_defs_are_inlined_and_field_description_wins() -> None:
    params = convert_to_openai_function(Person)["parameters"]
    assert "$defs" not in params
    assert "$ref" not in repr(params)
    home = params["properties"]["home"]
    assert home["type"] == "object"
    assert home["description"] == "Where they live"  # the field's, not the class docstring
    assert home["properties"]["street"]["description"] == "Street and number"
    assert params["properties"]["previous"]["items"]["description"] == "A postal address."
    assert params["properties"]["color"]["enum"] == ["red", "blue"]
    assert params["required"] == ["name", "title", "home"]


def test_pydantic_model_without_docstring_has_no_description() -> None:
    assert "description" not in convert_to_openai_function(Cat)


def test_pydantic_model_schema_errors_are_clear() -> None:
    class Weird:
        pass

    class Bad(BaseModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
        w: Weird

    with pytest.raises(SchemaConversionError, match="model 'Bad'"):
        convert_to_openai_tool(Bad)


def test_recursive_model_keeps_defs_and_valid_refs() -> None:
    fn = convert_to_openai_function(Node)
    assert fn["name"] == "Node"
    assert fn["description"] == "A tree node."
    params = fn["parameters"]
    assert params["type"] == "object"
    assert params["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert set(params["$defs"]) == {"Node"}
    validator = jsonschema.Draft202012Validator(params)
    validator.validate({"value": 1, "children": [{"value": 2, "children": []}]})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"value": 1, "children": [{"value": "x"}]})


def test_does_not_mutate_inputs() -> None:
    schema = Person.model_json_schema()
    before = copy.deepcopy(schema)
    convert_to_openai_tool(Person, strict=True)
    assert Person.model_json_schema() == before
    raw = {"title": "T", "type": "object", "properties": {"x": {"type": "integer"}}}
    raw_before = copy.deepcopy(raw)
    convert_to_openai_tool(raw, strict=True)
    assert raw == raw_before


# ---------------------------------------------------------------- strict mode


@pytest.mark.parametrize("schema", [Multiply, Person, Node, Owner, Joke, add, with_models, Point])
def test_strict_schemas_obey_openai_rules(schema: Any) -> None:
    fn = convert_to_openai_function(schema, strict=True)
    assert fn["strict"] is True
    assert violations(fn["parameters"]) == []


def test_strict_optional_fields_become_required_and_nullable() -> None:
    params = convert_to_openai_function(Person, strict=True)["parameters"]
    props = params["properties"]
    assert params["required"] == list(props)
    assert params["additionalProperties"] is False
    assert props["age"]["type"] == ["integer", "null"]
    assert "default" not in props["age"]
    assert props["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["color"]["enum"] == ["red", "blue", None]
    assert props["kind"]["enum"] == ["person", None]  # const became a one-value enum
    # a non-optional nested object is not made nullable, but is itself strict
    assert props["home"]["type"] == "object"
    assert props["home"]["additionalProperties"] is False
    assert props["home"]["required"] == ["street", "zip_code"]
    # optional list of objects: nullable via anyOf, items strict
    prev = props["previous"]["anyOf"]
    assert prev[1] == {"type": "null"}
    assert prev[0]["items"]["additionalProperties"] is False


def test_strict_drops_unsupported_constraints_keeps_supported() -> None:
    props = convert_to_openai_function(Person, strict=True)["parameters"]["properties"]
    assert "minLength" not in props["name"]
    assert "maxLength" not in props["name"]
    assert props["score"]["minimum"] == 0
    assert props["score"]["maximum"] == 1
    assert "uniqueItems" not in props["tags"]["anyOf"][0]


def test_strict_discriminated_union_becomes_any_of() -> None:
    pet = convert_to_openai_function(Owner, strict=True)["parameters"]["properties"]["pet"]
    assert "oneOf" not in pet
    assert "discriminator" not in pet
    assert [v["properties"]["pet"]["enum"] for v in pet["anyOf"]] == [["cat"], ["dog"]]


def test_strict_schema_accepts_what_model_sends() -> None:
    params = convert_to_openai_function(Person, strict=True)["parameters"]
    instance = {
        "name": "Ada",
        "title": "Countess",
        "age": None,
        "home": {"street": "1 Main St", "zip_code": None},
        "previous": None,
        "color": "blue",
        "kind": None,
        "nickname": None,
        "score": 0.5,
        "tags": ["x"],
    }
    jsonschema.Draft202012Validator(params).validate(instance)
    with pytest.raises(jsonschema.ValidationError):  # missing key
        jsonschema.Draft202012Validator(params).validate({k: instance[k] for k in ("name",)})
    with pytest.raises(jsonschema.ValidationError):  # extra key
        jsonschema.Draft202012Validator(params).validate({**instance, "extra": 1})


def test_strict_recursive_model() -> None:
    params = convert_to_openai_function(Node, strict=True)["parameters"]
    assert violations(params) == []
    assert params["$defs"]["Node"]["additionalProperties"] is False


def test_strict_rejects_free_form_dict() -> None:
    class Bag(BaseModel):
        data: dict[str, int]

    with pytest.raises(StrictSchemaError, match=r"free-form keys.*properties/data") as info:
        convert_to_openai_tool(Bag, strict=True)
    assert info.value.path == ("properties", "data")
    assert "strict=False" in str(info.value)
    assert isinstance(info.value, ValueError)
    convert_to_openai_tool(Bag)  # fine without strict


def test_strict_rejects_any_and_tuples() -> None:
    class Loose(BaseModel):
        x: Any

    class Pair(BaseModel):
        p: tuple[int, str]

    with pytest.raises(StrictSchemaError, match="any type"):
        convert_to_openai_tool(Loose, strict=True)
    with pytest.raises(StrictSchemaError, match="tuples"):
        convert_to_openai_tool(Pair, strict=True)


def test_strict_rejects_non_object_root_dict() -> None:
    with pytest.raises(StrictSchemaError, match="top-level schema to be an object"):
        convert_to_openai_tool({"name": "f", "parameters": {"type": "string"}}, strict=True)


def test_strict_false_sets_flag_without_rewriting() -> None:
    fn = convert_to_openai_function(Multiply, strict=False)
    assert fn["strict"] is False
    assert "additionalProperties" not in fn["parameters"]


def test_strict_conflict_with_existing_flag() -> None:
    with pytest.raises(SchemaConversionError, match="contradicts"):
        convert_to_openai_function({"name": "f", "parameters": {}, "strict": False}, strict=True)


def test_strict_no_parameters_gets_empty_object() -> None:
    fn = convert_to_openai_function({"name": "ping"}, strict=True)
    assert fn["parameters"] == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


def test_strict_nested_object_without_properties_rejected() -> None:
    schema = {
        "title": "T",
        "type": "object",
        "properties": {"x": {"type": "object"}},
    }
    with pytest.raises(StrictSchemaError, match="without declared properties"):
        convert_to_openai_function(schema, strict=True)


def test_strict_inlines_refs_of_user_dicts() -> None:
    schema = {
        "title": "T",
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/A", "description": "the a"}},
        "required": ["a"],
        "$defs": {"A": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    }
    params = convert_to_openai_function(schema, strict=True)["parameters"]
    assert violations(params) == []
    assert params["properties"]["a"]["description"] == "the a"


# ---------------------------------------------------------------- TypedDict


def test_typed_dict_descriptions() -> None:
    fn = convert_to_openai_function(Joke)
    assert fn["name"] == "Joke"
    assert fn["description"] == "Joke to tell user."
    props = fn["parameters"]["properties"]
    assert props["setup"]["description"] == "The setup of the joke"
    assert props["punchline"]["description"] == "The punchline."
    assert props["rating"]["description"] == "How funny, 1 to 10"
    assert props["terse"]["description"] == "Only a description"
    assert props["inner"]["items"]["properties"] == {"a": {"type": "integer"}}
    assert props["inner"]["items"]["description"] == "An inner dict."
    assert fn["parameters"]["required"] == ["setup", "punchline", "inner", "terse"]


def test_typed_dict_strict() -> None:
    params = convert_to_openai_function(Joke, strict=True)["parameters"]
    assert violations(params) == []
    assert params["required"] == ["setup", "punchline", "rating", "inner", "terse"]


# ---------------------------------------------------------------- functions


def test_function_schema_from_signature_and_docstring() -> None:
    fn = convert_to_openai_function(add)
    assert fn == {
        "name": "add",
        "description": "Add two integers. Then scale the sum.",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "First addend."},
                "b": {"type": "integer", "description": "Second addend"},
                "scale": {
                    "type": "number",
                    "description": "Multiplier applied last.",
                    "default": 1.0,
                },
            },
            "required": ["a", "b"],
        },
    }


def test_function_without_docstring() -> None:
    fn = convert_to_openai_function(no_doc)
    assert fn["name"] == "no_doc"
    assert "description" not in fn
    assert fn["parameters"]["properties"]["flag"] == {"type": "boolean", "default": False}


def test_function_without_args() -> None:
    fn = convert_to_openai_function(no_args)
    assert fn["parameters"] == {"type": "object", "properties": {}}
    strict = convert_to_openai_function(no_args, strict=True)
    assert violations(strict["parameters"]) == []


def test_function_with_model_args() -> None:
    params = convert_to_openai_function(with_models)["parameters"]
    assert params["properties"]["person"]["properties"]["name"]["description"] == "Full name"
    assert params["required"] == ["person"]


def test_partial_and_callable_object() -> None:
    part = functools.partial(add, 1)
    assert convert_to_openai_function(part)["name"] == "add"

    class Greeter:
        def __call__(self, who: str) -> str:
            """Greet someone."""
            return who

    fn = convert_to_openai_function(Greeter())
    assert fn["name"] == "Greeter"
    assert list(fn["parameters"]["properties"]) == ["who"]


def test_unresolvable_hint_is_a_clear_error() -> None:
    def local(x: Undefined) -> None:  # type: ignore[name-defined]  # noqa: F821
        """Uses an undefined type."""

    with pytest.raises(SchemaConversionError, match="type hints of function 'local'"):
        convert_to_openai_function(local)


# ---------------------------------------------------------------- dataclass


def test_dataclass() -> None:
    fn = convert_to_openai_function(Point)
    assert fn["name"] == "Point"
    assert fn["description"] == "A point in the plane."
    assert fn["parameters"]["required"] == ["x"]
    assert "description" not in convert_to_openai_function(Undocumented)


# ---------------------------------------------------------------- dicts


def test_json_schema_dict_with_title() -> None:
    schema = {
        "title": "get_weather",
        "description": "Weather for a city.",
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    assert convert_to_openai_function(schema) == {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }


def test_openai_function_dict_passthrough() -> None:
    fn = {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}}
    assert convert_to_openai_function({**fn, "junk": 1}) == fn
    assert convert_to_openai_tool(fn) == {"type": "function", "function": fn}


def test_openai_tool_dict_passthrough_and_strict() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}},
        },
    }
    assert convert_to_openai_tool(tool) == tool
    strict = convert_to_openai_tool(tool, strict=True)
    assert strict["function"]["strict"] is True
    assert strict["function"]["parameters"]["required"] == ["x"]
    assert "required" not in tool["function"]["parameters"]  # input untouched


def test_builtin_openai_tools_untouched() -> None:
    assert convert_to_openai_tool({"type": "web_search_preview"}) == {"type": "web_search_preview"}
    assert convert_to_openai_tool(
        {"type": "file_search", "vector_store_ids": ["v"]}, strict=True
    ) == {
        "type": "file_search",
        "vector_store_ids": ["v"],
    }


def test_anthropic_format_dict() -> None:
    fn = convert_to_openai_function(
        {"name": "f", "description": "d", "input_schema": {"type": "object", "properties": {}}}
    )
    assert fn == {
        "name": "f",
        "description": "d",
        "parameters": {"type": "object", "properties": {}},
    }


def test_schema_dict_without_title_is_a_clear_error() -> None:
    with pytest.raises(SchemaConversionError, match="top-level 'title'"):
        convert_to_openai_tool({"type": "object", "properties": {"x": {"type": "string"}}})


def test_tool_dict_given_to_function_converter() -> None:
    with pytest.raises(SchemaConversionError, match="convert_to_openai_tool"):
        convert_to_openai_function({"type": "function", "function": {"name": "f"}})


@pytest.mark.parametrize("bad", [42, "a string", int, object(), None])
def test_unsupported_objects_name_object_and_accepted_forms(bad: Any) -> None:
    with pytest.raises(SchemaConversionError) as info:
        convert_to_openai_tool(bad)
    message = str(info.value)
    assert repr(bad)[:20] in message
    assert "pydantic BaseModel subclass" in message
    assert "TypedDict" in message
    assert "function" in message
    assert "JSON-schema dict" in message


# ---------------------------------------------------------------- tool-like objects


def test_duck_typed_tool_with_dict_schema() -> None:
    class FakeTool:
        name = "lookup"
        description = "Look something up."
        tool_call_schema = {
            "title": "ignored",
            "type": "object",
            "properties": {"q": {"title": "Q", "type": "string"}},
            "required": ["q"],
        }

    fn = convert_to_openai_function(FakeTool())
    assert fn == {
        "name": "lookup",
        "description": "Look something up.",
        "parameters": {
            "type": "object",
            "properties": {"q": {"type": "string"}},
            "required": ["q"],
        },
    }


def test_duck_typed_tool_with_model_schema() -> None:
    class FakeTool:
        name = "mul"
        description = "Multiply."
        tool_call_schema = Multiply

    fn = convert_to_openai_function(FakeTool(), strict=True)
    assert fn["name"] == "mul"
    assert fn["description"] == "Multiply."
    assert violations(fn["parameters"]) == []


class Location(BaseModel):
    """Where to look."""

    city: str = Field(description="City name")
    country: str = "FR"


def test_pipes_tool_with_nested_model_argument_converts_strictly() -> None:
    # A real @tool (not a duck), whose argument model nests another model: the strict schema
    # built from its tool_call_schema obeys OpenAI's rules.
    from pipes._tools import tool

    @tool
    def locate(where: Location) -> str:
        """Locate a place."""
        return f"{where.city}, {where.country}"

    fn = convert_to_openai_tool(locate, strict=True)["function"]
    assert fn["name"] == "locate"
    assert violations(fn["parameters"]) == []


# ---------------------------------------------------------------- convert_to_json_schema


def test_convert_to_json_schema() -> None:
    schema = convert_to_json_schema(Multiply)
    assert schema["title"] == "Multiply"
    assert schema["description"] == "Multiply two integers."
    assert schema["properties"]["a"]["description"] == "First factor"
    strict = convert_to_json_schema(Multiply, strict=True)
    assert strict["additionalProperties"] is False


def test_strict_model_allowing_extra_keys_keeps_declared_properties() -> None:
    class Open(BaseModel):
        model_config = pydantic.ConfigDict(extra="allow")
        x: int

    params = convert_to_openai_function(Open, strict=True)["parameters"]
    assert params["additionalProperties"] is False
    assert violations(params) == []


def test_strict_rejects_plain_dict_field() -> None:
    class Bag(BaseModel):
        data: dict  # type: ignore[type-arg]

    with pytest.raises(StrictSchemaError, match="free-form keys"):
        convert_to_openai_tool(Bag, strict=True)


@pytest.mark.parametrize("schema", [Multiply, Person, Node, Owner, Joke, add, with_models, Point])
def test_strict_schemas_are_a_fixpoint_of_the_openai_sdk_strict_pass(schema: Any) -> None:
    # The OpenAI SDK's own strictifier (used by client.beta...parse) must find nothing to fix.
    sdk = pytest.importorskip("openai.lib._pydantic")
    params = convert_to_openai_function(schema, strict=True)["parameters"]
    mine = copy.deepcopy(params)
    assert sdk._ensure_strict_json_schema(mine, path=(), root=mine) == params


def test_json_schema_dict_without_type_gets_object_type() -> None:
    fn = convert_to_openai_function({"title": "f", "properties": {"x": {"type": "string"}}})
    assert fn["parameters"] == {"type": "object", "properties": {"x": {"type": "string"}}}


class _PlainInner(typing.TypedDict):
    """An inner value."""

    x: int


class _PlainLookup(typing.TypedDict, total=False):
    """Look something up."""

    query: typing.Annotated[str, ..., "what to look up"]
    inner: list[_PlainInner]
    maybe: _PlainInner | None


def test_typing_typeddict_works_on_every_python() -> None:
    # pydantic refuses typing.TypedDict before 3.12; LangChain users write that form anyway.
    tool = convert_to_openai_tool(_PlainLookup)
    params = tool["function"]["parameters"]
    assert tool["function"]["description"] == "Look something up."
    assert params["properties"]["query"] == {"type": "string", "description": "what to look up"}
    assert params["properties"]["inner"]["items"]["required"] == ["x"]
    assert params["properties"]["inner"]["items"]["description"] == "An inner value."
    assert "required" not in params  # total=False keeps every key optional
    strict = convert_to_openai_tool(_PlainLookup, strict=True)["function"]["parameters"]
    assert strict["required"] == ["query", "inner", "maybe"]
    assert strict["additionalProperties"] is False
