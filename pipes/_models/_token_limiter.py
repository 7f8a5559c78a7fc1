"""A rate limiter that counts tokens as well as requests, the way OpenAI's limits do.

OpenAI limits a key by requests *and* tokens per minute, and counts a request's tokens up
front: its prompt plus its `max_tokens`. [`TokenRateLimiter`][pipes.TokenRateLimiter] does the
same locally: a request reserves its estimate before it is sent, the real usage corrects the
reservation afterwards, and the server's own `x-ratelimit-*` and `retry-after` headers pull the
local budget down to what the server says is left (other clients on the same key spend it too).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from ._rate_limiter import BaseRateLimiter, RateLimitTicket, _asyncio_sleep
from ._shared import SharedState

__all__ = ["TokenRateLimiter"]

# OpenAI writes reset times as Go durations ("1s", "6m0s", "20ms", "1h2m3.5s").
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_reset(value: str) -> float | None:
    """Seconds in an `x-ratelimit-reset-*` value (`"6m0s"`, `"20ms"`, `"1.5"`), or `None`."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


class _Bucket:
    """One continuously refilling budget (`capacity` per minute). The caller holds the lock."""

    __slots__ = ("available", "capacity", "per_second")

    def __init__(self, per_minute: float) -> None:
        self.capacity = float(per_minute)
        self.per_second = self.capacity / 60.0
        self.available = self.capacity  # a fresh quota is full, as the server's is

    def refill(self, elapsed: float) -> None:
        self.available = min(self.capacity, self.available + elapsed * self.per_second)

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` is there (0.0: it is)."""
        missing = amount - self.available
        # Refills add up in floats: a last crumb (1e-12 of a token) would be a sleep too short
        # for the clock to move, forever. Less than a millionth of a token counts as there.
        return 0.0 if missing <= 1e-6 else missing / self.per_second


class TokenRateLimiter(SharedState, BaseRateLimiter):
    """Requests and tokens per minute, reserved before a request and corrected after it.

    Give a chat model `rate_limiter=TokenRateLimiter(...)`: before each request it reserves
    one request and the request's estimated tokens (prompt + `max_tokens`), waiting until both
    budgets have room; after the reply the estimate is replaced by the reported usage, and the
    server's `x-ratelimit-remaining-*` / `x-ratelimit-reset-*` / `retry-after` headers lower the
    budget to what the server says is left. Budgets refill continuously and start full.
    Thread- and task-safe: share one instance between models, threads and tasks to share a
    quota. Each process has its own; a quota shared by processes needs shared state.

    Example:
        ```python
        limiter = TokenRateLimiter(requests_per_minute=500, tokens_per_minute=200_000)
        model = ChatOpenAI(model="gpt-4o-mini", rate_limiter=limiter)
        ```
    """

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        check_every_n_seconds: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        for name, value in (
            ("requests_per_minute", requests_per_minute),
            ("tokens_per_minute", tokens_per_minute),
        ):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number or None, got {value!r}")
        if requests_per_minute is None and tokens_per_minute is None:
            raise ValueError(
                "TokenRateLimiter needs requests_per_minute=, tokens_per_minute= or both "
                "(e.g. TokenRateLimiter(requests_per_minute=500, tokens_per_minute=200_000))"
            )
        if not check_every_n_seconds > 0:
            raise ValueError(
                f"check_every_n_seconds must be a positive number, got {check_every_n_seconds!r}"
            )
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.check_every_n_seconds = float(check_every_n_seconds)
        self._clock = clock
        self._sleep = sleep
        self._asleep = asleep if asleep is not None else _asyncio_sleep
        self._lock = threading.Lock()
        self._requests = _Bucket(requests_per_minute) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute) if tokens_per_minute else None
        self._last = clock()
        self._paused_until = 0.0  # a server's retry-after, or a spent budget until its reset

    @property
    def counts_tokens(self) -> bool:
        """True: a model should pass its estimate to `acquire_tokens` and `settle` after."""
        return self._tokens is not None

    def __getstate__(self) -> dict[str, Any]:
        # Pickled to a worker: the settings travel, the budgets start full there.
        return {
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "check_every_n_seconds": self.check_every_n_seconds,
            "clock": self._clock,
            "sleep": self._sleep,
            "asleep": self._asleep,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return (
            f"TokenRateLimiter(requests_per_minute={self.requests_per_minute}, "
            f"tokens_per_minute={self.tokens_per_minute})"
        )

    @property
    def available(self) -> tuple[float | None, float | None]:
        """(requests, tokens) in the budgets now; `None` for a budget that is not limited."""
        with self._lock:
            self._refill()
            return (
                self._requests.available if self._requests else None,
                self._tokens.available if self._tokens else None,
            )

    def _refill(self) -> float:
        now = self._clock()
        elapsed = now - self._last
        if elapsed > 0:
            self._last = now
            for bucket in (self._requests, self._tokens):
                if bucket is not None:
                    bucket.refill(elapsed)
        return now

    def try_acquire_tokens(self, tokens: int) -> float:
        """Reserve one request and `tokens` if both are there now and return `0.0`; else
        reserve nothing and return the seconds to wait before trying again. Never blocks:
        the building block of limiters that keep the budget elsewhere (another process)."""
        self._check(tokens)
        return self._try_take(tokens)

    def _try_take(self, tokens: int) -> float:
        """Take one request and `tokens` if both are there: 0.0, else seconds to wait."""
        with self._lock:
            now = self._refill()
            wait = self._paused_until - now
            for bucket, amount in ((self._requests, 1), (self._tokens, tokens)):
                if bucket is not None:
                    wait = max(wait, bucket.wait_for(amount))
            if wait <= 0:
                if self._requests is not None:
                    self._requests.available -= 1
                if self._tokens is not None:
                    self._tokens.available -= tokens
                return 0.0
        # Others may take what refills first: re-check at least every check_every_n_seconds.
        return min(wait, self.check_every_n_seconds)

    def _waits(self, tokens: int) -> Iterator[float]:
        """The sleeps before the reservation is made (the one waiting loop, without I/O)."""
        self._check(tokens)
        while wait := self._try_take(tokens):
            yield wait

    def _check(self, tokens: int) -> None:
        if self._tokens is not None and tokens > self._tokens.capacity:
            raise ValueError(
                f"a request estimated at {tokens} tokens can never fit tokens_per_minute="
                f"{self.tokens_per_minute:g}: lower max_tokens or the prompt, or raise "
                "tokens_per_minute"
            )
        if tokens < 0:
            raise ValueError(f"tokens must be 0 or more, got {tokens}")

    def acquire_tokens(self, tokens: int, *, blocking: bool = True) -> RateLimitTicket | None:
        """Reserve one request and `tokens`, waiting (`time.sleep`) for room unless
        `blocking=False`, which returns `None` at once when there is none."""
        waits = self._waits(tokens)
        if not blocking:
            return RateLimitTicket(tokens) if next(waits, None) is None else None
        for wait in waits:
            self._sleep(wait)
        return RateLimitTicket(tokens)

    async def aacquire_tokens(
        self, tokens: int, *, blocking: bool = True
    ) -> RateLimitTicket | None:
        """`acquire_tokens` that waits with `asyncio.sleep`."""
        waits = self._waits(tokens)
        if not blocking:
            return RateLimitTicket(tokens) if next(waits, None) is None else None
        for wait in waits:
            await self._asleep(wait)
        return RateLimitTicket(tokens)

    def acquire(self, *, blocking: bool = True) -> bool:
        """One request, no tokens (the plain [`BaseRateLimiter`][pipes.BaseRateLimiter] call)."""
        return self.acquire_tokens(0, blocking=blocking) is not None

    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Async `acquire`."""
        return await self.aacquire_tokens(0, blocking=blocking) is not None

    def settle(self, ticket: RateLimitTicket, used_tokens: int | None) -> None:
        """Replace the reservation by the tokens the request really used (`None`: unknown,
        the estimate stands). A request that used less gives the rest back; more is taken."""
        if used_tokens is None or self._tokens is None:
            return
        with self._lock:
            self._refill()
            self._tokens.available = min(
                self._tokens.capacity, self._tokens.available + ticket.tokens - used_tokens
            )

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        """Follow what the server says is left: `x-ratelimit-remaining-requests|tokens`
        lower the budgets, a spent budget waits for its `x-ratelimit-reset-*`, and
        `retry-after` / `retry-after-ms` pause every request that long."""
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            now = self._refill()
            pause = 0.0
            for kind, bucket in (("requests", self._requests), ("tokens", self._tokens)):
                remaining = _number(lowered.get(f"x-ratelimit-remaining-{kind}"))
                if bucket is None or remaining is None:
                    continue
                bucket.available = min(bucket.available, remaining)
                if remaining <= 0:
                    reset = parse_reset(lowered.get(f"x-ratelimit-reset-{kind}", ""))
                    pause = max(pause, reset or 0.0)
            retry_ms = _number(lowered.get("retry-after-ms"))
            retry = retry_ms / 1000 if retry_ms is not None else _number(lowered.get("retry-after"))
            pause = max(pause, retry or 0.0)
            if pause:
                self._paused_until = max(self._paused_until, now + pause)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
