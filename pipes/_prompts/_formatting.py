"""Template engines shared by every prompt class: parse once, render many times.

Three formats are supported, all safe against templates that come from untrusted places:

* `"f-string"` (default) — `{name}` fields that must be bare identifiers
  (see `pipes._prompts._fstring`).
* `"jinja2"` — a locked-down sandbox (see `pipes._prompts._jinja`); jinja2 is imported
  only when such a template is first compiled.
* `"mustache"` — a small logic-less implementation that only walks dicts and lists
  (see `pipes._prompts._mustache`).

Rendering jinja2 and mustache templates is bounded by :class:`~pipes._prompts._limits.
TemplateLimits` (output size, operations, nesting depth, CPU time); f-string output is linear
in the template and the values, so it needs no bound. Every failure is a
[`TemplateError`][pipes.TemplateError] naming the template position.

Usage:

```python
compiled = compile_template("Hello {name}", "f-string")
compiled.variables            # ('name',)
compiled.render({"name": "Ada"})  # 'Hello Ada'
```
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, get_args

from pipes._errors import MissingVariablesError, TemplateError

__all__ = [
    "CompiledTemplate",
    "TemplateFormat",
    "compile_template",
    "get_template_variables",
    "missing_variables_error",
    "render_template",
]

TemplateFormat = Literal["f-string", "jinja2", "mustache"]

_FORMATS: tuple[str, ...] = get_args(TemplateFormat)


class CompiledTemplate(Protocol):
    """A parsed template: its source, its variables and a `render` function.

    `variables` are the names the caller must supply, in order of first appearance.
    `render` raises [`MissingVariablesError`][pipes.MissingVariablesError] when one of them is
    absent (extra names are ignored).
    """

    @property
    def source(self) -> str: ...

    @property
    def template_format(self) -> TemplateFormat: ...

    @property
    def variables(self) -> tuple[str, ...]: ...

    def render(self, values: Mapping[str, Any], /) -> str: ...


class Frozen:
    """Base for compiled templates: attributes are set once in `__init__`, then never.

    Compiled templates are cached and shared between prompts, so they must not be mutable.
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; compile a new template")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; compile a new template")

    def _init(self, **attributes: object) -> None:
        for name, value in attributes.items():
            object.__setattr__(self, name, value)


def missing_variables_error(
    missing: Iterable[str], expected: Iterable[str], supplied: Iterable[str]
) -> MissingVariablesError:
    """Build the error raised when a template is rendered without some of its variables.

    Only variable *names* appear in the message, never values (they may be secrets).
    """
    missing_l = sorted(set(missing))
    expected_l = sorted(set(expected))
    supplied_l = sorted({str(s) for s in supplied})
    example = ", ".join(f"{name!r}: ..." for name in expected_l)
    message = (
        f"Missing variables {missing_l} for the prompt template. "
        f"The template expects {expected_l}; the input supplied {supplied_l}. "
        f"Pass every expected variable, e.g. invoke({{{example}}}), "
        "or fix some ahead of time with .partial(...)."
    )
    return MissingVariablesError(
        message, missing=missing_l, expected=expected_l, supplied=supplied_l
    )


def check_variables(variables: tuple[str, ...], values: Mapping[str, Any]) -> None:
    """Raise [`MissingVariablesError`][pipes.MissingVariablesError] when `values` lacks one of
    `variables`."""
    for name in variables:
        if name not in values:
            missing = [v for v in variables if v not in values]
            raise missing_variables_error(missing, variables, values.keys())


def _validate_format(template_format: str) -> TemplateFormat:
    if template_format not in _FORMATS:
        raise TemplateError(
            f"Unknown template_format {template_format!r}; expected one of {list(_FORMATS)}. "
            'Use "f-string" for {name} fields, "mustache" for {{name}} or "jinja2".'
        )
    return template_format  # type: ignore[return-value]


@functools.lru_cache(maxsize=1024)
def _compile_cached(template: str, template_format: str) -> CompiledTemplate:
    # Compiled templates are immutable and depend only on (source, format), so sharing them
    # is safe; the cache makes building the same prompt twice (e.g. in a loop) nearly free.
    if template_format == "f-string":
        from pipes._prompts._fstring import FStringTemplate

        return FStringTemplate(template)
    if template_format == "mustache":
        from pipes._prompts._mustache import MustacheTemplate

        return MustacheTemplate(template)
    # jinja2 lives in its own module so `import pipes` never imports jinja2.
    from pipes._prompts._jinja import Jinja2Template

    return Jinja2Template(template)


def compile_template(template: str, template_format: str = "f-string") -> CompiledTemplate:
    """Parse and validate `template`; raise [`TemplateError`][pipes.TemplateError] if it is invalid.

    Unsafe constructs raise [`UnsafeTemplateError`][pipes.UnsafeTemplateError] (a `TemplateError`).

    Example:
        ```python
        compile_template("{{ name | upper }}", "jinja2").render({"name": "ada"})  # 'ADA'
        ```
    """
    if not isinstance(template, str):
        raise TemplateError(
            f"A template must be a str, got {type(template).__name__}. "
            "Pass the template text, e.g. PromptTemplate.from_template('Tell me about {topic}')."
        )
    return _compile_cached(template, _validate_format(template_format))


def get_template_variables(template: str, template_format: str = "f-string") -> list[str]:
    """The variables `template` needs, sorted (the LangChain function of the same name).

    Example:
        ```python
        get_template_variables("{b} and {a}")  # ['a', 'b']
        ```
    """
    return sorted(compile_template(template, template_format).variables)


def render_template(template: str, template_format: str = "f-string", /, **values: Any) -> str:
    """Compile (cached) and render `template` in one call.

    Example:
        ```python
        render_template("Hi {name}", name="Ada")  # 'Hi Ada'
        ```
    """
    return compile_template(template, template_format).render(values)
