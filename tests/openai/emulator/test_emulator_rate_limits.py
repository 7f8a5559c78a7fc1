"""Emulated per-minute rate limits: 429s with retry-after and the x-ratelimit-* headers."""

from __future__ import annotations

import httpx
import pytest

from pipes_openai.emulator import Emulator
from pipes_openai.emulator._ratelimit import RateLimits, _duration
from pipes_openai.emulator._wire import ApiError

BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_requests_per_minute_answer_429_with_retry_after_and_headers() -> None:
    with Emulator(rpm=2) as emu:
        url = emu.base_url + "/chat/completions"
        first = httpx.post(url, json=BODY)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit-requests"] == "2"
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        emu.script("kept for later")
        assert httpx.post(url, json=BODY).status_code == 200
        refused = httpx.post(url, json=BODY)
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "rate_limit_exceeded"
        assert error["type"] == "requests"
        assert "Limit 2" in error["message"]
        assert 20 <= int(refused.headers["retry-after"]) <= 30  # one request refills in 30 s
        assert refused.headers["x-ratelimit-remaining-requests"] == "0"
        assert emu.rate_limits is not None
        assert emu.rate_limits.refused == 1


def test_a_refused_request_leaves_the_scripted_reply_for_the_next() -> None:
    clock = Clock()
    with Emulator(tpm=1000) as emu:
        emu.rate_limits = RateLimits(None, 1000, clock=clock)
        url = emu.base_url + "/chat/completions"
        big = {**BODY, "messages": [{"role": "user", "content": "word " * 400}]}
        assert httpx.post(url, json=big).status_code == 200  # prompt and echo: ~800 of the 1000
        emu.script("the scripted one")
        assert httpx.post(url, json=big).status_code == 429
        clock.now += 60  # the budget refills
        reply = httpx.post(url, json=BODY)
        assert reply.json()["choices"][0]["message"]["content"] == "the scripted one"
        assert int(reply.headers["x-ratelimit-remaining-tokens"]) < 1000


def test_a_stream_carries_the_headers_too() -> None:
    with Emulator(rpm=10, tpm=10_000) as emu:
        with httpx.stream(
            "POST", emu.base_url + "/chat/completions", json={**BODY, "stream": True}
        ) as r:
            assert r.status_code == 200
            assert r.headers["x-ratelimit-limit-tokens"] == "10000"
            assert r.headers["x-ratelimit-remaining-requests"] == "9"


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.02, "20ms"), (1, "1s"), (1.2, "2s"), (360, "6m0s"), (3723, "1h2m3s")]
)
def test_resets_are_written_as_the_api_writes_them(seconds: float, text: str) -> None:
    assert _duration(seconds) == text


def test_bad_limits_say_what_to_pass() -> None:
    with pytest.raises(ValueError, match=r"rpm=\.\.\.\) must be a positive int"):
        RateLimits(0, None)
    assert isinstance(ApiError(429, "x"), Exception)
