"""A small doc-example runner: the python blocks of a Markdown page, run in order.

Rules (written for doc authors in ``docs/contributing-docs.md``):

* Every fenced block whose info string is ``python`` (or ``py``) runs, in page order, in one
  fresh namespace per page. Top-level ``await`` is allowed (the block then runs under
  ``asyncio.run``).
* ``<!-- no-run: why -->`` on the line(s) just before a fence skips that block; the reason is
  mandatory, so readers and reviewers can see why an example is not checked.
* ``<!-- output -->`` just before a ``text`` fence: that block is the expected stdout of the
  python block before it (``...`` matches anything, whitespace is normalised, as in doctest);
  after a skipped block it is shown but not checked.
* ``<!-- setup`` ... ``-->``: hidden python run at that point (e.g. to queue an emulator reply
  so the visible output is realistic). It sees ``doc_emulator`` and ``doc_setenv(name, value)``
  (undone after the page) when the runner provides them.
* ``<!-- typecheck -->`` before a python fence: the block is not run but type-checked with
  ``mypy --strict`` as a file named ``example.py``; an ``<!-- output -->`` block after it is
  mypy's expected verdict, an ``<!-- output: pyright -->`` block pyright's (see
  ``test_typecheck_examples``).
* ``<!-- pytest -->`` before a python fence: the block is a pytest test module; it is run with
  pytest, with the emulator's pytest plugin enabled (see ``test_pytest_examples``).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import doctest
import inspect
import io
import re
import sys
import textwrap
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Block", "DocExampleError", "parse_page", "run_page"]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_NO_RUN = re.compile(r"^\s*<!--\s*no-run\s*(?::\s*(?P<reason>.*?))?\s*-->\s*$")
_OUTPUT = re.compile(r"^\s*<!--\s*output(?::\s*(?P<checker>pyright))?\s*-->\s*$")
_SETUP_OPEN = re.compile(r"^\s*<!--\s*setup\s*$")
_TYPECHECK = re.compile(r"^\s*<!--\s*(typecheck|pytest)\s*-->\s*$")
_RUN_LANGS = frozenset({"python", "py"})
_CHECKER = doctest.OutputChecker()
_CHECK_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class DocExampleError(AssertionError):
    """A doc example failed: names the page, the line and what went wrong."""


@dataclass
class Block:
    """One fenced block (or hidden setup) of a page."""

    kind: str  # "run", "skip", "typecheck", "pytest", "output", "setup", "other"
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    reason: str = ""
    expected_output: str | None = field(default=None)
    #: For a typecheck block: pyright's expected verdict (``<!-- output: pyright -->``).
    pyright_output: str | None = field(default=None)


def parse_page(text: str) -> list[Block]:
    """Split a Markdown page into blocks, applying the markers (see the module docstring)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    # ("no-run", reason), ("output", ""), ("typecheck", "") or ("pytest", "")
    marker: tuple[str, str] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _SETUP_OPEN.match(line):
            start = i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != "-->":
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise DocExampleError(f"line {start + 1}: `<!-- setup` is never closed by `-->`")
            blocks.append(Block("setup", "python", textwrap.dedent("\n".join(body)), start + 1))
            i += 1
            continue
        no_run = _NO_RUN.match(line)
        if no_run:
            reason = (no_run.group("reason") or "").strip()
            if not reason:
                raise DocExampleError(
                    f"line {i + 1}: `<!-- no-run -->` needs a reason, e.g. "
                    "`<!-- no-run: needs a real OPENAI_API_KEY -->`"
                )
            marker = ("no-run", reason)
            i += 1
            continue
        output = _OUTPUT.match(line)
        if output:
            marker = ("output", output.group("checker") or "")
            i += 1
            continue
        tool = _TYPECHECK.match(line)
        if tool:
            marker = (tool.group(1), "")
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence is None:
            if line.strip() and marker is not None:
                raise DocExampleError(
                    f"line {i + 1}: a `<!-- {marker[0]} -->` marker must be followed by a "
                    "fenced code block"
                )
            i += 1
            continue
        indent, ticks = fence.group("indent"), fence.group("fence")
        lang = fence.group("info").strip().split(" ")[0].lower() if fence.group("info") else ""
        start = i
        body = []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(ticks[0] * len(ticks)) and not closing.strip(ticks[0]):
                break
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        if i == len(lines):
            raise DocExampleError(f"line {start + 1}: code fence is never closed")
        i += 1
        code = "\n".join(body) + "\n"
        if marker is not None and marker == ("output", "pyright"):
            # Follows a typecheck block, or its mypy output block.
            target = blocks[-2] if blocks and blocks[-1].kind == "output" else None
            target = target if target is not None else (blocks[-1] if blocks else None)
            if target is None or target.kind != "typecheck":
                raise DocExampleError(
                    f"line {start + 1}: an `<!-- output: pyright -->` block must follow a "
                    "`<!-- typecheck -->` block (or its mypy output block)"
                )
            target.pyright_output = code
            blocks.append(Block("output", lang, code, start + 1))
        elif marker is not None and marker[0] == "output":
            # After a skipped block the output is shown but cannot be checked.
            if not blocks or blocks[-1].kind not in ("run", "typecheck", "skip"):
                raise DocExampleError(
                    f"line {start + 1}: an `<!-- output -->` block must directly follow a "
                    "python block"
                )
            blocks[-1].expected_output = code
            blocks.append(Block("output", lang, code, start + 1))
        elif lang in _RUN_LANGS:
            if marker is not None and marker[0] in ("typecheck", "pytest"):
                blocks.append(Block(marker[0], lang, code, start + 1))
            elif marker is not None:
                blocks.append(Block("skip", lang, code, start + 1, reason=marker[1]))
            else:
                blocks.append(Block("run", lang, code, start + 1))
        else:
            if marker is not None:
                raise DocExampleError(
                    f"line {start + 1}: `<!-- {marker[0]} -->` before a {lang or 'plain'} "
                    "block; it only applies to python blocks"
                )
            blocks.append(Block("other", lang, code, start + 1))
        marker = None
    return blocks


def _execute(code: str, namespace: dict[str, Any], filename: str) -> None:
    # dont_inherit: this module's `from __future__ import annotations` must not leak into the
    # examples (pydantic would then see string annotations).
    compiled = compile(
        code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    if compiled.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(compiled, namespace))
    else:
        exec(compiled, namespace)


def run_page(path: Path, extra_globals: dict[str, Any] | None = None) -> list[Block]:
    """Run every runnable block of ``path`` in order; raise :class:`DocExampleError` on failure.

    Returns the page's blocks (for reporting).
    """
    text = path.read_text(encoding="utf-8")
    try:
        blocks = parse_page(text)
    except DocExampleError as exc:
        raise DocExampleError(f"{path}: {exc}") from None
    # A real module in sys.modules, like a script's __main__: pydantic, dataclasses and pickle
    # look classes' modules up there.
    module = types.ModuleType("__doc_example__")
    namespace: dict[str, Any] = module.__dict__
    if extra_globals:
        namespace.update(extra_globals)
    previous = sys.modules.get(module.__name__)
    sys.modules[module.__name__] = module
    try:
        _run_blocks(path, blocks, namespace)
    finally:
        if previous is None:
            sys.modules.pop(module.__name__, None)
        else:
            sys.modules[module.__name__] = previous
    return blocks


def _run_blocks(path: Path, blocks: list[Block], namespace: dict[str, Any]) -> None:
    for block in blocks:
        if block.kind not in ("run", "setup"):
            continue
        # Blank lines in front keep tracebacks' line numbers equal to the page's.
        source = "\n" * block.line + block.code
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                _execute(source, namespace, str(path))
        except Exception as exc:
            where = "hidden setup" if block.kind == "setup" else "example"
            raise DocExampleError(
                f"{path}:{block.line}: {where} failed with {type(exc).__name__}: {exc}\n"
                f"--- code ---\n{block.code}--- traceback ---\n{traceback.format_exc()}"
                f"--- printed before the failure ---\n{out.getvalue()}"
            ) from exc
        expected = block.expected_output
        if expected is not None and not _CHECKER.check_output(
            expected, out.getvalue(), _CHECK_FLAGS
        ):
            raise DocExampleError(
                f"{path}:{block.line}: the example printed something else than the page shows\n"
                f"--- code ---\n{block.code}--- page says ---\n{expected}"
                f"--- printed ---\n{out.getvalue()}"
            )
