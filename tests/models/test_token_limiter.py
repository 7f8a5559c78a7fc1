"""TokenRateLimiter: requests and tokens per minute, on a fake clock (no real sleeps)."""

from __future__ import annotations

import asyncio
import pickle
import threading
from typing import Any

import pytest

from pipes import AIMessage, BaseRateLimiter, RateLimitTicket, TokenRateLimiter
from pipes._models._call import DEFAULT_REPLY_TOKENS
from pipes._models._token_limiter import parse_reset
from pipes.testing import FakeChatModel

from .test_rate_limiter import FakeClock


def make(clock: FakeClock, **kwargs: Any) -> TokenRateLimiter:
    return TokenRateLimiter(clock=clock, sleep=clock.sleep, asleep=clock.asleep, **kwargs)


def test_a_full_budget_is_spent_then_refills_at_the_per_minute_rate() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=600, check_every_n_seconds=100)
    assert limiter.acquire_tokens(500) == RateLimitTicket(500)
    assert clock.sleeps == []  # a fresh quota is full
    limiter.acquire_tokens(200)  # 100 left: waits for 100 more at 10 tokens a second
    assert sum(clock.sleeps) == pytest.approx(10.0)
    assert limiter.available == (None, pytest.approx(0.0))


def test_requests_and_tokens_both_bound_a_request() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_minute=2, tokens_per_minute=10_000)
    limiter.acquire_tokens(10)
    limiter.acquire_tokens(10)
    assert limiter.acquire_tokens(10, blocking=False) is None  # no request left
    limiter.acquire_tokens(10)
    assert sum(clock.sleeps) == pytest.approx(30.0)  # one request refills in 30 s


def test_settle_gives_back_what_the_estimate_overstated_and_takes_what_it_missed() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=1000)
    ticket = limiter.acquire_tokens(800)  # prompt + max_tokens
    limiter.settle(ticket, 300)  # the reply was short
    assert limiter.available[1] == pytest.approx(700.0)
    ticket = limiter.acquire_tokens(100)
    limiter.settle(ticket, 900)  # the estimate was far off: the budget goes below zero
    assert limiter.available[1] == pytest.approx(-200.0)
    limiter.settle(RateLimitTicket(50), None)  # usage unknown: the estimate stands
    assert limiter.available[1] == pytest.approx(-200.0)


def test_a_request_that_can_never_fit_is_refused_instead_of_waiting_forever() -> None:
    limiter = make(FakeClock(), tokens_per_minute=1000)
    with pytest.raises(ValueError, match="estimated at 5000 tokens can never fit"):
        limiter.acquire_tokens(5000)


def test_server_headers_lower_the_budget_and_pause_until_the_reset() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_minute=100, tokens_per_minute=100_000)
    limiter.observe_headers(
        {
            "X-RateLimit-Remaining-Requests": "50",
            "x-ratelimit-remaining-tokens": "0",
            "x-ratelimit-reset-tokens": "1m30s",
        }
    )
    assert limiter.available[0] == pytest.approx(50.0)
    assert limiter.acquire(blocking=False) is False  # paused: tokens are spent server-side
    limiter.acquire()
    assert sum(clock.sleeps) == pytest.approx(90.0)


@pytest.mark.parametrize(
    ("headers", "pause"),
    [({"retry-after": "2"}, 2.0), ({"retry-after-ms": "250", "retry-after": "9"}, 0.25)],
)
def test_retry_after_pauses_every_request(headers: dict[str, str], pause: float) -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_minute=1000)
    limiter.observe_headers(headers)
    limiter.acquire()
    assert sum(clock.sleeps) == pytest.approx(pause)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0.5", 0.5)],
)
def test_reset_durations_parse_as_openai_writes_them(text: str, seconds: float) -> None:
    assert parse_reset(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 s", "1x"])
def test_unreadable_reset_durations_are_ignored(text: str) -> None:
    assert parse_reset(text) is None


async def test_async_waits_without_blocking_the_loop() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=60)
    await limiter.aacquire_tokens(60)
    ticket = await limiter.aacquire_tokens(30)
    assert ticket == RateLimitTicket(30)
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert await limiter.aacquire() is True


def test_threads_share_one_budget() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=6000)
    threads = [threading.Thread(target=limiter.acquire_tokens, args=(100,)) for _ in range(90)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 9,000 tokens from a full 6,000 budget: 3,000 had to refill at 100 a second.
    assert clock.now - 1000.0 >= 30.0 - 1e-6
    assert limiter.available[1] == pytest.approx(0.0, abs=100)


async def test_tasks_share_one_budget() -> None:
    clock = FakeClock()
    limiter = make(clock, requests_per_minute=60)
    await asyncio.gather(*(limiter.aacquire() for _ in range(70)))
    assert clock.now - 1000.0 >= 10.0 - 1e-6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "needs requests_per_minute=, tokens_per_minute= or both"),
        ({"tokens_per_minute": 0}, "tokens_per_minute must be a positive number"),
        ({"requests_per_minute": -1}, "requests_per_minute must be a positive number"),
    ],
)
def test_bad_settings_say_what_to_pass(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TokenRateLimiter(**kwargs)


def test_it_pickles_with_its_settings_and_a_full_budget() -> None:
    limiter = TokenRateLimiter(requests_per_minute=10, tokens_per_minute=1000)
    limiter.acquire_tokens(900)
    copy = pickle.loads(pickle.dumps(limiter))
    assert repr(copy) == "TokenRateLimiter(requests_per_minute=10, tokens_per_minute=1000)"
    assert copy.available == (10.0, 1000.0)


# A chat model with a token-counting limiter: reserve the estimate, settle with the usage.


def test_a_call_reserves_prompt_plus_max_tokens_and_settles_with_the_usage() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=10_000)
    seen: list[float | None] = []

    class Spy(FakeChatModel):
        def _generate(self, messages: Any, **kwargs: Any) -> Any:
            seen.append(limiter.available[1])  # while the request is in flight
            return super()._generate(messages, **kwargs)

    model = Spy(responses=["hello there"], rate_limiter=limiter)
    reply = model.invoke("hi", max_tokens=500)
    assert reply.usage_metadata is not None
    # In flight: the prompt's estimate ("hi": 1 token + 4 framing) and max_tokens are reserved.
    assert seen == [pytest.approx(10_000 - 5 - 500)]
    # After: only what the call reported using is spent.
    assert limiter.available[1] == pytest.approx(10_000 - reply.usage_metadata["total_tokens"])


@pytest.mark.parametrize("mode", ["stream", "astream", "ainvoke"])
async def test_every_mode_settles_with_the_usage(mode: str) -> None:
    limiter = make(FakeClock(), tokens_per_minute=10_000)
    model = FakeChatModel(responses=["one two three"], rate_limiter=limiter)
    if mode == "stream":
        chunks = list(model.stream("hi"))
    elif mode == "astream":
        chunks = [c async for c in model.astream("hi")]
    else:
        chunks = [await model.ainvoke("hi")]
    total = sum((c.usage_metadata or {}).get("total_tokens", 0) for c in chunks)
    assert total > 0
    assert limiter.available[1] == pytest.approx(10_000 - total)


def test_a_model_without_usage_keeps_the_estimate() -> None:
    limiter = make(FakeClock(), tokens_per_minute=10_000)

    class NoUsage(FakeChatModel):
        def _generate(self, messages: Any, **kwargs: Any) -> AIMessage:
            return AIMessage("no usage here")

    NoUsage(rate_limiter=limiter).invoke("hi")
    assert limiter.available[1] == pytest.approx(10_000 - 5 - DEFAULT_REPLY_TOKENS)


def test_a_plain_limiter_is_asked_for_requests_only() -> None:
    calls: list[str] = []

    class Counting(BaseRateLimiter):
        def acquire(self, *, blocking: bool = True) -> bool:
            calls.append("acquire")
            return True

        async def aacquire(self, *, blocking: bool = True) -> bool:
            return True

    FakeChatModel(responses=["x"], rate_limiter=Counting()).invoke("hi")
    assert calls == ["acquire"]


def test_try_acquire_tokens_reserves_or_says_how_long_to_wait() -> None:
    clock = FakeClock()
    limiter = make(clock, tokens_per_minute=600)
    assert limiter.try_acquire_tokens(600) == 0.0
    assert limiter.try_acquire_tokens(60) == pytest.approx(0.1)  # capped at one poll
    assert limiter.available[1] == pytest.approx(0.0)  # nothing taken by the refusal
    with pytest.raises(ValueError, match="can never fit"):
        limiter.try_acquire_tokens(601)
