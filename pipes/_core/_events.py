"""`astream_events`: a run's events as LangChain v2 dicts, live.

An [`_EventStream`] is one more [`Listener`][pipes.Listener] attached to the run: it turns
run starts, streamed chunks, new tokens, custom events and run ends into LangChain's v2 event
dicts and hands them to the consumer through a queue as they happen (from the event loop, or
from worker threads through `call_soon_threadsafe`). The run itself is an `astream` of the
runnable in a task of its own, so events reach the consumer while it is still going.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ._config import RunnableConfig, ensure_config
from ._listeners import CUSTOM_PREFIX, Listener, Run

if TYPE_CHECKING:
    from ._runnable import Runnable

__all__ = ["StreamEvent"]

StreamEvent = dict[str, Any]
"""One event of `astream_events`: `event`, `name`, `run_id`, `parent_ids`, `tags`,
`metadata`, `data` (LangChain's `StreamEvent` TypedDict, as a dict)."""

_END: Any = object()
_NO_INPUT = "<stream>"  # what the tracing layer records for a run fed an input stream


def _no_input(run: Run) -> bool:
    """Was the run fed an input stream (so its input is unknown at the start)?"""
    inputs = run.inputs
    return isinstance(inputs, str) and inputs == _NO_INPUT


class _Filter:
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
    """The listener behind one `astream_events` call."""

    # Never let a bug in the event plumbing pass silently: it fails the call.
    raise_error = True

    def __init__(self, root_input: Any, filter: _Filter) -> None:
        self.loop = asyncio.get_running_loop()
        self.thread = threading.get_ident()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.filter = filter
        self.root_input = root_input
        self.root: Run | None = None
        self.parents: dict[Any, list[str]] = {}

    # -- delivery -----------------------------------------------------------------------

    def _put(self, event: Any) -> None:
        if threading.get_ident() == self.thread:
            self.queue.put_nowait(event)
        else:  # a sync step in a worker thread
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)

    def _send(self, run: Run, kind: str, data: dict[str, Any], name: str | None = None) -> None:
        run_type = run.run_type
        if not self.filter.passes(run.name, run_type, run.tags):
            return
        self._put(
            {
                "event": f"on_{run_type}_{kind}" if name is None else "on_custom_event",
                "name": run.name if name is None else name,
                "run_id": str(run.run_id),
                "parent_ids": self.parents.get(run.run_id, []),
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
        if self.root is None and (parent is None or self not in parent.listeners):
            self.root = run
        elif parent is not None:
            self.parents[run.run_id] = [*self.parents.get(parent.run_id, []), str(parent.run_id)]
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
            self._send(run, "", data, name=name[len(CUSTOM_PREFIX) :])

    def on_end(self, run: Run) -> None:
        data: dict[str, Any] = {"output": run.outputs}
        if run is not self.root and not _no_input(run):
            data["input"] = run.inputs
        self._send(run, "end", data)
        self.parents.pop(run.run_id, None)

    def on_error(self, run: Run) -> None:
        if run.run_type == "tool":  # LangChain reports failed tools; other errors propagate
            self._send(run, "error", {"error": run.error, "input": run.inputs})
        self.parents.pop(run.run_id, None)


async def astream_events(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None,
    *,
    version: Literal["v1", "v2"],
    include_names: Sequence[str] | None,
    include_types: Sequence[str] | None,
    include_tags: Sequence[str] | None,
    exclude_names: Sequence[str] | None,
    exclude_types: Sequence[str] | None,
    exclude_tags: Sequence[str] | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[StreamEvent]:
    """The implementation of [`Runnable.astream_events`][pipes.Runnable.astream_events]."""
    if version != "v2":
        raise ValueError(
            f"astream_events(version={version!r}) is not supported: pipes emits LangChain's "
            "v2 event schema only; pass version='v2'"
        )
    events = _EventStream(
        input,
        _Filter(
            include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
        ),
    )
    config = ensure_config(config)
    config = {**config, "callbacks": [*config.get("callbacks", ()), events]}

    async def run() -> None:
        try:
            async for _ in runnable.astream(input, config, **kwargs):
                pass
        finally:
            events.close()

    task = asyncio.ensure_future(run())
    queue = events.queue
    try:
        while True:
            event = await queue.get()
            if event is _END:
                break
            yield event
        await task  # the run's error, if it failed
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
