"""The f-string engine: rendering, literal braces and the CVE-2025-65106 attack classes."""

from __future__ import annotations

import pytest

from pipes._errors import MissingVariablesError, TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import compile_template, get_template_variables
from pipes._prompts._fstring import FStringTemplate


class User:
    def __init__(self) -> None:
        self.name = "Alice"
        self.password = "SECRET_LEAKED_VIA_ATTRIBUTE"

    def __str__(self) -> str:
        return f"User({self.name})"


def test_renders_fields_in_order_of_first_appearance() -> None:
    t = compile_template("{b} then {a} then {b}")
    assert t.variables == ("b", "a")
    assert t.render({"a": 1, "b": "x"}) == "x then 1 then x"


def test_get_template_variables_is_sorted() -> None:
    assert get_template_variables("{zeta} {alpha} {zeta}") == ["alpha", "zeta"]


def test_literal_braces_are_doubled() -> None:
    t = compile_template('JSON: {{"answer": {value}}}')
    assert t.variables == ("value",)
    assert t.render({"value": 42}) == 'JSON: {"answer": 42}'


def test_static_template_renders_constant() -> None:
    t = compile_template("no fields {{here}}")
    assert t.variables == ()
    assert t.render({}) == "no fields {here}"


def test_non_string_values_use_format() -> None:
    t = compile_template("{n} {u} {none}")
    assert t.render({"n": 3, "u": User(), "none": None}) == "3 User(Alice) None"


def test_extra_variables_are_allowed() -> None:
    assert compile_template("{a}").render({"a": "1", "unused": "2"}) == "1"


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (".2f", 3.14159, "3.14"),
        (">5", "ab", "   ab"),
        (",", 1234567, "1,234,567"),
        ("03d", 7, "007"),
    ],
)
def test_plain_format_specs_are_allowed(spec: str, value: object, expected: str) -> None:
    assert compile_template(f"{{x:{spec}}}").render({"x": value}) == expected


def test_format_spec_not_fitting_value_is_a_template_error() -> None:
    t = compile_template("{x:.2f}")
    with pytest.raises(TemplateError, match="format spec fits the type"):
        t.render({"x": "text"})


@pytest.mark.parametrize(
    "template",
    [
        "{user.password}",
        "{user.__class__}",
        "{user.__init__.__globals__}",
        "{user[0]}",
        "{user[password]}",
        "{0.__class__.__bases__[0].__subclasses__}",
    ],
)
def test_attribute_and_index_access_rejected(template: str) -> None:
    with pytest.raises(UnsafeTemplateError, match="attribute access and indexing"):
        compile_template(template)


@pytest.mark.parametrize("template", ["{user!r}", "{user!s}", "{user!a}"])
def test_conversions_rejected(template: str) -> None:
    with pytest.raises(UnsafeTemplateError, match="conversions"):
        compile_template(template)


@pytest.mark.parametrize(
    "template",
    ["{x:{user.password}}", "{x:{y}}", "{x:>{width}}", "{x:{user.__class__.__name__}>10}"],
)
def test_nested_format_spec_rejected(template: str) -> None:
    # str.format evaluates fields nested in a spec, so "{x:{user.password}}" would read the
    # attribute even though the top-level field name "x" looks harmless.
    with pytest.raises(UnsafeTemplateError, match="nested inside a format spec"):
        compile_template(template)


@pytest.mark.parametrize("template", ["{x:>100000}", "{x:.5000f}", "{x:%Y-%m-%d}"])
def test_unbounded_or_unknown_format_spec_rejected(template: str) -> None:
    with pytest.raises(UnsafeTemplateError, match="format spec"):
        compile_template(template)


@pytest.mark.parametrize("template", ["{}", "{0}", "{12}"])
def test_positional_fields_rejected(template: str) -> None:
    with pytest.raises(TemplateError, match="positional fields"):
        compile_template(template)


@pytest.mark.parametrize("template", ['{"answer": 42}', "{ name }", "{na-me}"])
def test_non_identifier_fields_rejected_with_brace_hint(template: str) -> None:
    with pytest.raises(TemplateError, match=r"double it: \{\{ or \}\}"):
        compile_template(template)


@pytest.mark.parametrize("template", ["a } b", "a { b", "trailing {", "}"])
def test_stray_brace_error_says_how_to_write_literal_braces(template: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_template(template)
    assert "{{" in str(info.value)
    assert "}}" in str(info.value)
    assert not isinstance(info.value, UnsafeTemplateError)


def test_attack_never_reaches_the_secret() -> None:
    for template in ("{u.password}", "{u:{u.password}}", "{u!r}"):
        with pytest.raises(UnsafeTemplateError) as info:
            FStringTemplate(template).render({"u": User()})
        assert "SECRET" not in str(info.value)


def test_missing_variables_error_lists_missing_expected_supplied() -> None:
    t = compile_template("{a} {b} {c}")
    with pytest.raises(MissingVariablesError) as info:
        t.render({"a": 1, "extra": 2})
    err = info.value
    assert err.missing == ["b", "c"]
    assert err.expected == ["a", "b", "c"]
    assert err.supplied == ["a", "extra"]
    assert "['b', 'c']" in str(err)
    assert "['a', 'extra']" in str(err)
    assert isinstance(err, KeyError)


def test_missing_variable_message_never_contains_values() -> None:
    with pytest.raises(MissingVariablesError) as info:
        compile_template("{a} {b}").render({"a": "hunter2"})
    assert "hunter2" not in str(info.value)


def test_compile_is_cached_and_immutable() -> None:
    assert compile_template("{x}") is compile_template("{x}")
    t = compile_template("{x}")
    with pytest.raises(AttributeError):
        t.source = "{x.__class__}"  # type: ignore[misc]


def test_unknown_format_and_non_string_template() -> None:
    with pytest.raises(TemplateError, match="Unknown template_format"):
        compile_template("{x}", "python")
    with pytest.raises(TemplateError, match="must be a str"):
        compile_template(b"{x}")  # type: ignore[arg-type]
