"""Strict structured output: every instance validates against OpenAI's whole strict subset.

A hypothesis strategy builds schemas within the subset (objects with every property required
and `additionalProperties: false`, arrays with `minItems`/`maxItems`, enums, `anyOf` with
null, `$defs` and recursion, string `pattern` and `format`, number bounds and `multipleOf`);
`synthesize(schema, strict=True)` must return an instance that `jsonschema` (Draft 2020-12,
formats checked) accepts. End to end, a strict `response_format` and a strict tool through
the emulator parse into their pydantic models.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import json
import re
import uuid
from typing import TYPE_CHECKING, Any, Literal

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator, synthesize
from pipes_openai.emulator._regex_synth import regex_instance
from pipes_openai.emulator._synth import schema_problem

from .helpers import assert_synthesis_ends, strict_object

if TYPE_CHECKING:
    from openai import OpenAI

# jsonschema checks date-time, time, duration and hostname only with optional packages
# (rfc3339-validator, isoduration, fqdn) that are not installed here: these checkers stand in,
# written from RFC 3339 (and its appendix A for durations) and RFC 1123.
FORMATS = jsonschema.FormatChecker()
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})"
_DURATION = re.compile(
    r"P(?:(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?|\d+W)",
)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]" + _TIME, value):
        return False
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # raises if invalid
    return True


@FORMATS.checks("time")
def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(_TIME, value):
        return False
    datetime.time.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@FORMATS.checks("duration")
def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or (value != "P" and bool(_DURATION.fullmatch(value)))


@FORMATS.checks("hostname")
def _is_hostname(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) <= 253 and all(_LABEL.fullmatch(label) for label in value.split("."))


STRICT_FORMATS = ("date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6")
STRICT_FORMATS += ("uuid",)


def check(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(instance)


# -- regexes in the syntax the generator supports ----------------------------------------

_ATOMS = st.sampled_from(
    [
        *("a", "Z", "7", "-", r"\.", r"\d", r"\w", r"\s", r"\D", r"\W", ".", "@", "[+-]"),
        *("[a-z]", "[A-Z0-9_]", "[^a-z]", "[^0-9\\s]", "[xyz]", r"\/"),
    ]
)
_QUANTIFIERS = st.sampled_from(["", "", "?", "*", "+", "{2}", "{1,3}", "{2,}", "*?", "+?"])


def _regexes() -> st.SearchStrategy[str]:
    pieces = st.recursive(
        st.tuples(_ATOMS, _QUANTIFIERS).map("".join),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda p: "(" + "".join(p) + ")"),
            st.lists(inner, min_size=2, max_size=3).map(lambda p: "(?:" + "|".join(p) + ")"),
            st.tuples(inner, _QUANTIFIERS).map(lambda t: "(?:" + t[0] + ")" + t[1]),
        ),
        max_leaves=6,
    )
    return st.tuples(
        st.sampled_from(["", "^"]),
        st.lists(pieces, min_size=1, max_size=4),
        st.sampled_from(["", "$"]),
    ).map(lambda t: t[0] + "".join(t[1]) + t[2])


# -- schemas within the strict subset ------------------------------------------------------

_NAMES = st.sampled_from(["name", "email", "age", "city", "price", "tags", "when", "x", "id"])


@st.composite
def _numbers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "number"]))
    schema: dict[str, Any] = {"type": kind}
    multiple = draw(st.sampled_from([None, 1, 2, 3, 5, 0.1, 0.25, 0.5, 2.5, 0.01]))
    if multiple is not None:
        schema["multipleOf"] = multiple
    low = draw(
        st.none() | st.integers(-1000, 1000) | st.floats(-1000, 1000).map(lambda f: round(f, 2))
    )
    # The interval is wide enough to hold a multiple (an integer one too) strictly inside.
    span = draw(st.integers(12, 100))
    if low is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = low
        if draw(st.booleans()):
            schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = low + span
    elif draw(st.booleans()):
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = draw(st.integers(-50, 50))
    return schema


def _strings() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"type": "string"}),
        st.sampled_from(STRICT_FORMATS).map(lambda f: {"type": "string", "format": f}),
        _regexes().map(lambda p: {"type": "string", "pattern": p}),
    )


def _leaves() -> st.SearchStrategy[dict[str, Any]]:
    enum_values = st.one_of(
        st.lists(st.text("abc xyz", max_size=5), min_size=1, max_size=4, unique=True),
        st.lists(st.integers(-5, 5), min_size=1, max_size=4, unique=True),
    )
    return st.one_of(
        _strings(),
        _numbers(),
        st.just({"type": "boolean"}),
        enum_values.map(lambda v: {"enum": v}),
        st.sampled_from(["string", "integer", "boolean"]).map(lambda t: {"type": [t, "null"]}),
    )


@functools.cache
def _nodes(refs: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Any schema of the subset; `refs` may be referred to, each only through a nullable or
    an array that may be empty (a required recursion admits no finite instance)."""
    leaves = _leaves()
    if refs:
        ref = st.sampled_from(refs).map(lambda r: {"$ref": r})
        leaves = leaves | st.one_of(
            ref.map(lambda r: {"anyOf": [r, {"type": "null"}]}),
            ref.map(lambda r: {"type": "array", "items": r, "maxItems": 2}),
        )

    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        bounds = st.tuples(st.integers(0, 3), st.integers(0, 2))
        return st.one_of(
            st.dictionaries(_NAMES, inner, min_size=1, max_size=4).map(strict_object),
            st.tuples(inner, bounds).map(
                lambda t: {
                    "type": "array",
                    "items": t[0],
                    "minItems": t[1][0],
                    "maxItems": t[1][0] + t[1][1],
                }
            ),
            st.lists(inner, min_size=1, max_size=3).map(lambda o: {"anyOf": o}),
            inner.map(lambda o: {"anyOf": [o, {"type": "null"}]}),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@st.composite
def strict_schemas(draw: st.DrawFn) -> dict[str, Any]:
    defs_names = draw(st.lists(st.sampled_from(["Node", "Item", "Tree"]), max_size=2, unique=True))
    refs = ("#", *(f"#/$defs/{n}" for n in defs_names))
    node = _nodes(refs)
    root = strict_object(draw(st.dictionaries(_NAMES, node, min_size=1, max_size=4)))
    if defs_names:
        root["$defs"] = {
            n: strict_object(draw(st.dictionaries(_NAMES, node, min_size=1, max_size=3)))
            for n in defs_names
        }
    return root


@settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(strict_schemas())
def test_strict_instances_validate(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    instance = synthesize(schema, strict=True)
    check(instance, schema)
    assert json.loads(json.dumps(instance)) == instance  # plain JSON, nothing else


@settings(derandomize=True, max_examples=100, deadline=None)
@given(_regexes(), st.integers(0, 5), st.data())
def test_regex_instances_match_within_length_bounds(
    pattern: str, extra: int, data: st.DataObject
) -> None:
    # A witness proves the bounds satisfiable: the generator must then find a string too.
    witness = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda w: len(w) < 40))
    low = len(witness)
    text = regex_instance(pattern, min_length=low, max_length=low + extra)
    assert re.search(pattern, text)
    assert low <= len(text) <= low + extra


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_numbers(), _NAMES)
def test_numbers_validate(schema: dict[str, Any], name: str) -> None:
    check(synthesize(schema, strict=True, name=name), schema)


# -- end to end: strict response_format and strict tools through the emulator --------------


class Part(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}-\d{4}$")
    quantity: int = Field(ge=3, le=40, multiple_of=7)
    weight: float = Field(gt=0.5, lt=0.9, multiple_of=0.1)


class Order(BaseModel):
    """An order, its parts and a follow-up order (a recursive model)."""

    id: uuid.UUID
    placed: datetime.datetime
    due: datetime.date
    contact: str = Field(json_schema_extra={"format": "email"})
    host: str = Field(json_schema_extra={"format": "hostname"})
    address: ipaddress.IPv6Address
    wait: datetime.timedelta
    parts: list[Part] = Field(min_length=2, max_length=3)
    status: Literal["open", "shipped"]
    note: str | None
    next: Order | None


def _sent_schema(emulator: Emulator) -> dict[str, Any]:
    body = emulator.requests[-1].body
    if "response_format" in body:
        assert body["response_format"]["json_schema"]["strict"] is True
        return dict(body["response_format"]["json_schema"]["schema"])
    if "text" in body:  # the Responses API
        assert body["text"]["format"]["strict"] is True
        return dict(body["text"]["format"]["schema"])
    (tool,) = body["tools"]
    assert tool["function"]["strict"] is True
    return dict(tool["function"]["parameters"])


def test_chat_openai_strict_structured_output(emulator: Emulator) -> None:
    llm = ChatOpenAI(base_url=emulator.base_url, api_key="x", model="gpt-4o")
    for method in ("json_schema", "function_calling"):
        raw = llm.with_structured_output(
            Order,
            method=method,  # type: ignore[arg-type]
            strict=True,
            include_raw=True,
        ).invoke("Place an order")
        assert raw["parsing_error"] is None, raw["parsing_error"]
        order = raw["parsed"]
        assert isinstance(order, Order)
        schema = _sent_schema(emulator)
        check(order.model_dump(mode="json"), schema)
        assert order.parts[0].sku == "AAA-0000"
        assert order.parts[0].quantity == 7


def test_openai_sdk_parse_strict(emulator: Emulator, sdk: OpenAI) -> None:
    import openai

    messages: Any = [{"role": "user", "content": "Place an order"}]
    completion = sdk.chat.completions.parse(
        model="gpt-4o", messages=messages, response_format=Order
    )
    message = completion.choices[0].message
    assert isinstance(message.parsed, Order)
    check(json.loads(message.content or ""), _sent_schema(emulator))

    with_tool = sdk.chat.completions.parse(
        model="gpt-4o",
        messages=messages,
        tools=[openai.pydantic_function_tool(Order)],
        tool_choice="required",
    )
    (call,) = with_tool.choices[0].message.tool_calls or []
    assert isinstance(call.function.parsed_arguments, Order)
    check(json.loads(call.function.arguments), _sent_schema(emulator))

    response = sdk.responses.parse(model="gpt-4o", input="Place an order", text_format=Order)
    assert isinstance(response.output_parsed, Order)
    check(json.loads(response.output_text), _sent_schema(emulator))


UNSATISFIABLE: list[tuple[str, dict[str, Any], str]] = [
    ("bounds", {"type": "integer", "minimum": 5, "maximum": 3}, "no integer satisfies"),
    ("exclusive", {"type": "number", "exclusiveMinimum": 1, "maximum": 1}, "no number"),
    ("grid", {"type": "integer", "minimum": 1, "maximum": 4, "multipleOf": 5}, "multipleOf"),
    ("items", {"type": "array", "items": {}, "minItems": 3, "maxItems": 2}, "'minItems' 3"),
    ("pattern", {"type": "string", "pattern": "["}, "not a valid regular expression"),
    ("enum", {"enum": []}, "'enum' is empty"),
    ("recursion", strict_object({"next": {"$ref": "#"}}), "admits no finite instance"),
    ("union", {"anyOf": [{"type": "integer", "minimum": 2, "maximum": 1}]}, "no alternative"),
]


@pytest.mark.parametrize(
    ("schema", "problem"), [u[1:] for u in UNSATISFIABLE], ids=[u[0] for u in UNSATISFIABLE]
)
def test_unsatisfiable_schemas_raise_under_strict_only(
    schema: dict[str, Any], problem: str
) -> None:
    root = strict_object({"field": schema})
    with pytest.raises(ValueError, match=re.escape(problem)) as info:
        synthesize(root, strict=True)
    assert "In context=('field'" in str(info.value)
    assert schema_problem(root) == str(info.value)
    synthesize(root)  # without strict: a best effort, no error


def test_satisfiable_schema_has_no_problem() -> None:
    assert schema_problem(Order.model_json_schema()) is None


def test_unsatisfiable_strict_schema_is_a_400(emulator: Emulator, sdk: OpenAI) -> None:
    """Refused up front, as the API refuses it, on both APIs and for both uses of a schema."""
    import openai

    schema = strict_object({"n": {"type": "integer", "minimum": 5, "maximum": 3}})
    user = [{"role": "user", "content": "x"}]
    attempts: list[tuple[str, Any]] = [
        (
            "response_format",
            lambda: sdk.chat.completions.create(
                model="gpt-4o",
                messages=user,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "n", "strict": True, "schema": schema},
                },
            ),
        ),
        (
            "tools[0].function.parameters",
            lambda: sdk.chat.completions.create(
                model="gpt-4o",
                messages=user,
                tools=[
                    {
                        "type": "function",
                        "function": {"name": "f", "strict": True, "parameters": schema},
                    }
                ],
            ),
        ),
        (
            "text.format.schema",
            lambda: sdk.responses.create(
                model="gpt-4o",
                input="x",
                text={
                    "format": {
                        "type": "json_schema",
                        "name": "n",
                        "strict": True,
                        "schema": schema,
                    }
                },
            ),
        ),
        (
            "tools[0].parameters",
            lambda: sdk.responses.create(
                model="gpt-4o",
                input="x",
                tools=[{"type": "function", "name": "f", "strict": True, "parameters": schema}],
            ),
        ),
    ]
    for param, send in attempts:
        with pytest.raises(openai.BadRequestError) as info:
            send()
        assert "no integer satisfies" in str(info.value), param
        assert info.value.param == param


# Schemas built to make a naive synthesizer spin or blow up: each must end quickly, in a value
# or a ValueError. They run in a child process capped in CPU time and memory, so a regression
# fails this test instead of wedging the runner.
HOSTILE: list[Any] = [
    {"type": "string", "pattern": "(?:a?){65535}"},
    {"type": "string", "pattern": "(?:(?:a{0,999}){0,999}){0,999}", "minLength": 9000},
    {"type": "string", "pattern": "a{9999}b{9999}"},
    {"type": "string", "minLength": 10**10},  # padded out to it, a 10 GB string
    {"type": "array", "items": {"type": "integer"}, "minItems": 10**12},
    {"type": "object", "minProperties": 10**12, "additionalProperties": {"type": "integer"}},
    {"type": "array", "minItems": 60, "items": {"$ref": "#"}},
    {"type": "number", "minimum": 1e308, "multipleOf": 1e-308},
    {"type": "integer", "minimum": -1e308, "maximum": 1e308, "multipleOf": 3e-300},
    strict_object({"a": {"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}, "b": {"$ref": "#"}}),
    {
        "$defs": {
            f"D{i}": strict_object({"next": {"$ref": f"#/$defs/D{i + 1}"}}) for i in range(100)
        }
        | {"D100": {"type": "null"}},
        "$ref": "#/$defs/D0",
    },
]


def test_hostile_schemas_end_in_a_value_or_an_error() -> None:
    assert_synthesis_ends(HOSTILE, cpu_seconds=30)
