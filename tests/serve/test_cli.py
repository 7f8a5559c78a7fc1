"""`pipes serve module:attribute`: target loading, defaults, clear errors."""

from __future__ import annotations

import os
import re
import signal
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


def test_reload_hands_uvicorn_a_factory(app_module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.delenv("PIPES_SERVE_TARGET", raising=False)
    assert main(["serve", f"{app_module}:chain", "--reload"]) == 0
    target, options = calls[0]
    assert target == "pipes.serve._cli:_reload_factory"
    assert options["factory"] is True
    assert options["reload"] is True
    assert os.environ["PIPES_SERVE_TARGET"] == f"{app_module}:chain"
    from starlette.applications import Starlette

    from pipes.serve._cli import _reload_factory

    assert isinstance(_reload_factory(), Starlette)


@pytest.mark.slow
def test_the_command_serves_and_shuts_down_on_sigterm(tmp_path: Path) -> None:
    import httpx

    (tmp_path / "doubler.py").write_text(
        "from pipes import RunnableLambda\nchain = RunnableLambda(lambda x: x * 2)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "pipes.serve", "doubler:chain", "--port", "0"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        url = None
        # uvicorn logs the bound address once it listens: read until then (bounded by the
        # pytest timeout; the process is killed below whatever happens)
        for line in process.stderr:
            if match := re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line):
                url = match.group(1)
                break
        assert url is not None, "the server never said it was listening"
        assert httpx.post(url + "/invoke", json={"input": 21}).json()["output"] == 42
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert process.wait(30) in (0, -signal.SIGTERM)
        assert "Finished server process" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
