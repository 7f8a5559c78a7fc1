"""The demo names the server it really talks to, and ``--emulator`` / ``PIPES_DEMO_EMULATOR``
force the bundled emulator whatever ``OPENAI_*`` says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipes_openai.emulator import Emulator

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "cookbook" / "chatopenai_walkthrough.py"
# Nothing listens on the discard port: a run that ignored the switch would fail to connect.
DEAD_URL = "http://127.0.0.1:9/v1"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PIPES_DEMO"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_custom_base_url_is_named_not_called_openai() -> None:
    with Emulator() as server:  # stands in for a self-hosted OpenAI-compatible server
        result = _run(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"talking to: the OpenAI-compatible server at {server.base_url}, not OpenAI's API" in (
        result.stdout
    )
    assert "real OpenAI API" not in result.stdout
    assert "bundled OpenAI-compatible EMULATOR" not in result.stdout  # it started none


@pytest.mark.parametrize(
    ("args", "env"),
    [(("--emulator",), {}), ((), {"PIPES_DEMO_EMULATOR": "1"})],
    ids=["flag", "env"],
)
def test_the_switch_forces_the_emulator(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = _run(*args, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=DEAD_URL, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "running against the bundled OpenAI-compatible EMULATOR" in result.stdout
    assert "talking to: the bundled emulator at http://127.0.0.1:" in result.stdout
    assert DEAD_URL not in result.stdout
