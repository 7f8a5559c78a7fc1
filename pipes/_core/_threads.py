"""Worker threads for sync work awaited from async code: the shared pool, `run_in_thread`
and the helpers that drive a sync iterator or transform from the event loop."""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

# asyncio and concurrent.futures are imported where used: together they are a large share of
# `import pipes` time, and sync-only programs never need them.
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["run_in_thread"]

T = TypeVar("T")

_POOL_SIZE = 64

_thread_pool: ThreadPoolExecutor | None = None
_thread_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    # One process-wide pool for sync work awaited from async code. asyncio's default pool has
    # min(32, cpus + 4) threads — six on a 2-core box — which would cap concurrency of sync steps.
    global _thread_pool
    if _thread_pool is None:
        from concurrent.futures import ThreadPoolExecutor

        with _thread_pool_lock:
            if _thread_pool is None:
                _thread_pool = ThreadPoolExecutor(
                    max_workers=_POOL_SIZE, thread_name_prefix="pipes"
                )
    return _thread_pool


async def run_in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call in pipes' worker pool, with the caller's context variables.

    Example:
        ```python
        text = await run_in_thread(path.read_text)
        ```
    """
    import asyncio

    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool(), call)


async def _iterate_in_thread(iterator: Iterator[T]) -> AsyncIterator[T]:
    # Each next() runs in a worker thread within one copied context, so a sync-only stream never
    # blocks the event loop.
    import asyncio

    ctx = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    pool = _pool()
    sentinel: Any = object()
    while True:
        chunk: Any = await loop.run_in_executor(
            pool, functools.partial(ctx.run, next, iterator, sentinel)
        )
        if chunk is sentinel:
            return
        yield chunk


async def _transform_in_thread(
    make: Callable[[Iterator[Any]], Iterator[T]], input: AsyncIterator[Any]
) -> AsyncIterator[T]:
    """Run a sync transform over an async input stream without blocking the loop.

    The transform runs in a thread of its own, pulling each input chunk from the event loop as
    it needs it, so chunks keep flowing through a sync generator step of an async stream. A
    dedicated thread (not the shared pool): it blocks while waiting for input, and blocked pool
    workers could starve the steps upstream that produce that input.
    """
    import asyncio
    import queue

    loop = asyncio.get_running_loop()
    done: Any = object()
    requests: queue.SimpleQueue[asyncio.Future[Any] | None] = queue.SimpleQueue()

    async def next_input() -> Any:
        return await anext(input, done)

    def pull() -> Iterator[Any]:
        while True:
            chunk = asyncio.run_coroutine_threadsafe(next_input(), loop).result()
            if chunk is done:
                return
            yield chunk

    def settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def work() -> None:
        iterator: Iterator[T] | None = None
        while True:
            future = requests.get()
            if future is None:  # the consumer stopped early
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
                return
            value: Any = done
            error: BaseException | None = None
            try:
                if iterator is None:
                    iterator = iter(make(pull()))
                value = next(iterator, done)
            except BaseException as exc:  # handed to the consumer, raised there
                error = exc
            try:
                loop.call_soon_threadsafe(settle, future, value, error)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                return
            if error is not None or value is done:
                return

    worker = threading.Thread(
        target=contextvars.copy_context().run, args=(work,), daemon=True, name="pipes-transform"
    )
    worker.start()
    try:
        while True:
            future: asyncio.Future[Any] = loop.create_future()
            requests.put(future)
            value = await future
            if value is done:
                return
            yield value
    finally:
        requests.put(None)
