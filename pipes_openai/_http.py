"""The HTTP layer of ``pipes_openai``: pooled httpx clients, retries, typed errors, SSE.

Everything that touches the network lives here so that pooling can be tuned in one place:

* sync: one shared :class:`httpx.Client` per timeout setting (thread-safe);
* async: for every running event loop its own set of :class:`httpx.AsyncClient`\\ s used
  round-robin. httpcore's pool scans all its connections on every request, so several small
  pools serve high concurrency faster than one big one; and a pool is never shared between
  loops (a shared pool fails with "Event loop is closed" on the second ``asyncio.run``). The
  clients of a loop are closed when that loop shuts down its async generators (``asyncio.run``
  does), and forgotten when the loop is found closed;
* retries with exponential backoff and jitter, honouring ``retry-after-ms`` / ``retry-after``
  (capped) and ``x-should-retry``; 408, 409, 429, 5xx, connection errors and timeouts are
  retried, other statuses never;
* errors become the typed exceptions of :mod:`pipes_openai._errors`, with the API key scrubbed
  from any server-provided text.

Example::

    engine = HTTPEngine(Timeouts(total=30), max_retries=2, secrets=("sk-...",))
    reply = engine.post("https://api.openai.com/v1/chat/completions", body, headers)
    reply.data["choices"][0]
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import ssl
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx
from pydantic_core import from_json

from pipes_openai._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ContentFilterError,
    OpenAIError,
    ResponseProtocolError,
    StreamEventError,
    StreamIncompleteError,
    error_from_status,
)
from pipes_openai._sse import SSEDecoder

if TYPE_CHECKING:
    import asyncio

__all__ = ["HTTPEngine", "Reply", "Timeouts", "close_all_clients"]

_log = logging.getLogger("pipes_openai")
_RETRY_STATUSES = frozenset({408, 409, 429})
_NEVER_RETRY = frozenset({400, 401, 403, 404, 422})
_DONE = b"[DONE]"


class Timeouts(NamedTuple):
    """Timeouts in seconds (``None`` disables one; the defaults are all finite).

    ``total`` bounds each read/write of a plain request (httpx has no wall-clock deadline, and
    a non-streamed completion is one long read); ``connect`` bounds connection set-up;
    ``stream_chunk`` bounds the wait for each streamed chunk (the first one included).
    """

    total: float | None = 60.0
    connect: float | None = 10.0
    stream_chunk: float | None = None  # None: same as total

    @classmethod
    def coerce(
        cls,
        value: float | httpx.Timeout | Timeouts | tuple[float, float] | None,
        chunk: float | None,
    ) -> Timeouts:
        """Build from what users pass as ``timeout=`` (a number, a pair, an httpx.Timeout)."""
        if isinstance(value, Timeouts):
            return cls(
                value.total, value.connect, chunk if chunk is not None else value.stream_chunk
            )
        if isinstance(value, httpx.Timeout):  # httpx.Timeout(None) really disables them
            return cls(value.read, value.connect, chunk)
        if isinstance(value, tuple):  # (connect, read) like requests
            return cls(float(value[1]), float(value[0]), chunk)
        if value is None:  # "not set": the finite default, never "wait forever"
            return cls(stream_chunk=chunk)
        total = float(value)
        return cls(total, min(total, 10.0), chunk)

    def httpx(self, *, streaming: bool = False) -> httpx.Timeout:
        read = self.total
        if streaming and self.stream_chunk is not None:
            read = self.stream_chunk
        return httpx.Timeout(self.total, connect=self.connect, read=read)


# Plain slotted classes rather than dataclasses: dataclass creation is a measurable part of
# `import pipes_openai`.
class Reply:
    """A successful JSON reply."""

    __slots__ = ("attempts", "data", "headers", "request_id")

    def __init__(
        self, data: Any, headers: httpx.Headers, request_id: str | None, attempts: int
    ) -> None:
        self.data = data
        self.headers = headers
        self.request_id = request_id
        self.attempts = attempts


class _LoopPools:
    """The async senders of one event loop: transports (fast path) or clients (proxies).

    A request goes to the first pool with fewer than ``spread`` requests in flight, else to
    the least busy one: sequential calls keep reusing one warm connection (no new TLS
    handshake per call), while concurrent calls spread over the pools, so that no pool gets
    many connections (httpcore scans all of a pool's connections on every request).
    """

    __slots__ = ("closer", "inflight", "senders", "spread")

    def __init__(self, senders: list[Any], spread: int) -> None:
        self.senders = senders
        self.spread = spread
        self.inflight = [0] * len(senders)
        self.closer: Any = None  # the async generator closing the senders at loop shutdown

    def acquire(self) -> int:
        """The index of the pool for the next request (call :meth:`release` when done)."""
        inflight = self.inflight
        spread = self.spread
        count = len(inflight)
        index = 0
        while index < count and inflight[index] >= spread:
            index += 1
        if index == count:  # every pool at `spread`: the least busy one
            index = inflight.index(min(inflight))
        inflight[index] += 1
        return index

    def release(self, index: int) -> None:
        self.inflight[index] -= 1


# Shared senders: sync ones per timeout key; async ones per (loop, timeout key). Guarded by a
# lock because several threads may create their first sender at once.
_lock = threading.Lock()
_sync_senders: dict[tuple[Any, ...], Any] = {}
_async_senders: dict[asyncio.AbstractEventLoop, dict[tuple[Any, ...], _LoopPools]] = {}

# Async pooling, measured with a loopback benchmark (2,000 requests at concurrency 64):
# httpcore scans every connection of a pool on each request, so 16 pools holding ~4
# requests each beat one pool of 64 by 2-3x (see _LoopPools). Connections open on demand;
# up to 16 x 16 = 256 per loop. Requests go straight to an httpx.AsyncHTTPTransport (public
# API): the Client layer (URL merging, cookies, auth, event hooks) roughly doubles the
# per-request cost and we need none of it.
_ASYNC_POOLS = 16
_ASYNC_POOL_SIZE = 16
_ASYNC_SPREAD = 4
_SYNC_POOL_SIZE = 256


_ssl: list[ssl.SSLContext] = []


def _ssl_context() -> ssl.SSLContext:
    # Building an SSL context costs ~40 ms (loading the CA bundle): share one between all
    # transports. httpx's default honours SSL_CERT_FILE / SSL_CERT_DIR (trust_env).
    if not _ssl:
        _ssl.append(httpx.create_ssl_context())
    return _ssl[0]


def _use_clients() -> bool:
    # Proxy environment variables (HTTPS_PROXY, NO_PROXY, ...) are honoured by httpx.Client
    # (trust_env) but not by bare transports: fall back to clients when any is set.
    return bool(urllib.request.getproxies())


def _sync_sender(key: tuple[Any, ...], timeout: httpx.Timeout) -> Any:
    sender = _sync_senders.get(key)
    if sender is None:
        with _lock:
            sender = _sync_senders.get(key)
            if sender is None:
                limits = httpx.Limits(max_connections=_SYNC_POOL_SIZE, max_keepalive_connections=64)
                if _use_clients():
                    sender = httpx.Client(timeout=timeout, limits=limits, verify=_ssl_context())
                else:
                    sender = httpx.HTTPTransport(limits=limits, verify=_ssl_context())
                _sync_senders[key] = sender
    return sender


async def _closer(loop: asyncio.AbstractEventLoop, entry: _LoopPools) -> AsyncIterator[None]:
    # Registered with the loop as an async generator: `loop.shutdown_asyncgens()` (called by
    # asyncio.run and asyncio.Runner) closes it, which closes this loop's pools cleanly.
    try:
        yield
    finally:
        with _lock:
            per_loop = _async_senders.get(loop)
            if per_loop is not None:
                for key, value in list(per_loop.items()):
                    if value is entry:
                        del per_loop[key]
                if not per_loop:
                    del _async_senders[loop]
        for sender in entry.senders:
            try:
                await sender.aclose()
            except Exception:  # closing must never mask the loop's own shutdown
                pass


async def _async_pools(key: tuple[Any, ...], timeouts: httpx.Timeout) -> _LoopPools:
    import asyncio  # loaded by the event loop already; kept off `import pipes_openai`

    loop = asyncio.get_running_loop()
    per_loop = _async_senders.get(loop)
    if per_loop is not None:
        entry = per_loop.get(key)
        if entry is not None:
            return entry
    with _lock:
        # Forget pools of loops that were closed without shutting down their generators.
        for dead in [lp for lp in _async_senders if lp.is_closed()]:
            del _async_senders[dead]
        per_loop = _async_senders.setdefault(loop, {})
        entry = per_loop.get(key)
        created = entry is None
        if entry is None:
            limits = httpx.Limits(
                max_connections=_ASYNC_POOL_SIZE, max_keepalive_connections=_ASYNC_POOL_SIZE
            )
            senders: list[Any]
            if _use_clients():
                senders = [
                    httpx.AsyncClient(timeout=timeouts, limits=limits, verify=_ssl_context())
                    for _ in range(_ASYNC_POOLS)
                ]
            else:
                senders = [
                    httpx.AsyncHTTPTransport(limits=limits, verify=_ssl_context())
                    for _ in range(_ASYNC_POOLS)
                ]
            entry = per_loop[key] = _LoopPools(senders, _ASYNC_SPREAD)
    if created:
        entry.closer = _closer(loop, entry)
        await entry.closer.__anext__()  # starts it, which registers it with the loop
    return entry


def close_all_clients() -> None:
    """Close the shared sync connection pools (async ones close with their event loop).

    Example::

        close_all_clients()  # e.g. in a test teardown or before fork
    """
    with _lock:
        senders = list(_sync_senders.values())
        _sync_senders.clear()
    for sender in senders:
        sender.close()


def _parse_retry_after(headers: httpx.Headers | None) -> float | None:
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()


class HTTPEngine:
    """Sends Chat Completions requests: pooling, retries, typed errors and SSE decoding.

    ``secrets`` are scrubbed from every error text; ``provider`` names the service in errors.
    ``http_client`` / ``http_async_client`` replace the shared pools (the caller owns them and
    their lifetime; the engine's timeouts still apply to every request).

    Example::

        engine = HTTPEngine(Timeouts(), max_retries=2, secrets=(key,))
        for event in engine.stream(url, body, headers):
            print(event["choices"])
    """

    __slots__ = (
        "_async_http",
        "_key",
        "_secrets",
        "_sleep",
        "_sync_http",
        "_timeout",
        "_timeout_stream",
        "max_retries",
        "max_retry_after",
        "provider",
        "retry_base_delay",
        "retry_max_delay",
        "timeouts",
    )

    def __init__(
        self,
        timeouts: Timeouts,
        *,
        max_retries: int = 2,
        secrets: tuple[str, ...] = (),
        provider: str = "OpenAI",
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 8.0,
        max_retry_after: float = 60.0,
    ) -> None:
        self.timeouts = timeouts
        self.max_retries = max_retries
        self.provider = provider
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.max_retry_after = max_retry_after
        self._secrets = tuple(s for s in secrets if s)
        self._sync_http = http_client
        self._async_http = http_async_client
        self._timeout = timeouts.httpx()
        self._timeout_stream = timeouts.httpx(streaming=True)
        self._key = (timeouts.total, timeouts.connect)
        self._sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:  # never show headers or secrets
        return f"HTTPEngine(provider={self.provider!r}, max_retries={self.max_retries})"

    # -- helpers ---------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """Remove the configured secrets from ``text``."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def _retry_delay(self, attempt: int, headers: httpx.Headers | None, reason: str = "") -> float:
        after = _parse_retry_after(headers)
        if after is not None and after >= 0:
            delay = float(min(after, self.max_retry_after))
        else:
            delay = min(self.retry_base_delay * 2.0 ** (attempt - 1), self.retry_max_delay)
            delay *= 1.0 - 0.25 * random.random()  # jitter spreads synchronized retries
        if reason:
            _log.info(
                "%s request failed (%s); retrying in %.2fs (attempt %d of %d)",
                self.provider,
                reason,
                delay,
                attempt + 1,
                self.max_retries + 1,
            )
        return delay

    def _should_retry(self, status: int, headers: httpx.Headers, attempt: int) -> bool:
        if attempt > self.max_retries or status in _NEVER_RETRY:
            return False
        hint = headers.get("x-should-retry")
        if hint == "false":
            return False
        return hint == "true" or status in _RETRY_STATUSES or status >= 500

    def _status_error(
        self, response: httpx.Response, content: bytes, attempts: int
    ) -> APIStatusError | ContentFilterError:
        text = self.scrub(content.decode("utf-8", "replace"))
        body: Any
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        return error_from_status(
            response.status_code,
            body,
            request_id=response.headers.get("x-request-id"),
            attempts=attempts,
            provider=self.provider,
            raw_text=text,
        )

    def _transport_error(self, exc: httpx.TransportError, attempts: int, url: str) -> OpenAIError:
        where = self.scrub(url)
        detail = self.scrub(str(exc)) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            phase = {
                httpx.ConnectTimeout: "connecting",
                httpx.ReadTimeout: "waiting for the response",
                httpx.WriteTimeout: "sending the request",
                httpx.PoolTimeout: "waiting for a free connection",
            }.get(type(exc), "talking to the server")
            return APITimeoutError(
                f"Timed out {phase} ({where}) after {attempts} attempt(s): {detail}. Raise "
                f"timeout= (now {self.timeouts.total}s, connect {self.timeouts.connect}s) or "
                "max_retries=, or check that the server is reachable and not overloaded.",
                attempts=attempts,
            )
        return APIConnectionError(
            f"Could not reach {self.provider} at {where} after {attempts} attempt(s): "
            f"{type(exc).__name__}: {detail}. Check base_url (or OPENAI_BASE_URL), that the "
            "server is running, and proxies/firewalls.",
            attempts=attempts,
        )

    def _decode_json(self, content: bytes, response: httpx.Response, attempts: int) -> Any:
        try:
            return from_json(content)
        except ValueError as exc:
            snippet = self.scrub(content[:200].decode("utf-8", "replace"))
            raise ResponseProtocolError(
                f"{self.provider} answered HTTP {response.status_code} with a body that is not "
                f"JSON ({response.headers.get('content-type', 'no content-type')}): {snippet!r}. "
                "Check that base_url points at an OpenAI-compatible API root (ending in /v1).",
                status_code=response.status_code,
                request_id=response.headers.get("x-request-id"),
                attempts=attempts,
            ) from exc

    # -- sending ---------------------------------------------------------------------------

    def _open(
        self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str], stream: bool
    ) -> httpx.Response:
        """Send one POST; the response body is not read yet (the caller reads or streams)."""
        timeout = self._timeout_stream if stream else self._timeout
        client = self._sync_http
        if client is None:
            sender = _sync_sender(self._key, self._timeout)
            if isinstance(sender, httpx.HTTPTransport):
                request = httpx.Request(
                    "POST",
                    url,
                    content=body,
                    headers=headers,
                    extensions={"timeout": timeout.as_dict()},
                )
                return sender.handle_request(request)
            client = sender
        request = client.build_request("POST", url, content=body, headers=headers, timeout=timeout)
        return client.send(request, stream=True)

    async def _aopen(
        self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str], stream: bool
    ) -> tuple[httpx.Response, _LoopPools | None, int]:
        """Send one POST on this loop's pools; release the returned pool slot when done."""
        timeout = self._timeout_stream if stream else self._timeout
        client = self._async_http
        if client is not None:
            request = client.build_request(
                "POST", url, content=body, headers=headers, timeout=timeout
            )
            return await client.send(request, stream=True), None, 0
        pools = await _async_pools(self._key, self._timeout)
        index = pools.acquire()
        sender = pools.senders[index]
        try:
            if isinstance(sender, httpx.AsyncHTTPTransport):
                request = httpx.Request(
                    "POST",
                    url,
                    content=body,
                    headers=headers,
                    extensions={"timeout": timeout.as_dict()},
                )
                response = await sender.handle_async_request(request)
            else:
                request = sender.build_request(
                    "POST", url, content=body, headers=headers, timeout=timeout
                )
                response = await sender.send(request, stream=True)
        except BaseException:
            pools.release(index)
            raise
        return response, pools, index

    # -- plain requests --------------------------------------------------------------------

    def post(self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST ``body`` (JSON bytes) and return the parsed JSON reply, retrying as configured."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._open(url, body, headers, False)
                try:
                    content = response.read()
                finally:
                    response.close()
            except httpx.TransportError as exc:
                if attempt <= self.max_retries:
                    self._sleep(self._retry_delay(attempt, None, type(exc).__name__))
                    continue
                raise self._transport_error(exc, attempt, str(url)) from exc
            status = response.status_code
            if status < 300:
                return Reply(
                    self._decode_json(content, response, attempt),
                    response.headers,
                    response.headers.get("x-request-id"),
                    attempt,
                )
            if self._should_retry(status, response.headers, attempt):
                self._sleep(self._retry_delay(attempt, response.headers, f"HTTP {status}"))
                continue
            raise self._status_error(response, content, attempt)

    async def apost(self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """Async twin of :meth:`post`, on this event loop's own pools."""
        import asyncio  # loaded by the event loop already; kept off `import pipes_openai`

        attempt = 0
        while True:
            attempt += 1
            try:
                response, pools, index = await self._aopen(url, body, headers, False)
                try:
                    content = await response.aread()
                finally:
                    await response.aclose()
                    if pools is not None:
                        pools.release(index)
            except httpx.TransportError as exc:
                if attempt <= self.max_retries:
                    await asyncio.sleep(self._retry_delay(attempt, None, type(exc).__name__))
                    continue
                raise self._transport_error(exc, attempt, str(url)) from exc
            status = response.status_code
            if status < 300:
                return Reply(
                    self._decode_json(content, response, attempt),
                    response.headers,
                    response.headers.get("x-request-id"),
                    attempt,
                )
            if self._should_retry(status, response.headers, attempt):
                await asyncio.sleep(self._retry_delay(attempt, response.headers, f"HTTP {status}"))
                continue
            raise self._status_error(response, content, attempt)

    # -- streaming ---------------------------------------------------------------------------

    def _event(self, event: str | None, data: bytes, meta: StreamMeta) -> Any:
        try:
            obj = from_json(data)  # pydantic-core's parser: ~3x json.loads on small events
        except ValueError as exc:
            snippet = self.scrub(data[:200].decode("utf-8", "replace"))
            raise ResponseProtocolError(
                f"{self.provider} sent a stream event that is not JSON: {snippet!r}. Check that "
                "base_url points at an OpenAI-compatible server.",
                request_id=meta.request_id,
                attempts=meta.attempts,
            ) from exc
        if event == "error" or (
            isinstance(obj, dict) and "error" in obj and not obj.get("choices")
        ):
            raise self._stream_event_error(obj, meta)
        return obj

    def _stream_event_error(self, obj: Any, meta: StreamMeta) -> StreamEventError:
        err = obj.get("error", obj) if isinstance(obj, dict) else obj
        if not isinstance(err, dict):
            err = {"message": str(err)}
        message = self.scrub(str(err.get("message") or err))
        code = err.get("code")
        return StreamEventError(
            f"{self.provider} reported an error in the middle of the stream: {message}. The "
            "partial output was discarded; retry the request (a server error mid-stream is "
            "usually transient).",
            error_type=err.get("type") if isinstance(err.get("type"), str) else None,
            code=str(code) if code is not None else None,
            param=err.get("param") if isinstance(err.get("param"), str) else None,
            request_id=meta.request_id,
            attempts=meta.attempts,
            body=obj,
        )

    def _incomplete(self, meta: StreamMeta, exc: BaseException | None = None) -> OpenAIError:
        if isinstance(exc, httpx.TimeoutException):
            chunk = self.timeouts.stream_chunk or self.timeouts.total
            return APITimeoutError(
                f"No stream chunk from {self.provider} within {chunk}s after "
                f"{meta.events} event(s); the partial output was discarded. Raise "
                "stream_chunk_timeout= (or timeout=) if the model is slow to produce tokens.",
                request_id=meta.request_id,
                attempts=meta.attempts,
            )
        reason = f": {type(exc).__name__}: {self.scrub(str(exc))}" if exc is not None else ""
        return StreamIncompleteError(
            f"The {self.provider} stream ended after {meta.events} event(s) without "
            f"'data: [DONE]'{reason}. The partial output was discarded; retry the request. "
            "If the server never sends [DONE], it is not OpenAI-compatible here.",
            request_id=meta.request_id,
            attempts=meta.attempts,
        )

    def stream(
        self,
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
                response = self._open(url, body, headers, True)
            except httpx.TransportError as exc:
                if attempt <= self.max_retries:
                    self._sleep(self._retry_delay(attempt, None, type(exc).__name__))
                    continue
                raise self._transport_error(exc, attempt, str(url)) from exc
            try:
                status = response.status_code
                meta.headers = response.headers
                meta.request_id = response.headers.get("x-request-id")
                if status >= 300:
                    try:
                        content = response.read()
                    except httpx.TransportError:
                        content = b""
                    if self._should_retry(status, response.headers, attempt):
                        self._sleep(self._retry_delay(attempt, response.headers, f"HTTP {status}"))
                        continue
                    raise self._status_error(response, content, attempt)
                if not _is_event_stream(response):
                    try:
                        content = response.read()
                    except httpx.TransportError as exc:
                        raise self._incomplete(meta, exc) from exc
                    # A server that ignored stream=true (JSON), or a proxy page (HTML).
                    yield from _converted(self._decode_json(content, response, attempt), convert)
                    return
                decoder = SSEDecoder()
                feed = decoder.feed
                event_fn = self._event
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
                            yield from _converted(event_fn(event, data, meta), convert)
                except httpx.TransportError as exc:
                    raise self._incomplete(meta, exc) from exc
                for event, data in decoder.flush():
                    if data == _DONE:
                        return
                    meta.events += 1
                    yield from _converted(event_fn(event, data, meta), convert)
                raise self._incomplete(meta)
            finally:
                response.close()

    async def astream(
        self,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        meta: StreamMeta | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`stream`."""
        import asyncio  # loaded by the event loop already; kept off `import pipes_openai`

        meta = meta if meta is not None else StreamMeta()
        attempt = 0
        while True:
            attempt += 1
            meta.attempts = attempt
            try:
                response, pools, index = await self._aopen(url, body, headers, True)
            except httpx.TransportError as exc:
                if attempt <= self.max_retries:
                    await asyncio.sleep(self._retry_delay(attempt, None, type(exc).__name__))
                    continue
                raise self._transport_error(exc, attempt, str(url)) from exc
            try:
                status = response.status_code
                meta.headers = response.headers
                meta.request_id = response.headers.get("x-request-id")
                if status >= 300:
                    try:
                        content = await response.aread()
                    except httpx.TransportError:
                        content = b""
                    if self._should_retry(status, response.headers, attempt):
                        await asyncio.sleep(
                            self._retry_delay(attempt, response.headers, f"HTTP {status}")
                        )
                        continue
                    raise self._status_error(response, content, attempt)
                if not _is_event_stream(response):
                    try:
                        content = await response.aread()
                    except httpx.TransportError as exc:
                        raise self._incomplete(meta, exc) from exc
                    # A server that ignored stream=true (JSON), or a proxy page (HTML).
                    for out in _converted(self._decode_json(content, response, attempt), convert):
                        yield out
                    return
                decoder = SSEDecoder()
                feed = decoder.feed
                event_fn = self._event
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
                            for out in _converted(event_fn(event, data, meta), convert):
                                yield out
                except httpx.TransportError as exc:
                    raise self._incomplete(meta, exc) from exc
                for event, data in decoder.flush():
                    if data == _DONE:
                        return
                    meta.events += 1
                    for out in _converted(event_fn(event, data, meta), convert):
                        yield out
                raise self._incomplete(meta)
            finally:
                await response.aclose()
                if pools is not None:
                    pools.release(index)


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
