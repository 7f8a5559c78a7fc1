"""`SharedRateLimiter`: one `TokenRateLimiter` budget, held by a Ray actor, for every worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import ray

from pipes import BaseRateLimiter, RateLimitTicket, TokenRateLimiter

__all__ = ["SharedRateLimiter"]


class _Budget:
    """The actor: a TokenRateLimiter on the actor's clock, asked without ever blocking."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None):
        self.limiter = TokenRateLimiter(
            requests_per_minute=requests_per_minute, tokens_per_minute=tokens_per_minute
        )

    def try_acquire_tokens(self, tokens: int) -> float:
        return self.limiter.try_acquire_tokens(tokens)

    def settle(self, reserved: int, used: int | None) -> None:
        self.limiter.settle(RateLimitTicket(reserved), used)

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        self.limiter.observe_headers(headers)

    def available(self) -> tuple[float | None, float | None]:
        return self.limiter.available


class SharedRateLimiter(BaseRateLimiter):
    """[`TokenRateLimiter`][pipes.TokenRateLimiter]'s budget, shared by every process and
    Ray actor that holds this limiter.

    The budget lives in one Ray actor (no CPU reserved), created when the limiter is and found
    by `name` if one exists already; the limiter pickles as a handle to it, so a chain sent to
    N workers keeps the N of them together under one quota. Waiting happens in the caller
    (the actor only answers "taken" or "try again in s seconds"), so a waiting worker never
    blocks the others. Needs `ray.init()` first.

    Example:
        ```python
        limiter = SharedRateLimiter(requests_per_minute=5_000, tokens_per_minute=2_000_000)
        llm = ChatOpenAI(model="gpt-4o-mini", rate_limiter=limiter)  # tokens counted
        map_dataset(prompt | llm | parser, ds, concurrency=8)
        ```
    """

    def __init__(
        self,
        *,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        name: str | None = None,
    ) -> None:
        # Checked here, with TokenRateLimiter's own messages, before any actor exists.
        TokenRateLimiter(
            requests_per_minute=requests_per_minute, tokens_per_minute=tokens_per_minute
        )
        if not ray.is_initialized():
            raise RuntimeError(
                "SharedRateLimiter keeps its budget in a Ray actor: call ray.init() first "
                "(or use TokenRateLimiter for one process)"
            )
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        actor = ray.remote(num_cpus=0)(_Budget)
        options: dict[str, Any] = {"name": name, "get_if_exists": True} if name else {}
        # Ray types an actor's methods as the class's own (without `.remote`): kept dynamic.
        self._actor: Any = actor.options(**options).remote(requests_per_minute, tokens_per_minute)

    def __repr__(self) -> str:
        return (
            f"SharedRateLimiter(requests_per_minute={self.requests_per_minute}, "
            f"tokens_per_minute={self.tokens_per_minute})"
        )

    @property
    def counts_tokens(self) -> bool:
        return self.tokens_per_minute is not None

    @property
    def available(self) -> tuple[float | None, float | None]:
        """(requests, tokens) left in the shared budget now."""
        requests, tokens = ray.get(self._actor.available.remote())
        return requests, tokens

    def acquire_tokens(self, tokens: int, *, blocking: bool = True) -> RateLimitTicket | None:
        while wait := float(ray.get(self._actor.try_acquire_tokens.remote(tokens))):
            if not blocking:
                return None
            time.sleep(wait)
        return RateLimitTicket(tokens)

    async def aacquire_tokens(
        self, tokens: int, *, blocking: bool = True
    ) -> RateLimitTicket | None:
        while wait := float(await self._actor.try_acquire_tokens.remote(tokens)):
            if not blocking:
                return None
            await asyncio.sleep(wait)
        return RateLimitTicket(tokens)

    def acquire(self, *, blocking: bool = True) -> bool:
        return self.acquire_tokens(0, blocking=blocking) is not None

    async def aacquire(self, *, blocking: bool = True) -> bool:
        return await self.aacquire_tokens(0, blocking=blocking) is not None

    def settle(self, ticket: RateLimitTicket, used_tokens: int | None) -> None:
        if used_tokens is not None and self.counts_tokens:
            self._actor.settle.remote(ticket.tokens, used_tokens)  # nobody waits for it

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        """Hand a server's rate-limit headers to the shared budget (see `TokenRateLimiter`)."""
        self._actor.observe_headers.remote(dict(headers))
