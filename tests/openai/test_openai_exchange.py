"""The sans-IO exchange core, driven by hand: no network, a fake clock where time matters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipes_openai import ResponseTooLargeError, _exchange
from pipes_openai._errors import (
    APITimeoutError,
    InternalServerError,
    StreamEventError,
    StreamIncompleteError,
)
from pipes_openai._exchange import CHUNK, EMIT, OPEN, SLEEP, Flow, Reply, exchange
from pipes_openai._http import HTTPEngine, Timeouts
from pipes_openai._streaming import StreamMeta

SSE = {"content-type": "text/event-stream"}
JSON = {"content-type": "application/json"}
Script = list[tuple[int, dict[str, str], list[bytes]] | Exception]


def drive(flow: Flow, script: Script) -> tuple[list[Any], list[int], BaseException | None]:
    """Serve ``flow`` from ``script`` (one entry per attempt): outputs, steps, the error."""
    outputs: list[Any] = []
    steps: list[int] = []
    attempts = iter(script)
    chunks: Iterator[bytes] = iter(())
    try:
        step, arg = next(flow)
        while True:
            steps.append(step)
            if step == OPEN:
                attempt = next(attempts)
                if isinstance(attempt, Exception):
                    step, arg = flow.throw(attempt)
                    continue
                status, headers, pieces = attempt
                chunks = iter(pieces)
                step, arg = flow.send(httpx.Response(status, headers=headers))
            elif step == CHUNK:
                outputs.extend(arg or ())
                step, arg = flow.send(next(chunks, None))
            elif step == SLEEP:
                step, arg = flow.send(None)
            else:
                assert step == EMIT
                outputs.extend(arg)
                step, arg = flow.send(None)
    except StopIteration as stop:
        outputs.extend(stop.value)
        return outputs, steps, None
    except Exception as exc:
        return outputs, steps, exc


def engine(**kwargs: Any) -> HTTPEngine:
    timeouts = kwargs.pop("timeouts", Timeouts(total=10, connect=1, stream_chunk=1.0))
    return HTTPEngine(timeouts, retry_base_delay=0.0, retry_max_delay=0.0, **kwargs)


def stream(eng: HTTPEngine, script: Script) -> tuple[list[Any], list[int], BaseException | None]:
    return drive(exchange(eng, "http://x/v1", StreamMeta(), None, streaming=True), script)


def test_a_plain_request_returns_its_reply() -> None:
    flow = exchange(engine(), "http://x/v1", StreamMeta(), None, streaming=False)
    out, steps, error = drive(flow, [(200, JSON, [b'{"a":', b" 1}"])])
    assert error is None
    assert isinstance(out[0], Reply)
    assert out[0].data == {"a": 1}
    assert steps == [OPEN, CHUNK, CHUNK, CHUNK]


def test_retries_sleep_between_attempts_and_stop_at_the_first_event() -> None:
    script: Script = [
        httpx.ConnectError("refused"),
        (503, JSON, [b"{}"]),
        (200, SSE, [b'data: {"n": 1}\n\n', b"data: [DONE]\n\n"]),
    ]
    out, steps, error = stream(engine(), script)
    assert error is None
    assert out == [{"n": 1}]
    assert steps.count(SLEEP) == 2
    assert steps.count(OPEN) == 3


def test_retries_are_bounded() -> None:
    _, steps, error = stream(engine(max_retries=1), [(500, JSON, [b"{}"])] * 2)
    assert isinstance(error, InternalServerError)
    assert error.attempts == 2
    assert steps.count(OPEN) == 2


def test_outputs_before_an_error_in_the_same_chunk_are_delivered_first() -> None:
    chunk = b'data: {"n": 1}\n\ndata: {"error": {"message": "boom"}}\n\n'
    out, steps, error = stream(engine(), [(200, SSE, [chunk])])
    assert out == [{"n": 1}]
    assert EMIT in steps
    assert isinstance(error, StreamEventError)


def test_a_stream_without_done_is_incomplete() -> None:
    out, _, error = stream(engine(), [(200, SSE, [b'data: {"n": 1}\n\n'])])
    assert out == [{"n": 1}]
    assert isinstance(error, StreamIncompleteError)


class Clock:
    """A monotonic clock that advances ``step`` seconds per reading."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_bytes_without_events_cannot_extend_the_event_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_exchange, "monotonic", Clock(0.4))
    drip = [b'data: {"n": 1}\n\n'] + [b":"] * 100
    out, steps, error = stream(engine(), [(200, SSE, drip)])
    assert isinstance(error, APITimeoutError)
    assert "stream_chunk_timeout=" in str(error)
    assert out == [{"n": 1}]
    assert steps.count(CHUNK) < 10  # ~1 s of 0.4 s readings, not the 100 drips


def test_a_dripping_plain_reply_cannot_extend_the_attempt_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_exchange, "monotonic", Clock(1.0))
    eng = engine(timeouts=Timeouts(total=5, connect=1), max_retries=0)
    flow = exchange(eng, "http://x/v1", StreamMeta(), None, streaming=False)
    _, steps, error = drive(flow, [(200, JSON, [b" "] * 100)])
    assert isinstance(error, APITimeoutError)
    assert "5s deadline" in str(error)
    assert steps.count(CHUNK) < 10


def test_a_reply_over_the_limit_stops_reading() -> None:
    eng = engine(max_response_bytes=10)
    flow = exchange(eng, "http://x/v1", StreamMeta(), None, streaming=False)
    _, steps, error = drive(flow, [(200, JSON, [b"123456", b"789012", b"more"])])
    assert isinstance(error, ResponseTooLargeError)
    assert error.limit == 10
    assert steps.count(CHUNK) == 2
