"""The `"f-string"` template engine, hardened against CVE-2025-65106-style attacks.

`str.format` evaluates attribute access (`{user.password}`), indexing (`{a[0]}`),
conversions (`{a!r}`) and fields nested inside format specs (`{a:{b.__class__}}`) on
the values it is given, so a template from an untrusted place can read object internals.
This engine never hands a template to `str.format`: it parses the template once with
`string.Formatter.parse`, accepts only bare identifiers as field names, and renders
by looking each name up in the supplied mapping.

Format specs: plain specs of the standard mini-language (`{price:.2f}`, `{n:>5}`,
`{x:,}`) are allowed, with width and precision of at most three digits so a template
cannot ask for a gigabyte of padding. Anything containing `{`/`}` (a nested field) is
rejected.

Literal braces are written `{{` and `}}`.

Example:
    ```python
    FStringTemplate("Price: {price:.2f} {{EUR}}").render({"price": 3.14159})
    # 'Price: 3.14 {EUR}'
    ```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter
from typing import Any, Final, Literal

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import Frozen, check_variables
from pipes._prompts._limits import line_and_column

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
        f"Invalid field {{{field}}}{_where(template, field)} in f-string template "
        f"{_preview(template)}: {why}. Fields must be bare variable names such as {{question}}. "
        + _BRACE_HINT
    )


def _where(template: str, field: str) -> str:
    # Formatter.parse does not report offsets; the first "{field" is where the field starts
    # (an escaped "{{field" cannot be it, so skip those).
    offset = template.find("{" + field)
    while offset > 0 and template[offset - 1] == "{":
        offset = template.find("{" + field, offset + 1)
    if offset < 0:
        return ""
    line, column = line_and_column(template, offset)
    return f" (line {line}, column {column})"


def _stray_brace(template: str) -> str:
    """' (line L, column C)' of the first brace that is neither doubled nor part of a field."""
    i, n = 0, len(template)
    while i < n:
        char = template[i]
        if char in "{}" and template.startswith(char * 2, i):
            i += 2
            continue
        if char == "}":
            break
        if char == "{":
            close = template.find("}", i)
            if close < 0:
                break
            i = close + 1
            continue
        i += 1
    else:
        return ""
    line, column = line_and_column(template, i)
    return f" (line {line}, column {column})"


def _preview(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:77] + "...")


def parse_fstring(template: str) -> tuple[tuple[Segment, ...], tuple[str, ...]]:
    """Parse `template` into segments and its variables (in order of first appearance).

    Raises [`UnsafeTemplateError`][pipes.UnsafeTemplateError] for attribute access, indexing,
    conversions and nested fields, and [`TemplateError`][pipes.TemplateError] for other malformed
    fields or a stray brace.
    """
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"Malformed f-string template {_preview(template)}{_stray_brace(template)}: {exc}. "
            + _BRACE_HINT
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
        """Substitute `values` (a mapping of name to value); extra names are ignored."""
        if self._static is not None:
            return self._static
        single = self._single
        if single is not None:
            try:
                value = values[single]
                return value if type(value) is str else format(value, "")
            except Exception as exc:
                raise self._error(values, exc) from exc
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
        except Exception as exc:
            raise self._error(values, exc) from exc
        return "".join(parts)

    def _error(self, values: Mapping[str, Any], exc: Exception) -> Exception:
        if isinstance(exc, KeyError):
            check_variables(self.variables, values)  # raises MissingVariablesError if one is
        # Find the field that failed (rendering is deterministic, so it fails again there).
        for _, name, spec in self._segments:
            if name is None:
                continue
            try:
                format(values[name], spec)
            except Exception:
                field = name + (f":{spec}" if spec else "")
                break
        else:
            field = ""
        where = f" in field {{{field}}}{_where(self.source, field)}" if field else ""
        # e.g. a spec that does not fit the value's type ({name:.2f} with a str), or a value
        # whose __format__ fails or whose text is too long to build (an int of 5,000 digits).
        return TemplateError(
            f"Cannot format a value{where} of f-string template {_preview(self.source)}: "
            f"{type(exc).__name__}: {exc}. Check that each field's format spec fits the type "
            "of the value passed."
        )

    def __repr__(self) -> str:
        return f"FStringTemplate({self.source!r})"
