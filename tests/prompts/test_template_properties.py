"""Property-based tests of the three template formats (hypothesis, seeded and bounded).

* Random *valid* templates render under the default limits exactly as a reference does:
  ``str.format`` for f-strings, an unsandboxed jinja2 ``Environment`` for jinja2, and a
  reference renderer built alongside each generated mustache template. The limits and the
  sandbox hooks therefore change nothing for benign templates.
* Random *garbage* templates either render or raise the typed errors (``TemplateError`` or
  ``MissingVariablesError``), never a bare ``ValueError``, ``KeyError``, ``RecursionError`` or
  a raw jinja2 exception.
"""

from __future__ import annotations

from typing import Any

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes._errors import MissingVariablesError, TemplateError
from pipes._prompts import template_limits
from pipes._prompts._formatting import compile_template

VALID = settings(derandomize=True, max_examples=150, deadline=None)
GARBAGE = settings(derandomize=True, max_examples=300, deadline=None)

TEXT = st.text(alphabet="ab xyz.,-!?\t\n", max_size=8)
INLINE_TEXT = st.text(alphabet="ab xyz.,-!?", max_size=8)  # no newline: no standalone lines

# -- f-string --------------------------------------------------------------------------

FSTRING_VALUES: dict[str, Any] = {"name": "Ada", "n": 42, "price": 3.14159, "big": 12345678}
FSTRING_FIELDS = st.sampled_from(
    [
        "{name}",
        "{name:>8}",
        "{name:*^9}",
        "{n}",
        "{n:05d}",
        "{n:x}",
        "{price:.2f}",
        "{price:10.3e}",
        "{big:,}",
        "{big:_}",
        "{n:+}",
        "{{",
        "}}",
    ]
)


@VALID
@given(st.lists(st.one_of(TEXT, FSTRING_FIELDS), max_size=12))
def test_valid_fstrings_render_like_str_format(pieces: list[str]) -> None:
    template = "".join(pieces)
    assert compile_template(template, "f-string").render(FSTRING_VALUES) == template.format(
        **FSTRING_VALUES
    )


@GARBAGE
@given(
    st.lists(
        st.sampled_from(
            ["{", "}", "{{", "}}", "a", "n", ":", ">", "9", "!r", ".", "[0]", " ", "\n"]
        ),
        max_size=16,
    )
)
def test_garbage_fstrings_raise_only_typed_errors(pieces: list[str]) -> None:
    try:
        compile_template("".join(pieces), "f-string").render({"a": "x", "n": 7})
    except (TemplateError, MissingVariablesError):
        pass


# -- jinja2 ----------------------------------------------------------------------------

JINJA_VALUES: dict[str, Any] = {
    "name": "Ada",
    "n": 3,
    "flag": True,
    "none": None,
    "items": [{"t": "p", "k": 1}, {"t": "q", "k": 2}],
    "words": ["x", "y", "z"],
}
_reference = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)

JINJA_EXPRESSIONS = st.sampled_from(
    [
        "name",
        "name | upper",
        "name | lower | title",
        "name ~ '!' ~ n",
        "n * 2",
        "n + 1",
        "n ** 2",
        "'%s-%d' % (name, n)",
        "'ab' * n",
        "words | join(', ')",
        "words | length",
        "words[0]",
        "words[1:] | join",
        "items | map(attribute='t') | join('/')",
        "items | sum(attribute='k')",
        "(items | first).t",
        "name | center(9)",
        "name | replace('a', 'A')",
        "'%5.1f' | format(n)",
        "none is none",
        "flag and n > 2",
        "name if flag else 'no'",
        "n | string | length",
    ]
)


@st.composite
def jinja_templates(draw: st.DrawFn, depth: int = 0) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(["text", "expr", "for", "if"] if depth < 2 else ["text", "expr"])
        )
        if kind == "text":
            parts.append(draw(TEXT))
        elif kind == "expr":
            parts.append("{{ " + draw(JINJA_EXPRESSIONS) + " }}")
        elif kind == "for":
            body = draw(jinja_templates(depth + 1))
            parts.append("{% for it in items %}{{ loop.index }}:{{ it.t }}" + body + "{% endfor %}")
        else:
            body, other = draw(jinja_templates(depth + 1)), draw(jinja_templates(depth + 1))
            parts.append("{% if flag %}" + body + "{% else %}" + other + "{% endif %}")
    return "".join(parts)


@settings(derandomize=True, max_examples=60, deadline=None)  # jinja2 compiles slowly
@given(jinja_templates())
def test_valid_jinja2_renders_like_unsandboxed_jinja2(template: str) -> None:
    expected = _reference.from_string(template).render(JINJA_VALUES)
    assert compile_template(template, "jinja2").render(JINJA_VALUES) == expected


JINJA_TOKENS = [
    "{{", "}}", "{%", "%}", "{#", "#}", " ", "a", "b", "x", "for", "in", "if", "endif",
    "endfor", "set", "=", "macro", "endmacro", "m()", "(", ")", "[", "]", "|", "upper",
    "join", "attr", "*", "**", "~", "+", "%", "'", '"', "1", "9", ".", "_", "__class__",
    "loop", "loop(a)", "recursive", "\n", ",", "-", "range", "nosuch", "is", "defined",
]  # fmt: skip


@GARBAGE
@given(st.lists(st.sampled_from(JINJA_TOKENS), max_size=24))
def test_garbage_jinja2_raises_only_typed_errors(tokens: list[str]) -> None:
    values = {"a": "s" * 50, "b": [1, 2, 3], "x": {"y": 1}, "range": range}
    with template_limits(max_operations=5_000, max_output_length=50_000):
        try:
            compile_template("".join(tokens), "jinja2").render(values)
        except (TemplateError, MissingVariablesError):
            pass


# -- mustache --------------------------------------------------------------------------

MUSTACHE_VALUES: dict[str, Any] = {
    "name": "Ada",
    "n": 3,
    "flag": True,
    "empty": [],
    "items": [{"t": "p"}, {"t": "q"}, {"t": "r"}],
    "user": {"name": "Bob", "tags": ["x", "y"]},
}
# Top-level names must be supplied; inside a section a name may come from the item or be
# missing (it renders empty).
MUSTACHE_NAMES = ["name", "n", "user.name", "user.tags.1"]
MUSTACHE_NESTED_NAMES = [*MUSTACHE_NAMES, "missing", "t"]
# A tree node: a str, ("var", name, form) or ("section", name, inverted, children).
MustacheNode = Any


@st.composite
def mustache_trees(draw: st.DrawFn, depth: int = 0) -> list[MustacheNode]:
    nodes: list[MustacheNode] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "var", "section"] if depth < 3 else ["text", "var"]))
        if kind == "text":
            nodes.append(draw(INLINE_TEXT))
        elif kind == "var":
            form = draw(st.sampled_from(["{{%s}}", "{{{%s}}}", "{{& %s}}", "{{ %s }}"]))
            names = MUSTACHE_NESTED_NAMES if depth else MUSTACHE_NAMES
            nodes.append(("var", draw(st.sampled_from(names)), form))
        else:
            name, inverted = draw(
                st.sampled_from(
                    [("items", False), ("flag", False), ("empty", True), ("flag", True)]
                )
            )
            nodes.append(("section", name, inverted, draw(mustache_trees(depth + 1))))
    return nodes


def mustache_source(nodes: list[MustacheNode]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "var":
            out.append(node[2] % node[1])
        else:
            _, name, inverted, children = node
            tag = "^" if inverted else "#"
            out.append("{{" + tag + name + "}}" + mustache_source(children) + "{{/" + name + "}}")
    return "".join(out)


def mustache_reference(nodes: list[MustacheNode], scopes: list[Any]) -> str:
    """The mustache spec's semantics for the generated subset, written independently."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "var":
            path = node[1].split(".")
            value: Any = ""
            for scope in reversed(scopes):
                if isinstance(scope, dict) and path[0] in scope:
                    value = scope[path[0]]
                    for key in path[1:]:
                        value = value[int(key)] if isinstance(value, list) else value[key]
                    break
            out.append(str(value))
        else:
            _, name, inverted, children = node
            value = MUSTACHE_VALUES[name]
            if inverted:
                out.append("" if value else mustache_reference(children, scopes))
            elif isinstance(value, list):
                out.extend(mustache_reference(children, [*scopes, item]) for item in value)
            elif value:
                out.append(mustache_reference(children, [*scopes, value]))
    return "".join(out)


@VALID
@given(mustache_trees())
def test_valid_mustache_renders_like_the_reference(tree: list[MustacheNode]) -> None:
    rendered = compile_template(mustache_source(tree), "mustache").render(MUSTACHE_VALUES)
    assert rendered == mustache_reference(tree, [MUSTACHE_VALUES])


MUSTACHE_TOKENS = [
    "{{", "}}", "{{{", "}}}", "#", "^", "/", "!", "&", ">", "=", ".", "a", "b", "items",
    " ", "\n", "x", "0", "1", "²", "user", "name",
]  # fmt: skip


@GARBAGE
@given(st.lists(st.sampled_from(MUSTACHE_TOKENS), max_size=24))
def test_garbage_mustache_raises_only_typed_errors(tokens: list[str]) -> None:
    values = {**MUSTACHE_VALUES, "a": [1, 2], "b": {"x": [1]}, "x": 10**5000}
    try:
        compile_template("".join(tokens), "mustache").render(values)
    except (TemplateError, MissingVariablesError):
        pass
