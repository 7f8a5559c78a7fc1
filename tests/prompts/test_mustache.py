"""The mustache engine: spec features used in prompts, and dict/list-only traversal."""

from __future__ import annotations

from typing import Any

import pytest

from pipes._errors import MissingVariablesError, TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import compile_template
from pipes._prompts._mustache import MustacheTemplate


def render(template: str, **values: Any) -> str:
    return compile_template(template, "mustache").render(values)


def test_variables_and_no_html_escaping_by_default() -> None:
    assert render("Hi {{name}} & {{ other }}", name="<b>Ada</b>", other='"x"') == (
        'Hi <b>Ada</b> & "x"'
    )


def test_html_escaping_can_be_enabled() -> None:
    t = MustacheTemplate("{{x}} {{{x}}} {{& x}}", escape=True)
    assert t.render({"x": "<a & b>"}) == "&lt;a &amp; b&gt; <a & b> <a & b>"


def test_unescaped_forms() -> None:
    assert render("{{{x}}}|{{&x}}|{{& x }}", x="<>") == "<>|<>|<>"


def test_dotted_names_and_list_index() -> None:
    assert render("{{user.name}} {{items.1}}", user={"name": "Ada"}, items=["a", "b"]) == "Ada b"


def test_sections_over_lists_dicts_and_truthy_values() -> None:
    t = "{{#items}}[{{name}}]{{/items}}{{#user}}<{{name}}>{{/user}}{{#flag}}yes{{/flag}}"
    assert render(t, items=[{"name": "a"}, {"name": "b"}], user={"name": "u"}, flag=True) == (
        "[a][b]<u>yes"
    )


def test_current_item_and_outer_scope() -> None:
    assert render("{{#xs}}{{.}}{{sep}}{{/xs}}", xs=[1, 2], sep=",") == "1,2,"


def test_inverted_sections_and_falsy_values() -> None:
    t = "{{^items}}none{{/items}}{{#empty}}X{{/empty}}{{#zero}}Z{{/zero}}"
    assert render(t, items=[], empty="", zero=0) == "none"


def test_comments_and_standalone_lines_are_removed() -> None:
    t = "Items:\n{{! a comment }}\n{{#items}}\n- {{.}}\n{{/items}}\nend"
    assert render(t, items=["a", "b"]) == "Items:\n- a\n- b\nend"


def test_top_level_variables_only() -> None:
    t = compile_template(
        "{{a}} {{b.c}} {{#items}}{{inner}}{{/items}} {{^d}}{{/d}} {{.}}", "mustache"
    )
    assert t.variables == ("a", "b", "items", "d")


def test_missing_top_level_variable_raises() -> None:
    with pytest.raises(MissingVariablesError) as info:
        render("{{a}} {{b}}", a=1)
    assert info.value.missing == ["b"]


def test_missing_nested_key_renders_empty() -> None:
    assert render("[{{user.name}}]", user={}) == "[]"


class Secretive:
    password = "SECRET"

    def __init__(self) -> None:
        self.name = "obj"

    def __getitem__(self, key: str) -> str:
        return "SECRET_GETITEM"


def test_never_reads_object_attributes() -> None:
    out = render(
        "[{{obj.name}}][{{obj.password}}][{{obj.__class__}}][{{obj.__init__.__globals__}}]"
        "[{{s.upper}}][{{d.items}}]",
        obj=Secretive(),
        s="text",
        d={"a": 1},
    )
    assert out == "[][][][][][]"


def test_never_calls_callables() -> None:
    calls: list[str] = []

    def fn(*args: Any) -> str:
        calls.append("called")
        return "CALLED"

    out = render("{{#fn}}inside{{/fn}}", fn=fn)
    assert calls == []
    assert "CALLED" not in out


def test_never_uses_custom_getitem_of_objects() -> None:
    assert render("[{{obj.anything}}]", obj=Secretive()) == "[]"


def test_section_on_object_does_not_expose_attributes() -> None:
    assert render("{{#obj}}[{{name}}][{{password}}]{{/obj}}", obj=Secretive()) == "[][]"


@pytest.mark.parametrize(
    ("template", "error", "match"),
    [
        ("{{> other}}", UnsafeTemplateError, "partials"),
        ("{{=<% %>=}}", TemplateError, "delimiters"),
        ("{{#a}}x", TemplateError, "never closed"),
        ("x{{/a}}", TemplateError, "never opened"),
        ("{{#a}}{{/b}}", TemplateError, "does not match"),
        ("{{a", TemplateError, "Unclosed"),
        ("{{a b}}", TemplateError, "Invalid mustache tag name"),
        ("{{#.}}{{/.}}", TemplateError, "cannot be opened"),
    ],
)
def test_malformed_or_unsupported_templates(
    template: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        compile_template(template, "mustache")


def test_nested_sections_cannot_render_unbounded_output() -> None:
    # 1,000 ** 3 items of 100 characters = 100 GB if it were allowed.
    template = "{{#l}}{{#l}}{{#l}}{{big}}{{/l}}{{/l}}{{/l}}"
    with pytest.raises(UnsafeTemplateError, match="more than"):
        render(template, l=list(range(1000)), big="x" * 100)
