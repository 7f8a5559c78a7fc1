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
* **Bounded**: ``*`` on strings/lists and ``**`` are capped so ``{{ 'a' * 10**10 }}`` cannot
  exhaust memory.
* **Strict undefined**: a variable that is not supplied is an error, never an empty string.
  Variables are found with :func:`jinja2.meta.find_undeclared_variables`.

Example::

    Jinja2Template("{% for d in docs %}- {{ d.title }}\\n{% endfor %}").render(
        {"docs": [{"title": "a"}, {"title": "b"}]}
    )  # '- a\\n- b\\n'
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import Frozen, check_variables
from typing import Any, Final, Literal

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["Jinja2Template"]

MAX_SEQUENCE_LENGTH: Final = 100_000
MAX_POWER_EXPONENT: Final = 1_000

# Pure, non-mutating methods a prompt may reasonably call on its data.
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
            "join",
            "lower",
            "lstrip",
            "removeprefix",
            "removesuffix",
            "replace",
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


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


class _PromptSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment restricted to data access (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**"})

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
                too_long = size is not None and isinstance(count, int)
                if too_long and size * count > MAX_SEQUENCE_LENGTH:
                    raise SecurityError(
                        f"Repeating a sequence to more than {MAX_SEQUENCE_LENGTH} items is not "
                        "allowed in a prompt template."
                    )
            return operator.mul(left, right)
        if operator_ == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_POWER_EXPONENT:
                raise SecurityError(
                    f"Exponents above {MAX_POWER_EXPONENT} are not allowed in a prompt template."
                )
            return operator.pow(left, right)
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

    def __repr__(self) -> str:
        return f"Jinja2Template({self.source!r})"
