"""Listeners: observe runs (start, end, error, and events such as new tokens).

Nothing here costs anything unless a config carries `callbacks`: run ids and timestamps
are created only for runs somebody listens to.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uuid

__all__ = ["Listener", "Run", "emit_event", "listening"]


@dataclass(slots=True)
class Run:
    """One traced execution of a runnable, as listeners see it.

    `parent_run_id` links a step to the run that called it; `outputs` or `error` are set
    when it ends. Runs exist only when a config carries `callbacks`.

    Example:
        ```python
        class Timer(Listener):
            def on_end(self, run: Run) -> None:
                print(run.name, run.end_time - run.start_time)
        ```
    """

    name: str
    run_type: str
    inputs: Any
    run_id: uuid.UUID = field(default_factory=lambda: _new_id())
    parent_run_id: uuid.UUID | None = None
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    start_time: float = field(default_factory=time.time)
    end_time: float | None = None
    outputs: Any = None
    error: BaseException | None = None
    listeners: tuple[Listener, ...] = ()


def _new_id() -> uuid.UUID:
    import uuid  # only runs that somebody listens to need ids

    return uuid.uuid4()


class Listener:
    """Base class for run listeners; override the hooks you need.

    Example:
        ```python
        class Printer(Listener):
            def on_end(self, run: Run) -> None:
                print(run.name, run.outputs)

        chain.invoke(x, {"callbacks": [Printer()]})
        ```
    """

    def on_start(self, run: Run) -> None:
        """A run started; `run.inputs` is set."""

    def on_end(self, run: Run) -> None:
        """A run finished; `run.outputs` is set."""

    def on_error(self, run: Run) -> None:
        """A run failed; `run.error` is set."""

    def on_event(self, run: Run, name: str, data: Any) -> None:
        """A runnable emitted an event during `run` (e.g. `"new_token"`)."""


_current_run: contextvars.ContextVar[Run | None] = contextvars.ContextVar("pipes_run", default=None)


def listening() -> bool:
    """True when the current run has listeners (so emitting events is worth the work).

    Example:
        ```python
        if listening():
            emit_event("progress", expensive_summary())
        ```
    """
    return _current_run.get() is not None


def emit_event(name: str, data: Any) -> None:
    """Send an event to the listeners of the current run; a cheap no-op when nobody listens.

    Example:
        ```python
        emit_event("new_token", chunk)
        ```
    """
    run = _current_run.get()
    if run is None:
        return
    for listener in run.listeners:
        listener.on_event(run, name, data)


def _notify(run: Run, hook: str) -> None:
    for listener in run.listeners:
        getattr(listener, hook)(run)
