"""The built wheel installs and imports as *this* pipes, even where the stdlib has a ``pipes``."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("pipes_llm-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with only the wheel installed (dependencies borrowed read-only)."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The runtime dependencies come from this test run's environment, appended *after* the new
    # venv's own site-packages, so nothing of the checkout is importable there.
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    deps = sysconfig.get_paths()["purelib"]
    (site_packages / "zz_borrowed_deps.pth").write_text(deps + "\n")
    return python


def test_wheel_ships_the_shadow_fix_and_typing_markers(wheel: Path) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"pipes/py.typed", "pipes_openai/py.typed", "pipes_llm.pth", "_pipes_site.py"} <= names


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
