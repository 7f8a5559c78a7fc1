"""``python -m pipes_openai.emulator`` as a subprocess: start, serve, stop cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .helpers import chat

pytestmark = pytest.mark.slow


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipes_openai.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server listens (or the process dies)
    if not line:
        proc.wait(10)
        raise AssertionError(f"emulator did not start: {proc.stderr.read() if proc.stderr else ''}")
    assert line.startswith("pipes OpenAI emulator listening on http://127.0.0.1:")
    return proc, line.split()[-1]


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc, base_url = _start()
    yield proc, base_url
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_and_stops_on_signal(server: tuple[subprocess.Popen[str], str], sig: int) -> None:
    proc, base_url = server
    assert base_url.endswith("/v1")
    response = httpx.post(base_url + "/chat/completions", json=chat("from the CLI"), timeout=10)
    assert response.json()["choices"][0]["message"]["content"] == "from the CLI"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out


def test_script_and_quirk_options(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            [
                "scripted one",
                {"tool_calls": [{"name": "f", "arguments": {"a": 1}}]},
                {"fault": "status", "status": 429, "retry_after": 1},
            ]
        )
    )
    proc, base_url = _start("--script", str(script), "--quirk", "omit_usage", "--api-key", "k")
    try:
        with httpx.Client(
            base_url=base_url, headers={"authorization": "Bearer k"}, timeout=10
        ) as c:
            first = c.post("/chat/completions", json=chat()).json()
            assert first["choices"][0]["message"]["content"] == "scripted one"
            assert "usage" not in first
            second = c.post("/chat/completions", json=chat()).json()
            assert second["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f"
            third = c.post("/chat/completions", json=chat())
            assert third.status_code == 429
            assert third.headers["retry-after"] == "1"
            assert (
                c.post(
                    "/chat/completions", json=chat(), headers={"authorization": "Bearer x"}
                ).status_code
                == 401
            )
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_bad_arguments_exit_with_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}')
    result = subprocess.run(
        [sys.executable, "-m", "pipes_openai.emulator", "--port", "0", "--script", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "must hold a JSON list" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "pipes_openai.emulator", "--quirk", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_port_in_use(server: tuple[subprocess.Popen[str], str]) -> None:
    _, base_url = server
    port = base_url.split(":")[-1].split("/")[0]
    result = subprocess.run(
        [sys.executable, "-m", "pipes_openai.emulator", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
