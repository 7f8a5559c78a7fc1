"""ChatOpenAI with a TokenRateLimiter: tokens reserved and settled, the server's headers
followed (429s and their retries included)."""

from __future__ import annotations

import pytest
from conftest import KEY

from pipes import TokenRateLimiter
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator, Fault


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.naps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


def test_a_reply_settles_the_reservation_with_its_usage(emu: Emulator) -> None:
    limiter = TokenRateLimiter(tokens_per_minute=100_000, clock=Clock())
    llm = ChatOpenAI(model="gpt-4o-mini", api_key=KEY, base_url=emu.base_url, rate_limiter=limiter)
    reply = llm.invoke("hello there", max_tokens=5_000)
    assert reply.usage_metadata is not None
    used = reply.usage_metadata["total_tokens"]
    assert limiter.available[1] == pytest.approx(100_000 - used)


def test_a_429s_headers_pause_the_limiter_before_the_next_request(emu: Emulator) -> None:
    clock = Clock()
    limiter = TokenRateLimiter(
        requests_per_minute=1000, tokens_per_minute=100_000, clock=clock, sleep=clock.sleep
    )
    llm = ChatOpenAI(
        model="gpt-4o-mini",
        api_key=KEY,
        base_url=emu.base_url,
        rate_limiter=limiter,
        max_retries=1,
    )
    emu.script(
        Fault.error(
            429,
            retry_after=0.01,
            headers={"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "20s"},
        ),
        "after the pause",
    )
    assert llm.invoke("hi").text == "after the pause"  # the engine's own retry got it
    _, tokens = limiter.available
    # The server said none were left; then this call's unused reservation came back.
    assert tokens is not None
    assert tokens < 300
    llm.invoke("again")  # waits for the reset the server named before it is sent
    assert sum(clock.naps) == pytest.approx(20.0, abs=0.2)


def test_a_plain_limiter_is_not_handed_headers(emu: Emulator) -> None:
    from pipes import InMemoryRateLimiter

    llm = ChatOpenAI(
        model="gpt-4o-mini",
        api_key=KEY,
        base_url=emu.base_url,
        rate_limiter=InMemoryRateLimiter(requests_per_second=1000, max_bucket_size=10),
    )
    assert llm._get_connection()[2].on_headers is None
