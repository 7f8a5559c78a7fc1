"""Rate limiters a chat model consults before each request.

A model with `rate_limiter=` set calls [`BaseRateLimiter.acquire`][pipes.BaseRateLimiter.acquire]
(or `aacquire` on the async path) once per request, before the provider is contacted:

```python
from pipes import InMemoryRateLimiter

limiter = InMemoryRateLimiter(requests_per_second=2, max_bucket_size=4)
model = ChatOpenAI(model="gpt-4o-mini", rate_limiter=limiter)
```

`InMemoryRateLimiter` limits *requests*; [`TokenRateLimiter`][pipes.TokenRateLimiter] limits
tokens too. Share one instance between models to share a budget.
"""

from __future__ import annotations

import abc
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._shared import SharedState

__all__ = ["BaseRateLimiter", "InMemoryRateLimiter", "RateLimitTicket"]


@dataclass(frozen=True, slots=True)
class RateLimitTicket:
    """What [`BaseRateLimiter.acquire_tokens`][pipes.BaseRateLimiter.acquire_tokens]
    reserved: one request and `tokens`. [`settle`][pipes.BaseRateLimiter.settle] takes it back
    with the real usage."""

    tokens: int


class BaseRateLimiter(abc.ABC):
    """What a rate limiter implements: a blocking and an async `acquire`.

    Both return `True` when the caller may proceed. With `blocking=False` they return
    `False` at once instead of waiting.

    Example:
        ```python
        class AllowAll(BaseRateLimiter):
            def acquire(self, *, blocking: bool = True) -> bool:
                return True

            async def aacquire(self, *, blocking: bool = True) -> bool:
                return True
        ```
    """

    @abc.abstractmethod
    def acquire(self, *, blocking: bool = True) -> bool:
        """Take one request slot, waiting for it unless `blocking` is false."""

    @abc.abstractmethod
    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Async `acquire`: waits with `asyncio.sleep` so the event loop keeps running."""

    # Token-aware limiters override these four. A chat model estimates a request's tokens
    # (prompt + max_tokens) only for a limiter whose `counts_tokens` is true.

    @property
    def counts_tokens(self) -> bool:
        """Whether `acquire_tokens` wants a token estimate (`False`: it is passed 0)."""
        return False

    def acquire_tokens(self, tokens: int, *, blocking: bool = True) -> RateLimitTicket | None:
        """Reserve one request and `tokens`; `None` when `blocking=False` finds no room.
        By default: [`acquire`][pipes.BaseRateLimiter.acquire], tokens ignored."""
        return RateLimitTicket(tokens) if self.acquire(blocking=blocking) else None

    async def aacquire_tokens(
        self, tokens: int, *, blocking: bool = True
    ) -> RateLimitTicket | None:
        """Async `acquire_tokens`."""
        return RateLimitTicket(tokens) if await self.aacquire(blocking=blocking) else None

    def settle(self, ticket: RateLimitTicket, used_tokens: int | None) -> None:
        """The request of `ticket` is done and used `used_tokens` (`None`: not reported).
        By default nothing happens."""
        return None  # a plain limiter counts requests only: nothing to correct

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        """A provider's response headers (`x-ratelimit-*`, `retry-after`), for a limiter
        that follows the server's own budget. By default nothing happens."""
        return None


class InMemoryRateLimiter(SharedState, BaseRateLimiter):
    """A thread-safe token bucket shared by every model (and thread) that holds it.

    Tokens accrue at `requests_per_second` up to `max_bucket_size`; each request takes
    one. The bucket starts **empty**, as LangChain's does, so a freshly started process
    cannot burst past the provider's limit. A waiting caller re-checks at least every
    `check_every_n_seconds` (and never sleeps longer than the next token needs).

    `clock`, `sleep` and `asleep` are injectable so tests run on a fake clock.

    Example:
        ```python
        limiter = InMemoryRateLimiter(requests_per_second=10, max_bucket_size=10)
        limiter.acquire()          # blocks until a token is available
        await limiter.aacquire()   # same, without blocking the event loop
        ```
    """

    def __init__(
        self,
        *,
        requests_per_second: float = 1.0,
        check_every_n_seconds: float = 0.1,
        max_bucket_size: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if not requests_per_second > 0:
            raise ValueError(
                f"requests_per_second must be a positive number, got {requests_per_second!r}"
            )
        if not check_every_n_seconds > 0:
            raise ValueError(
                f"check_every_n_seconds must be a positive number, got {check_every_n_seconds!r}"
            )
        if not max_bucket_size >= 1:
            raise ValueError(
                f"max_bucket_size must be at least 1 (one request needs one token), "
                f"got {max_bucket_size!r}"
            )
        self.requests_per_second = float(requests_per_second)
        self.check_every_n_seconds = float(check_every_n_seconds)
        self.max_bucket_size = float(max_bucket_size)
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep if asleep is not None else _asyncio_sleep
        self._lock = threading.Lock()
        self._available = 0.0
        self._last: float | None = None

    # Pickled (to a worker process), the settings travel; the bucket starts empty there, as a
    # new limiter's does (the monotonic clock's readings mean nothing in another process).
    # Each process then has its own budget: a limit shared by processes needs shared state.
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_available"], state["_last"] = 0.0, None
        return state

    def __repr__(self) -> str:
        return (
            f"InMemoryRateLimiter(requests_per_second={self.requests_per_second}, "
            f"check_every_n_seconds={self.check_every_n_seconds}, "
            f"max_bucket_size={self.max_bucket_size})"
        )

    @property
    def available_tokens(self) -> float:
        """Tokens in the bucket right now (refilled to the current clock reading)."""
        with self._lock:
            self._refill(self._clock())
            return self._available

    def _refill(self, now: float) -> None:
        # Caller holds the lock. The first call only starts the clock: the bucket starts empty.
        if self._last is None:
            self._last = now
            return
        elapsed = now - self._last
        if elapsed > 0:
            self._available = min(
                self.max_bucket_size, self._available + elapsed * self.requests_per_second
            )
            self._last = now

    def _try_consume(self) -> float:
        """Take a token if one is there: return 0.0, else the seconds to wait before retrying."""
        with self._lock:
            self._refill(self._clock())
            if self._available >= 1.0:
                self._available -= 1.0
                return 0.0
            missing = (1.0 - self._available) / self.requests_per_second
        # Another thread may take the next token first, so never wait longer than one poll.
        return min(missing, self.check_every_n_seconds)

    def _waits(self) -> Iterator[float]:
        """The sleeps (seconds) before a token is taken, the last one taken when this ends.

        The one waiting loop, without I/O: `acquire` sleeps each, `aacquire` awaits each.
        """
        while wait := self._try_consume():
            yield wait

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take a token; block (`time.sleep`) until one is there unless `blocking=False`."""
        if not blocking:
            return self._try_consume() == 0.0
        for wait in self._waits():
            self._sleep(wait)
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Take a token; `await asyncio.sleep` until one is there unless `blocking=False`."""
        if not blocking:
            return self._try_consume() == 0.0
        for wait in self._waits():
            await self._asleep(wait)
        return True


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported on first async use only: it is a third of a bare `import pipes`.
    import asyncio

    await asyncio.sleep(seconds)
