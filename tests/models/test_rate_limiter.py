from __future__ import annotations

import threading
from typing import Any

import pytest

from pipes._models._rate_limiter import BaseRateLimiter, InMemoryRateLimiter


class FakeClock:
    """A clock that only moves when someone sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def make(clock: FakeClock, **kwargs: Any) -> InMemoryRateLimiter:
    return InMemoryRateLimiter(clock=clock, sleep=clock.sleep, asleep=clock.asleep, **kwargs)


def test_bucket_starts_empty_and_refills_at_rate() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=2, max_bucket_size=1)
    assert limiter.acquire(blocking=False) is False
    clock.now += 0.25
    assert limiter.acquire(blocking=False) is False
    clock.now += 0.25
    assert limiter.acquire(blocking=False) is True
    assert limiter.acquire(blocking=False) is False


def test_blocking_acquire_waits_exactly_for_the_next_token() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=4, check_every_n_seconds=1.0)
    start = clock.now
    for _ in range(8):
        assert limiter.acquire() is True
    # 8 tokens at 4 per second: 2 seconds, no more (no oversleeping past the poll interval).
    assert clock.now - start == pytest.approx(2.0)


def test_wait_is_capped_by_check_every_n_seconds() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=0.5, check_every_n_seconds=0.1)
    assert limiter.acquire() is True
    assert max(clock.sleeps) == pytest.approx(0.1)
    assert sum(clock.sleeps) == pytest.approx(2.0)


def test_bucket_is_capped_at_max_bucket_size() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=10, max_bucket_size=3)
    limiter.acquire(blocking=False)  # starts the clock
    clock.now += 100  # would be 1000 tokens without the cap
    assert limiter.available_tokens == pytest.approx(3)
    assert [limiter.acquire(blocking=False) for _ in range(4)] == [True, True, True, False]


async def test_aacquire_uses_the_async_sleep() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=10)
    assert await limiter.aacquire(blocking=False) is False
    assert await limiter.aacquire() is True
    assert sum(clock.sleeps) == pytest.approx(0.1)


async def test_aacquire_with_real_asyncio_sleep_keeps_the_loop_free() -> None:
    limiter = InMemoryRateLimiter(requests_per_second=1000, check_every_n_seconds=0.01)
    assert await limiter.aacquire() is True


def test_thread_safety_no_token_is_handed_out_twice() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_second=1, max_bucket_size=50)
    limiter.acquire(blocking=False)
    clock.now += 50  # exactly 50 tokens in the bucket, clock frozen from here on
    granted: list[bool] = []
    barrier = threading.Barrier(8)
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        for _ in range(20):
            ok = limiter.acquire(blocking=False)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 50
    assert len(granted) == 160


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"check_every_n_seconds": -1}, "check_every_n_seconds"),
        ({"max_bucket_size": 0.5}, "max_bucket_size"),
    ],
)
def test_invalid_parameters_are_rejected(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        InMemoryRateLimiter(**kwargs)


def test_is_a_base_rate_limiter_and_base_is_abstract() -> None:
    assert isinstance(InMemoryRateLimiter(), BaseRateLimiter)
    with pytest.raises(TypeError):
        BaseRateLimiter()  # type: ignore[abstract]
    assert "requests_per_second=1.0" in repr(InMemoryRateLimiter())


def test_copies_share_the_limiter() -> None:
    import copy

    limiter = InMemoryRateLimiter()
    assert copy.copy(limiter) is limiter
    assert copy.deepcopy(limiter) is limiter
