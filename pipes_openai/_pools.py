"""Shared connection pools: one sync pool per timeout setting, async pools per event loop.

* sync: one shared `httpcore.ConnectionPool` per timeout setting (thread-safe);
* async: for every running event loop its own set of `httpcore.AsyncConnectionPool`\\ s
  used round-robin. httpcore's pool scans all its connections on every request, so several
  small pools serve high concurrency faster than one big one; and a pool is never shared
  between loops (a shared pool fails with "Event loop is closed" on the second
  `asyncio.run`). The pools of a loop are closed when that loop shuts down its async
  generators (`asyncio.run` does), and forgotten when the loop is found closed.

The pools are httpcore's, without httpx (`pipes_openai._httpcore` builds their requests):
a first call need not import httpx. When proxy environment variables are set, `httpx.Client`
/ `httpx.AsyncClient` (which honour them) take their place.

Example:
    ```python
    sender = sync_sender((60.0, 10.0), Timeouts(60.0, 10.0))
    pools = await async_pools((60.0, 10.0), Timeouts(60.0, 10.0))
    index = pools.acquire()  # pools.senders[index] sends; then pools.release(index)
    ```
"""

from __future__ import annotations

import atexit
import os
import ssl
import sys
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpcore

from pipes_openai._deadline import async_network_backend, install, network_backend

if TYPE_CHECKING:
    import asyncio

    from pipes_openai._timeouts import Timeouts

__all__ = ["LoopPools", "async_pools", "close_all_clients", "sync_sender"]


class LoopPools:
    """The async senders of one event loop: httpcore pools (fast path) or clients (proxies).

    A request goes to the first pool with fewer than `spread` requests in flight, else to
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
        """The index of the pool for the next request (call `release` when done)."""
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
_async_senders: dict[asyncio.AbstractEventLoop, dict[tuple[Any, ...], LoopPools]] = {}

# Async pooling, measured with a loopback benchmark (2,000 requests at concurrency 64):
# httpcore scans every connection of a pool on each request, so 16 pools holding ~4
# requests each beat one pool of 64 by 2-3x (see LoopPools). Connections open on demand;
# up to 16 x 16 = 256 per loop. Requests go straight to httpcore's pools (public API): httpx's
# Client layer (URL merging, cookies, auth, event hooks) roughly doubles the per-request cost,
# and importing httpx at all costs a cold start ~20 ms; we need none of it.
_ASYNC_POOLS = 16
_ASYNC_POOL_SIZE = 16
_ASYNC_SPREAD = 4
_SYNC_POOL_SIZE = 256
_SYNC_KEEPALIVE = 64
_KEEPALIVE_EXPIRY = 5.0  # httpx.Limits' default, which the pools had when httpx built them


_trust_lock = threading.Lock()


class _LazyTrustContext(ssl.SSLContext):
    """httpx's default TLS context, whose CA bundle is loaded at the first TLS handshake.

    Loading the bundle costs ~15-40 ms, most of a cold start's first call against a plain
    `http://` server (a local model server, the emulator), which never needs it. Until it is
    loaded the context verifies against no roots at all (`PROTOCOL_TLS_CLIENT`: certificates
    and host names required), so a handshake that bypassed the hooks below would fail closed.
    Every TLS connection (httpcore sync: `wrap_socket`; anyio, asyncio and TLS-in-TLS
    proxies: `wrap_bio`) goes through them. anyio calls `wrap_bio` of a subclass in a
    worker thread, which keeps the one-time bundle read off the event loop; the hop costs
    microseconds per new TLS connection against the milliseconds of its handshake.
    """

    _trusted = False

    def _trust(self) -> None:
        if not self._trusted:
            with _trust_lock:
                if not self._trusted:
                    # The same roots as httpx.create_ssl_context (trust_env=True).
                    if os.environ.get("SSL_CERT_FILE"):
                        self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
                    elif os.environ.get("SSL_CERT_DIR"):
                        self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
                    else:
                        import certifi  # httpx's own dependency

                        self.load_verify_locations(cafile=certifi.where())
                    self._trusted = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._trust()
        return super().wrap_bio(*args, **kwargs)


_ssl: list[ssl.SSLContext] = []


def _ssl_context() -> ssl.SSLContext:
    # One context shared by all transports, its CA bundle loaded on first use (see above).
    if not _ssl:
        context = _LazyTrustContext(ssl.PROTOCOL_TLS_CLIENT)
        keylog = os.environ.get("SSLKEYLOGFILE")  # as ssl.create_default_context does
        if keylog and not sys.flags.ignore_environment:
            context.keylog_filename = keylog
        _ssl.append(context)
    return _ssl[0]


def _use_clients() -> bool:
    # Proxy settings (HTTPS_PROXY, ALL_PROXY, ... and the system's on macOS and Windows) are
    # honoured by httpx.Client (trust_env) but not by bare pools: use clients when a proxy is
    # set. NO_PROXY alone names hosts to reach directly, which is what the pools do anyway.
    if sys.platform == "darwin" or os.name == "nt":
        import urllib.request

        return bool(urllib.request.getproxies().keys() - {"no"})
    return bool(_environment_proxies() - {"no"})


def _environment_proxies() -> set[str]:
    """The schemes `urllib.request.getproxies()` finds a proxy setting for where it reads only
    the environment (POSIX but macOS), without importing urllib.request (~5 ms of a first
    call), by its rules: a non-empty `<scheme>_proxy` variable, any case, an all-lower-case
    one winning (empty, it unsets), `HTTP_PROXY` ignored in a CGI script."""
    environ = os.environ
    found = {
        name.lower() for name, value in environ.items() if value and name.lower().endswith("_proxy")
    }
    if "REQUEST_METHOD" in environ:
        found.discard("http_proxy")
    for name, value in environ.items():
        if name.endswith("_proxy"):
            if value:
                found.add(name.lower())
            else:
                found.discard(name.lower())
    return {name.removesuffix("_proxy") for name in found}


def sync_sender(key: tuple[Any, ...], timeouts: Timeouts) -> Any:
    """The shared sync sender for `key`: an `httpcore.ConnectionPool`, or an `httpx.Client`
    when proxies are configured."""
    sender = _sync_senders.get(key)
    if sender is None:
        with _lock:
            sender = _sync_senders.get(key)
            if sender is None:
                if _use_clients():
                    import httpx

                    limits = httpx.Limits(
                        max_connections=_SYNC_POOL_SIZE,
                        max_keepalive_connections=_SYNC_KEEPALIVE,
                        keepalive_expiry=_KEEPALIVE_EXPIRY,
                    )
                    sender = httpx.Client(
                        timeout=timeouts.httpx(), limits=limits, verify=_ssl_context()
                    )
                    install(sender)  # a reply's head is bounded by the attempt's deadline
                else:
                    sender = httpcore.ConnectionPool(
                        ssl_context=_ssl_context(),
                        max_connections=_SYNC_POOL_SIZE,
                        max_keepalive_connections=_SYNC_KEEPALIVE,
                        keepalive_expiry=_KEEPALIVE_EXPIRY,
                        network_backend=network_backend(),  # the head's deadline
                    )
                _sync_senders[key] = sender
    return sender


async def _closer(loop: asyncio.AbstractEventLoop, entry: LoopPools) -> AsyncIterator[None]:
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


async def async_pools(key: tuple[Any, ...], timeouts: Timeouts) -> LoopPools:
    """This event loop's senders for `key` (created, and registered for closing, on first
    use): `httpcore.AsyncConnectionPool`\\ s, or `httpx.AsyncClient`\\ s with proxies."""
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
            senders: list[Any]
            if _use_clients():
                import httpx

                limits = httpx.Limits(
                    max_connections=_ASYNC_POOL_SIZE,
                    max_keepalive_connections=_ASYNC_POOL_SIZE,
                    keepalive_expiry=_KEEPALIVE_EXPIRY,
                )
                senders = [
                    httpx.AsyncClient(
                        timeout=timeouts.httpx(), limits=limits, verify=_ssl_context()
                    )
                    for _ in range(_ASYNC_POOLS)
                ]
                for sender in senders:
                    install(sender)  # a reply's head is bounded by the attempt's deadline
            else:
                senders = [
                    httpcore.AsyncConnectionPool(
                        ssl_context=_ssl_context(),
                        max_connections=_ASYNC_POOL_SIZE,
                        max_keepalive_connections=_ASYNC_POOL_SIZE,
                        keepalive_expiry=_KEEPALIVE_EXPIRY,
                        network_backend=async_network_backend(),  # the head's deadline
                    )
                    for _ in range(_ASYNC_POOLS)
                ]
            entry = per_loop[key] = LoopPools(senders, _ASYNC_SPREAD)
    if created:
        entry.closer = _closer(loop, entry)
        await entry.closer.__anext__()  # starts it, which registers it with the loop
    return entry


def close_all_clients() -> None:
    """Close the shared sync connection pools (async ones close with their event loop).

    Runs at interpreter exit too, so that idle keep-alive sockets are closed rather than left
    to the garbage collector (which warns `ResourceWarning: unclosed socket`).

    Example:
        ```python
        close_all_clients()  # e.g. in a test teardown or before fork
        ```
    """
    with _lock:
        senders = list(_sync_senders.values())
        _sync_senders.clear()
    for sender in senders:
        sender.close()


atexit.register(close_all_clients)
