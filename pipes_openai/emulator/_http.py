"""A small, fast HTTP/1.1 server on an asyncio Protocol, parsing requests with h11.

Keep-alive, pipelining (requests are answered in order), `Content-Length` and chunked
request bodies, `Expect: 100-continue`, chunked streaming responses with write flow control.
The application hands back either the complete response bytes (the fast path: no task is
created) or a coroutine that writes through the `Connection` itself (streaming, delays,
proxying).

Requests are parsed by h11 (never by hand: a hand-written parser once spun forever on a negative
`Content-Length`), one parser per request, fed what the previous one left over. Responses are
written as bytes, not through h11: fault injection must be able to send what h11 would refuse (a
`Content-Length` that the body never reaches, a stream cut before its last chunk).

Every bound in `Limits` is enforced here per connection: header and body size
(431, 413), the time to send the headers (408) and idle keep-alive connections. A client that
goes away, with a FIN or an RST, cancels the handler answering it (held, delayed and streaming
requests stop) and nothing more is written to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

import h11

from ._exchange import base_headers
from ._frames import build_response
from ._limits import Limits
from ._wire import dumps, error_body

__all__ = ["Connection", "HttpRequest", "Listener", "serve", "shutdown"]

log = logging.getLogger("pipes_openai.emulator")

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_QUOTED = re.compile(r":\s*(?:bytearray\()?b['\"].*", re.DOTALL)
# Bytes of pipelined requests buffered while a handler runs before reading pauses.
_BACKLOG_HIGH_WATER = 256 * 1024
# How long a rejected client may keep sending (discarded) before the socket closes: closing
# with unread input sends an RST, which would often destroy the 4xx before the client reads it.
_LINGER = 1.0


@dataclass(slots=True)
class HttpRequest:
    method: str
    target: str
    path: str
    query: dict[str, str]
    version: str
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    keep_alive: bool = True


Handler = Callable[["HttpRequest", "Connection"], "bytes | Awaitable[bool]"]
# Called after each request: (request, status or 0 when nothing was sent, seconds).
AccessLog = Callable[["HttpRequest", int, float], None]


def _error(status: int, message: str, code: str | None) -> bytes:
    # Refused before the request reached a handler: no key was read, so no organization.
    body = dumps(error_body(message, "invalid_request_error", None, code)).encode()
    return build_response(status, body, base_headers("req_emu_http"), keep_alive=False)


class _Server:
    """What every connection of one listener shares."""

    __slots__ = ("access_log", "connections", "handler", "limits", "tasks")

    def __init__(self, handler: Handler, limits: Limits, access_log: AccessLog | None) -> None:
        self.handler = handler
        self.limits = limits
        self.access_log = access_log
        self.connections: set[Connection] = set()
        self.tasks: set[asyncio.Task[None]] = set()


class Connection(asyncio.Protocol):
    """One client connection. Handlers write through `write` and `drain`."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self._limits = server.limits
        self._parser = self._new_parser()
        self._request: HttpRequest | None = None  # head received, body still arriving
        self._body: list[bytes] = []
        self._body_size = 0
        self._continue_sent = False
        self._busy = False  # a handler task owns the connection
        self._backlog = bytearray()  # bytes received while busy (pipelined requests)
        self._reading_paused = False
        self._discarding = False  # rejected: read and drop until the client closes
        self._paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        # One timer per connection, re-armed lazily: moving the deadline is an attribute write.
        self._deadline: float | None = None
        self._deadline_status = 0  # 408 answers a slow request; 0 closes quietly
        self._timer: asyncio.TimerHandle | None = None
        self._head_deadline: float | None = None
        self._started = 0.0
        self._status = 0  # of the response being written (0: none yet)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    def _new_parser(self) -> h11.Connection:
        return h11.Connection(h11.SERVER, max_incomplete_event_size=self._limits.max_header_bytes)

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._server.connections.add(self)
        self._set_deadline(self._limits.idle_timeout, 0)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._server.connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.task is not None:
            # Nobody is left to answer: stop a held, delayed or streaming handler now.
            log.debug("emulator: client went away (%s); its request is dropped", exc or "EOF")
            self.task.cancel()
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionResetError("client disconnected"))

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return
        if self._busy:
            self._backlog += data
            if len(self._backlog) > _BACKLOG_HIGH_WATER and self.transport is not None:
                self._reading_paused = True
                self.transport.pause_reading()
            return
        self._feed(data)
        self._process()

    def eof_received(self) -> bool | None:
        # A FIN: the client sends nothing more. An HTTP client that half-closes gives up on
        # its answer as well (as servers generally assume), so an in-flight handler is dropped;
        # requests answered inline before the FIN have been written already.
        self.closed = True
        if self.task is not None:
            log.debug("emulator: client closed its side (FIN); its request is dropped")
            self.task.cancel()
        return False  # the transport closes itself (after flushing what was written)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by handlers -------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Send `data` (dropped once the client is gone: never write into a closed socket)."""
        if not self.closed and self.transport is not None:
            if not self._status and data[:9] == b"HTTP/1.1 ":
                self._status = int(data[9:12])  # for the access log
            self.transport.write(data)

    async def drain(self) -> None:
        """Wait until the kernel buffer accepts more (raise if the client went away)."""
        if self.closed:
            raise ConnectionResetError("client disconnected")
        if not self._paused:
            return
        self._drain_waiter = self._loop.create_future()
        try:
            await self._drain_waiter
        finally:
            self._drain_waiter = None

    def close(self) -> None:
        """Close after flushing what was written (a clean FIN)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close at once, discarding unsent data."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # -- deadlines --------------------------------------------------------------------------
    def _set_deadline(self, seconds: float, status: int) -> None:
        self._arm(self._loop.time() + seconds, status)

    def _arm(self, deadline: float, status: int) -> None:
        self._deadline = deadline
        self._deadline_status = status
        timer = self._timer
        if timer is None or timer.when() > deadline:
            # Later deadlines are picked up when the timer fires; an earlier one needs a timer.
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self.closed:
            return
        if self._loop.time() < deadline:  # moved since the timer was set
            self._timer = self._loop.call_at(deadline, self._on_timer)
            return
        if self._deadline_status == 0:
            self.close()  # an idle keep-alive connection
            return
        limits = self._limits
        if self._request is None:
            message = (
                f"Request timeout: the request headers did not arrive within"
                f" {limits.header_timeout:g} s (the emulator's Limits(header_timeout=...))."
            )
        else:
            message = (
                f"Request timeout: the request body stalled for {limits.idle_timeout:g} s"
                " (the emulator's Limits(idle_timeout=...))."
            )
        self._reject(408, message, "request_timeout")

    def _await_more(self) -> None:
        """The parser needs more bytes: bound how long they may take."""
        if self._request is not None:
            # Inside a body: each arrival restarts the stall clock.
            self._set_deadline(self._limits.idle_timeout, 408)
        elif self._head_deadline is not None:
            # Part of a head: its deadline is fixed at the first byte, trickling cannot move it.
            self._arm(self._head_deadline, 408)
        else:
            self._set_deadline(self._limits.idle_timeout, 0)

    # -- request loop -----------------------------------------------------------------------
    def _feed(self, data: bytes) -> None:
        if data and self._request is None and self._head_deadline is None:
            self._head_deadline = self._loop.time() + self._limits.header_timeout
        self._parser.receive_data(data)

    def _reject(self, status: int, message: str, code: str | None = None) -> None:
        """Answer a request that broke the protocol or a limit, then close (lingering)."""
        log.debug("emulator: rejecting a request with %d (%s)", status, code)
        self.write(_error(status, message, code))
        if self._request is not None:  # the head is known: the access log shows the refusal
            self._log(self._request)
        self._discarding = True
        self._request = None
        self._body = []
        transport = self.transport
        if transport is None or self.closed:
            return
        if transport.can_write_eof():
            transport.write_eof()
            self._set_deadline(_LINGER, 0)
        else:
            self.close()

    def _process(self) -> None:
        while not self.closed and not self._discarding:
            try:
                event = self._parser.next_event()
            except h11.RemoteProtocolError as exc:
                status = exc.error_status_hint
                if status == 431:
                    self._reject_head()
                else:
                    # h11 quotes the offending line; it may be an authorization header.
                    problem = _QUOTED.sub("", str(exc))
                    self._reject(status, f"Malformed HTTP request: {problem}.", "invalid_http")
                return
            if event is h11.NEED_DATA:
                if self._parser.they_are_waiting_for_100_continue and not self._continue_sent:
                    # curl sends "Expect: 100-continue" for larger bodies and waits without it.
                    self._continue_sent = True
                    if self.transport is not None:
                        self.transport.write(_CONTINUE)
                self._await_more()
                return
            if isinstance(event, h11.Data):
                self._body_size += len(event.data)
                if self._body_size > self._limits.max_body_bytes:
                    self._reject_body()
                    return
                self._body.append(event.data)
            elif isinstance(event, h11.Request):
                if not self._start(event):
                    return
            elif isinstance(event, h11.EndOfMessage):
                if not self._dispatch():
                    return
            else:  # ConnectionClosed, or PAUSED (not reached: one parser per request)
                self.close()
                return

    def _reject_head(self) -> None:
        self._reject(
            431,
            f"Request header fields too large: over {self._limits.max_header_bytes} bytes (the"
            " emulator's Limits(max_header_bytes=...)).",
            "request_header_fields_too_large",
        )

    def _reject_body(self) -> None:
        self._reject(
            413,
            f"Request body too large: over {self._limits.max_body_bytes} bytes (the emulator's"
            " Limits(max_body_bytes=...)).",
            "request_too_large",
        )

    def _start(self, event: h11.Request) -> bool:
        """A request head arrived; False when it is refused."""
        self._started = time.perf_counter()
        self._status = 0
        self._head_deadline = None
        headers: dict[str, str] = {}
        # h11 bounds a head still arriving; one that arrived whole in a read is measured here.
        size = len(event.target) + 16
        # raw_items(): one list, where iterating the Headers sequence costs a call per item.
        for raw_name, raw_value in event.headers.raw_items():
            size += len(raw_name) + len(raw_value) + 4
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        version = event.http_version.decode("latin-1")
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection if version == "1.1" else "keep-alive" in connection
        target = event.target.decode("latin-1")
        path, _, qs = target.partition("?")
        self._request = HttpRequest(
            method=event.method.decode("latin-1").upper(),
            target=target,
            path=unquote(path),
            query=dict(parse_qsl(qs)) if qs else {},
            version=f"HTTP/{version}",
            headers=headers,
            body=b"",
            keep_alive=keep_alive,
        )
        if size > self._limits.max_header_bytes:
            self._reject_head()
            return False
        length = headers.get("content-length")
        # h11 has validated it (digits only); refuse before a byte of the body is read.
        if length is not None and int(length.partition(",")[0]) > self._limits.max_body_bytes:
            self._reject_body()
            return False
        return True

    def _dispatch(self) -> bool:
        """The request is complete: answer it; False when the loop must stop."""
        request = self._request
        assert request is not None
        request.body = b"".join(self._body)
        self._request = None
        self._body = []
        self._body_size = 0
        self._continue_sent = False
        # The next request starts with whatever this parser read past this one.
        rest = self._parser.trailing_data[0]
        self._parser = self._new_parser()
        if rest:
            self._feed(rest)
        try:
            result = self._server.handler(request, self)
        except Exception:  # a handler bug must not kill the server
            log.exception("emulator handler failed")
            self.write(
                build_response(
                    500,
                    b'{"error":{"message":"The emulator failed on this request (a bug in'
                    b' the emulator; see its log).","type":"server_error","param":null,'
                    b'"code":null}}',
                    base_headers("req_emu_bug"),
                    keep_alive=False,
                )
            )
            self._log(request)
            self.close()
            return False
        if isinstance(result, bytes):
            if request.method == "HEAD":
                # A HEAD answer has no body (RFC 9110): body bytes would be read by a
                # keep-alive client as the start of its next response.
                result = result[: result.find(b"\r\n\r\n") + 4]
            self.write(result)
            if self._server.access_log is not None:
                self._log(request)
            if not request.keep_alive:
                self.close()
                return False
            if rest:
                return True  # pipelined: parse the next request now
            self._await_more()  # (asking a fresh parser for an event costs more than this)
            return False
        self._busy = True
        self._deadline = None  # the handler decides how long it takes
        task = self._loop.create_task(self._run(result, request))
        self.task = task
        self._server.tasks.add(task)
        task.add_done_callback(self._server.tasks.discard)
        return False

    def _log(self, request: HttpRequest) -> None:
        access_log = self._server.access_log
        if access_log is not None:
            access_log(request, self._status, time.perf_counter() - self._started)

    async def _run(self, awaitable: Awaitable[bool], request: HttpRequest) -> None:
        keep = False
        try:
            keep = await awaitable
        except (ConnectionError, asyncio.CancelledError):
            keep = False
        except Exception:
            log.exception("emulator handler failed")
            keep = False
        finally:
            self._busy = False
            self.task = None
            self._log(request)
        if not keep or not request.keep_alive or self.closed:
            self.close()
            return
        backlog, self._backlog = bytes(self._backlog), bytearray()
        # A pipelined head that waited behind this handler gets its full time from now on.
        self._head_deadline = None
        if self._parser.trailing_data[0]:
            self._head_deadline = self._loop.time() + self._limits.header_timeout
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        if backlog:  # (h11 reads b"" as the end of the connection)
            self._feed(backlog)
        self._process()  # pipelined requests that arrived meanwhile


@dataclass(slots=True)
class Listener:
    """A listening server with its live connections and in-flight handler tasks."""

    server: asyncio.Server
    connections: set[Connection]
    tasks: set[asyncio.Task[None]]

    @property
    def port(self) -> int:
        port: int = self.server.sockets[0].getsockname()[1]
        return port


async def serve(
    handler: Handler,
    host: str,
    port: int,
    limits: Limits | None = None,
    access_log: AccessLog | None = None,
) -> Listener:
    """Start listening on `host:port` (0 = any free port)."""
    loop = asyncio.get_running_loop()
    shared = _Server(handler, limits or Limits(), access_log)
    server = await loop.create_server(
        lambda: Connection(shared),
        host,
        port,
        reuse_address=True,
        backlog=1024,
    )
    return Listener(server, shared.connections, shared.tasks)


async def shutdown(listener: Listener) -> None:
    """Stop listening, cancel in-flight handlers and close every connection."""
    listener.server.close()
    for conn in list(listener.connections):
        conn.abort()
    tasks = list(listener.tasks)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=1.0)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(listener.server.wait_closed(), 1.0)
