"""The HTTP layer of `pipes_openai`: one engine sends requests, retries, raises typed errors.

Everything that touches the network goes through `HTTPEngine`. What a call *decides*
(attempts, retries, status handling, bounded bodies, stream decoding, typed errors) is the
sans-IO core in `pipes_openai._exchange`; the engine only drives it, once for sync code
and once for async code, over the connection pools of `pipes_openai._pools`.

Example:
    ```python
    engine = HTTPEngine(Timeouts(total=30), max_retries=2, secrets=("sk-...",))
    reply = engine.post("https://api.openai.com/v1/chat/completions", body, headers)
    reply.data["choices"][0]
    ```
"""

from __future__ import annotations

import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpcore

from pipes_openai._deadline import head_deadline, lift
from pipes_openai._errors import ResponseTooLargeError
from pipes_openai._exchange import CHUNK, OPEN, SLEEP, Flow, Head, Reply, exchange
from pipes_openai._failures import transport_errors
from pipes_openai._httpcore import (
    CORE_ERRORS,
    DEFAULT_PORTS,
    adecoded,
    as_httpx,
    decoded,
    decoder,
)
from pipes_openai._httpcore import Head as CoreHead
from pipes_openai._httpcore import Headers as CoreHeaders
from pipes_openai._httpcore import request as core_request
from pipes_openai._limits import DEFAULT_EVENT_LIMIT, DEFAULT_RESPONSE_LIMIT
from pipes_openai._pools import LoopPools, async_pools, sync_sender
from pipes_openai._secrets import Secrets
from pipes_openai._streaming import StreamMeta
from pipes_openai._timeouts import Timeouts

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_RESPONSE_LIMIT",
    "HTTPEngine",
    "Reply",
    "ResponseTooLargeError",
    "StreamMeta",
    "Timeouts",
    "server_label",
]


def server_label(default: str, base_url: str | None) -> str:
    """How errors name the server: `default` (e.g. "OpenAI") unless `base_url` is another.

    A custom server is named by its host and port only (never credentials, path or query), so
    "localhost:8000 returned HTTP 401" does not send a user to OpenAI's status page.

    Example:
        ```python
        server_label("OpenAI", "http://localhost:8000/v1")  # 'localhost:8000'
        server_label("OpenAI", None)                         # 'OpenAI'
        ```
    """
    if base_url is None:
        return default
    try:  # urllib, not httpx.URL: a first call does not load httpx
        parts = urlsplit(base_url)
        host = parts.hostname
    except (ValueError, TypeError, AttributeError):
        return default
    try:
        port = parts.port
    except ValueError:  # out of range for urllib; httpx.URL named it anyway
        digits = parts.netloc.rpartition(":")[2]
        if not digits.isdigit():
            return default
        port = int(digits)
    if not host or host == "api.openai.com" or host.endswith(".openai.azure.com"):
        return default  # the provider's own service: its name says more than its host
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def _raised() -> tuple[type[Exception], ...]:
    # What a failed send or read raises: httpcore's errors (the default pools) and httpx's
    # (a user's client, the proxy path); an `except` expression, evaluated on errors only.
    return CORE_ERRORS + transport_errors()


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    # Raw bytes skip httpx's decoder chain unless the body really is compressed. A response
    # built with its content already read (httpx.MockTransport) has no raw stream left.
    if "content-encoding" in response.headers or response.is_stream_consumed:
        return response.iter_bytes()
    return response.iter_raw()


def _achunks(response: httpx.Response) -> AsyncIterator[bytes]:
    if "content-encoding" in response.headers or response.is_stream_consumed:
        return response.aiter_bytes()
    return response.aiter_raw()


# What a driver holds of one attempt's response: its head (for the flow), its body's chunks
# and how to close it.
_Opened = tuple[Head, Iterator[bytes], Callable[[], None]]
_AsyncOpened = tuple[Head, AsyncIterator[bytes], Callable[[], Awaitable[None]]]


def _opened(response: httpcore.Response) -> _Opened:
    head = CoreHead(response.status, CoreHeaders(response.headers))
    stream: Any = response.stream
    decode = decoder(head.headers)
    chunks = iter(stream) if decode is None else decoded(stream, decode)
    return head, chunks, response.close


def _aopened(response: httpcore.Response) -> _AsyncOpened:
    head = CoreHead(response.status, CoreHeaders(response.headers))
    stream: Any = response.stream
    decode = decoder(head.headers)
    chunks = stream.__aiter__() if decode is None else adecoded(stream, decode)
    return head, chunks, response.aclose


class HTTPEngine:
    """Sends Chat Completions requests: pooling, retries, typed errors, bounds and SSE decoding.

    `secrets` are scrubbed from every error text; `provider` names the service in errors.
    `http_client` / `http_async_client` replace the shared pools (the caller owns them and
    their lifetime; the engine's timeouts still apply to every request).
    `max_response_bytes` bounds a non-streamed reply (default 64 MiB) and
    `max_stream_event_bytes` one SSE line or event (default 16 MiB); past them a call raises
    [`ResponseTooLargeError`][pipes_openai.ResponseTooLargeError] naming the setting.

    Example:
        ```python
        engine = HTTPEngine(Timeouts(), max_retries=2, secrets=(key,))
        for event in engine.stream(url, body, headers):
            print(event["choices"])
        ```
    """

    __slots__ = (
        "_async_http",
        "_extensions",
        "_httpx_timeouts",
        "_key",
        "_secrets",
        "_sleep",
        "_sync_http",
        "max_response_bytes",
        "max_retries",
        "max_retry_after",
        "max_stream_event_bytes",
        "on_headers",
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
        max_response_bytes: int = DEFAULT_RESPONSE_LIMIT,
        max_stream_event_bytes: int = DEFAULT_EVENT_LIMIT,
        on_headers: Callable[[Mapping[str, str]], None] | None = None,
    ) -> None:
        for name, limit in (
            ("max_response_bytes", max_response_bytes),
            ("max_stream_event_bytes", max_stream_event_bytes),
        ):
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValueError(f"{name} must be a positive number of bytes, got {limit!r}")
        self.timeouts = timeouts
        self.max_retries = max_retries
        self.provider = provider
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.max_retry_after = max_retry_after
        self.max_response_bytes = max_response_bytes
        self.max_stream_event_bytes = max_stream_event_bytes
        # Told every response's headers (429s and retried attempts too): a rate limiter.
        self.on_headers = on_headers
        # A Secrets object is shared, not copied: values added later (a token provider's new
        # token) are scrubbed too.
        self._secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
        self._sync_http = http_client
        self._async_http = http_async_client
        # httpcore's per-request timeouts (plain, streaming); httpx.Timeout only for httpx's
        # senders (built when first needed: the default pools do not load httpx).
        self._extensions = (
            {"timeout": timeouts.phases()},
            {"timeout": timeouts.phases(streaming=True)},
        )
        self._httpx_timeouts: tuple[httpx.Timeout, httpx.Timeout] | None = None
        self._key = (timeouts.total, timeouts.connect)
        self._sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:  # never show headers or secrets
        return f"HTTPEngine(provider={self.provider!r}, max_retries={self.max_retries})"

    def scrub(self, text: str) -> str:
        """Remove every spelling of the configured secrets from `text`."""
        return self._secrets.scrub(text)

    def scrub_data(self, data: Any) -> Any:
        """A copy of parsed JSON with every secret scrubbed (keys and strings)."""
        return self._secrets.scrub_data(data)

    # -- the public calls --------------------------------------------------------------------

    def post(self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST `body` (JSON bytes) and return the parsed JSON reply, retrying as configured."""
        return self.request("POST", url, body, headers)

    def request(
        self,
        method: str,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        raw: bool = False,
    ) -> Reply:
        """`post` with another method (`GET`, `DELETE`: `body` empty), for the API's other
        endpoints (files, batches); the same retries, bounds and typed errors. With `raw`,
        `Reply.data` is the body's bytes (a file's content), not parsed JSON."""
        flow = exchange(self, url, StreamMeta(), None, streaming=False, raw=raw)
        run = self._drive(flow, url, body, headers, method)
        try:
            reply: Reply = next(run)
        finally:
            run.close()
        return reply

    async def apost(self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """`post` on this event loop's own pools."""
        flow = exchange(self, url, StreamMeta(), None, streaming=False)
        run = self._adrive(flow, url, body, headers)
        try:
            reply: Reply = await run.__anext__()
        finally:
            await run.aclose()
        return reply

    def stream(
        self,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        meta: StreamMeta | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> Generator[Any, None, None]:
        """POST a streaming request and yield each decoded JSON event until `[DONE]`.

        Retries happen only before the first event. A body that is plain JSON (a server that
        ignored `stream: true`) is yielded whole, once. `meta` receives the request id,
        attempts and response headers. With `convert`, each event is passed through it and
        what it returns is yielded instead (`None` is skipped): one generator hop less per
        token than converting in the consumer.
        """
        meta = meta if meta is not None else StreamMeta()
        return self._drive(exchange(self, url, meta, convert, streaming=True), url, body, headers)

    def astream(
        self,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        meta: StreamMeta | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> AsyncGenerator[Any, None]:
        """`stream` on this event loop's own pools."""
        meta = meta if meta is not None else StreamMeta()
        return self._adrive(exchange(self, url, meta, convert, streaming=True), url, body, headers)

    # -- the drivers: the only code here that does I/O ----------------------------------------

    def _drive(
        self,
        flow: Flow,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        method: str = "POST",
    ) -> Generator[Any, None, None]:
        """Serve `flow`'s steps with blocking I/O, yielding what it hands out."""
        close: Callable[[], None] | None = None
        chunks: Iterator[bytes] = iter(())
        read = CHUNK  # a local: compared once per network chunk
        try:
            step, arg = next(flow)
            while True:
                if step == read:  # first: once per network chunk of a stream
                    if arg:
                        for out in arg:  # noqa: UP028 (faster than `yield from` for 1 item)
                            yield out
                    try:
                        raw = next(chunks, None)
                    except _raised() as exc:
                        step, arg = flow.throw(as_httpx(exc))
                        continue
                    step, arg = flow.send(raw)
                elif step == OPEN:
                    if close is not None:
                        close()
                        close = None
                    try:
                        head, chunks, close = self._open(url, body, headers, arg, method)
                    except _raised() as exc:
                        step, arg = flow.throw(as_httpx(exc))
                        continue
                    step, arg = flow.send(head)
                elif step == SLEEP:
                    if close is not None:
                        close()
                        close = None
                    self._sleep(arg)
                    step, arg = flow.send(None)
                else:  # EMIT
                    yield from arg
                    step, arg = flow.send(None)
        except StopIteration as stop:
            yield from stop.value
        finally:
            if close is not None:
                close()

    async def _adrive(
        self, flow: Flow, url: httpx.URL | str, body: bytes, headers: Mapping[str, str]
    ) -> AsyncGenerator[Any, None]:
        """Serve `flow`'s steps on this event loop, yielding what it hands out."""
        import asyncio  # loaded by the event loop already; kept off `import pipes_openai`

        close: Callable[[], Awaitable[None]] | None = None
        pools: LoopPools | None = None
        index = 0
        chunks: AsyncIterator[bytes] | None = None
        read = CHUNK
        try:
            step, arg = next(flow)
            while True:
                if step == read:
                    if arg:
                        for out in arg:
                            yield out
                    try:
                        raw = await chunks.__anext__()  # type: ignore[union-attr]  # OPEN set it
                    except StopAsyncIteration:
                        raw = None
                    except _raised() as exc:
                        step, arg = flow.throw(as_httpx(exc))
                        continue
                    step, arg = flow.send(raw)
                elif step == OPEN:
                    if close is not None:  # never after SLEEP, which closes it
                        await close()
                        close = None
                    if pools is not None:
                        pools.release(index)
                        pools = None
                    try:
                        (head, chunks, close), pools, index = await self._aopen(
                            url, body, headers, arg
                        )
                    except _raised() as exc:
                        step, arg = flow.throw(as_httpx(exc))
                        continue
                    step, arg = flow.send(head)
                elif step == SLEEP:
                    if close is not None:
                        await close()
                        close = None
                    if pools is not None:
                        pools.release(index)
                        pools = None
                    await asyncio.sleep(arg)
                    step, arg = flow.send(None)
                else:  # EMIT
                    for out in arg:
                        yield out
                    step, arg = flow.send(None)
        except StopIteration as stop:
            for out in stop.value:
                yield out
        finally:
            if close is not None:
                await close()
            if pools is not None:
                pools.release(index)

    def _httpx_timeout(self, stream: bool) -> httpx.Timeout:
        # For httpx's senders only: built on first use, so the default pools never load httpx.
        timeouts = self._httpx_timeouts
        if timeouts is None:
            timeouts = self._httpx_timeouts = (
                self.timeouts.httpx(),
                self.timeouts.httpx(streaming=True),
            )
        return timeouts[stream]

    def _open(
        self,
        url: httpx.URL | str,
        body: bytes,
        headers: Mapping[str, str],
        stream: bool,
        method: str = "POST",
    ) -> _Opened:
        """Send one request; the response body is not read yet (the flow reads or streams it)."""
        client = self._sync_http
        sender = client if client is not None else sync_sender(self._key, self.timeouts)
        # httpcore's read timeout is per read: the head of the reply gets the attempt's
        # wall-clock deadline too (see pipes_openai._deadline; a user's own client's
        # transports are not ours to wrap, so there it bounds nothing).
        token = head_deadline(self.timeouts.event if stream else self.timeouts.total)
        try:
            if type(sender) is httpcore.ConnectionPool:
                request = core_request(method, str(url), body, headers, self._extensions[stream])
                return _opened(sender.handle_request(request))
            # An httpx.Client: the user's own, or ours when proxies are configured.
            built = sender.build_request(
                method,
                url,
                content=body or None,
                headers=headers,
                timeout=self._httpx_timeout(stream),
            )
            response = sender.send(built, stream=True)
            return response, _chunks(response), response.close
        finally:
            lift(token)

    async def _aopen(
        self, url: httpx.URL | str, body: bytes, headers: Mapping[str, str], stream: bool
    ) -> tuple[_AsyncOpened, LoopPools | None, int]:
        """Send one POST on this loop's pools; release the returned pool slot when done."""
        sender: Any = self._async_http
        pools: LoopPools | None = None
        index = 0
        if sender is None:
            pools = await async_pools(self._key, self.timeouts)
            index = pools.acquire()
            sender = pools.senders[index]
        token = head_deadline(self.timeouts.event if stream else self.timeouts.total)
        try:
            if type(sender) is httpcore.AsyncConnectionPool:
                request = core_request("POST", str(url), body, headers, self._extensions[stream])
                opened = _aopened(await sender.handle_async_request(request))
            else:  # an httpx.AsyncClient: the user's own, or ours when proxies are configured
                built = sender.build_request(
                    "POST", url, content=body, headers=headers, timeout=self._httpx_timeout(stream)
                )
                response = await sender.send(built, stream=True)
                opened = response, _achunks(response), response.aclose
        except BaseException:
            if pools is not None:
                pools.release(index)
            raise
        finally:
            lift(token)
        return opened, pools, index
