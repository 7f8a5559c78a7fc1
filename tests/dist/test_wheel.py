"""The built wheel installs and imports as *this* pipes, even where the stdlib has a ``pipes``."""

from __future__ import annotations

import email
import email.message
import os
import subprocess
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_wheel_ships_the_shadow_fix_and_typing_markers(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"pipes/py.typed", "pipes_openai/py.typed", "pipes_llm.pth", "_pipes_site.py"} <= names


def test_wheel_ships_the_playground_page_and_the_pipes_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "pipes/serve/playground.html" in names
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    assert "pipes = pipes.serve._cli:main" in scripts


def test_import_pipes_from_outside_the_checkout(fresh_python: Path, tmp_path: Path) -> None:
    script = tmp_path / "use_pipes.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, warnings
            warnings.simplefilter("error")  # a DeprecationWarning from the stdlib module fails
            import pipes
            from pipes import RunnableLambda
            assert (RunnableLambda(lambda x: x + 1) | (lambda x: x * 2)).invoke(1) == 4
            print(pipes.__file__)
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    result = subprocess.run(
        [str(fresh_python), str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    location = Path(result.stdout.strip())
    assert "site-packages" in location.parts, location
    assert ROOT not in location.parents


def test_import_pipes_with_python_dash_c(fresh_python: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(fresh_python), "-W", "error", "-c", "import pipes; print(pipes.Runnable.__name__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Runnable"


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(archive.read(name))


def test_metadata_names_the_license_as_pypi_and_pip_show_read_it(wheel: Path) -> None:
    # PEP 639: pip show prints License-Expression; PyPI shows it in the sidebar.
    metadata = _metadata(wheel)
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in zipfile.ZipFile(wheel).namelist())
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")], "PEP 639 forbids both"
    assert "llm" in (metadata["Keywords"] or "").split(",")


def test_the_pypi_description_marks_what_needs_a_checkout(wheel: Path) -> None:
    description = _metadata(wheel).get_payload()
    assert isinstance(description, str)
    # Repository-only commands appear only after the heading that says they need a clone.
    checkout = description.index("## From a checkout")
    for command in ("scripts/demo", "scripts/test"):
        assert description.index(command) > checkout, f"{command} is shown before the heading"
    # Relative links resolve on GitHub but are dead on PyPI.
    assert "](docs/" not in description
    assert "](./" not in description
