"""`pipes serve module:attribute`: target loading, defaults, clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipes.serve import ServeTargetError
from pipes.serve._cli import load_target, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "served_app_mod.py").write_text(
        "from pipes import RunnableLambda\n"
        "from pipes.serve import create_app\n"
        "chain = RunnableLambda(lambda x: x)\n"
        "app = create_app(chain)\n"
        "number = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "served_app_mod"


def test_a_runnable_or_an_app_is_served(app_module: str) -> None:
    from starlette.applications import Starlette

    assert isinstance(load_target(f"{app_module}:chain"), Starlette)
    assert isinstance(load_target(f"{app_module}:app"), Starlette)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "expected module:attribute"),
        ("no_such_module_xyz:app", "no module named 'no_such_module_xyz'"),
        ("{mod}:missing", "has no attribute 'missing' (runnables and apps in it: app, chain)"),
        ("{mod}:number", "is of type int, not a runnable or an app"),
        ("{mod}:create_app", "is of type function, not a runnable or an app"),
    ],
)
def test_bad_targets_are_named(app_module: str, target: str, message: str) -> None:
    with pytest.raises(ServeTargetError, match=re.escape(message)):
        load_target(target.format(mod=app_module))


def test_main_binds_loopback_by_default(app_module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert main(["serve", f"{app_module}:chain"]) == 0
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8000
    assert main(["serve", f"{app_module}:chain", "--host", "0.0.0.0", "--port", "9"]) == 0
    assert (calls[1]["host"], calls[1]["port"]) == ("0.0.0.0", 9)


def test_main_reports_a_bad_target_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "pipes serve: expected module:attribute (e.g. myapp:chain), got 'nope'"


@pytest.mark.slow
def test_python_dash_m_pipes_serve(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipes.serve", "missing_mod_q:app"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "no module named 'missing_mod_q'" in result.stderr
    assert "Traceback" not in result.stderr
