"""`import pipes` never loads the server's dependencies; the client needs only httpx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_import_pipes_loads_neither_starlette_nor_uvicorn_nor_serve() -> None:
    loaded = _loaded_after("import pipes; pipes.ChatPromptTemplate")
    assert not {"starlette", "uvicorn", "pipes.serve"} & loaded


def test_the_client_loads_no_server() -> None:
    loaded = _loaded_after("from pipes.serve import RemoteRunnable")
    assert "starlette" not in loaded
    assert "uvicorn" not in loaded
    assert "starlette" in _loaded_after("from pipes.serve import create_app")
