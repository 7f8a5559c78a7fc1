"""`{"a": r1, "b": r2}`: the same input through several runnables at once."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from typing_extensions import TypeVar

from ._chunks import AddableDict, merge_chunks
from ._config import RunnableConfig
from ._runnable import Runnable
from ._threads import _pool

if TYPE_CHECKING:
    import asyncio
    import queue
    from concurrent.futures import Future

__all__ = ["RunnableParallel"]

In = TypeVar("In", default=Any)

_DONE: Any = object()
_AHEAD = 16  # chunks a streaming branch may produce ahead of the consumer


def _run_all_inline_or_pooled(
    parallel: RunnableParallel[Any], input: Any, config: RunnableConfig | None
) -> dict[str, Any]:
    """Run every branch; the caller thread runs the first and any branch no worker picked up.

    Taking back unstarted work means a branch never waits for a pool slot that its own
    ancestors occupy, so nested parallels cannot deadlock the shared pool.
    """
    calls = list(parallel.steps.items())
    pool = _pool()
    futures: list[Future[Any]] = [
        pool.submit(contextvars.copy_context().run, runnable.invoke, input, config)
        for _, runnable in calls[1:]
    ]
    key = calls[0][0]
    try:
        results = {key: calls[0][1].invoke(input, config)}
        for (key, runnable), future in zip(calls[1:], futures, strict=True):
            if future.cancel():
                results[key] = runnable.invoke(input, config)
            else:
                results[key] = future.result()
    except Exception as exc:
        for future in futures:
            future.cancel()  # branches not started yet need not run: the result is lost anyway
        parallel._note(exc, key)
        raise
    return results


def _raised(task: Any, exc: BaseException) -> bool:
    return bool(task.done() and not task.cancelled() and task.exception() is exc)


class RunnableParallel(Runnable[In, dict[str, Any]]):
    """Run several runnables on the same input; the output maps each key to its result.

    A dict in a chain is coerced to this. Streaming yields `{key: chunk}` dicts that add.

    Example:
        ```python
        both = RunnableParallel(upper=str.upper, length=len)
        both.invoke("abc")  # {"upper": "ABC", "length": 3}
        ```
    """

    def __init__(self, steps: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        from ._coerce import coerce_to_runnable

        merged = {**(steps or {}), **kwargs}
        if not merged:
            raise ValueError("RunnableParallel needs at least one step")
        self.steps: dict[str, Runnable[In, Any]] = {
            key: coerce_to_runnable(value, position=f"parallel step {key!r}")
            for key, value in merged.items()
        }
        self.name = None

    def get_name(self, suffix: str | None = None) -> str:
        name = self.name or f"Parallel<{','.join(self.steps)}>"
        return f"{name}{suffix}" if suffix else name

    def _child_tag(self, child: Runnable[Any, Any]) -> str | None:
        """The tag a branch's run gets (LangChain's `map:key:K`); only runs that are traced."""
        for key, step in self.steps.items():
            if step is child or getattr(step, "bound", None) is child:
                return f"map:key:{key}"
        return None

    def get_output_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {k: r.get_output_schema() for k, r in self.steps.items()},
        }

    def get_input_schema(self) -> dict[str, Any]:
        for runnable in self.steps.values():
            schema = runnable.get_input_schema()
            if schema:
                return schema
        return {}

    def get_graph(self) -> Any:
        from ._graph import Graph

        return Graph.fan([r.get_graph() for r in self.steps.values()])

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}: {r!r}" for k, r in self.steps.items())
        return "{" + inner + "}"

    def _note(self, exc: BaseException, key: str) -> None:
        exc.add_note(f"in branch {key!r} of {self.get_name()!r}")

    def invoke(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        if len(self.steps) == 1:
            ((key, runnable),) = self.steps.items()
            try:
                return {key: runnable.invoke(input, config)}
            except Exception as exc:
                self._note(exc, key)
                raise
        return _run_all_inline_or_pooled(self, input, config)

    async def ainvoke(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        import asyncio

        keys = list(self.steps)
        tasks = [asyncio.ensure_future(r.ainvoke(input, config)) for r in self.steps.values()]
        try:
            results = await asyncio.gather(*tasks)
        except Exception as exc:
            for task in tasks:
                task.cancel()
            failed = [k for k, t in zip(keys, tasks, strict=True) if _raised(t, exc)]
            self._note(exc, failed[0] if failed else "?")
            raise
        return dict(zip(keys, results, strict=True))

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        # Each branch streams in its own thread; chunks arrive merged, in arrival order.
        import queue

        # Bounded: a branch may run only a little ahead of the consumer (backpressure), and
        # stops once the consumer has gone.
        inbox: queue.Queue[tuple[str, Any, BaseException | None]] = queue.Queue(
            maxsize=_AHEAD * len(self.steps)
        )
        stop = threading.Event()

        def put(item: tuple[str, Any, BaseException | None]) -> bool:
            while not stop.is_set():
                try:
                    inbox.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def pump(key: str, runnable: Runnable[In, Any]) -> None:
            try:
                for chunk in runnable.stream(input, config):
                    if not put((key, chunk, None)):
                        return
            except BaseException as exc:
                put((key, _DONE, exc))
                return
            put((key, _DONE, None))

        threads = [
            threading.Thread(
                target=contextvars.copy_context().run,
                args=(pump, key, runnable),
                daemon=True,
                name=f"pipes-parallel-{key}",
            )
            for key, runnable in self.steps.items()
        ]
        for thread in threads:
            thread.start()
        pending = len(threads)
        try:
            while pending:
                out = self._received(*inbox.get())
                if out is None:
                    pending -= 1
                else:
                    yield out
        finally:
            stop.set()

    def _received(self, key: str, chunk: Any, error: BaseException | None) -> AddableDict | None:
        """What a branch's message to the stream means: its next chunk, keyed; `None` when
        the branch is done; its error (noted with the branch) raised."""
        if chunk is not _DONE:
            return AddableDict({key: chunk})
        if error is not None:
            self._note(error, key)
            raise error
        return None

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        chunks = list(input)
        if chunks:
            yield from self.stream(merge_chunks(chunks), config)

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        import asyncio

        inbox: asyncio.Queue[tuple[str, Any, BaseException | None]] = asyncio.Queue(
            maxsize=_AHEAD * len(self.steps)
        )

        async def pump(key: str, runnable: Runnable[In, Any]) -> None:
            try:
                async for chunk in runnable.astream(input, config):
                    await inbox.put((key, chunk, None))
            except Exception as exc:
                await inbox.put((key, _DONE, exc))
                return
            await inbox.put((key, _DONE, None))

        tasks = [asyncio.ensure_future(pump(k, r)) for k, r in self.steps.items()]
        pending = len(tasks)
        try:
            while pending:
                out = self._received(*(await inbox.get()))
                if out is None:
                    pending -= 1
                else:
                    yield out
        finally:
            for task in tasks:
                task.cancel()

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        chunks = [chunk async for chunk in input]
        if chunks:
            async for out in self.astream(merge_chunks(chunks), config):
                yield out
