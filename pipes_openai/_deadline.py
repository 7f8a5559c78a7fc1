"""A wall-clock deadline for the socket reads of a reply's head.

httpcore bounds each socket read by the read timeout, never a whole phase: a server that sends
its response headers one byte at a time, each byte within the timeout, would keep a call
waiting far past its deadline (up to httpcore's 100 KiB header limit). The shared transports
(sync and async) therefore read through streams that cap each read at the time left until
the deadline the engine set for this thread or task (`head_deadline`) while it waits for a
reply's head. The body is bounded by the exchange itself (`pipes_openai._exchange`), so the
deadline is set for the head only; outside it, a read costs one context-variable lookup.
The default pools get the capped backend as httpcore's `network_backend=`
(`network_backend`, `async_network_backend`); httpx's clients (the proxy path) get it
installed on their transports' pools (`install`).

Example:
    ```python
    pool = httpcore.ConnectionPool(network_backend=network_backend())
    token = head_deadline(30.0)  # before handle_request
    try:
        response = pool.handle_request(request)
    finally:
        lift(token)  # the head has arrived (or failed)
    ```
"""

# ruff: noqa: ASYNC109  (the `timeout` parameters are httpcore's network-stream interface)

from __future__ import annotations

from contextvars import ContextVar, Token
from time import monotonic
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpcore  # loaded by the first request's pools, not by `import pipes_openai`
    import httpx

__all__ = ["async_network_backend", "head_deadline", "install", "lift", "network_backend"]

# A context variable, not a thread-local: each thread and each asyncio task has its own.
_deadline: ContextVar[float | None] = ContextVar("pipes_openai_head_deadline", default=None)


def head_deadline(window: float | None) -> Token[float | None]:
    """Cap this thread's (or task's) socket reads at `window` seconds from now (`None`: no
    cap); hand the token to `lift` once the head has arrived or failed."""
    return _deadline.set(None if window is None else monotonic() + window)


def lift(token: Token[float | None]) -> None:
    """Undo `head_deadline`."""
    _deadline.reset(token)


def _capped(deadline: float, timeout: float | None) -> float | None:
    # The read timeout, lowered to what is left until the deadline.
    left = deadline - monotonic()
    if left <= 0:
        import httpcore  # loaded already: the transport reading here imported it

        raise httpcore.ReadTimeout("the reply's head did not arrive by the deadline")
    return left if timeout is None or left < timeout else timeout


# The wrappers pass every argument through as httpcore gives it; only `read` changes. They
# follow httpcore's stream and backend interfaces without subclassing them, so that this
# module does not load httpcore at `import pipes_openai` (httpx loads it lazily too).


class _Stream:
    """A blocking network stream whose reads never wait past the deadline."""

    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        # Once per network read of every reply: no deadline (a body) costs one lookup.
        deadline = _deadline.get()
        if deadline is not None:
            timeout = _capped(deadline, timeout)
        return self._stream.read(max_bytes, timeout)

    def write(self, *args: Any, **kwargs: Any) -> None:
        self._stream.write(*args, **kwargs)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _AsyncStream:
    """`_Stream` on an event loop."""

    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = _deadline.get()
        if deadline is not None:
            timeout = _capped(deadline, timeout)
        return await self._stream.read(max_bytes, timeout)

    async def write(self, *args: Any, **kwargs: Any) -> None:
        await self._stream.write(*args, **kwargs)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    """httpcore's blocking network backend, its streams wrapped in `_Stream`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._backend.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._backend.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncBackend:
    """`_Backend` on an event loop."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._backend.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _AsyncStream:
        return _AsyncStream(await self._backend.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def network_backend() -> Any:
    """httpcore's blocking backend, reading through the deadline-capped streams (a
    `httpcore.NetworkBackend` by its interface: pass it as a pool's `network_backend=`)."""
    import httpcore

    return _Backend(httpcore.SyncBackend())


def async_network_backend() -> Any:
    """`network_backend` for an asyncio pool (httpcore's own choice there: anyio)."""
    import httpcore

    return _AsyncBackend(httpcore.AnyIOBackend())


def install(
    sender: httpx.HTTPTransport | httpx.AsyncHTTPTransport | httpx.Client | httpx.AsyncClient,
) -> None:
    """Make `sender`'s new connections read through the deadline-capped streams.

    A client (the pools use one when proxy environment variables are set) gets the wrapper on
    its own transport and on each proxy transport it mounted. httpx has no public parameter for
    httpcore's network backend, so the pools' attributes are set
    (tests/openai/test_openai_hostile.py fails if a new httpx stops reading them).
    """
    import httpx  # only httpx's senders are installed on

    if isinstance(sender, httpx.Client | httpx.AsyncClient):
        client: Any = sender
        for transport in (client._transport, *client._mounts.values()):
            if isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport):
                install(transport)
        return
    pool: Any = sender._pool
    wrap = _Backend if isinstance(sender, httpx.HTTPTransport) else _AsyncBackend
    pool._network_backend = wrap(pool._network_backend)
