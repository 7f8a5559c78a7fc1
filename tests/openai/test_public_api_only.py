"""CI check: ``pipes`` never imports ``pipes_openai``; ``pipes_openai`` uses only public ``pipes``.

Public means the top-level package ``pipes`` and modules whose dotted path has no segment
starting with ``_`` (``pipes.testing``), and no ``_name`` imported from them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _is_private(module: str, names: list[str]) -> bool:
    parts = module.split(".")
    if any(part.startswith("_") for part in parts[1:]):
        return True
    # `from pipes import _messages` reaches a private module too.
    return any(name.startswith("_") for name in names)


def test_pipes_never_imports_pipes_openai() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / "pipes").rglob("*.py"))
        for line, module, _ in _imports(path)
        if module == "pipes_openai" or module.startswith("pipes_openai.")
    ]
    assert not offenders, "pipes must not import pipes_openai:\n" + "\n".join(offenders)


def test_pipes_openai_imports_only_public_pipes() -> None:
    offenders = []
    for path in sorted((ROOT / "pipes_openai").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for line, module, names in _imports(path):
            if (module == "pipes" or module.startswith("pipes.")) and _is_private(module, names):
                offenders.append(f"{rel}:{line}: {module} {names}")
    assert not offenders, "pipes_openai may import only public pipes modules:\n" + "\n".join(
        offenders
    )


def test_importing_pipes_does_not_import_pipes_openai_or_emulator() -> None:
    code = (
        "import sys, pipes, pipes.testing\n"
        "assert 'pipes_openai' not in sys.modules, 'pipes imported pipes_openai'\n"
        "import pipes_openai\n"
        "assert 'pipes_openai.emulator' not in sys.modules, 'emulator imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
