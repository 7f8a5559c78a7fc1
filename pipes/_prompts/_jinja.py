"""The ``"jinja2"`` template engine: a sandbox stricter than jinja2's own.

This module imports jinja2, so it is imported only when a jinja2 template is first compiled
(``import pipes`` stays fast). On top of :class:`jinja2.sandbox.ImmutableSandboxedEnvironment`
(no dunders, no ``_private`` attributes, no mutation of lists/dicts, ``str.format`` checked):

* **No globals**: ``range``, ``dict``, ``lipsum``, ``cycler``, ``joiner`` and ``namespace``
  are removed, so ``{{ cycler.__init__.__globals__ }}`` has nothing to start from (those names
  become ordinary, required input variables).
* **No loader**: ``{% include %}``, ``{% import %}``, ``{% from %}`` and ``{% extends %}`` are
  rejected when the template is built; so is any use of ``self`` (the template reference).
* **Data only**: attribute syntax reads dict keys (``{{ user.name }}`` on a dict); attributes of
  other objects are refused, except the loop variable's (``loop.index``) and a few pure
  methods (``dict.items/keys/values/get`` and common ``str`` methods such as ``upper``).
* **Bounded**: the rendered text is capped at :data:`MAX_OUTPUT_LENGTH` characters, and so
  are the operations that multiply sizes (``*`` on strings/lists, ``**``, ``%``-format widths,
  the ``replace``/``join``/``center``/``indent``/``format`` filters), so ``{{ 'a' * 10**10 }}``
  cannot exhaust memory. CPU time is not bounded: nested loops over large inputs still take
  long, so prefer mustache or f-strings for templates from untrusted sources.
* **Strict undefined**: a variable that is not supplied is an error, never an empty string.
  Variables are found with :func:`jinja2.meta.find_undeclared_variables`.

Example::

    Jinja2Template("{% for d in docs %}- {{ d.title }}\\n{% endfor %}").render(
        {"docs": [{"title": "a"}, {"title": "b"}]}
    )  # '- a\\n- b\\n'
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import MAX_OUTPUT_LENGTH, Frozen, check_variables

__all__ = ["Jinja2Template"]

#: Upper bound on ``a ** b`` results, in bits.
MAX_POWER_BITS: Final = 100_000
#: Upper bound on a width or precision in a ``%`` format (``"%10s" | format(x)``).
MAX_FORMAT_WIDTH: Final = 10_000

# Pure, non-mutating methods a prompt may reasonably call on its data. ``str.join`` and
# ``str.replace`` are left out because they can multiply the size of their input; the
# ``join`` and ``replace`` filters do the same job with a size check.
_SAFE_METHODS: Final[dict[type, frozenset[str]]] = {
    dict: frozenset({"items", "keys", "values", "get"}),
    str: frozenset(
        {
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "isalnum",
            "isalpha",
            "isdigit",
            "islower",
            "isspace",
            "istitle",
            "isupper",
            "lower",
            "lstrip",
            "removeprefix",
            "removesuffix",
            "rfind",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        }
    ),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}

_PERCENT_FIELD: Final = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_length(length: int, what: str) -> None:
    if length > MAX_OUTPUT_LENGTH:
        raise SecurityError(
            f"{what} would produce more than {MAX_OUTPUT_LENGTH} characters or items, which a "
            "prompt template may not do."
        )


def _check_percent_format(fmt: str) -> None:
    for width, precision in _PERCENT_FIELD.findall(fmt):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_FORMAT_WIDTH):
                raise SecurityError(
                    f"%-format widths and precisions must be literal numbers up to "
                    f"{MAX_FORMAT_WIDTH} in a prompt template, got {number!r}."
                )


def _bounded_concat(parts: Iterable[str]) -> str:
    # Jinja joins the generator of output chunks with environment.concat; counting as we go
    # stops loops that would render gigabytes long before memory runs out.
    out: list[str] = []
    total = 0
    for part in parts:
        total += len(part)
        if total > MAX_OUTPUT_LENGTH:
            _check_length(total, "Rendering this template")
        out.append(part)
    return "".join(out)


@jinja2.pass_eval_context
def _replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old_s, new_s = str(s), str(old), str(new)
    hits = text.count(old_s) if old_s else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    _check_length(len(text) + hits * max(0, len(new_s) - len(old_s)), "replace")
    return jinja2.filters.do_replace(eval_ctx, s, old, new, count)


@jinja2.pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _check_length(len(str(d)) * len(items), "join")
    return str(jinja2.filters.do_join(eval_ctx, items, d, attribute))


def _center(value: Any, width: int = 80) -> str:
    _check_length(int(width), "center")
    return jinja2.filters.do_center(value, width)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = width if isinstance(width, int) else len(str(width))
    _check_length(pad * (str(s).count("\n") + 1), "indent")
    return jinja2.filters.do_indent(s, width, first, blank)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_percent_format(str(value))
    return jinja2.filters.do_format(value, *args, **kwargs)


_CAPPED_FILTERS: Final[dict[str, Any]] = {
    "replace": _replace,
    "join": _join,
    "center": _center,
    "indent": _indent,
    "format": _format,
}


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


class _PromptSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment restricted to data access (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%"})
    concat = staticmethod(_bounded_concat)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, LoopContext):
            return True
        for kind, allowed in _SAFE_METHODS.items():
            if isinstance(obj, kind):
                return attr in allowed
        return False

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Attribute syntax on a dict reads its keys first ({{ d.items }} is the "items" key
        # when there is one), like mustache and like users expect of JSON-shaped data.
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "*":
            for seq, count in ((left, right), (right, left)):
                size = _size(seq)
                if size is not None and isinstance(count, int):
                    _check_length(size * count, "Repeating a sequence")
            return operator.mul(left, right)
        if operator_ == "**":
            big = isinstance(left, int) and isinstance(right, int) and right > 0
            if big and max(left.bit_length(), 1) * right > MAX_POWER_BITS:
                raise SecurityError(
                    f"{left.bit_length()}-bit number ** {right} is too large for a prompt "
                    f"template (results are limited to {MAX_POWER_BITS} bits)."
                )
            return operator.pow(left, right)
        if operator_ == "%" and isinstance(left, str):
            _check_percent_format(left)
        return super().call_binop(context, operator_, left, right)


_FORBIDDEN_NODES: Final = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
}

_env: _PromptSandbox | None = None


def _environment() -> _PromptSandbox:
    global _env
    if _env is None:
        env = _PromptSandbox(
            loader=None, undefined=jinja2.StrictUndefined, autoescape=False, extensions=()
        )
        env.globals.clear()  # no range/lipsum/cycler/joiner/namespace/dict
        env.filters.update(_CAPPED_FILTERS)
        _env = env
    return _env


def _preview(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:77] + "...")


class Jinja2Template(Frozen):
    """A parsed jinja2 template rendered in the pipes prompt sandbox."""

    __slots__ = ("_template", "source", "variables")

    template_format: Final[Literal["jinja2"]] = "jinja2"
    source: str
    variables: tuple[str, ...]
    _template: jinja2.Template

    def __init__(self, template: str) -> None:
        env = _environment()
        try:
            ast = env.parse(template)
        except TemplateSyntaxError as exc:
            raise TemplateError(
                f"Invalid jinja2 template {_preview(template)} (line {exc.lineno}): {exc.message}."
            ) from exc
        for node_type, label in _FORBIDDEN_NODES.items():
            if next(ast.find_all(node_type), None) is not None:
                raise UnsafeTemplateError(
                    f"{label} is not allowed in a jinja2 prompt template {_preview(template)}: "
                    "templates cannot load other templates or files. Inline the text instead."
                )
        for name_node in ast.find_all(nodes.Name):
            if name_node.name == "self":
                raise UnsafeTemplateError(
                    f"'self' is not allowed in a jinja2 prompt template {_preview(template)}: "
                    "it exposes the template's internals. Rename the variable."
                )
        self._init(
            source=template,
            variables=tuple(sorted(meta.find_undeclared_variables(ast))),
            _template=env.from_string(ast),
        )

    def render(self, values: Mapping[str, Any], /) -> str:
        """Render with ``values``; every undeclared variable must be present."""
        check_variables(self.variables, values)
        try:
            return self._template.render(dict(values))
        except SecurityError as exc:
            raise UnsafeTemplateError(
                f"The jinja2 template {_preview(self.source)} tried something the sandbox "
                f"forbids: {str(exc).rstrip('.')}. Templates may only read the data they are given."
            ) from exc
        except UndefinedError as exc:
            raise TemplateError(
                f"The jinja2 template {_preview(self.source)} used an undefined value: {exc}. "
                "Supply it, or guard it with {% if x is defined %} or x | default(...)."
            ) from exc
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise TemplateError(
                f"The jinja2 template {_preview(self.source)} failed to render: "
                f"{type(exc).__name__}: {exc}."
            ) from exc

    def __repr__(self) -> str:
        return f"Jinja2Template({self.source!r})"
