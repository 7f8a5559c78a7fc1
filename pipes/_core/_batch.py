"""The batch machinery behind `Runnable.batch`/`abatch` and their `*_as_completed` forms.

Plain functions over a runnable, so `Runnable` keeps one short method per mode; subclasses
override the methods, never these.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ._config import RunnableConfig, ensure_config
from ._progress import Progress, reporter
from ._threads import _POOL_SIZE, _pool

# asyncio and concurrent.futures are imported where used: together they are a large share of
# `import pipes` time, and sync-only programs never need them.
if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

    from ._runnable import Runnable

__all__ = ["abatch", "abatch_as_completed", "batch", "batch_as_completed"]

In = TypeVar("In")
Out = TypeVar("Out")

_DEFAULT_BATCH_WORKERS = 32


def batch(
    runnable: Runnable[In, Out],
    inputs: Sequence[In],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> list[Out]:
    """`Runnable.batch`: worker threads, input order kept."""
    count = len(inputs)
    if count == 0:
        return []
    configs = _per_input(config, count)
    if count == 1:
        return [_call_one(runnable, inputs[0], configs[0], return_exceptions, kwargs)]
    workers = _workers(configs[0], count)
    progress = reporter(count, runnable.get_name())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipes-batch") as pool:
        futures = [
            pool.submit(
                contextvars.copy_context().run,
                _call_one,
                runnable,
                inputs[i],
                configs[i],
                return_exceptions,
                kwargs,
                progress,
            )
            for i in range(count)
        ]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def batch_as_completed(
    runnable: Runnable[In, Out],
    inputs: Sequence[In],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> Iterator[tuple[int, Out | Exception]]:
    """`Runnable.batch_as_completed`: `(index, output)` pairs as each input finishes."""
    count = len(inputs)
    if count == 0:
        return
    configs = _per_input(config, count)
    progress = reporter(count, runnable.get_name())
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=_workers(configs[0], count)) as pool:
        futures: dict[Future[Out], int] = {
            pool.submit(
                contextvars.copy_context().run,
                _call_one,
                runnable,
                inputs[i],
                configs[i],
                return_exceptions,
                kwargs,
                progress,
            ): i
            for i in range(count)
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _call_one(
    runnable: Runnable[In, Out],
    input: In,
    config: RunnableConfig | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
    progress: Progress | None = None,
) -> Out:
    try:
        if not return_exceptions:
            return runnable.invoke(input, config, **kwargs)
        try:
            return runnable.invoke(input, config, **kwargs)
        except Exception as exc:
            return cast(Out, exc)
    finally:
        if progress is not None:
            progress.advance()


async def _acall_one(
    runnable: Runnable[In, Out],
    input: In,
    config: RunnableConfig | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
    progress: Progress | None = None,
) -> Out:
    try:
        if not return_exceptions:
            return await runnable.ainvoke(input, config, **kwargs)
        try:
            return await runnable.ainvoke(input, config, **kwargs)
        except Exception as exc:
            return cast(Out, exc)
    finally:
        if progress is not None:
            progress.advance()


async def abatch(
    runnable: Runnable[In, Out],
    inputs: Sequence[In],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> list[Out]:
    """`Runnable.abatch`: concurrent on the event loop, input order kept."""
    count = len(inputs)
    if count == 0:
        return []
    configs = _per_input(config, count)
    limit = ensure_config(configs[0]).get("max_concurrency")
    progress = reporter(count, runnable.get_name())
    if count > 1 and runnable._sync_only():
        return await _abatch_in_threads(
            runnable, inputs, configs, limit, return_exceptions, kwargs, progress
        )
    import asyncio

    if not limit or limit >= count:
        loop = asyncio.get_running_loop()
        if return_exceptions or progress is not None:
            tasks = [
                loop.create_task(
                    _acall_one(runnable, inputs[i], configs[i], return_exceptions, kwargs, progress)
                )
                for i in range(count)
            ]
        else:  # straight to ainvoke: one coroutine less per input
            ainvoke = runnable.ainvoke
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
            results[i] = await _acall_one(
                runnable, inputs[i], configs[i], return_exceptions, kwargs, progress
            )

    workers: list[asyncio.Future[None]] = [asyncio.ensure_future(worker()) for _ in range(limit)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for worker_task in workers:
            worker_task.cancel()
        raise
    return results


async def _abatch_in_threads(
    runnable: Runnable[In, Out],
    inputs: Sequence[In],
    configs: list[RunnableConfig | None],
    limit: int | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
    progress: Progress | None,
) -> list[Out]:
    # Sync work: a few worker threads each take the next input until none is left — one
    # hand-off per worker instead of one per input, with the same concurrency bound.
    import asyncio

    count = len(inputs)
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
                results[i] = runnable.invoke(inputs[i], configs[i], **kwargs)
            except Exception as exc:
                if not return_exceptions:
                    stop.set()
                    raise
                results[i] = exc
            finally:
                if progress is not None:
                    progress.advance()

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
    runnable: Runnable[In, Out],
    inputs: Sequence[In],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> AsyncIterator[tuple[int, Out | Exception]]:
    """`Runnable.abatch_as_completed`: `(index, output)` pairs as each input finishes."""
    count = len(inputs)
    if count == 0:
        return
    configs = _per_input(config, count)
    limit = ensure_config(configs[0]).get("max_concurrency")
    import asyncio

    semaphore = asyncio.Semaphore(limit) if limit else None
    progress = reporter(count, runnable.get_name())

    async def one(i: int) -> tuple[int, Out]:
        call = _acall_one(runnable, inputs[i], configs[i], return_exceptions, kwargs, progress)
        if semaphore is None:
            return i, await call
        async with semaphore:
            return i, await call

    tasks = [asyncio.ensure_future(one(i)) for i in range(count)]
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


def _workers(config: RunnableConfig | None, count: int) -> int:
    limit = ensure_config(config).get("max_concurrency")
    return max(1, min(count, limit or _DEFAULT_BATCH_WORKERS))
