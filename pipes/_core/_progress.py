"""Opt-in progress for long `batch` / `abatch` runs: tqdm when installed, a plain line if not.

Off by default, and then a batch pays one flag check. Switched on for the process with
[`set_batch_progress`][pipes.set_batch_progress] or the environment variable
`PIPES_PROGRESS=1`.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from typing import Any

__all__ = ["set_batch_progress"]

_enabled: bool | None = None  # None: not decided yet, read PIPES_PROGRESS on first batch
_MIN_INPUTS = 2  # one input is not a batch anyone waits on


def set_batch_progress(enabled: bool = True) -> None:
    """Show (or stop showing) progress for every `batch`, `abatch` and `*_as_completed` run.

    With tqdm installed, each run gets a bar; without it, a line on stderr at most once a
    second and when the run ends (`pipes batch RunnableSequence: 120/1000 (12%), 35.2/s`).
    `PIPES_PROGRESS=1` in the environment switches it on too.

    Example:
        ```python
        from pipes import set_batch_progress

        set_batch_progress()          # on, for the rest of the process
        chain.batch(inputs)           # shows progress
        set_batch_progress(False)
        ```
    """
    global _enabled
    _enabled = bool(enabled)


def reporter(total: int, name: str) -> Progress | None:
    """A progress reporter for a run of `total` inputs, or `None` when progress is off."""
    global _enabled
    if _enabled is None:
        _enabled = os.environ.get("PIPES_PROGRESS", "").lower() in ("1", "true", "yes", "on")
    if not _enabled or total < _MIN_INPUTS:
        return None
    return Progress(total, name)


class Progress:
    """Counts finished inputs (from any thread or task) and shows them."""

    __slots__ = ("_bar", "_done", "_last", "_lock", "_started", "name", "total")

    def __init__(self, total: int, name: str) -> None:
        self.total = total
        self.name = name
        self._done = 0
        self._lock = threading.Lock()
        self._started = self._last = time.monotonic()
        self._bar: Any = None
        try:  # by name: tqdm is optional and ships no type information
            tqdm = importlib.import_module("tqdm").tqdm
        except ImportError:
            pass
        else:
            self._bar = tqdm(total=total, desc=f"pipes batch {name}", unit="input")

    def advance(self) -> None:
        """One more input finished (succeeded or failed)."""
        with self._lock:
            self._done += 1
            done = self._done
            if self._bar is not None:
                self._bar.update(1)
                if done == self.total:
                    self._bar.close()
                return
            now = time.monotonic()
            if done != self.total and now - self._last < 1.0:
                return
            self._last = now
        rate = done / max(now - self._started, 1e-9)
        print(
            f"pipes batch {self.name}: {done}/{self.total} ({100 * done // self.total}%), "
            f"{rate:.1f}/s",
            file=sys.stderr,
            flush=True,
        )
