"""A small, safe ``"mustache"`` template engine for prompts.

Supported: variables ``{{name}}``, unescaped ``{{{name}}}`` / ``{{& name}}``, sections
``{{#name}}...{{/name}}`` (repeated for lists, entered for dicts, shown for other truthy
values), inverted sections ``{{^name}}...{{/name}}``, comments ``{{! ... }}``, the current
item ``{{.}}``, dotted names ``{{user.name}}`` and standalone-line trimming as in the
mustache spec.

Safety: names are resolved **only** through dict keys and list indexes. Attributes of
arbitrary objects are never read and callables are never called (mustache "lambdas" are
not supported), so ``{{user.__class__}}`` or ``{{obj.password}}`` render nothing instead of
leaking. Partials (``{{> name}}``) and delimiter changes (``{{=<% %>=}}``) are rejected.

HTML escaping is **off** by default: prompts are not HTML, and escaping ``<``/``&`` changes
what the model reads (LangChain.js renders prompts unescaped too; LangChain Python escapes
``& " < >`` in ``{{name}}``). Pass ``escape=True`` to get HTML escaping.

Only top-level names outside sections count as the template's variables (as in LangChain):
``{{user.name}}`` needs ``user``; names inside a section may come from the section's item.

Example::

    MustacheTemplate("{{#items}}- {{name}}\\n{{/items}}").render(
        {"items": [{"name": "a"}, {"name": "b"}]}
    )  # '- a\\n- b\\n'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pipes._errors import TemplateError, UnsafeTemplateError
from pipes._prompts._formatting import MAX_OUTPUT_LENGTH, Frozen, check_variables

__all__ = ["MustacheTemplate"]

_OPEN: Final = "{{"
_CLOSE: Final = "}}"
_STANDALONE_KINDS: Final = frozenset("#^/!")


@dataclass(frozen=True, slots=True)
class _Var:
    path: tuple[str, ...]  # () means "." (the current item)
    escape: bool


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    path: tuple[str, ...]
    inverted: bool
    children: tuple[_Node, ...]


_Node = str | _Var | _Section
_MISSING: Final = object()


def _html_escape(text: str) -> str:
    # The same four characters mustache implementations escape; & first.
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _split_name(name: str, template: str, line: int) -> tuple[str, ...]:
    if name == ".":
        return ()
    parts = tuple(name.split("."))
    if not name or any(not p for p in parts) or any(c.isspace() for c in name):
        raise TemplateError(
            f"Invalid mustache tag name {name!r} on line {line} of the template: names are "
            "words separated by dots, like {{user.name}}, or {{.}} for the current item."
        )
    return parts


class _Parser:
    def __init__(self, template: str) -> None:
        self.t = template
        self.pos = 0

    def line(self, pos: int) -> int:
        return self.t.count("\n", 0, pos) + 1

    def parse(self) -> tuple[_Node, ...]:
        # Open sections: (name, path, inverted, parent's list, own children, opening line).
        root: list[_Node] = []
        stack: list[tuple[str, tuple[str, ...], bool, list[_Node], list[_Node], int]] = []
        current = root
        t = self.t
        while True:
            start = t.find(_OPEN, self.pos)
            if start < 0:
                if self.pos < len(t):
                    current.append(t[self.pos :])
                break
            triple = t.startswith("{", start + 2)
            close_token = "}}}" if triple else _CLOSE
            inner_start = start + (3 if triple else 2)
            end = t.find(close_token, inner_start)
            if end < 0:
                raise TemplateError(
                    f"Unclosed mustache tag opened on line {self.line(start)}: every "
                    f"{_OPEN} needs a matching {_CLOSE}."
                )
            tag_end = end + len(close_token)
            body = t[inner_start:end].strip()
            kind = "{" if triple else (body[:1] if body[:1] in "#^/!&>=" else "")
            name = body if triple else body[len(kind) :].strip()
            line = self.line(start)

            # Standalone tags (alone on their line) swallow that whole line, as in the spec.
            text_end, next_pos = start, tag_end
            if kind in _STANDALONE_KINDS:
                line_start = t.rfind("\n", 0, start) + 1
                line_end = t.find("\n", tag_end)
                after_end = len(t) if line_end < 0 else line_end
                if (
                    line_start >= self.pos
                    and t[line_start:start].strip(" \t") == ""
                    and t[tag_end:after_end].strip(" \t\r") == ""
                ):
                    text_end = line_start
                    next_pos = len(t) if line_end < 0 else line_end + 1
            if text_end > self.pos:
                current.append(t[self.pos : text_end])
            self.pos = next_pos

            if kind == "!":
                continue
            if kind == ">":
                raise UnsafeTemplateError(
                    f"Mustache partials ({{{{> {name}}}}} on line {line}) are not supported: "
                    "they would load other templates. Inline the text instead."
                )
            if kind == "=":
                raise TemplateError(
                    f"Changing mustache delimiters (line {line}) is not supported; "
                    "use the default {{ }} delimiters."
                )
            if kind in ("#", "^"):
                path = _split_name(name, t, line)
                if not path:
                    raise TemplateError(
                        f"A section cannot be opened on {{{{.}}}} (line {line}); "
                        "name a variable, e.g. {{#items}}...{{/items}}."
                    )
                children: list[_Node] = []
                stack.append((name, path, kind == "^", current, children, line))
                current = children
                continue
            if kind == "/":
                if not stack:
                    raise TemplateError(
                        f"Closing mustache tag {{{{/{name}}}}} on line {line} was never opened."
                    )
                open_name, path, inverted, parent, children_list, open_line = stack.pop()
                if open_name != name:
                    raise TemplateError(
                        f"Closing mustache tag {{{{/{name}}}}} on line {line} does not match the "
                        f"section {{{{#{open_name}}}}} opened on line {open_line}."
                    )
                parent.append(_Section(name, path, inverted, tuple(_merge_text(children_list))))
                current = parent
                continue
            # A variable: {{name}}, {{{name}}} or {{& name}}
            path = _split_name(name, t, line)
            current.append(_Var(path, escape=not (triple or kind == "&")))
        if stack:
            open_name, _, _, _, _, open_line = stack[-1]
            raise TemplateError(
                f"Mustache section {{{{#{open_name}}}}} opened on line {open_line} is never "
                f"closed; add {{{{/{open_name}}}}}."
            )
        return tuple(_merge_text(root))


def _merge_text(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        if isinstance(node, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + node
        else:
            out.append(node)
    return out


def _step(scope: Any, key: str) -> Any:
    """One step of name resolution: a dict key or a list index, nothing else."""
    if isinstance(scope, dict):
        return scope.get(key, _MISSING)
    if isinstance(scope, (list, tuple)) and key.isdigit():
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

    __slots__ = ("_escape", "_nodes", "source", "variables")

    template_format: Final[Literal["mustache"]] = "mustache"
    source: str
    variables: tuple[str, ...]
    _escape: bool
    _nodes: tuple[_Node, ...]

    def __init__(self, template: str, *, escape: bool = False) -> None:
        parsed = _Parser(template).parse()
        names: dict[str, None] = {}
        for node in parsed:
            if isinstance(node, (_Var, _Section)) and node.path:
                names[node.path[0]] = None
        self._init(source=template, variables=tuple(names), _escape=escape, _nodes=parsed)

    def render(self, values: Mapping[str, Any], /) -> str:
        """Render with ``values``; every top-level variable must be present."""
        check_variables(self.variables, values)
        out: list[str] = []
        # Lookups only ever use dict semantics, so a non-dict mapping is copied into one.
        root = values if type(values) is dict else dict(values)
        self._render(self._nodes, [root], out, [MAX_OUTPUT_LENGTH])
        return "".join(out)

    def _render(
        self, nodes: tuple[_Node, ...], scopes: list[Any], out: list[str], budget: list[int]
    ) -> None:
        # ``budget`` holds the characters still allowed: nested sections over lists multiply
        # output, and a hostile template must not be able to turn that into gigabytes.
        for node in nodes:
            if type(node) is str:
                text = node
            elif type(node) is _Var:
                text = _to_text(_lookup(node.path, scopes))
                if node.escape and self._escape:
                    text = _html_escape(text)
            else:
                assert type(node) is _Section
                self._render_section(node, scopes, out, budget)
                continue
            budget[0] -= len(text)
            if budget[0] < 0:
                raise UnsafeTemplateError(
                    f"Rendering the mustache template {self.source[:60]!r} would produce more "
                    f"than {MAX_OUTPUT_LENGTH} characters."
                )
            out.append(text)

    def _render_section(
        self, node: _Section, scopes: list[Any], out: list[str], budget: list[int]
    ) -> None:
        value = _lookup(node.path, scopes)
        if value is _MISSING:
            value = None
        if node.inverted:
            if not value:
                self._render(node.children, scopes, out, budget)
            return
        if isinstance(value, (list, tuple)):
            items: Sequence[Any] = value
        elif value:
            items = (value,)
        else:
            return
        for item in items:
            scopes.append(item)
            try:
                self._render(node.children, scopes, out, budget)
            finally:
                scopes.pop()

    def __repr__(self) -> str:
        return f"MustacheTemplate({self.source!r})"
