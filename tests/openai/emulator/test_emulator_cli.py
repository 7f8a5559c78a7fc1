"""``python -m pipes_openai.emulator`` as a subprocess: start, serve, stop cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipes_openai.emulator import (
    Emulator,
    EmulatorProcess,
    Fault,
    Limits,
    ModelSpec,
    Reply,
    ToolCall,
)
from pipes_openai.emulator.__main__ import main
from pipes_openai.emulator._script import parse_script_item, script_item_to_json

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
    proc.communicate(timeout=10)  # reaps it and closes its pipes


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


def test_emulator_process_runs_a_scripted_child() -> None:
    script: list[Reply | Fault | ToolCall | str] = [
        "one",
        ToolCall("f", {"a": 1}, id="call_x"),
        Reply(content="two", finish_reason="length", usage={"prompt_tokens": 9}),
        Fault.error(429, retry_after_ms=5),
    ]
    with EmulatorProcess(script=script, api_key="sk-child", quirks={"omit_usage"}) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert "EmulatorProcess http://" in repr(server)
        headers = {"authorization": "Bearer sk-child"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as c:
            first = c.post("/chat/completions", json=chat()).json()
            assert first["choices"][0]["message"]["content"] == "one"
            assert "usage" not in first
            call = c.post("/chat/completions", json=chat()).json()["choices"][0]["message"]
            assert call["tool_calls"][0]["id"] == "call_x"
            third = c.post("/chat/completions", json=chat()).json()["choices"][0]
            assert (third["message"]["content"], third["finish_reason"]) == ("two", "length")
            fourth = c.post("/chat/completions", json=chat())
            assert fourth.status_code == 429
            assert fourth.headers["retry-after-ms"] == "5"
            assert (
                c.post(
                    "/chat/completions", json=chat(), headers={"authorization": "Bearer no"}
                ).status_code
                == 401
            )
        pid = server.pid
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(pid, 0)


def test_script_items_round_trip_through_json() -> None:
    items: list[Reply | Fault] = [
        Reply(content="x"),
        Reply(tool_calls=(ToolCall("f", {"a": [1, 2]}, id="c"), ToolCall("g", "raw"))),
        Reply(
            refusal="no",
            reasoning_content="r",
            finish_reason="content_filter",
            delay=0.5,
            chunk_delay=0.1,
        ),
        Reply("h", headers={"x-ratelimit-remaining-requests": "0"}),
        Fault.drop(after_chunks=3),
        Fault.stream_error(2, message="m", code="c"),
        Fault.error(503, message="m", code="c", param="p", retry_after=1.5, headers={"x": "y"}),
        Fault.non_json(body="<html/>"),
    ]
    for item in items:
        assert parse_script_item(json.loads(json.dumps(script_item_to_json(item)))) == item
    assert parse_script_item("text") == Reply(content="text")
    with pytest.raises(ValueError, match="string or an object"):
        parse_script_item(3)
    with pytest.raises(ValueError, match="needs a 'name'"):
        parse_script_item({"tool_calls": [{}]})
    with pytest.raises(ValueError, match="Bad reply"):
        parse_script_item({"colour": "red"})


def test_help_names_the_command_as_it_was_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv0, prog in [
        ("/venv/bin/pipes-openai-emulator", "pipes-openai-emulator"),
        ("/src/pipes_openai/emulator/__main__.py", "python -m pipes_openai.emulator"),
    ]:
        monkeypatch.setattr(sys, "argv", [argv0, "--help"])
        with pytest.raises(SystemExit):
            main(["--help"])
        out = capsys.readouterr().out
        assert out.startswith(f"usage: {prog} "), out[:80]
        assert "__main__.py" not in out
        assert "--max-body-bytes N" in out
        assert "default 33554432" in out


def test_one_log_line_per_request_unless_quiet_and_limits_as_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for quiet in (False, True):
        proc, base_url = _start("--max-body-bytes", "300", *(["--quiet"] if quiet else []))
        try:
            httpx.post(base_url + "/chat/completions", json=chat(), timeout=10)
            httpx.get(base_url + "/models/nope", timeout=10)
            refused = httpx.post(base_url + "/chat/completions", json=chat("x" * 300), timeout=10)
            assert refused.status_code == 413
            assert "max_body_bytes" in refused.json()["error"]["message"]
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=10)
        lines = [line for line in err.splitlines() if line.startswith(("POST", "GET"))]
        if quiet:
            assert lines == []
        else:
            assert len(lines) == 3, err
            assert re.fullmatch(r"POST /v1/chat/completions 200 \d+\.\d ms", lines[0])
            assert re.fullmatch(r"GET /v1/models/nope 404 \d+\.\d ms", lines[1])
            assert re.fullmatch(r"POST /v1/chat/completions 413 \d+\.\d ms", lines[2])
    assert main(["--max-n", "0"]) == 2
    assert "max_n=0" in capsys.readouterr().err


def test_emulator_process_passes_limits_on() -> None:
    with EmulatorProcess(limits=Limits(max_n=2)) as server:
        response = httpx.post(server.base_url + "/chat/completions", json=chat(n=3), timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "n"


def test_emulator_process_passes_models_on() -> None:
    """`models=` and `any_model=` reach the child as `--model ID:CONTEXT:OUTPUT` and
    `--any-model`; the default models stay served beside them."""
    mine = ModelSpec("mine", context_window=20, max_output_tokens=5)
    with EmulatorProcess(models=[mine, "other"]) as server:
        url = server.base_url + "/chat/completions"
        assert httpx.post(url, json=chat(model="mine"), timeout=10).is_success
        assert httpx.post(url, json=chat(model="other"), timeout=10).is_success
        assert httpx.post(url, json=chat(model="gpt-4o"), timeout=10).is_success
        over = httpx.post(url, json=chat(model="mine", max_tokens=6), timeout=10)
        assert over.json()["error"]["param"] == "max_tokens"
        long = httpx.post(url, json=chat(" ".join(["w"] * 20), model="mine"), timeout=10)
        assert long.json()["error"]["code"] == "context_length_exceeded"
        unknown = httpx.post(url, json=chat(model="nope"), timeout=10)
        assert unknown.json()["error"]["code"] == "model_not_found"
    with EmulatorProcess(any_model=True) as server:
        url = server.base_url + "/chat/completions"
        assert httpx.post(url, json=chat(model="nope"), timeout=10).is_success


def test_a_bad_model_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", "mine:big"])
    assert exit_info.value.code == 2
    assert "ID:CONTEXT:OUTPUT" in capsys.readouterr().err


def test_addresses_before_start_say_how_to_start() -> None:
    emulator, process = Emulator(), EmulatorProcess()
    for get in (lambda: emulator.port, lambda: emulator.url, lambda: emulator.base_url):
        with pytest.raises(RuntimeError, match=r"emulator is not running; use `with Emulator"):
            get()
    for get in (lambda: process.pid, lambda: process.url, lambda: process.base_url):
        with pytest.raises(RuntimeError, match=r"emulator process is not running; call start"):
            get()
    assert repr(process) == "<EmulatorProcess not started>"
