"""The batch machinery behind `Runnable.batch`/`abatch` and their `*_as_completed` forms.

Plain functions over a runnable, so `Runnable` keeps one short method per mode; subclasses
override the methods, never these.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._config import RunnableConfig, ensure_config
from ._progress import Progress, reporter
from ._threads import _POOL_SIZE, _pool

# asyncio and concurrent.futures are imported where used: together they are a large share of
# `import pipes` time, and sync-only programs never need them.
if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future, ThreadPoolExecutor

    from ._runnable import Runnable

__all__ = ["Batch", "abatch", "abatch_as_completed", "batch", "batch_as_completed"]

In = TypeVar("In")
Out = TypeVar("Out")

_DEFAULT_BATCH_WORKERS = 32


class Batch(Generic[In, Out]):
    """One batch call: the runnable, its inputs with one config each, and the options.

    Built once per call (by the `Runnable` method, or on iteration by the `as_completed`
    generators); the four modes below step through it, so that calling one input (with its
    failure kept or raised, and progress counted) is written once for sync and once for async.
    """

    __slots__ = (
        "configs",
        "count",
        "inputs",
        "kwargs",
        "progress",
        "return_exceptions",
        "runnable",
    )

    def __init__(
        self,
        runnable: Runnable[In, Out],
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None,
        return_exceptions: bool,
        kwargs: dict[str, Any],
    ) -> None:
        self.runnable = runnable
        self.inputs = inputs
        self.count = count = len(inputs)
        # No inputs, nothing to check: a config list of any length is fine for an empty batch.
        self.configs = _per_input(config, count) if count else []
        self.return_exceptions = return_exceptions
        self.kwargs = kwargs
        self.progress: Progress | None = None

    @property
    def limit(self) -> int | None:
        """`max_concurrency` of the first config (LangChain reads it there too)."""
        return ensure_config(self.configs[0]).get("max_concurrency")

    def report(self) -> None:
        """Show progress from here on (when `PIPES_PROGRESS` asks for it)."""
        self.progress = reporter(self.count, self.runnable.get_name())

    def call(self, i: int) -> Out:
        """Input `i` through `invoke`."""
        try:
            return self.runnable.invoke(self.inputs[i], self.configs[i], **self.kwargs)
        except Exception as exc:
            return self._failed(exc)
        finally:
            if self.progress is not None:
                self.progress.advance()

    async def acall(self, i: int) -> Out:
        """Input `i` through `ainvoke`."""
        try:
            return await self.runnable.ainvoke(self.inputs[i], self.configs[i], **self.kwargs)
        except Exception as exc:
            return self._failed(exc)
        finally:
            if self.progress is not None:
                self.progress.advance()

    def submit(self, pool: ThreadPoolExecutor) -> list[Future[Out]]:
        """Every input to `pool`, each in a copy of the caller's context."""
        return [
            pool.submit(contextvars.copy_context().run, self.call, i) for i in range(self.count)
        ]

    def _failed(self, exc: Exception) -> Out:
        if not self.return_exceptions:
            raise exc
        return cast(Out, exc)


def batch(job: Batch[In, Out]) -> list[Out]:
    """`Runnable.batch`: worker threads, input order kept."""
    if job.count <= 1:
        return [job.call(0)] if job.count else []
    job.report()
    from concurrent.futures import ThreadPoolExecutor

    workers = _workers(job)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipes-batch") as pool:
        futures = job.submit(pool)
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def batch_as_completed(make: Callable[[], Batch[In, Out]]) -> Iterator[tuple[int, Out | Exception]]:
    """`Runnable.batch_as_completed`: `(index, output)` pairs as each input finishes."""
    # The Batch is made here, in the generator: a bad config list raises on iteration, as
    # LangChain's generator does, not when the caller makes the iterator.
    job = make()
    if not job.count:
        return
    job.report()
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=_workers(job)) as pool:
        futures = {future: i for i, future in enumerate(job.submit(pool))}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


async def abatch(job: Batch[In, Out]) -> list[Out]:
    """`Runnable.abatch`: concurrent on the event loop, input order kept."""
    count = job.count
    if count == 0:
        return []
    limit = job.limit
    job.report()
    if count > 1 and job.runnable._sync_only():
        return await _abatch_in_threads(job, limit)
    import asyncio

    if not limit or limit >= count:
        loop = asyncio.get_running_loop()
        if job.return_exceptions or job.progress is not None:
            tasks = [loop.create_task(job.acall(i)) for i in range(count)]
        else:  # straight to ainvoke: one coroutine less per input
            ainvoke, inputs, configs, kwargs = (
                job.runnable.ainvoke,
                job.inputs,
                job.configs,
                job.kwargs,
            )
            tasks = [
                loop.create_task(ainvoke(inputs[i], configs[i], **kwargs)) for i in range(count)
            ]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
    results: list[Any] = [None] * count
    indexes = iter(range(count))

    async def worker() -> None:
        for i in indexes:
            results[i] = await job.acall(i)

    workers: list[asyncio.Future[None]] = [asyncio.ensure_future(worker()) for _ in range(limit)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for worker_task in workers:
            worker_task.cancel()
        raise
    return results


async def _abatch_in_threads(job: Batch[In, Out], limit: int | None) -> list[Out]:
    # Sync work: a few worker threads each take the next input until none is left — one
    # hand-off per worker instead of one per input, with the same concurrency bound.
    import asyncio

    count = job.count
    results: list[Any] = [None] * count
    indexes = iter(range(count))
    lock = threading.Lock()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            with lock:
                i = next(indexes, None)
            if i is None:
                return
            try:
                results[i] = job.call(i)
            except Exception:  # raised only without return_exceptions
                stop.set()
                raise

    loop = asyncio.get_running_loop()
    pool = _pool()
    workers = [
        loop.run_in_executor(pool, functools.partial(contextvars.copy_context().run, work))
        for _ in range(min(count, limit or _POOL_SIZE))
    ]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        stop.set()  # the other workers finish their current input and stop
        raise
    return results


async def abatch_as_completed(
    make: Callable[[], Batch[In, Out]],
) -> AsyncIterator[tuple[int, Out | Exception]]:
    """`Runnable.abatch_as_completed`: `(index, output)` pairs as each input finishes."""
    job = make()  # on iteration, as above
    if not job.count:
        return
    limit = job.limit
    import asyncio

    semaphore = asyncio.Semaphore(limit) if limit else None
    job.report()

    async def one(i: int) -> tuple[int, Out]:
        if semaphore is None:
            return i, await job.acall(i)
        async with semaphore:
            return i, await job.acall(i)

    tasks = [asyncio.ensure_future(one(i)) for i in range(job.count)]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()


def _per_input(
    config: RunnableConfig | Sequence[RunnableConfig] | None, count: int
) -> list[RunnableConfig | None]:
    if config is None or isinstance(config, Mapping):
        return [config] * count
    configs = list(config)
    if len(configs) != count:
        raise ValueError(
            f"batch() got {len(configs)} configs for {count} inputs: pass one config for all "
            "inputs or exactly one per input"
        )
    return cast("list[RunnableConfig | None]", configs)


def _workers(job: Batch[Any, Any]) -> int:
    return max(1, min(job.count, job.limit or _DEFAULT_BATCH_WORKERS))
