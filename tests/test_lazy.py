"""Packages that load their names on first use (``pipes._lazy.install_lazy_getattr``) write
each name twice, for two readers: one ``if TYPE_CHECKING:`` import (type checkers) and
``__all__`` (star imports, pipes' re-export). The loader's table, ``pipes._lazy.LAZY``, is
generated from the imports (``python tests/test_init.py``). These tests hold the three
together.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import pipes
from pipes._lazy import LAZY
from tests.test_init import type_checking_imports

ROOT = Path(__file__).resolve().parents[1]


def _lazy_packages() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(pipes.__path__, "pipes."):
        if info.ispkg and type_checking_imports(info.name.removeprefix("pipes.")):
            found.append(info.name)
    return found


PACKAGES = _lazy_packages()


def test_the_lazy_packages_are_found() -> None:
    assert {"pipes._core", "pipes._models", "pipes._prompts", "pipes._load"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_all_and_the_table_agree(package: str) -> None:
    module: ModuleType = importlib.import_module(package)
    imports = type_checking_imports(package.removeprefix("pipes."))
    assert sorted(module.__all__) == sorted(imports), (
        f"{package}: __all__ and the TYPE_CHECKING imports name different things"
    )
    wrong = {name: LAZY.get(name) for name, where in imports.items() if LAZY.get(name) != where}
    assert wrong == {}, "pipes._lazy.LAZY is stale: run `python tests/test_init.py`"


@pytest.mark.parametrize("package", PACKAGES)
def test_each_name_loads_its_modules_object(package: str) -> None:
    # In a fresh interpreter, so that nothing is loaded yet.
    code = (
        "import importlib, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "for name in package.__all__:\n"
        "    value = getattr(package, name)\n"
        "    assert package.__dict__[name] is value, name  # cached: looked up once\n"
        "try:\n"
        "    package.Nope\n"
        "except AttributeError as exc:\n"
        f"    assert str(exc) == \"module {package!r} has no attribute 'Nope'\", exc\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT)


def test_a_package_does_not_serve_another_packages_names() -> None:
    import pipes._core

    with pytest.raises(AttributeError, match=r"module 'pipes\._core' has no attribute 'AIMessage'"):
        pipes._core.AIMessage
