"""TemplateLimits: configurable, enforced by every bounded engine, reported with a position."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pipes._errors import MissingVariablesError, TemplateError, UnsafeTemplateError
from pipes._prompts import PromptTemplate, TemplateLimits, set_template_limits, template_limits
from pipes._prompts._formatting import compile_template
from pipes._prompts._limits import Budget, LimitExceeded, current_limits, text_size


def render(template: str, fmt: str, **values: Any) -> str:
    return compile_template(template, fmt).render(values)


def test_defaults_are_documented_values() -> None:
    limits = TemplateLimits()
    assert (limits.max_output_length, limits.max_operations, limits.max_depth) == (
        2_000_000,
        100_000,
        32,
    )
    assert limits.max_cpu_seconds == 0.5


@pytest.mark.parametrize(
    "changes",
    [
        {"max_output_length": 0},
        {"max_operations": -1},
        {"max_depth": 1.5},
        {"max_cpu_seconds": 0},
        {"max_cpu_seconds": "1"},
    ],
)
def test_invalid_limits_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="TemplateLimits"):
        TemplateLimits(**changes)


def test_template_limits_is_scoped_to_the_block() -> None:
    before = current_limits()
    with template_limits(max_output_length=10):
        assert current_limits().max_output_length == 10
        with template_limits(TemplateLimits(max_depth=3)):
            assert current_limits() == TemplateLimits(max_depth=3)
        assert current_limits().max_output_length == 10
    assert current_limits() == before


def test_template_limits_do_not_leak_into_other_threads() -> None:
    seen: list[int] = []
    with template_limits(max_output_length=10):
        thread = threading.Thread(target=lambda: seen.append(current_limits().max_output_length))
        thread.start()
        thread.join()
    assert seen == [TemplateLimits().max_output_length]


def test_set_template_limits_changes_the_process_default() -> None:
    previous = set_template_limits(TemplateLimits(max_output_length=5))
    try:
        with pytest.raises(UnsafeTemplateError, match="max_output_length=5"):
            render("{{ x }}", "jinja2", x="123456")
    finally:
        assert set_template_limits(previous) == TemplateLimits(max_output_length=5)
    assert render("{{ x }}", "jinja2", x="123456") == "123456"
    with pytest.raises(TypeError, match="TemplateLimits"):
        set_template_limits({"max_depth": 3})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fmt", "template", "values", "changes", "match"),
    [
        ("jinja2", "{{ x }}", {"x": "a" * 11}, {"max_output_length": 10}, "max_output_length"),
        ("jinja2", "a\n{{ x * 3 }}", {"x": "abcd"}, {"max_output_length": 10}, "line 2"),
        (
            "jinja2",
            "\n\n{% for i in l %}{% endfor %}",
            {"l": list(range(500))},
            {"max_operations": 200},
            "line 3",
        ),
        (
            "jinja2",
            "{% macro m(n) %}{{ m(n - 1) if n else '' }}{% endmacro %}\n{{ m(5) }}",
            {},
            {"max_depth": 4},
            "max_depth=4",
        ),
        ("mustache", "{{x}}", {"x": "a" * 11}, {"max_output_length": 10}, "line 1, column 1"),
        (
            "mustache",
            "a\n {{#l}}{{/l}}",
            {"l": list(range(500))},
            {"max_operations": 200},
            "line 2, column 2",
        ),
        (
            "mustache",
            "{{#a}}{{#a}}\n{{#a}}x{{/a}}{{/a}}{{/a}}",
            {"a": [1]},
            {"max_depth": 2},
            "line 2, column 1",
        ),
    ],
)
def test_each_limit_stops_a_render_and_names_where(
    fmt: str, template: str, values: dict[str, Any], changes: dict[str, Any], match: str
) -> None:
    compiled = compile_template(template, fmt)
    with template_limits(**changes), pytest.raises(UnsafeTemplateError, match=match) as info:
        compiled.render(values)
    assert isinstance(info.value.__cause__, LimitExceeded)
    assert "template_limits" in str(info.value)  # how to raise the limit
    compiled.render(values)  # the default limits allow it


def test_raised_limits_allow_big_trusted_renders() -> None:
    rows = ["row"] * 600_000
    prompt = PromptTemplate.from_template("{{ rows | join(',') }}", template_format="jinja2")
    with pytest.raises(UnsafeTemplateError):
        prompt.format(rows=rows)
    with template_limits(max_output_length=3_000_000, max_operations=1_000_000):
        assert len(prompt.format(rows=rows)) == 4 * 600_000 - 1


def test_budget_counts_operations_and_depth() -> None:
    budget = Budget(TemplateLimits(max_operations=300, max_depth=2))
    for _ in range(300):
        budget.charge()
    with pytest.raises(LimitExceeded, match="max_operations=300"):
        budget.charge()
    budget.enter()
    budget.enter()
    with pytest.raises(LimitExceeded, match="max_depth=2"):
        budget.enter()
    budget.leave()
    budget.enter()  # leaving made room again
    with pytest.raises(LimitExceeded, match="max_output_length"):
        Budget(TemplateLimits(max_output_length=5)).charge_size(6)


def test_text_size_is_a_lower_bound_that_stops_early() -> None:
    value: list[Any] = ["abc", {"k": "vvvv"}, (1, 2)]
    assert text_size(value, 10**6) <= len(str(value))
    assert text_size("x" * 50, 10) == 50
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert text_size(cyclic, 1000) > 1000  # a self-reference does not loop forever


class Recorder:
    """Every way of reading it records that it ran."""

    ran: list[str]

    def __init__(self) -> None:
        object.__setattr__(self, "ran", [])

    @property
    def secret(self) -> str:
        self.ran.append("property")
        return "SECRET"

    def __getattr__(self, name: str) -> str:
        self.ran.append(f"__getattr__({name})")
        return "SECRET"

    def __getitem__(self, key: Any) -> str:
        self.ran.append(f"__getitem__({key})")
        return "SECRET"


@pytest.mark.parametrize(
    "template",
    [
        "{{ p.secret }}",
        "{{ p.other }}",
        "{{ p._private }}",
        "{{ p.__class__ }}",
        "{{ p['secret'] }}",
        "{{ p[0] }}",
        "{{ p | attr('secret') }}",
        "{{ p | attr('other') }}",
        "{{ [p] | map(attribute='secret') | join }}",
        "{{ [p] | sort(attribute='secret') | length }}",
        "{{ p.secret is defined }}",
    ],
)
def test_refused_names_are_never_evaluated(template: str) -> None:
    p = Recorder()
    with pytest.raises(UnsafeTemplateError) as info:
        render(template, "jinja2", p=p)
    assert p.ran == []
    assert "SECRET" not in str(info.value)


def test_loop_and_dict_access_still_work() -> None:
    out = render(
        "{% for k, v in d.items() %}{{ loop.index }}{{ k }}{{ v.x }}{{ l[loop.index0] }}"
        "{% endfor %}{{ d.get('a').x }}{{ s.upper() }}{{ l[1:] | join }}",
        "jinja2",
        d={"a": {"x": 1}, "b": {"x": 2}},
        l=["p", "q"],
        s="z",
    )
    assert out == "1a1p2b2q1Zq"


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("{{ x | nosuch }}", "filter 'nosuch'"),
        ("{% if x %}{{ x | nosuch(1) }}{% endif %}", "filter 'nosuch'"),
        ("{% filter nosuch %}x{% endfilter %}", "filter 'nosuch'"),
        ("{{ x is nosuch }}", "test 'nosuch'"),
        ("{% if false %}\n{{ [x] | select('nosuch') | list }}{% endif %}", ""),
    ],
)
def test_unknown_filters_and_tests_fail_at_construction(template: str, name: str) -> None:
    if not name:  # names inside select()/map() arguments are data, checked when reached
        with pytest.raises(TemplateError, match="No test named"):
            render(template.replace("false", "true"), "jinja2", x=1)
        return
    with pytest.raises(TemplateError, match=f"Unknown jinja2 {name} on line 1"):
        compile_template(template, "jinja2")


class Unprintable:
    def __str__(self) -> str:
        raise OverflowError("no text for you")

    def __format__(self, spec: str) -> str:
        raise OverflowError("no text for you")


@pytest.mark.parametrize(
    ("fmt", "template", "values", "where"),
    [
        ("f-string", "{x}", {"x": Unprintable()}, "line 1, column 1"),
        ("f-string", "a\n{y} {x:>3}", {"x": Unprintable(), "y": 1}, "line 2, column 5"),
        ("f-string", "{x:.2f}", {"x": "text"}, "line 1, column 1"),
        ("f-string", "{x}", {"x": 10**5000}, "line 1, column 1"),
        ("mustache", "\n  {{x}}", {"x": Unprintable()}, "line 2, column 3"),
        ("mustache", "{{x}}", {"x": 10**5000}, "line 1, column 1"),
        ("jinja2", "\n{{ x }}", {"x": Unprintable()}, "line 2"),
        ("jinja2", "{{ 1 // x }}", {"x": 0}, "line 1"),
        ("jinja2", "{{ x.y.z }}", {"x": {}}, "line 1"),
        ("jinja2", "{{ (x | int) + [] }}", {"x": 1}, "line 1"),
        ("jinja2", "{{ 10.0 ** 1000 }}", {}, "line 1"),
        ("jinja2", "{{ x | round(x) }}", {"x": 1e308}, "line 1"),
    ],
)
def test_every_render_failure_is_a_positioned_template_error(
    fmt: str, template: str, values: dict[str, Any], where: str
) -> None:
    with pytest.raises(TemplateError, match=where) as info:
        render(template, fmt, **values)
    assert not isinstance(info.value, MissingVariablesError)
    assert info.value.__cause__ is not None  # the original exception is kept


@pytest.mark.parametrize(
    ("fmt", "template", "where"),
    [
        ("f-string", "ok\n  }", "line 2, column 3"),
        ("f-string", "a {b.c}", "line 1, column 3"),
        ("mustache", "x\n ab {{#s}}", "line 2, column 5"),
        ("mustache", "{{a b}}", "line 1, column 1"),
        ("jinja2", "a\n{% for %}", "line 2"),
    ],
)
def test_construction_errors_are_positioned(fmt: str, template: str, where: str) -> None:
    with pytest.raises(TemplateError, match=where):
        compile_template(template, fmt)


@pytest.mark.parametrize(
    ("template", "values"),
    [
        (
            "{% for x in l %}{{ loop.length }}{{ loop.revindex }}{{ loop.last }}"
            "{{ loop.previtem is defined }}{% endfor %}",
            {"l": [1, 2, 3]},
        ),
        ("{% for x in l if x > 1 %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}", {"l": [1]}),
        (
            "{% for x in l recursive %}[{{ x.n }}{{ loop.depth }}"
            "{% if x.c %}{{ loop(x.c) }}{% endif %}]{% endfor %}",
            {"l": [{"n": 1, "c": [{"n": 2, "c": []}]}]},
        ),
        ("{% macro m(a) %}<{{ a }}{{ caller() }}>{% endmacro %}{% call m(1) %}c{% endcall %}", {}),
        ("{% set x %}abc{% endset %}{{ x | upper }}{% filter lower %}XY{% endfilter %}", {}),
        (
            "{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}{{ d | tojson }}",
            {"d": {"b": 1}},
        ),
        ("{{ 'a' ~ 1 ~ none }}{{ [1, 2] + [3] }}{{ 'x' * 3 }}{{ '%s=%d' % ('k', 2) }}", {}),
    ],
)
def test_charged_constructs_render_like_jinja2(template: str, values: dict[str, Any]) -> None:
    import jinja2

    reference = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template)
    assert render(template, "jinja2", **values) == reference.render(values)


class Ambiguous:
    def __bool__(self) -> bool:
        raise ValueError("truth value is ambiguous")


def test_mustache_section_on_a_value_without_truth_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="line 1, column 3") as info:
        render("a {{#x}}y{{/x}}", "mustache", x=Ambiguous())
    assert isinstance(info.value.__cause__, ValueError)


def test_mustache_depth_beyond_python_recursion_is_a_template_error() -> None:
    template = "{{#a}}" * 3000 + "{{/a}}" * 3000
    with (
        template_limits(max_depth=10**6, max_operations=10**6),
        pytest.raises(UnsafeTemplateError, match="recursion"),
    ):
        render(template, "mustache", a=[1])


async def test_limits_follow_the_call_into_async_and_batch_paths() -> None:
    prompt = PromptTemplate.from_template("{{ x }}", template_format="jinja2")
    with template_limits(max_output_length=5):
        with pytest.raises(UnsafeTemplateError, match="max_output_length=5"):
            await prompt.ainvoke({"x": "123456"})
        with pytest.raises(UnsafeTemplateError, match="max_output_length=5"):
            prompt.batch([{"x": "123456"}, {"x": "1"}])
    assert (await prompt.ainvoke({"x": "123456"})).to_string() == "123456"
