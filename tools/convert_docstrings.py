"""One-off: turn the reST-flavoured docstrings of ``pipes/`` and ``pipes_openai/`` into the one
style the API reference renders — Google-style sections with Markdown inside (mkdocstrings'
``docstring_style: google``).

Run once by the integrator after all branches have merged, from the repository root, with the
project importable (cross-references are resolved against the public API), then delete this
file::

    PYTHONPATH=. .venv/bin/python tools/convert_docstrings.py          # rewrites in place
    PYTHONPATH=. .venv/bin/python tools/convert_docstrings.py --check  # exit 1 if any change

What changes (docstrings only: every bare string statement; code and comments are untouched):

* ``` ``code`` ``` -> `` `code` ``; ``` ``x``\\ s ``` -> `` `x`s ``.
* ``:class:`X` ``, ``:meth:``, ``:func:``, ``:attr:``, ``:mod:``, ``:data:``, ``:exc:``,
  ``:obj:`` -> an autorefs link `` [`X`][pipes.X] `` when the target is part of the documented
  public API (so the reference links it), else `` `X` ``. ``~`` keeps the last component.
* ``Example::`` / ``Examples::`` at the docstring's top level + an indented block -> a Google
  ``Example:`` section holding a fenced block; ``text::`` + an indented block -> ``text:`` and a
  fenced block. The fence is ``python`` when the block parses as Python, else ``text``.
* Runs of ``>>>`` lines (and their output) outside fences -> a ``pycon`` fenced block.
* reST simple tables (``=== ===`` borders) -> a Markdown table, or a bullet list when the table
  has no header row.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("pipes", "pipes_openai")
LINE_LENGTH = 100  # ruff's line-length for the project

#: The modules the API reference renders, and which of their names it renders (None: __all__).
#: Keep in step with docs/reference/*.md.
DOCUMENTED: dict[str, tuple[str, ...] | None] = {
    "pipes": None,
    "pipes.testing": None,
    "pipes_openai": None,
    "pipes_openai.emulator": (
        "Emulator",
        "Reply",
        "ToolCall",
        "Fault",
        "Quirk",
        "CassetteMiss",
        "synthesize",
        "count_tokens",
        "tokenize",
        "RecordedRequest",
    ),
}

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj):`(?P<target>[^`]+)`")
# reST's inline literal: exactly two backticks, no space just inside them (Markdown's
# "`` x ``" form, which this script writes for code holding a backtick, has spaces there).
_DOUBLE = re.compile(r"(?<!`)``(?![ `])(?P<code>(?:(?!``).)+?)(?<! )``(?!`)(?P<glue>\\\\ |\\ )?")
_TWO = re.compile(r"(?<!`)``(?!`)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_FENCE = re.compile(r"(?<=[^\s`] )```\w*")
_BORDER = re.compile(r"^\s*=+(?: +=+)+\s*$")
_LITERAL_INTRO = re.compile(r"^(?P<indent>\s*)(?P<text>.*?)(?P<colons>::)\s*$")
_EXAMPLE_TITLE = re.compile(r"^Examples?$")
_LITERAL = re.compile(r"(?P<prefix>[rRuU]*)(?P<q>\"\"\"|\'\'\')(?P<body>.*)(?P=q)", re.S)


# -- cross-references --------------------------------------------------------------------------


class Resolver:
    """Maps a role's target to the id the rendered reference gives it, when it renders it."""

    def __init__(self) -> None:
        self.public: dict[str, tuple[str, object]] = {}
        for module_name, names in DOCUMENTED.items():
            module = importlib.import_module(module_name)
            listed = names if names is not None else tuple(getattr(module, "__all__", ()))
            for name in listed:
                self.public.setdefault(name, (module_name, getattr(module, name)))

    def resolve(self, target: str) -> str | None:
        parts = [p for p in target.lstrip(".").split(".") if p]
        for start in range(len(parts)):
            head = parts[start]
            if head not in self.public:
                continue
            module_name, obj = self.public[head]
            for attr in parts[start + 1 :]:
                # Only members the reference renders: public, defined on the class itself (not
                # inherited) and documented.
                owned = inspect.getattr_static(obj, attr, None)
                if attr.startswith("_") or attr not in getattr(obj, "__dict__", {}):
                    return None
                doc = inspect.getdoc(owned)
                if not doc or doc == inspect.getdoc(type(owned)):
                    return None
                obj = owned
            return ".".join([module_name, *parts[start:]])
        return None


def _code(text: str) -> str:
    # A code span that survives backticks inside it.
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def convert_inline(line: str, resolver: Resolver | None) -> str:
    """Roles and double backticks of one line of prose."""

    def role(match: re.Match[str]) -> str:
        target = match.group("target").strip()
        shown = target
        if target.startswith("~"):
            target = target[1:]
            shown = target.rsplit(".", 1)[-1]
        # `Title <target>` form: show the title.
        explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", target)
        if explicit:
            shown, target = explicit.group("title"), explicit.group("target")
        ident = resolver.resolve(target) if resolver is not None else None
        return f"[{_code(shown)}][{ident}]" if ident else _code(shown)

    # A fence mentioned in prose ("fenced in ```json or not") becomes a code span; set aside
    # first so the double-backtick rule does not read its backticks.
    fences: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        fences.append(match.group(0))
        return f"\0{len(fences) - 1}\0"

    line = _INLINE_FENCE.sub(set_aside, line)
    line = _ROLE.sub(role, line)
    line = _DOUBLE.sub(lambda m: _code(m.group("code")), line)
    return re.sub("\0(\\d+)\0", lambda m: _code(fences[int(m.group(1))]), line)


# -- blocks ------------------------------------------------------------------------------------


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _fence_language(code: str) -> str:
    try:
        ast.parse(code)
    except SyntaxError:
        return "text"
    return "python"


def _take_indented(lines: list[str], start: int, parent: int) -> tuple[list[str], int]:
    """Lines from ``start`` indented deeper than ``parent`` (blank lines inside kept)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent_of(lines[end]) > parent):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end], end


def _table(lines: list[str], start: int) -> tuple[list[str], int] | None:
    """A reST simple table starting at ``start`` (a border line) as Markdown, and where it ends."""
    border = lines[start]
    indent = " " * _indent_of(border)
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    borders = [start]
    end = start + 1
    while end < len(lines) and lines[end].strip():
        if _BORDER.match(lines[end]):
            borders.append(end)
        end += 1
    if len(borders) < 2 or borders[-1] != end - 1:
        return None
    header_rows: list[list[str]] = []
    body_start = start + 1
    if len(borders) == 3:
        header_rows = [_cells(lines[i], spans) for i in range(start + 1, borders[1])]
        body_start = borders[1] + 1
    rows: list[list[str]] = []
    for raw in lines[body_start : borders[-1]]:
        first = raw[: spans[0][1] + 1].strip()
        if first or not rows:
            rows.append(_cells(raw, spans))
        else:  # a continuation: blank first column
            for i, cell in enumerate(_cells(raw, spans)):
                rows[-1][i] = f"{rows[-1][i]} {cell}".strip()
    out: list[str] = []
    if header_rows:
        header = [" ".join(c).strip() for c in zip(*header_rows, strict=True)]
        out.append(indent + "| " + " | ".join(header) + " |")
        out.append(indent + "|" + "|".join("---" for _ in header) + "|")
        out += [indent + "| " + " | ".join(row) + " |" for row in rows]
    else:
        out += [indent + f"- {_code(row[0])}: " + " ".join(row[1:]) for row in rows]
    return out, end


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    if len(spans) == 2:
        # Two columns: the first cell is the first word even when it overflows its column.
        if not line[: spans[0][1]].strip():
            return ["", line.strip()]
        first, _, rest = line.strip().partition(" ")
        return [first, rest.strip()]
    cells = []
    for i, (begin, _) in enumerate(spans):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(line)
        cells.append(line[begin:stop].strip())
    return cells


def convert_body(
    body: str, resolver: Resolver | None, first_offset: int = 0, code_indent: int = 0
) -> str:
    """One docstring's text (as written in the source) in the new style.

    ``first_offset``: the column where the text starts in the source (after the quotes);
    ``code_indent``: the column of the opening quotes (a one-line docstring's top level).
    """
    lines = _join_split_spans(body.split("\n"))
    # The docstring's top level: the least indentation of its lines after the first.
    rest = [_indent_of(line) for line in lines[1:] if line.strip()]
    base = min(rest) if rest else code_indent
    out: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append(line)
            i += 1
            continue
        if in_fence:
            out.append(line)
            i += 1
            continue
        if _BORDER.match(line):
            table = _table(lines, i)
            if table is not None:
                converted, i = table
                out += [convert_inline(row, resolver) for row in converted]
                continue
        if line.lstrip().startswith(">>>"):
            indent = " " * _indent_of(line)
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            out += [f"{indent}```pycon", *lines[i:end], f"{indent}```"]
            i = end
            continue
        intro = _LITERAL_INTRO.match(line)
        if intro and i + 1 < len(lines):
            # The first line sits right after the quotes: it belongs to the top level.
            parent = base if i == 0 else _indent_of(line)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and _indent_of(lines[j]) > parent:
                block, end = _take_indented(lines, j, parent)
                code = textwrap.dedent("\n".join(block))
                text = intro.group("text").rstrip()
                lang = _fence_language(code)
                if _EXAMPLE_TITLE.match(text) and (i == 0 or parent == base):
                    # A Google section: its content indented one level below the title.
                    pad = " " * (parent + 4)
                    out.append(" " * parent + "Example:")
                else:
                    pad = " " * parent
                    if text:
                        # reST's "text::" shows as "text:"; a lone "::" shows nothing.
                        out.append(convert_inline(" " * parent + text + ":", resolver))
                    out.append("")
                out.append(f"{pad}```{lang}")
                out += [f"{pad}{row}" if row.strip() else "" for row in code.split("\n")]
                out.append(f"{pad}```")
                i = end
                continue
        out.append(convert_inline(line, resolver))
        i += 1
    return "\n".join(_wrap(out, base, first_offset))


_SECTION = re.compile(
    r"^(?:Args|Arguments|Parameters|Params|Keyword Args|Other Parameters|Raises|Exceptions|"
    r"Returns|Yields|Receives|Warns|Attributes|Methods|Functions|Classes|Modules):\s*$"
)
_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+\.) ")


def _is_prose(line: str) -> bool:
    text = line.strip()
    return bool(text) and not (
        _FENCE.match(line) or _LIST_ITEM.match(line) or _SECTION.match(text) or text == "Example:"
    )


def _wrap(lines: list[str], base: int, first_offset: int) -> list[str]:
    """Break prose lines longer than LINE_LENGTH (a link is longer than the role it replaces).

    ``first_offset`` is where the first line starts in the source (after the quotes). The cut-off
    words join the next line when it continues the same paragraph, else get a line of their own,
    indented like the line (one level deeper for an item of a Google section, else griffe would
    read a new item; past the marker for a list item).
    """
    out: list[str] = []
    in_fence = False
    section_items: int | None = None
    pending = list(lines)
    index = 0
    while index < len(pending):
        line = pending[index]
        offset = first_offset if index == 0 else 0
        if _FENCE.match(line):
            in_fence = not in_fence
        if index and line.strip() and _indent_of(line) == base:
            section_items = base + 4 if _SECTION.match(line.strip()) else None
        # The last line is followed by the closing quotes.
        limit = LINE_LENGTH - offset - (3 if index == len(pending) - 1 else 0)
        cut = line.rfind(" ", _indent_of(line) + 1, limit + 1) if len(line) > limit else -1
        if in_fence or cut <= _indent_of(line):
            out.append(line)  # short enough, code, or one long word: leave it
            index += 1
            continue
        indent = base if index == 0 else _indent_of(line)
        item = _LIST_ITEM.match(line)
        deeper = len(item.group(0)) if item else indent + 4 if indent == section_items else indent
        out.append(line[:cut].rstrip())
        rest = line[cut + 1 :].lstrip()
        following = pending[index + 1] if index + 1 < len(pending) else ""
        if _is_prose(following) and _indent_of(following) == deeper:
            pending[index + 1] = " " * deeper + rest + " " + following.lstrip()
        else:
            pending.insert(index + 1, " " * deeper + rest)
        index += 1
    return out


def _join_split_spans(lines: list[str]) -> list[str]:
    """A ``code`` span broken over two lines becomes one Markdown span over the same lines."""
    out = list(lines)
    for index in range(len(out) - 1):
        here = list(_TWO.finditer(out[index]))
        there = _TWO.search(out[index + 1])
        if len(here) % 2 and there is not None:
            last = here[-1]
            out[index] = out[index][: last.start()] + "`" + out[index][last.end() :]
            following = out[index + 1]
            out[index + 1] = following[: there.start()] + "`" + following[there.end() :]
    return out


# -- files -------------------------------------------------------------------------------------


def _docstrings(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.value


def _char_col(line: str, byte_col: int) -> int:
    # ast's column offsets count UTF-8 bytes.
    return len(line.encode("utf-8")[:byte_col].decode("utf-8"))


def convert_source(source: str, resolver: Resolver | None) -> str:
    """The module's source with every docstring converted."""
    lines = source.splitlines(keepends=True)
    nodes = sorted(_docstrings(ast.parse(source)), key=lambda n: (n.lineno, n.col_offset))
    for node in reversed(nodes):
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        first, last = node.lineno - 1, node.end_lineno - 1
        start = _char_col(lines[first], node.col_offset)
        stop = _char_col(lines[last], node.end_col_offset)
        literal = "".join(lines[first : last + 1])
        # Offsets into the joined text of those lines.
        tail = len(lines[last]) - stop
        literal_text = literal[start : len(literal) - tail]
        match = _LITERAL.fullmatch(literal_text)
        if match is None:
            continue  # a one-quote string statement: not a docstring worth converting
        quotes_end = start + len(match.group("prefix")) + 3
        body = convert_body(match.group("body"), resolver, quotes_end, start)
        new_literal = match.group("prefix") + match.group("q") + body + match.group("q")
        replaced = literal[:start] + new_literal + literal[len(literal) - tail :]
        lines[first : last + 1] = [replaced]
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", default=".", type=Path, help="the repository root")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    sys.path.insert(0, str(root))
    resolver = Resolver()
    changed = 0
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            new = convert_source(source, resolver)
            if new == source:
                continue
            ast.parse(new)  # never write a file that no longer parses
            changed += 1
            print(f"{'would convert' if args.check else 'converted'} {path.relative_to(root)}")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    print(f"{changed} file(s) {'to convert' if args.check else 'converted'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
