"""The ``"f-string"`` template engine, hardened against CVE-2025-65106-style attacks.

``str.format`` evaluates attribute access (``{user.password}``), indexing (``{a[0]}``),
conversions (``{a!r}``) and fields nested inside format specs (``{a:{b.__class__}}``) on
the values it is given, so a template from an untrusted place can read object internals.
This engine never hands a template to ``str.format``: it parses the template once with
:meth:`string.Formatter.parse`, accepts only bare identifiers as field names, and renders
by looking each name up in the supplied mapping.

Format specs: plain specs of the standard mini-language (``{price:.2f}``, ``{n:>5}``,
``{x:,}``) are allowed, with width and precision of at most three digits so a template
cannot ask for a gigabyte of padding. Anything containing ``{``/``}`` (a nested field) is
rejected.

Literal braces are written ``{{`` and ``}}``.

Example::

    FStringTemplate("Price: {price:.2f} {{EUR}}").render({"price": 3.14159})
    # 'Price: 3.14 {EUR}'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter
from typing import Any, Final, Literal

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import Frozen, check_variables

__all__ = ["FStringTemplate", "parse_fstring"]

# The standard format-spec mini-language, without nested fields and with bounded sizes:
# [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SAFE_SPEC: Final = re.compile(
    r"(?:[^{}]?[<>=^])?[+\- ]?z?\#?0?(?:[0-9]{1,3})?[,_]?(?:\.[0-9]{1,3})?[bcdeEfFgGnosxX%]?",
    re.DOTALL,
)

_BRACE_HINT: Final = "To write a literal brace in an f-string template, double it: {{ or }}."

# A parsed f-string: literal text, then (optionally) a field name and its format spec.
Segment = tuple[str, str | None, str]


def _field_error(template: str, field: str, why: str, *, unsafe: bool) -> TemplateError:
    cls = UnsafeTemplateError if unsafe else TemplateError
    return cls(
        f"Invalid field {{{field}}} in f-string template {_preview(template)}: {why}. "
        "Fields must be bare variable names such as {question}. " + _BRACE_HINT
    )


def _preview(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:77] + "...")


def parse_fstring(template: str) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Parse ``template`` into segments and its variables (in order of first appearance).

    Raises :class:`~pipes.UnsafeTemplateError` for attribute access, indexing, conversions
    and nested fields, and :class:`~pipes.TemplateError` for other malformed fields or a
    stray brace.
    """
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"Malformed f-string template {_preview(template)}: {exc}. {_BRACE_HINT}"
        ) from exc

    segments: list[Segment] = []
    variables: dict[str, None] = {}  # an ordered set
    for literal, name, spec, conversion in parsed:
        if name is None:  # trailing literal text
            segments.append((literal, None, ""))
            continue
        raw = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if "." in name or "[" in name or "]" in name:
            raise _field_error(
                template, raw, "attribute access and indexing are not allowed", unsafe=True
            )
        if conversion is not None:
            raise _field_error(
                template,
                raw,
                f"conversions such as !{conversion} are not allowed",
                unsafe=True,
            )
        spec = spec or ""
        if "{" in spec or "}" in spec:
            raise _field_error(
                template, raw, "fields nested inside a format spec are not allowed", unsafe=True
            )
        if not name.isidentifier():
            why = (
                "positional fields ({} or {0}) are not allowed"
                if name == "" or name.isdigit()
                else f"{name!r} is not a valid variable name"
            )
            raise _field_error(template, raw, why, unsafe=False)
        if spec and _SAFE_SPEC.fullmatch(spec) is None:
            raise _field_error(
                template,
                raw,
                f"format spec {spec!r} is not allowed (plain specs like :.2f or :>10 with "
                "width and precision below 1000 are)",
                unsafe=True,
            )
        segments.append((literal, name, spec))
        variables[name] = None
    return tuple(segments), tuple(variables)


class FStringTemplate(Frozen):
    """A parsed, validated f-string template (see the module docstring for the rules)."""

    __slots__ = ("_segments", "_single", "_static", "source", "variables")

    template_format: Final[Literal["f-string"]] = "f-string"
    source: str
    variables: tuple[str, ...]
    _segments: tuple[Segment, ...]
    _static: str | None
    _single: str | None

    def __init__(self, template: str) -> None:
        segments, variables = parse_fstring(template)
        # Templates without fields (very common for system messages) render to a constant.
        static = "".join(lit for lit, _, _ in segments) if not variables else None
        # "{text}" alone (the usual human message) renders to the value itself.
        single = segments[0][1] if len(segments) == 1 and segments[0][0] == "" else None
        if single is not None and segments[0][2]:
            single = None
        self._init(
            source=template,
            variables=variables,
            _segments=segments,
            _static=static,
            _single=single,
        )

    def render(self, values: Mapping[str, Any], /) -> str:
        """Substitute ``values`` (a mapping of name to value); extra names are ignored."""
        if self._static is not None:
            return self._static
        single = self._single
        if single is not None:
            try:
                value = values[single]
            except KeyError:
                check_variables(self.variables, values)
                raise
            return value if type(value) is str else format(value, "")
        parts: list[str] = []
        append = parts.append
        try:
            for literal, name, spec in self._segments:
                if literal:
                    append(literal)
                if name is not None:
                    value = values[name]
                    if spec:
                        append(format(value, spec))
                    else:
                        append(value if type(value) is str else format(value, ""))
        except KeyError:
            check_variables(self.variables, values)
            raise
        except (ValueError, TypeError) as exc:
            # A spec that does not fit the value's type, e.g. {name:.2f} with a str.
            raise TemplateError(
                f"Cannot format a value for f-string template {_preview(self.source)}: {exc}. "
                "Check that each field's format spec fits the type of the value passed."
            ) from exc
        return "".join(parts)

    def __repr__(self) -> str:
        return f"FStringTemplate({self.source!r})"
