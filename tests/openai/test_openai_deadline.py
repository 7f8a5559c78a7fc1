"""`pipes_openai._deadline`: each socket read of a reply's head waits at most until the deadline.

The end-to-end bound (a server dripping its headers) is in test_openai_hostile.py; these
check the cap itself on a stand-in stream, without a network.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpcore
import httpx
import pytest

from pipes_openai._deadline import _AsyncStream, _Stream, head_deadline, install, lift


class _Recorder:
    """A stream that records the timeout of each read."""

    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.timeouts.append(timeout)
        return b"x"


def test_without_a_deadline_the_read_timeout_passes_through() -> None:
    inner = _Recorder()
    assert _Stream(inner).read(10, 5.0) == b"x"  # type: ignore[arg-type]
    assert inner.timeouts == [5.0]


def test_a_deadline_caps_each_read_and_is_lifted() -> None:
    inner = _Recorder()
    stream = _Stream(inner)  # type: ignore[arg-type]
    token = head_deadline(1.0)
    try:
        stream.read(10, 5.0)
        stream.read(10, None)  # "no read timeout" is capped too
        stream.read(10, 0.25)  # a shorter read timeout stays
    finally:
        lift(token)
    stream.read(10, 5.0)
    capped, unbounded, shorter, after = inner.timeouts
    assert capped is not None
    assert 0 < capped <= 1.0
    assert unbounded is not None
    assert 0 < unbounded <= 1.0
    assert (shorter, after) == (0.25, 5.0)


def test_a_passed_deadline_times_out_without_reading() -> None:
    inner = _Recorder()
    token = head_deadline(0.0)
    try:
        with pytest.raises(httpcore.ReadTimeout, match="deadline"):
            _Stream(inner).read(10, 5.0)  # type: ignore[arg-type]
    finally:
        lift(token)
    assert inner.timeouts == []


def test_the_async_stream_is_capped_per_task() -> None:
    inner = _Recorder()

    class _Async:
        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
            return inner.read(max_bytes, timeout)

    async def main() -> None:
        stream = _AsyncStream(_Async())  # type: ignore[arg-type]

        async def with_deadline() -> None:
            token = head_deadline(1.0)
            try:
                await stream.read(10, 5.0)
            finally:
                lift(token)

        await asyncio.gather(with_deadline())
        await stream.read(10, 5.0)  # another task's deadline never reaches this one

    asyncio.run(main())
    capped, other = inner.timeouts
    assert capped is not None
    assert 0 < capped <= 1.0
    assert other == 5.0


@pytest.mark.parametrize("transport", [httpx.HTTPTransport, httpx.AsyncHTTPTransport])
def test_install_wraps_the_transport_backend(transport: Any) -> None:
    sender = transport()
    install(sender)
    backend = sender._pool._network_backend
    assert type(backend).__name__ in ("_Backend", "_AsyncBackend")
