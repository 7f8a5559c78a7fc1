"""PromptTemplate: construction forms, formats, partials, +, bare input, schema."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from pipes._errors import InputTypeError, MissingVariablesError, TemplateError
from pipes._messages import HumanMessage, StringPromptValue
from pipes._prompts import PromptTemplate


def test_from_template_infers_sorted_variables() -> None:
    prompt = PromptTemplate.from_template("Tell me a {adjective} joke about {content}.")
    assert prompt.input_variables == ["adjective", "content"]
    assert prompt.template == "Tell me a {adjective} joke about {content}."
    assert prompt.template_format == "f-string"


def test_constructor_forms() -> None:
    assert PromptTemplate("Say {foo}").input_variables == ["foo"]
    assert PromptTemplate(template="Say {foo}", input_variables=["foo"]).format(foo="x") == (
        "Say x"
    )
    with pytest.raises(TemplateError, match="do not match"):
        PromptTemplate(template="Say {foo}", input_variables=["bar"])


def test_format_and_invoke() -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")
    assert prompt.format(topic="bears") == "Tell me about bears"
    value = prompt.invoke({"topic": "bears"})
    assert value == StringPromptValue("Tell me about bears")
    assert value.to_string() == "Tell me about bears"
    assert value.to_messages() == [HumanMessage("Tell me about bears")]
    assert prompt.format_prompt(topic="x").text == "Tell me about x"


def test_single_variable_accepts_bare_value() -> None:
    prompt = PromptTemplate.from_template("Tell me about {topic}")
    assert prompt.invoke("bears").text == "Tell me about bears"  # type: ignore[arg-type]


def test_several_variables_reject_bare_value() -> None:
    prompt = PromptTemplate.from_template("{a} {b}")
    with pytest.raises(InputTypeError, match=r"expects a dict of its variables \['a', 'b'\]"):
        prompt.invoke("x")  # type: ignore[arg-type]


def test_extra_variables_are_allowed() -> None:
    prompt = PromptTemplate.from_template("{a}")
    assert prompt.invoke({"a": 1, "b": 2}).text == "1"


def test_missing_variables_error() -> None:
    prompt = PromptTemplate.from_template("{a} {b} {c}").partial(c="C")
    with pytest.raises(MissingVariablesError) as info:
        prompt.invoke({"a": 1, "zzz": 2})
    assert info.value.missing == ["b"]
    assert info.value.expected == ["a", "b"]
    assert info.value.supplied == ["a", "zzz"]
    assert "Missing variables ['b']" in str(info.value)


@pytest.mark.parametrize(
    ("template", "fmt", "values", "expected"),
    [
        ("Hi {name}", "f-string", {"name": "Ada"}, "Hi Ada"),
        ("Hi {{ name | upper }}", "jinja2", {"name": "Ada"}, "Hi ADA"),
        ("Hi {{name}}{{#x}}!{{/x}}", "mustache", {"name": "Ada", "x": True}, "Hi Ada!"),
    ],
)
def test_every_template_format(
    template: str, fmt: Any, values: dict[str, Any], expected: str
) -> None:
    prompt = PromptTemplate.from_template(template, template_format=fmt)
    assert prompt.input_variables == sorted(values)
    assert prompt.invoke(values).text == expected


def test_partial_with_values_and_callables() -> None:
    calls: list[int] = []

    def today() -> str:
        calls.append(1)
        return datetime.date(2024, 1, 2).isoformat()

    prompt = PromptTemplate.from_template("{greeting} on {date}: {text}")
    partial = prompt.partial(greeting="Hello", date=today)
    assert partial.input_variables == ["text"]
    assert calls == []  # callables run at format time, not at partial time
    assert partial.format(text="hi") == "Hello on 2024-01-02: hi"
    assert partial.invoke("hi").text == "Hello on 2024-01-02: hi"  # type: ignore[arg-type]
    assert len(calls) == 2
    # The input still overrides a partial.
    assert partial.invoke({"text": "x", "greeting": "Bye"}).text.startswith("Bye")
    # The original is unchanged.
    assert prompt.input_variables == ["date", "greeting", "text"]


def test_partial_variables_at_construction() -> None:
    prompt = PromptTemplate.from_template("{a}{b}", partial_variables={"b": "B"})
    assert prompt.input_variables == ["a"]
    assert prompt.format(a="A") == "AB"


def test_add_prompts_and_strings() -> None:
    a = PromptTemplate.from_template("Tell me about {topic}", partial_variables={"x": 1})
    b = PromptTemplate.from_template(" in {style} style")
    combined = a + b
    assert combined.template == "Tell me about {topic} in {style} style"
    assert combined.input_variables == ["style", "topic"]
    assert (a + "!").format(topic="t") == "Tell me about t!"
    with pytest.raises(TemplateError, match="same template_format"):
        a + PromptTemplate.from_template("{{x}}", template_format="mustache")
    with pytest.raises(TemplateError, match="different values"):
        a + PromptTemplate.from_template("{y}", partial_variables={"x": 2})


def test_repr_and_equality() -> None:
    assert PromptTemplate.from_template("{a}") == PromptTemplate.from_template("{a}")
    assert "input_variables=['a']" in repr(PromptTemplate.from_template("{a}"))


def test_input_schema() -> None:
    schema = PromptTemplate.from_template("{a} {b}").partial(b="x").get_input_schema()
    assert schema["properties"] == {"a": {"title": "A", "type": "string"}}
    assert schema["required"] == ["a"]
    mustache = PromptTemplate.from_template("{{#items}}{{.}}{{/items}}", template_format="mustache")
    assert mustache.get_input_schema()["properties"]["items"] == {"title": "Items"}


def test_run_type_and_name() -> None:
    prompt = PromptTemplate("{a}", name="my_prompt")
    assert prompt.get_name() == "my_prompt"
    assert prompt.run_type == "prompt"
