"""The ``Runnable`` base class: one contract, every execution mode derived from it."""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, cast, overload

from typing_extensions import TypeVar

from .._errors import NotImplementedInvokeError
from ._chunks import merge_chunks
from ._config import RunnableConfig, ensure_config
from ._tracing import WRAPPERS

# asyncio and concurrent.futures are imported where used: together they are a large share of
# `import pipes` time, and sync-only programs never need them.
if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future, ThreadPoolExecutor

    from ._binding import RunnableBinding, RunnableEach
    from ._fallbacks import RunnableWithFallbacks
    from ._graph import Graph
    from ._retry import RunnableRetry
    from ._sequence import RunnableSequence

__all__ = ["Runnable"]

In = TypeVar("In", contravariant=True, default=Any)
Out = TypeVar("Out", covariant=True, default=Any)
Other = TypeVar("Other")
T = TypeVar("T")

_STREAMING = frozenset({"stream", "transform"})
_ASYNC = frozenset({"ainvoke", "astream", "atransform"})
_POOL_SIZE = 64
_METHODS = ("invoke", "ainvoke", "stream", "astream", "transform", "atransform")
_DEFAULT_BATCH_WORKERS = 32

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

    Example::

        text = await run_in_thread(path.read_text)
    """
    import asyncio

    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool(), call)


async def _aiter_one(value: T) -> AsyncIterator[T]:
    yield value


async def _afold(iterator: AsyncIterator[T]) -> list[T]:
    return [chunk async for chunk in iterator]


class Runnable(Generic[In, Out]):
    """A unit of work from ``In`` to ``Out`` that composes with ``|``.

    Implement ``invoke`` (sync), and optionally ``ainvoke``, ``stream``/``astream`` or
    ``transform``/``atransform`` for native async and streaming; every other method —
    ``batch``, ``abatch``, ``batch_as_completed``, streaming over invoke, async over sync in a
    worker thread — is derived. Config and listeners are handled around your methods.

    Example::

        class Double(Runnable[int, int]):
            def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
                return input * 2

        (Double() | str).invoke(21)  # "42"
    """

    name: str | None = None
    #: What listeners see as ``Run.run_type``.
    run_type: str = "chain"
    _native: frozenset[str] = frozenset()
    #: False for pure delegators (``RunnableBinding``): the runnable they delegate to is the run,
    #: so they are not traced themselves (no duplicate runs, one frame less).
    _traced: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method in _METHODS:
            fn = cls.__dict__.get(method)
            if (
                cls._traced
                and fn is not None
                and callable(fn)
                and not getattr(fn, "__pipes_wrapped__", False)
            ):
                setattr(cls, method, WRAPPERS[method](fn))
        cls._native = frozenset(
            method for method in _METHODS if getattr(cls, method) is not getattr(Runnable, method)
        )

    # -- naming and introspection -------------------------------------------------------

    def get_name(self, suffix: str | None = None) -> str:
        """The runnable's name: ``name`` if set, else the class name."""
        name = self.name or type(self).__name__
        return f"{name}{suffix}" if suffix else name

    def get_input_schema(self) -> dict[str, Any]:
        """JSON schema of the input, where derivable (``{}`` means anything)."""
        return {}

    def get_output_schema(self) -> dict[str, Any]:
        """JSON schema of the output, where derivable (``{}`` means anything)."""
        return {}

    def get_graph(self) -> Graph:
        """The runnable as a graph; ``.draw_ascii()`` and ``.draw_mermaid()`` render it."""
        from ._graph import Graph

        return Graph.single(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.get_name()!r})"

    def _sync_only(self) -> bool:
        """Would ``ainvoke`` only run ``invoke`` in a worker thread? Composites refine this."""
        return not type(self)._native & _ASYNC

    # -- the six execution methods ----------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        """Run on one input and return the output."""
        native = type(self)._native
        if native & _STREAMING:
            chunks = list(self.stream(input, config, **kwargs))
            return merge_chunks(chunks) if chunks else cast(Out, None)
        if native & _ASYNC:
            raise NotImplementedInvokeError(
                f"{self.get_name()!r} is async-only: call `await runnable.ainvoke(...)` or "
                "`runnable.astream(...)` instead of the sync method"
            )
        raise NotImplementedInvokeError(
            f"{type(self).__name__} must implement invoke() (or one of ainvoke, stream, "
            "astream, transform, atransform)"
        )

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        """Run on one input asynchronously. Sync-only runnables run in a worker thread."""
        native = type(self)._native
        if native & {"astream", "atransform"}:
            chunks = await _afold(self.astream(input, config, **kwargs))
            return merge_chunks(chunks) if chunks else cast(Out, None)
        return await run_in_thread(self.invoke, input, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        """Yield the output in chunks (one chunk for runnables that do not stream)."""
        if "transform" in type(self)._native:
            yield from self.transform(iter((input,)), config, **kwargs)
        else:
            yield self.invoke(input, config, **kwargs)

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        """Asynchronously yield the output in chunks."""
        native = type(self)._native
        if "atransform" in native:
            async for chunk in self.atransform(_aiter_one(input), config, **kwargs):
                yield chunk
        elif "ainvoke" not in native and native & _STREAMING:
            async for chunk in _iterate_in_thread(self.stream(input, config, **kwargs)):
                yield chunk
        else:
            yield await self.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        """Consume an input stream and yield output chunks.

        The default folds the input first, so it only streams output.
        """
        chunks = list(input)
        if not chunks:
            return
        folded = merge_chunks(chunks)
        if "stream" in type(self)._native:
            yield from self.stream(folded, config, **kwargs)
        else:
            yield self.invoke(folded, config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        """Asynchronously consume an input stream and yield output chunks."""
        native = type(self)._native
        if "transform" in native and not native & _ASYNC:
            # A native sync transform keeps streaming: it runs in a thread, fed chunk by chunk.
            # (Runnables with native async methods use those instead: never a thread for them.)
            async for chunk in _transform_in_thread(
                lambda chunks: self.transform(chunks, config, **kwargs), input
            ):
                yield chunk
            return
        chunks = await _afold(input)
        if not chunks:
            return
        folded = merge_chunks(chunks)
        if native & {"astream", "stream", "transform"}:
            async for chunk in self.astream(folded, config, **kwargs):
                yield chunk
        else:
            yield await self.ainvoke(folded, config, **kwargs)

    # -- batches --------------------------------------------------------------------------

    def batch(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Out]:
        """Run on many inputs in worker threads, keeping input order.

        ``config["max_concurrency"]`` bounds how many run at once. With
        ``return_exceptions=True`` a failure is returned in its slot instead of raised.
        """
        count = len(inputs)
        if count == 0:
            return []
        configs = _per_input(config, count)
        if count == 1:
            return [self._call_one(inputs[0], configs[0], return_exceptions, kwargs)]
        workers = _workers(configs[0], count)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pipes-batch") as pool:
            futures = [
                pool.submit(
                    contextvars.copy_context().run,
                    self._call_one,
                    inputs[i],
                    configs[i],
                    return_exceptions,
                    kwargs,
                )
                for i in range(count)
            ]
            try:
                return [future.result() for future in futures]
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise

    def batch_as_completed(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Out | Exception]]:
        """Like ``batch`` but yield ``(index, output)`` pairs as each input finishes."""
        count = len(inputs)
        if count == 0:
            return
        configs = _per_input(config, count)
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=_workers(configs[0], count)) as pool:
            futures: dict[Future[Out], int] = {
                pool.submit(
                    contextvars.copy_context().run,
                    self._call_one,
                    inputs[i],
                    configs[i],
                    return_exceptions,
                    kwargs,
                ): i
                for i in range(count)
            }
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def _call_one(
        self,
        input: In,
        config: RunnableConfig | None,
        return_exceptions: bool,
        kwargs: dict[str, Any],
    ) -> Out:
        if not return_exceptions:
            return self.invoke(input, config, **kwargs)
        try:
            return self.invoke(input, config, **kwargs)
        except Exception as exc:
            return cast(Out, exc)

    async def _acall_one(
        self,
        input: In,
        config: RunnableConfig | None,
        return_exceptions: bool,
        kwargs: dict[str, Any],
    ) -> Out:
        if not return_exceptions:
            return await self.ainvoke(input, config, **kwargs)
        try:
            return await self.ainvoke(input, config, **kwargs)
        except Exception as exc:
            return cast(Out, exc)

    async def abatch(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Out]:
        """Run on many inputs concurrently on the event loop, keeping input order."""
        count = len(inputs)
        if count == 0:
            return []
        configs = _per_input(config, count)
        limit = ensure_config(configs[0]).get("max_concurrency")
        if count > 1 and self._sync_only():
            return await self._abatch_in_threads(inputs, configs, limit, return_exceptions, kwargs)
        call = self._acall_one
        import asyncio

        if not limit or limit >= count:
            loop = asyncio.get_running_loop()
            if return_exceptions:
                tasks = [
                    loop.create_task(call(inputs[i], configs[i], True, kwargs))
                    for i in range(count)
                ]
            else:  # straight to ainvoke: one coroutine less per input
                ainvoke = self.ainvoke
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
                results[i] = await call(inputs[i], configs[i], return_exceptions, kwargs)

        workers: list[asyncio.Future[None]] = [
            asyncio.ensure_future(worker()) for _ in range(limit)
        ]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker_task in workers:
                worker_task.cancel()
            raise
        return results

    async def _abatch_in_threads(
        self,
        inputs: Sequence[In],
        configs: list[RunnableConfig | None],
        limit: int | None,
        return_exceptions: bool,
        kwargs: dict[str, Any],
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
                    results[i] = self.invoke(inputs[i], configs[i], **kwargs)
                except Exception as exc:
                    if not return_exceptions:
                        stop.set()
                        raise
                    results[i] = exc

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
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Out | Exception]]:
        """Like ``abatch`` but yield ``(index, output)`` pairs as each input finishes."""
        count = len(inputs)
        if count == 0:
            return
        configs = _per_input(config, count)
        limit = ensure_config(configs[0]).get("max_concurrency")
        import asyncio

        semaphore = asyncio.Semaphore(limit) if limit else None

        async def one(i: int) -> tuple[int, Out]:
            if semaphore is None:
                return i, await self._acall_one(inputs[i], configs[i], return_exceptions, kwargs)
            async with semaphore:
                return i, await self._acall_one(inputs[i], configs[i], return_exceptions, kwargs)

        tasks = [asyncio.ensure_future(one(i)) for i in range(count)]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()

    # -- composition ----------------------------------------------------------------------

    @overload
    def __or__(self, other: Runnable[Out, Other]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(
        self, other: Callable[[Iterator[Out]], Iterator[Other]]
    ) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(
        self, other: Callable[[AsyncIterator[Out]], AsyncIterator[Other]]
    ) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Callable[[Out], Awaitable[Other]]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Callable[[Out], Other]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Mapping[str, Any]) -> RunnableSequence[In, dict[str, Any]]: ...
    def __or__(self, other: Any) -> RunnableSequence[In, Any]:
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(self, coerce_to_runnable(other, position="right of `|`"))

    @overload
    def __ror__(self, other: Callable[[Other], Awaitable[In]]) -> RunnableSequence[Other, Out]: ...
    @overload
    def __ror__(self, other: Callable[[Other], In]) -> RunnableSequence[Other, Out]: ...
    @overload
    def __ror__(self, other: Mapping[str, Any]) -> RunnableSequence[Any, Out]: ...
    def __ror__(self, other: Any) -> RunnableSequence[Any, Out]:
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(coerce_to_runnable(other, position="left of `|`"), self)

    def pipe(self, *others: Any, name: str | None = None) -> Runnable[In, Any]:
        """``a.pipe(b, c)`` is ``a | b | c``; ``name`` names the sequence."""
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(
            self, *(coerce_to_runnable(o, position="pipe()") for o in others), name=name
        )

    def bind(self, **kwargs: Any) -> RunnableBinding[In, Out]:
        """Fix keyword arguments passed to every call, e.g. ``llm.bind(stop=["\\n"])``."""
        from ._binding import RunnableBinding

        return RunnableBinding(self, kwargs=kwargs)

    def with_config(
        self, config: RunnableConfig | None = None, **options: Any
    ) -> RunnableBinding[In, Out]:
        """Fix config for every call, e.g. ``chain.with_config(run_name="translate")``."""
        from ._binding import RunnableBinding

        merged = cast(RunnableConfig, {**(config or {}), **options})
        return RunnableBinding(self, config=merged)

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        stop_after_attempt: int = 3,
        wait_exponential_jitter: bool = True,
        initial_wait: float = 0.1,
        max_wait: float = 10.0,
        exponential_base: float = 2.0,
    ) -> RunnableRetry[In, Out]:
        """Retry failures of the given types with exponential backoff and jitter."""
        from ._retry import RunnableRetry

        return RunnableRetry(
            self,
            retry_if_exception_type=retry_if_exception_type,
            stop_after_attempt=stop_after_attempt,
            wait_exponential_jitter=wait_exponential_jitter,
            initial_wait=initial_wait,
            max_wait=max_wait,
            exponential_base=exponential_base,
        )

    def with_fallbacks(
        self,
        fallbacks: Sequence[Runnable[In, Out]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> RunnableWithFallbacks[In, Out]:
        """Try ``fallbacks`` in order when this runnable raises one of ``exceptions_to_handle``.

        With ``exception_key`` (dict inputs only) the fallback receives the error under that key.
        """
        from ._fallbacks import RunnableWithFallbacks

        return RunnableWithFallbacks(
            self,
            fallbacks,
            exceptions_to_handle=exceptions_to_handle,
            exception_key=exception_key,
        )

    def map(self) -> RunnableEach[In, Out]:
        """A runnable over lists that applies this one to each element (as a batch)."""
        from ._binding import RunnableEach

        return RunnableEach(self)

    def pick(self, keys: str | Sequence[str]) -> RunnableSequence[In, Any]:
        """Pick one key (the value) or several keys (a dict) from a dict output."""
        from ._passthrough import RunnablePick
        from ._sequence import RunnableSequence

        return RunnableSequence(self, RunnablePick(keys))

    def assign(self, **steps: Any) -> RunnableSequence[In, dict[str, Any]]:
        """Add keys computed from the dict output, keeping the existing ones."""
        from ._passthrough import RunnableAssign
        from ._sequence import RunnableSequence

        return RunnableSequence(self, RunnableAssign(**steps))

    def with_name(self, name: str) -> Runnable[In, Out]:
        """A copy of this runnable with another name."""
        import copy

        clone = copy.copy(self)
        clone.name = name
        return clone


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
