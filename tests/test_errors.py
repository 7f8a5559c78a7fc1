"""The exception tree drawn in docs/concepts/errors.md is the one pipes raises."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "concepts" / "errors.md"

# Every layer that may define an exception: importing them all registers every subclass.
LAYERS = (
    "_errors",
    "_core",
    "_messages",
    "_schema",
    "_prompts",
    "_parsers",
    "_tools",
    "_models",
    "_load",
)


def _documented_tree() -> dict[str, str | None]:
    """Exception -> its parent, from the ``text`` block of the tree (indentation gives depth)."""
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("```text\nPipesError") + len("```text\n") :]
    block = block[: block.index("```")]
    tree: dict[str, str | None] = {}
    path: list[str] = []
    for line in block.splitlines():
        match = re.match(r"^([│├└─ ]*)(\w+)\(", line)
        assert match, f"cannot read the tree line {line!r}"
        depth = len(match.group(1)) // 4
        del path[depth:]
        tree[match.group(2)] = path[-1] if path else None
        path.append(match.group(2))
    return tree


def _pipes_tree() -> dict[str, str | None]:
    """Each exception class pipes defines (not its providers) -> its pipes parent."""
    for layer in LAYERS:
        importlib.import_module(f"pipes.{layer}")
    importlib.import_module("pipes.testing")
    importlib.import_module("pipes.serve")
    from pipes import PipesError

    tree: dict[str, str | None] = {"PipesError": None}
    pending: list[type[BaseException]] = [PipesError]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] != "pipes":
                continue  # providers' errors are documented on their own pages
            tree[sub.__name__] = cls.__name__
            pending.append(sub)
    return tree


def test_the_documented_tree_is_the_real_one() -> None:
    assert _documented_tree() == _pipes_tree()


def test_every_exception_is_public() -> None:
    import pipes
    import pipes.serve
    import pipes.testing

    for name in _pipes_tree():
        assert any(hasattr(module, name) for module in (pipes, pipes.testing, pipes.serve)), name
