"""Shared helpers for the core tests."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from pipes._core import Listener, Run


class Recorder(Listener):
    """Records every hook call as ``(hook, run)`` (thread-safe)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Run]] = []
        self.events: list[tuple[Run, str, Any]] = []
        self._lock = threading.Lock()

    def on_start(self, run: Run) -> None:
        with self._lock:
            self.calls.append(("start", run))

    def on_end(self, run: Run) -> None:
        with self._lock:
            self.calls.append(("end", run))

    def on_error(self, run: Run) -> None:
        with self._lock:
            self.calls.append(("error", run))

    def on_event(self, run: Run, name: str, data: Any) -> None:
        with self._lock:
            self.events.append((run, name, data))

    def names(self, hook: str) -> list[str]:
        return [run.name for kind, run in self.calls if kind == hook]

    def run(self, name: str) -> Run:
        runs = {run.run_id: run for _, run in self.calls if run.name == name}
        assert len(runs) == 1, f"expected one run named {name!r}, got {len(runs)}"
        return next(iter(runs.values()))

    def ids(self) -> set[uuid.UUID]:
        return {run.run_id for _, run in self.calls}


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
