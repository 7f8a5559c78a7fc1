"""Writing responses: error bodies, streamed SSE replies and the faults that break them.

Loop side. Complete responses are returned as bytes (the fast path); the coroutines write
through the `Connection` themselves and return whether it stays open.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Iterator

from ._engine import Plan, render_stream
from ._exchange import Exchange
from ._frames import chunk
from ._http import Connection
from ._quirks import Quirk
from ._script import Fault
from ._wire import DEFAULT_CODE, ApiError, default_error_message, dumps

__all__ = [
    "cut_body",
    "drop",
    "early_fault",
    "fault_error",
    "retry_headers",
    "send_events",
    "send_later",
    "send_stream",
    "stream_error",
    "stream_reply",
]

_FLUSH_EVERY = 128  # SSE events per write when no per-chunk delay is configured


_HTML_BODY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx (injected by the pipes emulator)</center></body></html>\n"
)


def early_fault(
    fault: Fault | None, conn: Connection, ex: Exchange
) -> bytes | Awaitable[bool] | None:
    """The answer of a fault that replaces the reply (an error status, a non-JSON page, a
    dropped connection), or `None` when the request is answered (maybe faultily) as usual."""
    if fault is None:
        return None
    if fault.kind == "status":
        return ex.error(fault_error(fault))
    if fault.kind == "non_json":
        ex.add(fault.headers)
        body = fault.body if fault.body is not None else _HTML_BODY
        return ex.page(fault.status, body.encode(), "text/html; charset=utf-8")
    if fault.kind == "drop" and fault.after_chunks == 0:
        return drop(conn)
    return None


def fault_error(fault: Fault) -> ApiError:
    """The error a queued status fault answers with (any endpoint), `retry-after` included."""
    return ApiError(
        fault.status,
        fault.message or default_error_message(fault.status),
        type=fault.error_type,
        param=fault.param,
        code=fault.code if fault.code is not None else DEFAULT_CODE,
        headers=retry_headers(fault),
    )


def stream_error(fault: Fault) -> ApiError:
    """The 500 a `Fault.stream_error` answers a request that does not stream with."""
    return ApiError(
        500,
        fault.message or default_error_message(500),
        type=fault.error_type,
        code=fault.code,
    )


def retry_headers(fault: Fault) -> dict[str, str]:
    """The headers of an injected error: the fault's own plus `retry-after(-ms)`."""
    headers = dict(fault.headers or {})
    if fault.retry_after is not None:
        value = fault.retry_after
        headers["retry-after"] = str(int(value)) if float(value).is_integer() else repr(value)
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = str(fault.retry_after_ms)
    return headers


async def drop(conn: Connection) -> bool:
    """Abort the connection without an answer."""
    conn.abort()
    return False


async def send_later(conn: Connection, delay: float, ex: Exchange, payload: bytes) -> bool:
    """Write the 200 response of `payload` after `delay` seconds (its head is built then:
    `openai-processing-ms` counts the wait)."""
    await asyncio.sleep(delay)
    conn.write(ex.ok(payload))
    return True


async def cut_body(conn: Connection, payload: bytes, ex: Exchange) -> bool:
    """Announce all of `payload`, send half of it, then close."""
    head = ex.ok(b"")
    # The head announces the full length; only half the body arrives, then the FIN.
    head = head.replace(b"content-length: 0", b"content-length: %d" % len(payload), 1)
    conn.write(head + payload[: len(payload) // 2])
    conn.close()
    return False


async def stream_reply(
    conn: Connection,
    plan: Plan,
    include_usage: bool,
    fault: Fault | None,
    ex: Exchange,
    quirks: frozenset[Quirk],
) -> bool:
    """Stream `plan` as SSE events, ending as `fault` says (`[DONE]` without one)."""
    events = render_stream(plan, include_usage=include_usage, quirks=quirks)
    if not await send_stream(conn, ex, plan, events, fault):
        return False
    if fault is not None and fault.kind == "stream_error":
        error = ApiError(
            500,
            fault.message or "The server had an error while streaming (injected by the emulator).",
            type=fault.error_type,
            code=fault.code,
        )
        conn.write(chunk(f"data: {dumps(error.body())}\n\n".encode()) + b"0\r\n\r\n")
        return True
    if fault is not None and fault.kind == "truncate":
        conn.write(b"0\r\n\r\n")
        return True
    conn.write(chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
    await conn.drain()
    return True


async def send_stream(
    conn: Connection, ex: Exchange, plan: Plan, events: Iterator[str], fault: Fault | None
) -> bool:
    """Wait `plan.delay`, write the stream's head and `events` (only the first
    `fault.after_chunks` of them with a fault that cuts the stream); False when the fault
    dropped the connection, else the caller ends the stream."""
    if plan.delay > 0:
        await asyncio.sleep(plan.delay)
    conn.write(ex.stream_head())
    limit = fault.after_chunks if fault is not None and fault.kind != "slow" else None
    if limit is not None:
        events = itertools.islice(events, limit)
    await send_events(conn, events, plan.chunk_delay)
    if fault is not None and fault.kind == "drop":
        conn.close()
        return False
    return True


async def send_events(conn: Connection, events: Iterator[str], delay: float) -> None:
    """Write SSE `events` as chunks: `delay` seconds apart, or batched when 0."""
    if delay > 0:
        first = True
        for event in events:
            if not first:
                await asyncio.sleep(delay)
            first = False
            conn.write(chunk(event.encode()))
            await conn.drain()
    else:
        # The first event alone (time to first chunk), then batches of events per write.
        batch: list[str] = []
        first = True
        for event in events:
            if first:
                conn.write(chunk(event.encode()))
                first = False
                continue
            batch.append(event)
            if len(batch) >= _FLUSH_EVERY:
                conn.write(chunk("".join(batch).encode()))
                batch.clear()
                await conn.drain()
        if batch:
            conn.write(chunk("".join(batch).encode()))
