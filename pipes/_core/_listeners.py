"""Listeners: observe runs (start, end, error, streamed chunks and events such as new tokens).

This is the one run-event mechanism: LangChain-style callback handlers
([`BaseCallbackHandler`][pipes.BaseCallbackHandler]), `with_listeners` and `astream_events`
are all listeners. Nothing here costs anything unless a config carries `callbacks`: run ids
and timestamps are created only for runs somebody listens to.

A listener that raises is logged and the run goes on, unless the listener sets
`raise_error = True`. A hook may be a coroutine function: on an async path its coroutine runs
on the event loop and is awaited before the outermost traced async call returns (hooks of one
run in order); on a sync path it runs to completion before the run goes on.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio
    import uuid

__all__ = [
    "Listener",
    "Run",
    "adispatch_custom_event",
    "dispatch_custom_event",
    "emit_event",
    "listening",
]


@dataclass(slots=True, eq=False)
class Run:
    """One traced execution of a runnable, as listeners see it.

    `parent_run_id` links a step to the run that called it (`parent` is that run);
    `outputs` or `error` are set when it ends. Runs exist only when a config carries
    `callbacks`. `extra` holds what a kind of runnable adds: a chat model's run has
    `invocation_params`, `options` and, once it ended, `llm_result` (an
    [`LLMResult`][pipes.LLMResult]).

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
    parent: Run | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)


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

    raise_error: bool = False
    """Let an exception raised by a hook fail the run (by default it is logged and ignored)."""

    def on_start(self, run: Run) -> None:
        """A run started; `run.inputs` is set."""

    def on_end(self, run: Run) -> None:
        """A run finished; `run.outputs` is set."""

    def on_error(self, run: Run) -> None:
        """A run failed; `run.error` is set."""

    def on_chunk(self, run: Run, chunk: Any) -> None:
        """A streamed run (`stream`, `astream`, `transform` ...) yielded `chunk`."""

    def on_event(self, run: Run, name: str, data: Any) -> None:
        """A runnable emitted an event during `run` (e.g. `"new_token"`)."""


class Handlers(list[Listener]):
    """The `callbacks` of the config a traced run hands to its children: its listeners, and
    the run itself (`parent`), so a child knows its parent whatever context it starts in (a
    stream is often first stepped by the step that consumes it)."""

    __slots__ = ("parent",)

    def __init__(self, listeners: Iterable[Listener], parent: Run | None) -> None:
        super().__init__(listeners)
        self.parent = parent


GLOBAL_LISTENERS: list[Listener] = []
"""Listeners attached to every run that starts without a parent run (`add_global_listener`).
Mutated in place: the tracing layer holds this very list."""


def add_global_listener(listener: Listener) -> None:
    """Attach `listener` to every run from now on, as if each root call's config carried it
    (instrumentation, e.g. OpenTelemetry). While none is registered this costs nothing.

    Example:
        ```python
        add_global_listener(MyTracer())
        ```
    """
    if listener not in GLOBAL_LISTENERS:
        GLOBAL_LISTENERS.append(listener)


def remove_global_listener(listener: Listener) -> None:
    """Detach a listener added with `add_global_listener` (no error if it is not attached)."""
    if listener in GLOBAL_LISTENERS:
        GLOBAL_LISTENERS.remove(listener)


_current_run: contextvars.ContextVar[Run | None] = contextvars.ContextVar("pipes_run", default=None)

# The async hooks of the outermost traced async call in progress (see _tracing); None outside one.
_pending: contextvars.ContextVar[AsyncHooks | None] = contextvars.ContextVar(
    "pipes_pending_hooks", default=None
)


class AsyncHooks:
    """The coroutines of async hooks started during one outermost traced async call: run on
    its event loop one after another (in the order the hooks were called, also from worker
    threads), and awaited by that call before it returns."""

    __slots__ = ("loop", "tasks", "thread")

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = 0
        self.tasks: list[asyncio.Future[None]] = []

    def add(self, coroutine: Callable[[asyncio.Future[None] | None], Awaitable[None]]) -> bool:
        """Schedule `coroutine(previous_task)`; False when there is no loop to run it on."""
        import asyncio
        import threading

        if self.loop is None:
            try:
                self.loop = asyncio.get_running_loop()
            except RuntimeError:
                return False
            self.thread = threading.get_ident()
        if threading.get_ident() == self.thread:
            self._schedule(coroutine)
            return True
        try:  # a sync step in a worker thread: the loop schedules it, in call order
            self.loop.call_soon_threadsafe(self._schedule, coroutine)
        except RuntimeError:  # the loop is closed: the call this belonged to is over
            return False
        return True

    def _schedule(self, coroutine: Callable[[Any], Awaitable[None]]) -> None:
        loop = self.loop
        assert loop is not None
        previous = self.tasks[-1] if self.tasks else None
        self.tasks.append(loop.create_task(coroutine(previous)))  # type: ignore[arg-type]

    async def drain(self) -> None:
        """Await every hook scheduled so far (errors per `raise_error`)."""
        while self.tasks:
            await self.tasks.pop(0)


def listening() -> bool:
    """True when the current run has listeners (so emitting events is worth the work).

    Example:
        ```python
        if listening():
            emit_event("progress", expensive_summary())
        ```
    """
    return _current_run.get() is not None


def current_run() -> Run | None:
    """The run in progress in this context, when somebody listens (else `None`)."""
    return _current_run.get()


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
        _call(listener, "on_event", run, name, data)


def dispatch_custom_event(name: str, data: Any, *, config: Any = None) -> None:
    """Send a custom event from inside a step; handlers see it in `on_custom_event` and
    `astream_events` as `on_custom_event`. A no-op when nobody listens.

    `config` is accepted for LangChain compatibility; the run in progress is found from the
    context.

    Example:
        ```python
        @chain
        def step(x: str) -> str:
            dispatch_custom_event("progress", {"done": 0.5})
            return x
        ```
    """
    emit_event(_custom_event_name(name), data)


async def adispatch_custom_event(name: str, data: Any, *, config: Any = None) -> None:
    """Async [`dispatch_custom_event`][pipes.dispatch_custom_event]: async handlers have
    finished with the event when it returns.

    Example:
        ```python
        async def step(x: str) -> str:
            await adispatch_custom_event("progress", {"done": 0.5})
            return x
        ```
    """
    emit_event(_custom_event_name(name), data)
    await drain()


CUSTOM_PREFIX = "custom:"
"""Custom events travel as `on_event(run, "custom:" + name, data)` (so they never clash
with the framework's own event names)."""


def _custom_event_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a custom event needs a non-empty string name, got {name!r}")
    return CUSTOM_PREFIX + name


def _notify(run: Run, hook: str) -> None:
    for listener in run.listeners:
        _call(listener, hook, run)


def _call(listener: Listener, hook: str, *args: Any) -> None:
    """Call one hook: an error is logged (or raised with `raise_error`), a coroutine run."""
    try:
        result = getattr(listener, hook)(*args)
    except Exception as exc:
        _failed(listener, hook, exc)
        return
    if result is not None and hasattr(result, "__await__"):
        _run_coroutine(listener, hook, result)


def _failed(listener: Any, hook: str, exc: Exception) -> None:
    if getattr(listener, "raise_error", False):
        raise exc
    import logging  # lazily: only failing hooks log

    # repr(exc) only: the hook's arguments (inputs, outputs) may hold anything.
    logging.getLogger("pipes.callbacks").warning(
        "Error in %s.%s callback: %r", type(listener).__name__, hook, exc
    )


def _run_coroutine(listener: Any, hook: str, awaitable: Awaitable[Any]) -> None:
    import asyncio

    async def guarded(previous: asyncio.Future[None] | None) -> None:
        if previous is not None:  # hooks run in the order they were called
            await asyncio.wait([previous])
        try:
            await awaitable
        except Exception as exc:
            _failed(listener, hook, exc)

    hooks = _pending.get()
    if hooks is None or not hooks.add(guarded):
        _run_to_completion(guarded(None))


def _run_to_completion(coroutine: Any) -> None:
    """Run an async hook from sync code: here, or, when this thread runs an event loop
    already (a sync call made from async code), in a helper thread."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # raise_error: re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="pipes-async-callback")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def drain() -> None:
    """Await the async hooks started so far in this context."""
    hooks = _pending.get()
    if hooks is not None:
        await hooks.drain()
