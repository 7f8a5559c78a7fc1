"""Google-style docstring parsing: the summary and the `Args:` descriptions.

Used for tool and function schemas, so a user's docstring becomes the description the model
reads:

```python
def search(query: str, limit: int = 5) -> str:
    '''Search the web.

    Args:
        query: What to look for.
        limit: How many results to return.
    '''

parse_google_docstring(inspect.getdoc(search))
# ('Search the web.', {'query': 'What to look for.', 'limit': 'How many results to return.'})
```
"""

from __future__ import annotations

import re
from collections.abc import Collection

from pipes._schema._errors import InvalidDocstringError

__all__ = ["parse_google_docstring", "without_args_section"]

# Section headers that end the summary; "Args:" (and its aliases) is the one we read.
_ARGS_HEADERS = frozenset({"args", "arguments", "parameters", "params", "attributes"})
_OTHER_HEADERS = frozenset(
    {
        "returns",
        "return",
        "yields",
        "yield",
        "raises",
        "raise",
        "example",
        "examples",
        "note",
        "notes",
        "see also",
        "warning",
        "warnings",
        "todo",
        "references",
    }
)
_HEADER_RE = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
# "name: desc", "name (int): desc", "name (int, optional): desc", "*args: desc"
_ARG_RE = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _header(line: str) -> str | None:
    match = _HEADER_RE.match(line.strip())
    if match is None:
        return None
    name = match.group(1).strip().lower()
    if name in _ARGS_HEADERS or name in _OTHER_HEADERS:
        return name
    return None


def parse_google_docstring(
    docstring: str | None,
    *,
    args: list[str] | None = None,
    error_on_invalid: bool = False,
    owner: str = "function",
    known: Collection[str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Split a cleaned docstring into its summary and per-argument descriptions.

    `args` are the parameter names the docstring should document; with
    `error_on_invalid=True` a docstring without an `Args:` section (when there are
    arguments) or documenting an argument that does not exist raises
    [`InvalidDocstringError`][pipes.InvalidDocstringError] naming `owner`. `known` lists every name
    the docstring may document (default: `args`), e.g. parameters hidden from the schema such as
    `config`.
    """
    if not docstring or not docstring.strip():
        if error_on_invalid and args:
            raise InvalidDocstringError(
                f"{owner} has no docstring, but parse_docstring=True expects a Google-style "
                f"docstring with a summary and an 'Args:' section documenting {args}. "
                "Add one, or pass parse_docstring=False."
            )
        return "", {}
    lines = docstring.expandtabs().splitlines()
    summary: list[str] = []
    descriptions: dict[str, str] = {}
    section: str | None = None
    saw_args_section = False
    arg_indent: int | None = None
    current: str | None = None
    for raw in lines:
        # Sections start at column 0 (callers pass inspect.getdoc/cleandoc output).
        header = _header(raw) if raw[:1] not in (" ", "") else None
        if header is not None:
            section = header
            if header in _ARGS_HEADERS:
                saw_args_section = True
            arg_indent = None
            current = None
            continue
        if section is None:
            summary.append(raw.strip())
            continue
        if section not in _ARGS_HEADERS:
            continue
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        if indent == 0:
            # Text back at column 0 ends the section (an unlabelled paragraph).
            section = "text"
            continue
        if arg_indent is None:
            arg_indent = indent
        match = _ARG_RE.match(raw.strip()) if indent <= arg_indent else None
        if match is not None:
            current = match.group(1)
            descriptions[current] = match.group(2).strip()
        elif current is not None:
            # A deeper-indented line continues the previous argument's description.
            joined = f"{descriptions[current]} {raw.strip()}"
            descriptions[current] = joined.strip()
    # Paragraphs of the summary are joined with a blank line kept as one space, like LangChain.
    text = " ".join(part for part in (" ".join(p.split()) for p in _paragraphs(summary)) if part)
    if error_on_invalid:
        wanted = [a for a in (args or []) if a not in {"self", "cls", "callbacks", "run_manager"}]
        if wanted and not saw_args_section:
            raise InvalidDocstringError(
                f"{owner} has a docstring without an 'Args:' section, but parse_docstring=True "
                f"expects one documenting {wanted}, e.g.\n\n    Args:\n        {wanted[0]}: ...\n\n"
                "Add it, or pass parse_docstring=False."
            )
        allowed = known if known is not None else args
        if allowed is not None:
            unknown = [name for name in descriptions if name not in allowed]
            if unknown:
                raise InvalidDocstringError(
                    f"{owner}'s docstring documents {unknown}, which are not among its "
                    f"arguments {list(allowed)}. Fix the 'Args:' section."
                )
    return text, descriptions


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def without_args_section(docstring: str) -> str:
    """`docstring` (cleaned) without its Google-style `Args:` section; the rest (summary,
    `Returns:`, `Example:` ...) is kept as written.

    The tool description the model reads: the arguments are described in the schema already.
    """
    kept: list[str] = []
    skipping = False
    for raw in docstring.expandtabs().splitlines():
        header = _header(raw) if raw[:1] not in (" ", "") else None
        if header is not None:
            skipping = header in _ARGS_HEADERS
            if skipping:
                continue
        elif skipping and raw.strip() and not raw[:1].isspace():
            skipping = False  # text back at column 0 ends the section
        if not skipping:
            kept.append(raw.rstrip())
    text = "\n".join(kept)
    # The section's surrounding blank lines collapse into one paragraph break.
    return re.sub(r"\n{3,}", "\n\n", text).strip()
