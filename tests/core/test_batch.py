"""batch/abatch: order, max_concurrency (never exceeded, reached), return_exceptions."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from pipes._core import Runnable, RunnableConfig, RunnableLambda


class InFlight:
    def __init__(self) -> None:
        self.now = 0
        self.max = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.max = max(self.max, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_batch_honours_max_concurrency(limit: int) -> None:
    flight = InFlight()
    barrier = threading.Barrier(limit, timeout=10)

    def work(x: int) -> int:
        flight.enter()
        try:
            barrier.wait()  # `limit` calls must be in flight at once to pass
        finally:
            flight.leave()
        return x * 2

    inputs = list(range(4 * limit))
    r = RunnableLambda(work)
    assert r.batch(inputs, {"max_concurrency": limit}) == [x * 2 for x in inputs]
    assert flight.max == limit
    flight.max = 0
    pairs = list(r.batch_as_completed(inputs, {"max_concurrency": limit}))
    assert sorted(pairs) == [(i, i * 2) for i in inputs]
    assert flight.max == limit


@pytest.mark.parametrize("limit", [1, 2, 5])
async def test_abatch_honours_max_concurrency(limit: int) -> None:
    flight = InFlight()
    barrier = asyncio.Barrier(limit)

    async def work(x: int) -> int:
        flight.enter()
        try:
            await asyncio.wait_for(barrier.wait(), timeout=10)
        finally:
            flight.leave()
        return x * 2

    inputs = list(range(4 * limit))
    r = RunnableLambda(work)
    assert await r.abatch(inputs, {"max_concurrency": limit}) == [x * 2 for x in inputs]
    assert flight.max == limit
    flight.max = 0
    pairs = [p async for p in r.abatch_as_completed(inputs, {"max_concurrency": limit})]
    assert sorted(pairs) == [(i, i * 2) for i in inputs]
    assert flight.max == limit


async def test_abatch_of_sync_steps_honours_max_concurrency() -> None:
    flight = InFlight()
    barrier = threading.Barrier(2, timeout=10)

    def work(x: int) -> int:
        flight.enter()
        try:
            barrier.wait()
        finally:
            flight.leave()
        return x

    assert await RunnableLambda(work).abatch(list(range(6)), {"max_concurrency": 2}) == list(
        range(6)
    )
    assert flight.max == 2


def test_batch_keeps_input_order_when_completion_order_differs() -> None:
    # Input 0 finishes only after input 1 has finished.
    done_1 = threading.Event()

    def work(x: int) -> int:
        if x == 0:
            assert done_1.wait(timeout=10)
        else:
            done_1.set()
        return x

    assert RunnableLambda(work).batch([0, 1]) == [0, 1]


def test_batch_as_completed_yields_in_completion_order() -> None:
    # Input 0 finishes only once the consumer has received input 1's result.
    received = threading.Event()

    def work(x: int) -> int:
        if x == 0:
            assert received.wait(timeout=10)
        return x

    order = []
    for index, _ in RunnableLambda(work).batch_as_completed([0, 1]):
        order.append(index)
        received.set()
    assert order == [1, 0]


async def test_abatch_keeps_input_order_when_completion_order_differs() -> None:
    done_1 = asyncio.Event()

    async def work(x: int) -> int:
        if x == 0:
            await asyncio.wait_for(done_1.wait(), timeout=10)
        else:
            done_1.set()
        return x

    r = RunnableLambda(work)
    assert await r.abatch([0, 1]) == [0, 1]
    assert await r.abatch([0, 1], {"max_concurrency": 2}) == [0, 1]
    done_1.clear()
    assert [i async for i, _ in r.abatch_as_completed([0, 1])] == [1, 0]


def _flaky(x: int) -> int:
    if x == 2:
        raise ValueError(f"bad {x}")
    return x


def test_return_exceptions_sync() -> None:
    r = RunnableLambda(_flaky)
    out = r.batch([1, 2, 3], return_exceptions=True)
    assert out[0] == 1
    assert out[2] == 3
    assert isinstance(out[1], ValueError)
    with pytest.raises(ValueError, match="bad 2"):
        r.batch([1, 2, 3])
    pairs = dict(r.batch_as_completed([1, 2], return_exceptions=True))
    assert pairs[0] == 1
    assert isinstance(pairs[1], ValueError)
    with pytest.raises(ValueError, match="bad 2"):
        list(r.batch_as_completed([1, 2]))


async def test_return_exceptions_async() -> None:
    r = RunnableLambda(_flaky)
    for config in (None, {"max_concurrency": 1}):
        out = await r.abatch([1, 2, 3], config, return_exceptions=True)  # type: ignore[arg-type]
        assert out[0] == 1
        assert out[2] == 3
        assert isinstance(out[1], ValueError)
        with pytest.raises(ValueError, match="bad 2"):
            await r.abatch([1, 2, 3], config)  # type: ignore[arg-type]
    pairs = {i: v async for i, v in r.abatch_as_completed([1, 2], return_exceptions=True)}
    assert pairs[0] == 1
    assert isinstance(pairs[1], ValueError)
    with pytest.raises(ValueError, match="bad 2"):
        [p async for p in r.abatch_as_completed([1, 2])]


async def test_empty_batches_and_config_count_mismatch() -> None:
    r = RunnableLambda(lambda x: x)
    assert r.batch([]) == []
    assert await r.abatch([]) == []
    assert list(r.batch_as_completed([])) == []
    assert [p async for p in r.abatch_as_completed([])] == []
    with pytest.raises(ValueError, match="2 configs for 3 inputs"):
        r.batch([1, 2, 3], [{}, {}])


async def test_the_as_completed_modes_check_their_configs_when_iterated() -> None:
    # They are generators (LangChain's too): a bad config list surfaces on iteration, where
    # the caller handles the pairs, not when the iterator is made.
    r = RunnableLambda(lambda x: x)
    pairs = r.batch_as_completed([1, 2], [{}, {}, {}])
    with pytest.raises(ValueError, match="3 configs for 2 inputs"):
        next(pairs)
    apairs = r.abatch_as_completed([1, 2], [{}, {}, {}])
    with pytest.raises(ValueError, match="3 configs for 2 inputs"):
        await anext(apairs)


def test_batch_passes_kwargs() -> None:
    class Add(Runnable[int, int]):
        def invoke(
            self, input: int, config: RunnableConfig | None = None, *, n: int = 0, **kw: Any
        ) -> int:
            return input + n

    assert Add().batch([1, 2], n=10) == [11, 12]
    assert Add().bind(n=5).batch([1, 2]) == [6, 7]


async def test_abatch_failure_cancels_the_inputs_still_running() -> None:
    cancelled = asyncio.Event()
    never = asyncio.Event()

    async def work(x: int) -> int:
        if x == 0:
            raise ValueError("first fails")
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return x

    with pytest.raises(ValueError, match="first fails"):
        await RunnableLambda(work).abatch([0, 1, 2])
    await asyncio.wait_for(cancelled.wait(), timeout=10)


async def test_abatch_of_sync_work_stops_taking_inputs_after_a_failure() -> None:
    started: list[int] = []

    def work(x: int) -> int:
        started.append(x)
        if x == 1:
            raise ValueError("stop here")
        return x

    r = RunnableLambda(work) | (lambda x: x)  # a sync-only sequence: shares worker threads
    with pytest.raises(ValueError, match="stop here"):
        await r.abatch(list(range(50)), {"max_concurrency": 1})
    assert started == [0, 1]
    started.clear()
    out = await r.abatch(list(range(5)), {"max_concurrency": 2}, return_exceptions=True)
    assert isinstance(out[1], ValueError)
    assert [o for i, o in enumerate(out) if i != 1] == [0, 2, 3, 4]
    assert sorted(started) == [0, 1, 2, 3, 4]


async def test_abatch_of_sync_work_traces_one_run_per_input() -> None:
    from .conftest import Recorder

    rec = Recorder()
    await RunnableLambda(lambda x: x, name="id").abatch([1, 2, 3], {"callbacks": [rec]})
    assert rec.names("start") == ["id"] * 3
    assert len(rec.ids()) == 3
