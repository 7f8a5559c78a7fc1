"""Streaming Chat Completions: SSE events decoded, checked and converted as they arrive.

:func:`stream_events` / :func:`astream_events` are :meth:`HTTPEngine.stream` and
:meth:`HTTPEngine.astream`: retries happen only before the first event, a mid-stream error
event or a stream cut short raises a typed error, and the per-token path is inlined.

Example::

    meta = StreamMeta()
    for event in stream_events(engine, url, body, headers, meta):
        print(event["choices"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx
from pydantic_core import from_json

from pipes_openai._errors import (
    APITimeoutError,
    OpenAIError,
    ResponseProtocolError,
    StreamEventError,
    StreamIncompleteError,
)
from pipes_openai._sse import SSEDecoder

if TYPE_CHECKING:
    from pipes_openai._http import HTTPEngine

__all__ = ["StreamMeta", "astream_events", "stream_events"]

_DONE = b"[DONE]"


class StreamMeta:
    """What a stream learned about its response (filled in while it runs)."""

    __slots__ = ("attempts", "events", "headers", "request_id")

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.attempts = 0
        self.events = 0
        self.headers: httpx.Headers | None = None


def _converted(obj: Any, convert: Callable[[Any], Any] | None) -> list[Any]:
    if convert is None:
        return [obj]
    out = convert(obj)
    return [] if out is None else [out]


def _is_event_stream(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    # Some servers omit (or mislabel) the content type of SSE: only JSON and HTML bodies are
    # read whole (HTML then fails as "not JSON", naming the content type).
    return "json" not in ctype and "html" not in ctype


def _event(engine: HTTPEngine, event: str | None, data: bytes, meta: StreamMeta) -> Any:
    try:
        obj = from_json(data)  # pydantic-core's parser: ~3x json.loads on small events
    except ValueError as exc:
        snippet = engine.scrub(data[:200].decode("utf-8", "replace"))
        raise ResponseProtocolError(
            f"{engine.provider} sent a stream event that is not JSON: {snippet!r}. Check that "
            "base_url points at an OpenAI-compatible server.",
            request_id=meta.request_id,
            attempts=meta.attempts,
        ) from exc
    if event == "error" or (isinstance(obj, dict) and "error" in obj and not obj.get("choices")):
        raise _stream_event_error(engine, obj, meta)
    return obj


def _stream_event_error(engine: HTTPEngine, obj: Any, meta: StreamMeta) -> StreamEventError:
    err = obj.get("error", obj) if isinstance(obj, dict) else obj
    if not isinstance(err, dict):
        err = {"message": str(err)}
    message = engine.scrub(str(err.get("message") or err))
    code = err.get("code")
    return StreamEventError(
        f"{engine.provider} reported an error in the middle of the stream: {message}. The "
        "partial output was discarded; retry the request (a server error mid-stream is "
        "usually transient).",
        error_type=err.get("type") if isinstance(err.get("type"), str) else None,
        code=str(code) if code is not None else None,
        param=err.get("param") if isinstance(err.get("param"), str) else None,
        request_id=meta.request_id,
        attempts=meta.attempts,
        body=obj,
    )


def _incomplete(
    engine: HTTPEngine, meta: StreamMeta, exc: BaseException | None = None
) -> OpenAIError:
    if isinstance(exc, httpx.TimeoutException):
        chunk = engine.timeouts.stream_chunk or engine.timeouts.total
        return APITimeoutError(
            f"No stream chunk from {engine.provider} within {chunk}s after "
            f"{meta.events} event(s); the partial output was discarded. Raise "
            "stream_chunk_timeout= (or timeout=) if the model is slow to produce tokens.",
            request_id=meta.request_id,
            attempts=meta.attempts,
        )
    reason = f": {type(exc).__name__}: {engine.scrub(str(exc))}" if exc is not None else ""
    return StreamIncompleteError(
        f"The {engine.provider} stream ended after {meta.events} event(s) without "
        f"'data: [DONE]'{reason}. The partial output was discarded; retry the request. "
        "If the server never sends [DONE], it is not OpenAI-compatible here.",
        request_id=meta.request_id,
        attempts=meta.attempts,
    )


def stream_events(
    engine: HTTPEngine,
    url: httpx.URL | str,
    body: bytes,
    headers: Mapping[str, str],
    meta: StreamMeta | None = None,
    convert: Callable[[Any], Any] | None = None,
) -> Iterator[Any]:
    """POST a streaming request and yield each decoded JSON event until ``[DONE]``.

    Retries happen only before the first event. A body that is plain JSON (a server that
    ignored ``stream: true``) is yielded whole, once. ``meta`` receives the request id,
    attempts and response headers. With ``convert``, each event is passed through it and
    what it returns is yielded instead (``None`` is skipped): one generator hop less per
    token than converting in the consumer.
    """
    meta = meta if meta is not None else StreamMeta()
    attempt = 0
    while True:
        attempt += 1
        meta.attempts = attempt
        try:
            response = engine._open(url, body, headers, True)
        except httpx.TransportError as exc:
            if attempt <= engine.max_retries:
                engine._sleep(engine._retry_delay(attempt, None, type(exc).__name__))
                continue
            raise engine._transport_error(exc, attempt, str(url)) from exc
        try:
            status = response.status_code
            meta.headers = response.headers
            meta.request_id = response.headers.get("x-request-id")
            if status >= 300:
                try:
                    content = response.read()
                except httpx.TransportError:
                    content = b""
                if engine._should_retry(status, response.headers, attempt):
                    engine._sleep(engine._retry_delay(attempt, response.headers, f"HTTP {status}"))
                    continue
                raise engine._status_error(response, content, attempt)
            if not _is_event_stream(response):
                try:
                    content = response.read()
                except httpx.TransportError as exc:
                    raise _incomplete(engine, meta, exc) from exc
                # A server that ignored stream=true (JSON), or a proxy page (HTML).
                yield from _converted(engine._decode_json(content, response, attempt), convert)
                return
            decoder = SSEDecoder()
            feed = decoder.feed
            chunks = (
                response.iter_raw()
                if "content-encoding" not in response.headers
                else response.iter_bytes()
            )
            try:
                for raw in chunks:
                    for event, data in feed(raw):
                        if data == _DONE:
                            return
                        meta.events += 1
                        if event is None:
                            # Inlined fast path of _event (one per token).
                            try:
                                obj = from_json(data)
                            except ValueError:
                                obj = None
                            if type(obj) is dict and "error" not in obj:
                                if convert is None:
                                    yield obj
                                else:
                                    out = convert(obj)
                                    if out is not None:
                                        yield out
                                continue
                        yield from _converted(_event(engine, event, data, meta), convert)
            except httpx.TransportError as exc:
                raise _incomplete(engine, meta, exc) from exc
            for event, data in decoder.flush():
                if data == _DONE:
                    return
                meta.events += 1
                yield from _converted(_event(engine, event, data, meta), convert)
            raise _incomplete(engine, meta)
        finally:
            response.close()


async def astream_events(
    engine: HTTPEngine,
    url: httpx.URL | str,
    body: bytes,
    headers: Mapping[str, str],
    meta: StreamMeta | None = None,
    convert: Callable[[Any], Any] | None = None,
) -> AsyncIterator[Any]:
    """Async twin of :func:`stream_events`."""
    import asyncio  # loaded by the event loop already; kept off `import pipes_openai`

    meta = meta if meta is not None else StreamMeta()
    attempt = 0
    while True:
        attempt += 1
        meta.attempts = attempt
        try:
            response, pools, index = await engine._aopen(url, body, headers, True)
        except httpx.TransportError as exc:
            if attempt <= engine.max_retries:
                await asyncio.sleep(engine._retry_delay(attempt, None, type(exc).__name__))
                continue
            raise engine._transport_error(exc, attempt, str(url)) from exc
        try:
            status = response.status_code
            meta.headers = response.headers
            meta.request_id = response.headers.get("x-request-id")
            if status >= 300:
                try:
                    content = await response.aread()
                except httpx.TransportError:
                    content = b""
                if engine._should_retry(status, response.headers, attempt):
                    await asyncio.sleep(
                        engine._retry_delay(attempt, response.headers, f"HTTP {status}")
                    )
                    continue
                raise engine._status_error(response, content, attempt)
            if not _is_event_stream(response):
                try:
                    content = await response.aread()
                except httpx.TransportError as exc:
                    raise _incomplete(engine, meta, exc) from exc
                # A server that ignored stream=true (JSON), or a proxy page (HTML).
                for out in _converted(engine._decode_json(content, response, attempt), convert):
                    yield out
                return
            decoder = SSEDecoder()
            feed = decoder.feed
            chunks = (
                response.aiter_raw()
                if "content-encoding" not in response.headers
                else response.aiter_bytes()
            )
            try:
                async for raw in chunks:
                    for event, data in feed(raw):
                        if data == _DONE:
                            return
                        meta.events += 1
                        if event is None:
                            # Inlined fast path of _event (one per token).
                            try:
                                obj = from_json(data)
                            except ValueError:
                                obj = None
                            if type(obj) is dict and "error" not in obj:
                                if convert is None:
                                    yield obj
                                else:
                                    out = convert(obj)
                                    if out is not None:
                                        yield out
                                continue
                        for out in _converted(_event(engine, event, data, meta), convert):
                            yield out
            except httpx.TransportError as exc:
                raise _incomplete(engine, meta, exc) from exc
            for event, data in decoder.flush():
                if data == _DONE:
                    return
                meta.events += 1
                for out in _converted(_event(engine, event, data, meta), convert):
                    yield out
            raise _incomplete(engine, meta)
        finally:
            await response.aclose()
            if pools is not None:
                pools.release(index)
