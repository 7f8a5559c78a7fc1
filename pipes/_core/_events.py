"""`astream_events`: a run's events as LangChain v2 dicts, live.

An [`_EventStream`] is one more [`Listener`][pipes.Listener] attached to the run: it turns
run starts, streamed chunks, new tokens, custom events and run ends into LangChain's v2 event
dicts and hands them to the consumer through a queue as they happen (from the event loop, or
from worker threads through `call_soon_threadsafe`). The run itself is an `astream` of the
runnable in a task of its own, so events reach the consumer while it is still going.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Sequence
from threading import get_ident  # threading is loaded with pipes anyway (unlike asyncio)
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict

from ._config import RunnableConfig, ensure_config
from ._listeners import CUSTOM_PREFIX, Listener, Run

if TYPE_CHECKING:
    import asyncio

    from ._runnable import Runnable

__all__ = ["CustomStreamEvent", "EventData", "StandardStreamEvent", "StreamEvent"]


class EventData(TypedDict, total=False):
    """The `data` of a standard event: what the event carries."""

    input: Any
    """The run's input (start events; end events of nested runs)."""
    output: Any
    """The run's output (end events)."""
    chunk: Any
    """One streamed chunk (`on_*_stream` events)."""
    error: BaseException
    """The error (`on_tool_error`)."""


class StandardStreamEvent(TypedDict):
    """An event of a run: `on_{run_type}_{start,stream,end}` (LangChain v2).

    Example:
        ```python
        if event["event"] == "on_chat_model_stream":
            print(event["data"]["chunk"].content)
        ```
    """

    event: str
    name: str
    run_id: str
    parent_ids: list[str]
    tags: list[str]
    metadata: dict[str, Any]
    data: EventData


class CustomStreamEvent(TypedDict):
    """An event sent with [`dispatch_custom_event`][pipes.dispatch_custom_event]:
    `event` is `"on_custom_event"`, `name` and `data` are the dispatched ones."""

    event: Literal["on_custom_event"]
    name: str
    run_id: str
    parent_ids: list[str]
    tags: list[str]
    metadata: dict[str, Any]
    data: Any


StreamEvent: TypeAlias = StandardStreamEvent | CustomStreamEvent
"""One event of [`astream_events`][pipes.Runnable.astream_events] (LangChain's `StreamEvent`)."""

_END: Any = object()
_NO_INPUT = "<stream>"  # what the tracing layer records for a run fed an input stream


def _no_input(run: Run) -> bool:
    """Was the run fed an input stream (so its input is unknown at the start)?"""
    inputs = run.inputs
    return isinstance(inputs, str) and inputs == _NO_INPUT


class EventFilter:
    """LangChain's include/exclude rules: an event passes if nothing is included or it
    matches an include, and matches no exclude (by name, run type or tag)."""

    __slots__ = (
        "exclude_names",
        "exclude_tags",
        "exclude_types",
        "include",
        "include_names",
        "include_tags",
        "include_types",
        "none",
    )

    def __init__(
        self,
        include_names: Sequence[str] | None,
        include_types: Sequence[str] | None,
        include_tags: Sequence[str] | None,
        exclude_names: Sequence[str] | None,
        exclude_types: Sequence[str] | None,
        exclude_tags: Sequence[str] | None,
    ) -> None:
        self.include_names = frozenset(include_names or ())
        self.include_types = frozenset(include_types or ())
        self.include_tags = frozenset(include_tags or ())
        self.exclude_names = frozenset(exclude_names or ())
        self.exclude_types = frozenset(exclude_types or ())
        self.exclude_tags = frozenset(exclude_tags or ())
        self.include = bool(self.include_names or self.include_types or self.include_tags)
        self.none = not (
            self.include or self.exclude_names or self.exclude_types or self.exclude_tags
        )

    def passes(self, name: str, run_type: str, tags: Sequence[str]) -> bool:
        if self.none:
            return True
        if self.include and not (
            name in self.include_names
            or run_type in self.include_types
            or not self.include_tags.isdisjoint(tags)
        ):
            return False
        return not (
            name in self.exclude_names
            or run_type in self.exclude_types
            or not self.exclude_tags.isdisjoint(tags)
        )


class _EventStream(Listener):
    """The listener behind one `astream_events` call.

    What an event says about its run (name, ids, tags, whether the filters let it through) is
    worked out once per run, at its start; a chunk then costs one small dict.
    """

    # Never let a bug in the event plumbing pass silently: it fails the call.
    raise_error = True

    def __init__(self, root_input: Any, filter: EventFilter) -> None:
        self.filter = filter
        self.root_input = root_input
        self.root: Run | None = None
        # run -> (passes the filters, "on_<run_type>_", name, run id, parent ids)
        self.runs: dict[Run, tuple[bool, str, str, str, list[str]]] = {}
        self.buffer: deque[Any] = deque()
        self.waiter: asyncio.Future[None] | None = None

    # -- delivery: a buffer the consumer drains, woken when it waits ----------------------

    def bind(self) -> None:
        """Deliver to the running event loop (called when the consumer starts iterating)."""
        import asyncio  # lazily: `import pipes` does not pay for asyncio

        self.loop = asyncio.get_running_loop()
        self.thread = get_ident()

    def _put(self, event: Any) -> None:
        if get_ident() == self.thread:
            self._push(event)
        else:  # a sync step in a worker thread
            try:
                self.loop.call_soon_threadsafe(self._push, event)
            except RuntimeError:  # the loop is closed: nobody consumes events any more
                pass

    def _push(self, event: Any) -> None:
        self.buffer.append(event)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def next(self) -> Any:
        """The next event (`_END` after the last one)."""
        buffer = self.buffer
        while not buffer:
            waiter = self.waiter = self.loop.create_future()
            await waiter
        return buffer.popleft()

    def _send(self, run: Run, kind: str, data: Any) -> None:
        info = self.runs.get(run)
        if info is None or not info[0]:
            return
        _, prefix, name, run_id, parent_ids = info
        self._put(
            {
                "event": prefix + kind,
                "name": name,
                "run_id": run_id,
                "parent_ids": parent_ids,
                "tags": run.tags,
                "metadata": run.metadata,
                "data": data,
            }
        )

    def close(self) -> None:
        self._put(_END)

    # -- the listener hooks -------------------------------------------------------------

    def on_start(self, run: Run) -> None:
        parent = run.parent
        parent_ids: list[str] = []
        if self.root is None and (parent is None or self not in parent.listeners):
            self.root = run
        elif parent is not None:
            found = self.runs.get(parent)
            if found is not None:
                parent_ids = [*found[4], found[3]]
        passes = self.filter.passes(run.name, run.run_type, run.tags)
        self.runs[run] = (passes, f"on_{run.run_type}_", run.name, str(run.run_id), parent_ids)
        if run is self.root:
            data = {"input": self.root_input}
        else:
            data = {} if _no_input(run) else {"input": run.inputs}
        self._send(run, "start", data)

    def on_chunk(self, run: Run, chunk: Any) -> None:
        if run.run_type != "chat_model":  # a model's chunks arrive as new tokens
            self._send(run, "stream", {"chunk": chunk})

    def on_event(self, run: Run, name: str, data: Any) -> None:
        if name == "new_token":
            self._send(run, "stream", {"chunk": data})
        elif name.startswith(CUSTOM_PREFIX):
            info = self.runs.get(run)
            if info is not None and info[0]:
                self._put(
                    {
                        "event": "on_custom_event",
                        "name": name[len(CUSTOM_PREFIX) :],
                        "run_id": info[3],
                        "parent_ids": info[4],
                        "tags": run.tags,
                        "metadata": run.metadata,
                        "data": data,
                    }
                )

    def on_end(self, run: Run) -> None:
        data: dict[str, Any] = {"output": run.outputs}
        if run is not self.root and not _no_input(run):
            data["input"] = run.inputs
        self._send(run, "end", data)
        self.runs.pop(run, None)

    def on_error(self, run: Run) -> None:
        if run.run_type == "tool":  # LangChain reports failed tools; other errors propagate
            self._send(run, "error", {"error": run.error, "input": run.inputs})
        self.runs.pop(run, None)


def astream_events(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None,
    version: Literal["v1", "v2"],
    filters: EventFilter,
    kwargs: dict[str, Any],
) -> AsyncIterator[StreamEvent]:
    """The implementation of [`Runnable.astream_events`][pipes.Runnable.astream_events]."""
    if version != "v2":
        raise ValueError(
            f"astream_events(version={version!r}) is not supported: pipes emits LangChain's "
            "v2 event schema only; pass version='v2'"
        )
    events = _EventStream(input, filters)
    config = ensure_config(config)
    config = {**config, "callbacks": [*config.get("callbacks", ()), events]}
    return _stream(runnable, input, config, events, kwargs)


async def _stream(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig,
    events: _EventStream,
    kwargs: dict[str, Any],
) -> AsyncIterator[StreamEvent]:
    import asyncio
    import contextlib

    async def run() -> None:
        try:
            async for _ in runnable.astream(input, config, **kwargs):
                pass
        finally:
            events.close()

    events.bind()
    task = asyncio.ensure_future(run())
    try:
        while True:
            event = await events.next()
            if event is _END:
                break
            yield event
        await task  # the run's error, if it failed
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
