"""The jinja2 engine: useful features work, SSTI payloads never leak."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from pipes._errors import MissingVariablesError, TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import compile_template


def render(template: str, **values: Any) -> str:
    return compile_template(template, "jinja2").render(values)


def test_variables_filters_loops_conditionals() -> None:
    t = (
        "{% for d in docs %}{{ loop.index }}. {{ d.title | upper }}\n{% endfor %}"
        "{% if note is defined %}{{ note }}{% endif %}{{ missing | default('-') }}"
    )
    compiled = compile_template(t, "jinja2")
    assert compiled.variables == ("docs", "missing", "note")
    out = compiled.render({"docs": [{"title": "a"}, {"title": "b"}], "note": "!", "missing": None})
    assert out == "1. A\n2. B\n!None"


def test_no_html_autoescape() -> None:
    assert render("{{ x }}", x="<b>&</b>") == "<b>&</b>"


def test_dict_items_and_safe_str_methods() -> None:
    out = render(
        "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ s.strip().upper() }}",
        d={"a": 1, "b": 2},
        s=" x ",
    )
    assert out == "a=1;b=2;X"


def test_dict_key_wins_over_method_name() -> None:
    assert render("{{ d.items }}", d={"items": "the key"}) == "the key"


def test_missing_variable_is_an_error_not_empty() -> None:
    with pytest.raises(MissingVariablesError) as info:
        render("{{ a }} {{ b }}", a=1)
    assert info.value.missing == ["b"]


def test_undefined_nested_value_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="undefined"):
        render("{{ d.nope }}", d={})


def test_syntax_error() -> None:
    with pytest.raises(TemplateError, match="Invalid jinja2 template"):
        compile_template("{% for %}", "jinja2")


class User:
    def __init__(self) -> None:
        self.password = "SECRET_ATTR"


SECRET_ENV = "PIPES_TEST_SECRET_ENV_VALUE"


@pytest.fixture(autouse=True)
def _secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPES_TEST_SECRET", SECRET_ENV)


SSTI_PAYLOADS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ self }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ joiner.__init__.__globals__.os.environ }}",
    "{{ namespace.__init__.__globals__.os.environ }}",
    "{{ lipsum.__globals__['os'].environ }}",
    "{{ range.__self__ }}",
    "{{ config }}",
    "{{ config.__class__.__init__.__globals__['os'].environ }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').environ }}",
    "{% include '/etc/passwd' %}",
    "{% import '/etc/passwd' as p %}",
    "{% from '/etc/passwd' import x %}",
    "{% extends '/etc/passwd' %}",
    "{{ x.__class__ }}",
    "{{ x | attr('__class__') }}",
    "{{ x | attr('__init__') | attr('__globals__') }}",
    "{{ '{0.__class__}'.format(x) }}",
    "{{ '%s' | format(x.__class__) }}",
    "{{ user.password }}",
    "{{ user | attr('password') }}",
    "{{ [user] | map(attribute='password') | list }}",
    "{{ x.real }}",
    "{{ 'a' * 10000000000 }}",
    "{{ [1] * 10000000000 }}",
    "{{ 9 ** 9 ** 9 }}",
    "{% set l = [] %}{{ l.append(1) }}",
    "{{ d.update({'a': 1}) }}",
    "{{ d.pop('k') }}",
]


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_ssti_payloads_fail_without_leaking(payload: str) -> None:
    values = {"x": 1, "user": User(), "d": {"k": "v"}}
    try:
        compiled = compile_template(payload, "jinja2")
        out = compiled.render(values)
    except (TemplateError, MissingVariablesError) as exc:
        message = str(exc)
        assert SECRET_ENV not in message
        assert "SECRET_ATTR" not in message
        return
    # Rendering without an error is acceptable only if nothing leaked.
    assert SECRET_ENV not in out
    assert "SECRET_ATTR" not in out
    assert "class" not in out, out
    assert "function" not in out, out


@pytest.mark.parametrize(
    "payload",
    [
        "{{ self }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x' as y %}",
        "{% extends 'x' %}",
        "{% from 'x' import y %}",
    ],
)
def test_loading_and_self_rejected_at_construction(payload: str) -> None:
    with pytest.raises(UnsafeTemplateError):
        compile_template(payload, "jinja2")


@pytest.mark.parametrize(
    ("payload", "values"),
    [
        ("{{ ''.__class__ }}", {}),
        ("{{ user.password }}", {"user": User()}),
        ("{{ x | attr('__class__') }}", {"x": 1}),
        ("{{ 'a' * 10000000000 }}", {}),
        ("{{ 2 ** 100000 }}", {}),
        ("{% set l = [] %}{{ l.append(1) }}", {}),
    ],
)
def test_sandbox_violations_raise_unsafe_template_error(
    payload: str, values: dict[str, Any]
) -> None:
    with pytest.raises(UnsafeTemplateError):
        render(payload, **values)


def test_globals_become_required_inputs() -> None:
    compiled = compile_template("{{ cycler }}{{ range }}{{ lipsum }}{{ namespace }}", "jinja2")
    assert compiled.variables == ("cycler", "lipsum", "namespace", "range")
    with pytest.raises(MissingVariablesError):
        compiled.render({})


def test_jinja2_is_imported_lazily() -> None:
    code = (
        "import sys, pipes, pipes._prompts as p\n"
        "p.compile_template('{x}').render({'x': 1})\n"
        "p.compile_template('{{x}}', 'mustache').render({'x': 1})\n"
        "assert 'jinja2' not in sys.modules, 'jinja2 imported eagerly'\n"
        "p.compile_template('{{ x }}', 'jinja2')\n"
        "assert 'jinja2' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ('x' * 100000) | replace('x', 'x' * 100000) }}",
        "{{ (['x'] * 100000) | join('y' * 1000) }}",
        "{{ 'x' | center(10 ** 9) }}",
        "{{ ('x\\n' * 1000) | indent(10 ** 6) }}",
        "{{ '%999999999s' | format(1) }}",
        "{{ '%*s' | format(999999999, 1) }}",
        "{{ '%999999999s' % 1 }}",
        "{{ '%(a)999999999s' % {'a': 1} }}",
        "{{ (10 ** 1000) ** 1000 }}",
        "{{ s.replace('a', 'b') }}",
        "{{ ', '.join(items) }}",
    ],
)
def test_size_amplification_is_refused(payload: str) -> None:
    with pytest.raises(UnsafeTemplateError):
        render(payload, s="a", items=["a"])


def test_rendered_output_is_bounded() -> None:
    # 3,000 x 3,000 iterations of 1,000 characters: 9 GB of output, stopped at the cap.
    template = "{% for a in l %}{% for b in l %}{{ big }}{% endfor %}{% endfor %}"
    with pytest.raises(UnsafeTemplateError, match="more than"):
        render(template, l=list(range(3000)), big="x" * 1000)


def test_capped_filters_still_work() -> None:
    out = render(
        "{{ l | join(', ') }}|{{ 'a-b' | replace('-', '+') }}|{{ '%5.2f' | format(3.14159) }}"
        "|{{ '%s!' % 'x' }}|{{ 2 ** 10 }}|{{ 'ab' | center(6) }}|{{ 'a\\nb' | indent(2) }}",
        l=["a", "b"],
    )
    assert out == "a, b|a+b| 3.14|x!|1024|  ab  |a\n  b"


def test_render_type_errors_become_template_errors() -> None:
    with pytest.raises(TemplateError, match="failed to render"):
        render("{{ 1 | join(',') }}")
