"""The emulator in a child process, for benchmarks and cross-process tests."""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable

from ._lifecycle import Startable
from ._limits import Limits
from ._models import ModelSpec, parse_model_option
from ._quirks import Quirk, parse_quirks
from ._script import Fault, Reply, ToolCall, script_item_to_json

__all__ = ["EmulatorProcess"]


class EmulatorProcess(Startable):
    """`python -m pipes_openai.emulator` in a child process on a free loopback port.

    Use it for benchmarks: an in-process [`Emulator`][pipes_openai.emulator.Emulator] shares the GIL
    with the client being measured. Replies and faults are scripted up front (there is no
    `.requests`); `limits`, `models` (served beside the default ones) and `any_model` are
    passed on as command-line options.

    ```pycon
    >>> with EmulatorProcess(script=["Hi!"]) as server:  # doctest: +SKIP
    ...     httpx.post(server.base_url + "/chat/completions", json={...})
    ```
    """

    _name = "emulator process"

    def __init__(
        self,
        *,
        script: Iterable[Reply | Fault | ToolCall | str] = (),
        quirks: Iterable[str | Quirk] | None = None,
        api_key: str | None = None,
        chunk_delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 30.0,
        limits: Limits | None = None,
        models: Iterable[str | ModelSpec] = (),
        any_model: bool = False,
    ) -> None:
        self.host = host
        self._port = port
        self._quirks = parse_quirks(quirks)
        self._api_key = api_key
        self._chunk_delay = chunk_delay
        self._script = [script_item_to_json(item) for item in script]
        self._startup_timeout = startup_timeout
        self._limits = limits
        self._models = [m if isinstance(m, ModelSpec) else parse_model_option(m) for m in models]
        self._any_model = any_model
        self._proc: subprocess.Popen[str] | None = None
        self._files: list[str] = []

    @property
    def pid(self) -> int:
        return self._running(self._proc).pid

    def start(self) -> EmulatorProcess:
        """Spawn the server and wait until it listens (idempotent)."""
        if self._proc is not None:
            return self
        args = [
            sys.executable,
            "-m",
            "pipes_openai.emulator",
            "--host",
            self.host,
            "--port",
            str(self._port),
            "--no-record-requests",
            "--quiet",  # a log line per request would cost the benchmark it serves
            "--chunk-delay",
            str(self._chunk_delay),
        ]
        if self._limits is not None:
            for spec in dataclasses.fields(self._limits):
                value = getattr(self._limits, spec.name)
                if value != spec.default:
                    args += ["--" + spec.name.replace("_", "-"), str(value)]
        for model in self._models:
            bounds = [model.context_window, model.max_output_tokens]
            args += ["--model", ":".join([model.id, *(str(n) for n in bounds if n)])]
        if self._any_model:
            args.append("--any-model")
        for quirk in sorted(self._quirks):
            args += ["--quirk", quirk.value]
        env = dict(os.environ)
        if self._api_key is not None:
            # Through the environment, not argv: argv is visible to every local user.
            env["PIPES_EMULATOR_API_KEY"] = self._api_key
        if self._script:
            fd, path = tempfile.mkstemp(prefix="pipes-emulator-script-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._script, fh)
            self._files.append(path)
            args += ["--script", path]
        fd, err_path = tempfile.mkstemp(prefix="pipes-emulator-stderr-", suffix=".log")
        os.close(fd)
        self._files.append(err_path)
        with open(err_path, "w", encoding="utf-8") as err:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        self._proc = proc
        assert proc.stdout is not None
        deadline = time.monotonic() + self._startup_timeout
        line = ""
        while not line:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([proc.stdout], [], [], max(remaining, 0))
            if not ready:
                self.close()
                raise TimeoutError(
                    f"The emulator process did not start within {self._startup_timeout} s."
                )
            line = proc.stdout.readline()
            if not line:
                proc.wait(5)
                with open(err_path, encoding="utf-8") as fh:
                    detail = fh.read().strip()
                self.close()
                raise RuntimeError(f"The emulator process exited at startup: {detail}")
        self._listening = line.split()[-1].removesuffix("/v1")
        return self

    def close(self) -> None:
        """Stop the child with SIGTERM (SIGKILL after 10 s) and remove temporary files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            if proc.stdout is not None:
                proc.stdout.close()
        for path in self._files:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self._files.clear()
        self._listening = None

    def __repr__(self) -> str:
        return f"<EmulatorProcess {self.base_url if self._listening else 'not started'}>"
