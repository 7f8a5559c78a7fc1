"""The HTTP layer of ``pipes_openai``: one engine sends requests, retries, raises typed errors.

Everything that touches the network goes through :class:`HTTPEngine`; the pieces it stands on
live beside it so that each can be tuned in one place:

* :mod:`pipes_openai._pools`: the shared connection pools (sync per timeout setting, async per
  event loop);
* :mod:`pipes_openai._retry`: which failures are retried and how long to wait;
* :mod:`pipes_openai._streaming`: SSE streams, decoded and converted event by event;
* errors become the typed exceptions of :mod:`pipes_openai._errors`, with the API key scrubbed
  from any server-provided text.

Example::

    engine = HTTPEngine(Timeouts(total=30), max_retries=2, secrets=("sk-...",))
    reply = engine.post("https://api.openai.com/v1/chat/completions", body, headers)
    reply.data["choices"][0]
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import httpx
from pydantic_core import from_json

from pipes_openai._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ContentFilterError,
    OpenAIError,
    ResponseProtocolError,
    error_from_status,
)
from pipes_openai._pools import LoopPools, async_pools, sync_sender
from pipes_openai._retry import retry_delay, should_retry
from pipes_openai._secrets import Secrets
from pipes_openai._streaming import astream_events, stream_events

__all__ = ["HTTPEngine", "Reply", "Timeouts"]

_log = logging.getLogger("pipes_openai")


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
        secrets: Secrets | tuple[str, ...] = (),
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
        # A Secrets object is shared, not copied: values added later (a token provider's new
        # token) are scrubbed too.
        self._secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
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
        """Remove every spelling of the configured secrets from ``text``."""
        return self._secrets.scrub(text)

    def _retry_delay(self, attempt: int, headers: httpx.Headers | None, reason: str = "") -> float:
        delay = retry_delay(
            attempt,
            headers,
            base=self.retry_base_delay,
            cap=self.retry_max_delay,
            max_after=self.max_retry_after,
        )
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
        return attempt <= self.max_retries and should_retry(status, headers)

    def _status_error(
        self, response: httpx.Response, content: bytes, attempts: int
    ) -> APIStatusError | ContentFilterError:
        text = self.scrub(content.decode("utf-8", "replace"))
        body: Any
        try:
            # Parsed from the raw text and scrubbed after, so a secret the server spelled with
            # JSON escapes is caught in its decoded form too.
            body = self._secrets.scrub_data(json.loads(content))
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
            sender = sync_sender(self._key, self._timeout)
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
    ) -> tuple[httpx.Response, LoopPools | None, int]:
        """Send one POST on this loop's pools; release the returned pool slot when done."""
        timeout = self._timeout_stream if stream else self._timeout
        client = self._async_http
        if client is not None:
            request = client.build_request(
                "POST", url, content=body, headers=headers, timeout=timeout
            )
            return await client.send(request, stream=True), None, 0
        pools = await async_pools(self._key, self._timeout)
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

    # The streaming loops live in pipes_openai._streaming; they take the engine as their first
    # argument, so they serve as methods here as they are (no wrapper call per stream).
    stream = stream_events
    astream = astream_events
