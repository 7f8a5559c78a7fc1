"""The `"jinja2"` template engine: a sandbox stricter than jinja2's own, with bounded renders.

This module imports jinja2, so it is imported only when a jinja2 template is first compiled
(`import pipes` stays fast). The environment (`pipes._prompts._jinja_sandbox`) adds to
`jinja2.sandbox.ImmutableSandboxedEnvironment`:

* **No globals**: `range`, `dict`, `lipsum`, `cycler`, `joiner` and `namespace`
  are removed, so `{{ cycler.__init__.__globals__ }}` has nothing to start from (those names
  become ordinary, required input variables).
* **No loader**: `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` are
  rejected when the template is built; so is any use of `self` (the template reference),
  and so are unknown filters and tests (jinja2 itself would only fail when they are reached).
* **Data only**: attribute syntax reads dict keys (`{{ user.name }}` on a dict); attributes of
  other objects are refused *before they are read* (no property or `__getattr__` runs),
  except the loop variable's (`loop.index`) and a few pure methods (`dict.items/keys/
  values/get` and common `str` methods such as `upper`).
* **Bounded**: each render spends a budget ([`TemplateLimits`][pipes.TemplateLimits]:
  output size, operations, nesting depth, CPU time), so `{{ 'a' * 10**10 }}`, nested loops
  over long strings and recursive macros stop with
  [`UnsafeTemplateError`][pipes.UnsafeTemplateError].
* **Strict undefined**: a variable that is not supplied is an error, never an empty string.
  Variables are found with `jinja2.meta.find_undeclared_variables`.

Every failure is a [`TemplateError`][pipes.TemplateError] naming the template line, with the
original exception as `__cause__`.

Example:
    ```python
    Jinja2Template("{% for d in docs %}- {{ d.title }}\\n{% endfor %}").render(
        {"docs": [{"title": "a"}, {"title": "b"}]}
    )  # '- a\\n- b\\n'
    ```
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, Literal

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import Frozen, check_variables
from pipes._prompts._jinja_budget import BUDGET
from pipes._prompts._jinja_sandbox import bound_template, environment
from pipes._prompts._limits import Budget, LimitExceeded, current_limits

__all__ = ["Jinja2Template"]

_FORBIDDEN_NODES: Final = {
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Extends: "{% extends %}",
}
_RAISE_LIMITS: Final = (
    "If the template is trusted and needs more, raise the limit with "
    "pipes.template_limits(...) or set_template_limits(...)."
)


def _preview(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:77] + "...")


def _template_line(tb: TracebackType | None) -> int | None:
    # jinja2 rewrites tracebacks so frames of template code have the file name "<template>"
    # and the template's line number; the innermost one is where rendering failed.
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _check_names(ast: nodes.Template, template: str) -> None:
    env = environment()
    for kind, node_type, known in (
        ("filter", nodes.Filter, env.filters),
        ("test", nodes.Test, env.tests),
    ):
        for node in ast.find_all(node_type):
            assert isinstance(node, (nodes.Filter, nodes.Test))
            if node.name not in known:
                raise TemplateError(
                    f"Unknown jinja2 {kind} {node.name!r} on line {node.lineno} of the template "
                    f"{_preview(template)}. Check the spelling; the {kind}s available are "
                    f"jinja2's built-in ones."
                )


class Jinja2Template(Frozen):
    """A parsed jinja2 template rendered in the pipes prompt sandbox."""

    __slots__ = ("_template", "source", "variables")

    template_format: Final[Literal["jinja2"]] = "jinja2"
    source: str
    variables: tuple[str, ...]
    _template: jinja2.Template

    def __init__(self, template: str) -> None:
        env = environment()
        try:
            ast = env.parse(template)
            self._check(ast, template)
            variables = tuple(sorted(meta.find_undeclared_variables(ast)))
            compiled = env.from_string(bound_template(env, ast))
        except TemplateSyntaxError as exc:
            raise TemplateError(
                f"Invalid jinja2 template {_preview(template)} (line {exc.lineno}): {exc.message}."
            ) from exc
        except (RecursionError, MemoryError, SyntaxError) as exc:
            # Deeply nested expressions or blocks overflow jinja2's parser or Python's compiler.
            raise TemplateError(
                f"The jinja2 template {_preview(template)} is nested too deeply to compile "
                f"({type(exc).__name__}). Flatten its expressions and blocks."
            ) from exc
        self._init(source=template, variables=variables, _template=compiled)

    @staticmethod
    def _check(ast: nodes.Template, template: str) -> None:
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
        _check_names(ast, template)

    def render(self, values: Mapping[str, Any], /) -> str:
        """Render with `values`; every undeclared variable must be present."""
        check_variables(self.variables, values)
        token = BUDGET.set(Budget(current_limits()))
        try:
            return self._template.render(dict(values))
        except Exception as exc:
            raise self._error(exc) from exc
        finally:
            BUDGET.reset(token)

    def _error(self, exc: Exception) -> TemplateError:
        line = _template_line(exc.__traceback__)
        where = f"The jinja2 template {_preview(self.source)}" + (
            f" (line {line})" if line is not None else ""
        )
        if isinstance(exc, LimitExceeded):
            return UnsafeTemplateError(f"{where} was stopped: {exc}. {_RAISE_LIMITS}")
        if isinstance(exc, SecurityError):
            return UnsafeTemplateError(
                f"{where} tried something the sandbox forbids: {str(exc).rstrip('.')}. "
                "Templates may only read the data they are given."
            )
        if isinstance(exc, UndefinedError):
            return TemplateError(
                f"{where} used an undefined value: {exc}. "
                "Supply it, or guard it with {% if x is defined %} or x | default(...)."
            )
        if isinstance(exc, (RecursionError, MemoryError)):
            return UnsafeTemplateError(
                f"{where} was stopped: {type(exc).__name__} while rendering. {_RAISE_LIMITS}"
            )
        return TemplateError(f"{where} failed to render: {type(exc).__name__}: {exc}.")

    def __repr__(self) -> str:
        return f"Jinja2Template({self.source!r})"
