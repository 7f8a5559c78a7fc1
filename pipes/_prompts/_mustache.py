"""A small, safe `"mustache"` template engine for prompts.

Supported: variables `{{name}}`, unescaped `{{{name}}}` / `{{& name}}`, sections
`{{#name}}...{{/name}}` (repeated for lists, entered for dicts, shown for other truthy
values), inverted sections `{{^name}}...{{/name}}`, comments `{{! ... }}`, the current
item `{{.}}`, dotted names `{{user.name}}` and standalone-line trimming as in the
mustache spec.

Safety: names are resolved **only** through dict keys and list indexes. Attributes of
arbitrary objects are never read and callables are never called (mustache "lambdas" are
not supported), so `{{user.__class__}}` or `{{obj.password}}` render nothing instead of
leaking. Partials (`{{> name}}`) and delimiter changes (`{{=<% %>=}}`) are rejected.

Bounded: each render spends a `Budget` (every section item and
variable is an operation, sections nest at most `max_depth` deep, the output is at most
`max_output_length` characters), so nested sections over lists cannot run for hours or
fill memory. Every failure is a [`TemplateError`][pipes.TemplateError] naming the line and column.

HTML escaping is **off** by default: prompts are not HTML, and escaping `<`/`&` changes
what the model reads (LangChain.js renders prompts unescaped too; LangChain Python escapes
`& " < >` in `{{name}}`). Pass `escape=True` to get HTML escaping.

Only top-level names outside sections count as the template's variables (as in LangChain):
`{{user.name}}` needs `user`; names inside a section may come from the section's item.

Example:
    ```python
    MustacheTemplate("{{#items}}- {{name}}\\n{{/items}}").render(
        {"items": [{"name": "a"}, {"name": "b"}]}
    )  # '- a\\n- b\\n'
    ```
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import Frozen, check_variables
from pipes._prompts._limits import (
    Budget,
    LimitExceeded,
    current_limits,
)

__all__ = ["MustacheTemplate"]

_OPEN: Final = "{{"
_CLOSE: Final = "}}"
_STANDALONE_KINDS: Final = frozenset("#^/!")
# What may follow a standalone tag on its line: blanks, then the end of the line.
_REST_OF_LINE: Final = re.compile(r"[ \t\r]*(?:\n|\Z)")


@dataclass(frozen=True, slots=True)
class _Var:
    path: tuple[str, ...]  # () means "." (the current item)
    escape: bool
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    path: tuple[str, ...]
    inverted: bool
    children: tuple[_Node, ...]
    line: int
    column: int
    # Charged per item: the variables and text of the body are rendered once per item.
    cost: int


_Node = str | _Var | _Section
_MISSING: Final = object()


def _html_escape(text: str) -> str:
    # The same four characters mustache implementations escape; & first.
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _split_name(name: str, where: str) -> tuple[str, ...]:
    if name == ".":
        return ()
    parts = tuple(name.split("."))
    if not name or any(not p for p in parts) or any(c.isspace() for c in name):
        raise TemplateError(
            f"Invalid mustache tag name {name!r} {where} of the template: names are "
            "words separated by dots, like {{user.name}}, or {{.}} for the current item."
        )
    return parts


class _Parser:
    """One pass over the template, linear in its length (no rescans per tag)."""

    def __init__(self, template: str) -> None:
        self.t = template
        self.pos = 0
        self._line = 1  # line number at self._line_at
        self._line_at = 0
        self._line_start = 0  # offset where that line starts

    def position(self, pos: int) -> tuple[int, int]:
        """(line, column) of `pos`, counted incrementally: positions only move forward."""
        t = self.t
        newlines = t.count("\n", self._line_at, pos)
        if newlines:
            self._line += newlines
            self._line_start = t.rfind("\n", self._line_at, pos) + 1
        self._line_at = pos
        return self._line, pos - self._line_start + 1

    def parse(self) -> tuple[_Node, ...]:
        # Open sections: (name, path, inverted, parent's list, own children, line, column).
        root: list[_Node] = []
        stack: list[tuple[str, tuple[str, ...], bool, list[_Node], list[_Node], int, int]] = []
        current = root
        t = self.t
        while True:
            start = t.find(_OPEN, self.pos)
            if start < 0:
                if self.pos < len(t):
                    current.append(t[self.pos :])
                break
            line, column = self.position(start)
            where = f"on line {line}, column {column}"
            triple = t.startswith("{", start + 2)
            close_token = "}}}" if triple else _CLOSE
            inner_start = start + (3 if triple else 2)
            end = t.find(close_token, inner_start)
            if end < 0:
                raise TemplateError(
                    f"Unclosed mustache tag opened {where}: every {_OPEN} needs a matching "
                    f"{_CLOSE}."
                )
            tag_end = end + len(close_token)
            body = t[inner_start:end].strip()
            kind = "{" if triple else (body[:1] if body[:1] in "#^/!&>=" else "")
            name = body if triple else body[len(kind) :].strip()

            # Standalone tags (alone on their line) swallow that whole line, as in the spec.
            text_end, next_pos = start, tag_end
            if kind in _STANDALONE_KINDS:
                newline = t.rfind("\n", self.pos, start)
                if newline >= 0:
                    line_start = newline + 1
                elif self.pos == 0 or t[self.pos - 1] == "\n":
                    line_start = self.pos
                else:
                    line_start = -1  # the line started before text already consumed
                rest = _REST_OF_LINE.match(t, tag_end)
                if line_start >= 0 and rest is not None and not t[line_start:start].strip(" \t"):
                    text_end = line_start
                    next_pos = rest.end()
            if text_end > self.pos:
                current.append(t[self.pos : text_end])
            self.pos = next_pos

            if kind == "!":
                continue
            if kind == ">":
                raise UnsafeTemplateError(
                    f"Mustache partials ({{{{> {name}}}}} {where}) are not supported: "
                    "they would load other templates. Inline the text instead."
                )
            if kind == "=":
                raise TemplateError(
                    f"Changing mustache delimiters ({where}) is not supported; "
                    "use the default {{ }} delimiters."
                )
            if kind in ("#", "^"):
                path = _split_name(name, where)
                if not path:
                    raise TemplateError(
                        f"A section cannot be opened on {{{{.}}}} ({where}); "
                        "name a variable, e.g. {{#items}}...{{/items}}."
                    )
                children: list[_Node] = []
                stack.append((name, path, kind == "^", current, children, line, column))
                current = children
                continue
            if kind == "/":
                if not stack:
                    raise TemplateError(
                        f"Closing mustache tag {{{{/{name}}}}} {where} was never opened."
                    )
                open_name, path, inverted, parent, kids, open_line, open_column = stack.pop()
                if open_name != name:
                    raise TemplateError(
                        f"Closing mustache tag {{{{/{name}}}}} {where} does not match the "
                        f"section {{{{#{open_name}}}}} opened on line {open_line}, column "
                        f"{open_column}."
                    )
                merged = tuple(_merge_text(kids))
                cost = 1 + len(merged)
                section = _Section(name, path, inverted, merged, open_line, open_column, cost)
                parent.append(section)
                current = parent
                continue
            # A variable: {{name}}, {{{name}}} or {{& name}}
            path = _split_name(name, where)
            current.append(_Var(path, not (triple or kind == "&"), line, column))
        if stack:
            open_name, _, _, _, _, open_line, open_column = stack[-1]
            raise TemplateError(
                f"Mustache section {{{{#{open_name}}}}} opened on line {open_line}, column "
                f"{open_column} is never closed; add {{{{/{open_name}}}}}."
            )
        return tuple(_merge_text(root))


def _merge_text(nodes: list[_Node]) -> list[_Node]:
    # Adjacent text pieces (around comments) become one; joined once, not pairwise.
    out: list[_Node] = []
    texts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            texts.append(node)
            continue
        if texts:
            out.append("".join(texts))
            texts = []
        out.append(node)
    if texts:
        out.append("".join(texts))
    return out


def _step(scope: Any, key: str) -> Any:
    """One step of name resolution: a dict key or a list index, nothing else."""
    if isinstance(scope, dict):
        return scope.get(key, _MISSING)
    if isinstance(scope, (list, tuple)) and key.isascii() and key.isdigit():
        index = int(key)
        return scope[index] if index < len(scope) else _MISSING
    return _MISSING


def _lookup(path: tuple[str, ...], scopes: list[Any]) -> Any:
    if not path:
        return scopes[-1]
    head = path[0]
    for scope in reversed(scopes):
        value = _step(scope, head)
        if value is not _MISSING:
            break
    else:
        return _MISSING
    for key in path[1:]:
        value = _step(value, key)
        if value is _MISSING:
            return _MISSING
    return value


def _to_text(value: Any) -> str:
    if value is None or value is _MISSING:
        return ""
    return value if type(value) is str else str(value)


class MustacheTemplate(Frozen):
    """A parsed mustache template (see the module docstring for what is supported)."""

    __slots__ = ("_escape", "_loops", "_nodes", "source", "variables")

    template_format: Final[Literal["mustache"]] = "mustache"
    source: str
    variables: tuple[str, ...]
    _escape: bool
    _nodes: tuple[_Node, ...]
    _loops: bool  # has sections: without them, output is linear and needs no budget

    def __init__(self, template: str, *, escape: bool = False) -> None:
        parsed = _Parser(template).parse()
        names: dict[str, None] = {}
        for node in parsed:
            if isinstance(node, (_Var, _Section)) and node.path:
                names[node.path[0]] = None
        self._init(
            source=template,
            variables=tuple(names),
            _escape=escape,
            _nodes=parsed,
            _loops=any(isinstance(node, _Section) for node in parsed),
        )

    def render(self, values: Mapping[str, Any], /) -> str:
        """Render with `values`; every top-level variable must be present."""
        check_variables(self.variables, values)
        out: list[str] = []
        # Lookups only ever use dict semantics, so a non-dict mapping is copied into one.
        root = values if type(values) is dict else dict(values)
        limits = current_limits()
        budget = Budget(limits) if self._loops else None
        # ``room`` holds the characters still allowed: nested sections over lists multiply
        # output, and a hostile template must not be able to turn that into gigabytes.
        # (room[1] is the limit itself, for the message.)
        cap = limits.max_output_length
        try:
            self._render(self._nodes, [root], out, budget, [cap, cap])
        except RecursionError as exc:  # only with a max_depth beyond Python's own limit
            raise UnsafeTemplateError(
                f"The mustache template {_preview(self.source)} nests sections too deeply for "
                f"Python's recursion limit. Lower max_depth (now {limits.max_depth})."
            ) from exc
        return "".join(out)

    def _render(
        self,
        nodes: tuple[_Node, ...],
        scopes: list[Any],
        out: list[str],
        budget: Budget | None,
        room: list[int],
    ) -> None:
        for node in nodes:
            if type(node) is str:
                text = node
            elif type(node) is _Var:
                text = self._text(node, scopes)
            else:
                assert type(node) is _Section
                assert budget is not None
                self._render_section(node, scopes, out, budget, room)
                continue
            room[0] -= len(text)
            if room[0] < 0:
                limit = LimitExceeded(
                    f"the rendered text would have more than max_output_length={room[1]} characters"
                )
                if type(node) is _Var:
                    raise self._limit_error(node, limit) from limit
                raise UnsafeTemplateError(
                    f"The mustache template {_preview(self.source)} was stopped: {limit}. "
                    + _RAISE_LIMITS
                ) from limit
            out.append(text)

    def _text(self, node: _Var, scopes: list[Any]) -> str:
        try:
            text = _to_text(_lookup(node.path, scopes))
        except Exception as exc:  # a value whose str() fails, e.g. an int of 5,000 digits
            raise TemplateError(
                f"The mustache template {_preview(self.source)} could not turn the value of "
                f"{{{{{'.'.join(node.path) or '.'}}}}} (line {node.line}, column {node.column}) "
                f"into text: {type(exc).__name__}: {exc}. Pass a value that converts to str."
            ) from exc
        return _html_escape(text) if node.escape and self._escape else text

    def _limit_error(self, node: _Var | _Section, exc: LimitExceeded) -> UnsafeTemplateError:
        return UnsafeTemplateError(
            f"The mustache template {_preview(self.source)} was stopped at line {node.line}, "
            f"column {node.column}: {exc}. {_RAISE_LIMITS}"
        )

    def _render_section(
        self, node: _Section, scopes: list[Any], out: list[str], budget: Budget, room: list[int]
    ) -> None:
        value = _lookup(node.path, scopes)
        if value is _MISSING:
            value = None
        try:
            truthy = bool(value)  # a value's __bool__ may fail (e.g. an array's)
        except Exception as exc:
            raise TemplateError(
                f"The mustache template {_preview(self.source)} could not tell whether the "
                f"value of section {{{{#{node.name}}}}} (line {node.line}, column {node.column}) "
                f"is empty: {type(exc).__name__}: {exc}. Pass a list, dict, str, number or bool."
            ) from exc
        if node.inverted:
            items: Sequence[Any] = () if truthy else (None,)
        elif isinstance(value, (list, tuple)):
            items = value
        elif truthy:
            items = (value,)
        else:
            return
        try:
            budget.enter()
        except LimitExceeded as exc:
            raise self._limit_error(node, exc) from exc
        try:
            for item in items:
                try:
                    budget.charge(node.cost)
                except LimitExceeded as exc:
                    raise self._limit_error(node, exc) from exc
                if node.inverted:
                    self._render(node.children, scopes, out, budget, room)
                    continue
                scopes.append(item)
                try:
                    self._render(node.children, scopes, out, budget, room)
                finally:
                    scopes.pop()
        finally:
            budget.leave()

    def __repr__(self) -> str:
        return f"MustacheTemplate({self.source!r})"


_RAISE_LIMITS: Final = (
    "If the template is trusted and needs more, raise the limit with "
    "pipes.template_limits(...) or set_template_limits(...)."
)


def _preview(template: str) -> str:
    return repr(template if len(template) <= 80 else template[:77] + "...")
