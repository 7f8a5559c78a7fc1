"""A custom runnable gets every mode from the methods it implements, with the right threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from pipes._core import Runnable, RunnableConfig, RunnableLambda, run_in_thread
from pipes._errors import NotImplementedInvokeError


class InvokeOnly(Runnable[int, int]):
    def __init__(self) -> None:
        self.threads: list[int] = []
        self.configs: list[RunnableConfig | None] = []

    def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
        self.threads.append(threading.get_ident())
        self.configs.append(config)
        return input * 2


class AsyncOnly(Runnable[int, int]):
    def __init__(self) -> None:
        self.threads: list[int] = []

    async def ainvoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
        self.threads.append(threading.get_ident())
        return input * 3


class StreamOnly(Runnable[str, str]):
    def __init__(self) -> None:
        self.threads: list[int] = []

    def stream(self, input: str, config: RunnableConfig | None = None, **kw: Any) -> Iterator[str]:
        for char in input:
            self.threads.append(threading.get_ident())
            yield char.upper()


class TransformOnly(Runnable[str, str]):
    def transform(
        self, input: Iterator[str], config: RunnableConfig | None = None, **kw: Any
    ) -> Iterator[str]:
        for chunk in input:
            yield from chunk.upper()


class AstreamOnly(Runnable[str, str]):
    def __init__(self) -> None:
        self.threads: list[int] = []

    async def astream(
        self, input: str, config: RunnableConfig | None = None, **kw: Any
    ) -> AsyncIterator[str]:
        for char in input:
            self.threads.append(threading.get_ident())
            yield char + "!"


# -- invoke alone -----------------------------------------------------------------------


def test_invoke_only_gets_every_sync_mode() -> None:
    r = InvokeOnly()
    assert r.invoke(2) == 4
    assert list(r.stream(2)) == [4]
    assert list(r.transform(iter([1, 2]))) == [6]  # the input stream is folded first (1 + 2)
    assert r.batch([1, 2, 3]) == [2, 4, 6]
    assert sorted(r.batch_as_completed([1, 2])) == [(0, 2), (1, 4)]


async def test_invoke_only_async_modes_run_in_a_worker_thread() -> None:
    r = InvokeOnly()
    loop_thread = threading.get_ident()
    assert await r.ainvoke(2) == 4
    assert [c async for c in r.astream(3)] == [6]
    assert await r.abatch([1, 2]) == [2, 4]
    assert sorted([p async for p in r.abatch_as_completed([1, 2])]) == [(0, 2), (1, 4)]

    async def two() -> AsyncIterator[int]:
        yield 1
        yield 2

    assert [c async for c in r.atransform(two())] == [6]
    assert len(r.threads) == 7
    assert loop_thread not in r.threads


async def test_ainvoke_of_sync_only_never_blocks_the_event_loop() -> None:
    # invoke() blocks until the *event loop* releases it. If ainvoke ran invoke on the loop
    # thread, the loop could never run the release callback and the wait would time out.
    started = asyncio.Event()
    release = threading.Event()
    loop = asyncio.get_running_loop()
    released_in_time: list[bool] = []

    class Blocking(Runnable[int, int]):
        def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
            loop.call_soon_threadsafe(started.set)
            released_in_time.append(release.wait(timeout=10))
            return input

    heartbeats = 0

    async def heartbeat() -> None:
        nonlocal heartbeats
        await started.wait()
        for _ in range(5):  # the loop keeps turning while invoke() is blocked
            heartbeats += 1
            await asyncio.sleep(0)
        release.set()

    result, _ = await asyncio.gather(Blocking().ainvoke(7), heartbeat())
    assert result == 7
    assert released_in_time == [True]
    assert heartbeats == 5


async def test_sync_lambda_ainvoke_does_not_block_the_loop() -> None:
    started = asyncio.Event()
    release = threading.Event()
    loop = asyncio.get_running_loop()

    def blocking(x: int) -> bool:
        loop.call_soon_threadsafe(started.set)
        return release.wait(timeout=10)

    async def unblock() -> None:
        await started.wait()
        release.set()

    result, _ = await asyncio.gather(RunnableLambda(blocking).ainvoke(1), unblock())
    assert result is True


# -- native async -----------------------------------------------------------------------


async def test_natively_async_runnable_is_never_pushed_to_a_thread() -> None:
    r = AsyncOnly()
    loop_thread = threading.get_ident()
    assert await r.ainvoke(1) == 3
    assert [c async for c in r.astream(2)] == [6]
    assert await r.abatch([1, 2, 3]) == [3, 6, 9]
    assert sorted([p async for p in r.abatch_as_completed([1, 2])]) == [(0, 3), (1, 6)]

    async def two() -> AsyncIterator[int]:
        yield 1
        yield 2

    assert [c async for c in r.atransform(two())] == [9]
    assert set(r.threads) == {loop_thread}


async def test_async_lambda_in_sequence_stays_on_the_loop() -> None:
    threads: list[int] = []

    async def step(x: int) -> int:
        threads.append(threading.get_ident())
        return x + 1

    chain = RunnableLambda(step) | step | step
    assert await chain.ainvoke(0) == 3
    assert [c async for c in chain.astream(0)] == [3]
    assert await chain.abatch([0, 1]) == [3, 4]
    assert set(threads) == {threading.get_ident()}


def test_async_only_invoked_sync_says_what_to_do() -> None:
    with pytest.raises(NotImplementedInvokeError, match=r"async-only.*ainvoke"):
        AsyncOnly().invoke(1)

    async def f(x: int) -> int:
        return x

    with pytest.raises(NotImplementedInvokeError, match=r"'f'.*ainvoke"):
        RunnableLambda(f).invoke(1)
    with pytest.raises(NotImplementedInvokeError):
        list(RunnableLambda(f).stream(1))


def test_runnable_with_nothing_implemented_says_what_to_implement() -> None:
    class Empty(Runnable[int, int]):
        pass

    with pytest.raises(NotImplementedInvokeError, match=r"Empty must implement invoke"):
        Empty().invoke(1)


# -- native streaming -------------------------------------------------------------------


def test_stream_only_streams_and_folds() -> None:
    r = StreamOnly()
    assert list(r.stream("abc")) == ["A", "B", "C"]
    assert r.invoke("abc") == "ABC"
    assert r.batch(["ab", "c"]) == ["AB", "C"]
    assert list(r.transform(iter(["a", "b"]))) == ["A", "B"]


async def test_stream_only_astream_streams_chunk_by_chunk_off_the_loop() -> None:
    r = StreamOnly()
    assert [c async for c in r.astream("abc")] == ["A", "B", "C"]
    assert await r.ainvoke("xy") == "XY"
    assert threading.get_ident() not in r.threads


def test_transform_only_streams_and_folds() -> None:
    r = TransformOnly()
    assert list(r.stream("ab")) == ["A", "B"]
    assert r.invoke("ab") == "AB"
    assert list(r.transform(iter(["a", "b"]))) == ["A", "B"]


async def test_transform_only_async() -> None:
    r = TransformOnly()
    assert [c async for c in r.astream("ab")] == ["A", "B"]
    assert await r.ainvoke("ab") == "AB"


async def test_astream_only_is_native_async_streaming() -> None:
    r = AstreamOnly()
    assert [c async for c in r.astream("ab")] == ["a!", "b!"]
    assert await r.ainvoke("ab") == "a!b!"
    assert set(r.threads) == {threading.get_ident()}
    with pytest.raises(NotImplementedInvokeError):
        r.invoke("ab")


async def test_run_in_thread_copies_context_and_uses_a_worker() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("set")
    thread, value = await run_in_thread(lambda: (threading.get_ident(), var.get()))
    assert thread != threading.get_ident()
    assert value == "set"


async def test_native_async_wins_over_a_sync_transform_in_atransform() -> None:
    class Both(Runnable[str, str]):
        def __init__(self) -> None:
            self.threads: list[int] = []

        def transform(
            self, input: Iterator[str], config: RunnableConfig | None = None, **kw: Any
        ) -> Iterator[str]:
            self.threads.append(threading.get_ident())
            for chunk in input:
                yield chunk.upper()

        async def astream(
            self, input: str, config: RunnableConfig | None = None, **kw: Any
        ) -> AsyncIterator[str]:
            self.threads.append(threading.get_ident())
            yield input + "!"

    r = Both()

    async def two() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    assert [c async for c in r.atransform(two())] == ["ab!"]
    assert r.threads == [threading.get_ident()]
