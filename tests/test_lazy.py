"""Packages that load their names on first use (``pipes._lazy.lazy_getattr``) list each name
three times, for three readers: the ``TYPE_CHECKING`` imports (type checkers), ``_LAZY`` (the
loader) and ``__all__`` (star imports, pipes' re-export). These tests hold the three together.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import pipes

ROOT = Path(__file__).resolve().parents[1]


def _lazy_packages() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(pipes.__path__, "pipes."):
        if not info.ispkg:
            continue
        init = ROOT / Path(*info.name.split(".")) / "__init__.py"
        if "lazy_getattr(" in init.read_text(encoding="utf-8"):
            found.append(info.name)
    return found


PACKAGES = _lazy_packages()


def test_the_lazy_packages_are_found() -> None:
    assert {"pipes._core", "pipes._prompts", "pipes._load"} <= set(PACKAGES)


def _type_checking_imports(package: str) -> dict[str, str]:
    """name -> absolute module, from the package's ``if TYPE_CHECKING:`` imports."""
    init = ROOT / Path(*package.split(".")) / "__init__.py"
    imported: dict[str, str] = {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
                module = statement.module or ""
                if statement.level:
                    module = f"{package}.{module}"
                for alias in statement.names:
                    imported[alias.asname or alias.name] = module
    return imported


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_table_and_all_agree(package: str) -> None:
    module: ModuleType = importlib.import_module(package)
    table: dict[str, str] = module._LAZY
    assert sorted(module.__all__) == sorted(table), f"{package}: __all__ and _LAZY differ"
    assert _type_checking_imports(package) == table, (
        f"{package}: the TYPE_CHECKING imports and _LAZY name different modules"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_each_name_loads_its_modules_object(package: str) -> None:
    # In a fresh interpreter, so that nothing is loaded yet.
    code = (
        "import importlib, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "for name, module in package._LAZY.items():\n"
        "    value = getattr(package, name)\n"
        "    assert value is getattr(sys.modules[module], name), name\n"
        "    assert package.__dict__[name] is value, name  # cached: looked up once\n"
        "try:\n"
        "    package.Nope\n"
        "except AttributeError as exc:\n"
        f"    assert str(exc) == \"module {package!r} has no attribute 'Nope'\", exc\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT)
