"""``pipes/__init__.py``: one table of public names (``_EXPORTS``) drives everything else.

The table feeds the lazy loader (``__getattr__``) at run time; the imports type checkers read
(eager ones for ``_core``/``_errors``, ``TYPE_CHECKING`` ones for the rest) and ``__all__``
are generated from it into the marked block, because type checkers need them written out.

After editing the table, regenerate the block::

    python tests/test_init.py

The tests below fail while the block, ``__all__``, the loader and the layers disagree.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INIT = ROOT / "pipes" / "__init__.py"
BEGIN = "# -- generated from _EXPORTS by tests/test_init.py (python tests/test_init.py) --"
END = "# -- end of the generated block --"


def _table() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """``_EXPORTS`` and ``_EAGER`` as written in pipes/__init__.py (read, not imported)."""
    found: dict[str, object] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("_EXPORTS", "_EAGER"):
                assert node.value is not None
                found[target.id] = ast.literal_eval(node.value)
    exports, eager = found["_EXPORTS"], found["_EAGER"]
    assert isinstance(exports, dict)
    assert isinstance(eager, tuple)
    return exports, eager


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's isort order inside one import: CONSTANTS, then Classes, then functions.
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def _import(module: str, names: tuple[str, ...], indent: str) -> list[str]:
    body = [f"{indent}    {name}," for name in sorted(names, key=_isort_key)]
    return [f"{indent}from .{module} import (", *body, f"{indent})"]


def render(exports: dict[str, tuple[str, ...]], eager: tuple[str, ...]) -> str:
    """The generated block for ``exports``, as ruff formats it."""
    lines = [BEGIN]
    for module in sorted(eager):
        lines += _import(module, exports[module], "")
    lines += ["", "if TYPE_CHECKING:"]
    for module in sorted(m for m in exports if m not in eager):
        lines += _import(module, exports[module], "    ")
    everything = sorted({*(n for names in exports.values() for n in names), "__version__"})
    lines += ["", "__all__ = [", *(f'    "{name}",' for name in everything), "]", END]
    return "\n".join(lines)


def _current_block(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def regenerate() -> bool:
    """Rewrite the block from the table; True when it changed."""
    text = INIT.read_text(encoding="utf-8")
    new = text.replace(_current_block(text), render(*_table()))
    if new != text:
        INIT.write_text(new, encoding="utf-8")
    return new != text


def test_the_generated_block_matches_the_table() -> None:
    text = INIT.read_text(encoding="utf-8")
    assert _current_block(text) == render(*_table()), (
        "pipes/__init__.py: the imports or __all__ disagree with _EXPORTS; "
        "run `python tests/test_init.py` to regenerate them"
    )


def test_each_name_is_in_the_table_once() -> None:
    exports, _ = _table()
    names = [name for module_names in exports.values() for name in module_names]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"listed under two modules in _EXPORTS: {twice}"


def test_the_table_names_what_each_module_exports() -> None:
    # A name a layer makes public (its __all__) is public in pipes too, and the other way round.
    exports, _ = _table()
    listed = {name for names in exports.values() for name in names}
    for module, names in exports.items():
        layer = importlib.import_module(f"pipes.{module}")
        missing = [name for name in names if not hasattr(layer, name)]  # layers load lazily too
        assert not missing, f"_EXPORTS lists {missing} under {module}, which has no such names"
        unlisted = sorted(set(getattr(layer, "__all__", ())) - listed)
        assert not unlisted, f"pipes.{module}.__all__ has {unlisted}, missing from _EXPORTS"


def test_every_public_name_resolves_to_the_layers_object() -> None:
    import pipes

    exports, _ = _table()
    for module, names in exports.items():
        layer = importlib.import_module(f"pipes.{module}")
        for name in names:
            assert getattr(pipes, name) is getattr(layer, name), name
    assert sorted(dir(pipes)) == sorted(pipes.__all__)


def test_star_import_and_unknown_names() -> None:
    namespace: dict[str, object] = {}
    exec("from pipes import *", namespace)
    import pipes

    assert set(pipes.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="module 'pipes' has no attribute 'Nope'"):
        pipes.Nope


def test_import_pipes_loads_only_the_eager_layers() -> None:
    code = (
        "import sys, pipes\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipes.') and m.count('.') == 1))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
    ).stdout
    _, eager = _table()
    assert ast.literal_eval(out) == sorted(f"pipes.{module}" for module in eager)


if __name__ == "__main__":
    print("pipes/__init__.py regenerated" if regenerate() else "pipes/__init__.py is up to date")
