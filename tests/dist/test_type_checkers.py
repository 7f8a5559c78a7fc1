"""A user's type checker on Python 3.11/3.12 sees *this* ``pipes`` only with the documented setting.

Tried as a user would: the wheel installed into a fresh virtualenv, a project of one ``app.py``
outside the repository, ``mypy --strict`` and pyright run there. Without a setting both checkers
resolve ``import pipes`` to typeshed's stub of the deprecated standard-library module (it comes
before installed packages in their search order, and no ``pipes-stubs`` package or marker in
the wheel changes that); with ``python_version`` / ``pythonVersion = "3.13"`` that stub does not
exist and the installed package is found. The README, getting-started and the typing page say so;
these tests hold them to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs._checkers import PYRIGHT, pyright_unavailable

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.version_info >= (3, 13),
        reason="the stdlib `pipes` stub applies to Python 3.11/3.12 only (the 3.11 run checks it)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "concepts" / "typing.md"

APP = """\
from typing import reveal_type

from pipes import RunnableLambda


def double(x: int) -> int:
    return x * 2


reveal_type(RunnableLambda(double))
"""

#: What the docs tell a user to put in their pyproject.toml (checked against the page below).
SETTING = """\
[tool.mypy]
python_version = "3.13"

[tool.pyright]
pythonVersion = "3.13"
"""


def _project(tmp_path: Path, *, with_setting: bool) -> Path:
    project = tmp_path / "user-project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    if with_setting:
        (project / "pyproject.toml").write_text(SETTING)
    return project


def _run(command: list[str], project: Path) -> str:
    # Nothing of the checkout: no PYTHONPATH (the test run sets it to the repository).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    proc = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    return proc.stdout + proc.stderr


def _mypy(project: Path, python: Path) -> str:
    return _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-executable",
            str(python),
            "--cache-dir",
            str(project / ".mypy_cache"),
            "app.py",
        ],
        project,
    )


def _pyright(project: Path, python: Path) -> str:
    reason = pyright_unavailable()
    if reason:
        pytest.skip(reason)
    return _run([str(PYRIGHT), "--pythonpath", str(python), "app.py"], project)


def test_the_docs_give_this_setting() -> None:
    for line in SETTING.strip().splitlines():
        if line:
            assert line in DOC.read_text(), f"docs/concepts/typing.md no longer says {line!r}"


def test_mypy_without_the_setting_sees_the_stdlib_stub(fresh_python: Path, tmp_path: Path) -> None:
    out = _mypy(_project(tmp_path, with_setting=False), fresh_python)
    assert 'Module "pipes" has no attribute "RunnableLambda"' in out, out


def test_mypy_with_the_setting_sees_the_installed_package(
    fresh_python: Path, tmp_path: Path
) -> None:
    out = _mypy(_project(tmp_path, with_setting=True), fresh_python)
    assert 'Revealed type is "pipes._core._lambda.RunnableLambda[int, int]"' in out, out
    assert "error" not in out, out


def test_pyright_without_the_setting_sees_the_stdlib_stub(
    fresh_python: Path, tmp_path: Path
) -> None:
    out = _pyright(_project(tmp_path, with_setting=False), fresh_python)
    assert '"RunnableLambda" is unknown import symbol' in out, out


def test_pyright_with_the_setting_sees_the_installed_package(
    fresh_python: Path, tmp_path: Path
) -> None:
    out = _pyright(_project(tmp_path, with_setting=True), fresh_python)
    assert 'Type of "RunnableLambda(double)" is "RunnableLambda[int, int]"' in out, out
    assert "0 errors" in out, out
