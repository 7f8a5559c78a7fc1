"""A small, fast HTTP/1.1 server on an asyncio Protocol.

Keep-alive, pipelining (requests are answered in order), ``Content-Length`` and chunked
request bodies, chunked streaming responses with write flow control. The application hands
back either the complete response bytes (the fast path: no task is created) or a coroutine
that writes through the :class:`Connection` itself (streaming, delays, proxying).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

__all__ = ["Connection", "HttpRequest", "Listener", "build_response", "serve", "shutdown"]

log = logging.getLogger("pipes_openai.emulator")

_MAX_HEAD = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
    raw_headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[["HttpRequest", "Connection"], "bytes | Awaitable[bool]"]


def build_response(
    status: int,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
    *,
    content_type: str = "application/json",
    keep_alive: bool = True,
) -> bytes:
    """A complete HTTP/1.1 response with ``Content-Length``."""
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
    ]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    if not keep_alive:
        lines.append("connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1") + body


def stream_head(status: int, headers: Iterable[tuple[str, str]], content_type: str) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"content-type: {content_type}\r\ntransfer-encoding: chunked\r\n"
        "cache-control: no-cache\r\n"
    ]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


class Connection(asyncio.Protocol):
    """One client connection. Handlers write through :meth:`write` and :meth:`drain`."""

    def __init__(
        self,
        handler: Handler,
        connections: set[Connection],
        tasks: set[asyncio.Task[None]],
    ) -> None:
        self._handler = handler
        self._connections = connections
        self._tasks = tasks
        self._buf = bytearray()
        self._busy = False
        self._eof = False
        self._continue_sent = False
        self._paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._connections.discard(self)
        if self.task is not None:
            # Nobody is left to answer: stop a slow or streaming handler now.
            self.task.cancel()
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionResetError("client disconnected"))

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if not self._busy:
            self._process()

    def eof_received(self) -> bool | None:
        # Half-closed by the client: finish what is in flight (see _run), then close.
        self._eof = True
        if not self._busy and self.transport is not None:
            self.transport.close()
        return True

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by handlers -------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    async def drain(self) -> None:
        """Wait until the kernel buffer accepts more (raise if the client went away)."""
        if self.closed:
            raise ConnectionResetError("client disconnected")
        if not self._paused:
            return
        self._drain_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._drain_waiter
        finally:
            self._drain_waiter = None

    def close(self) -> None:
        """Close after flushing what was written (a clean FIN)."""
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close at once, discarding unsent data."""
        if self.transport is not None:
            self.transport.abort()

    # -- request loop -----------------------------------------------------------------------
    def _process(self) -> None:
        while not self.closed:
            try:
                request = self._parse()
            except _BadRequest as exc:
                body = (
                    '{"error":{"message":"' + str(exc).replace('"', "'") + '",'
                    '"type":"invalid_request_error","param":null,"code":null}}'
                ).encode()
                headers = [("x-request-id", "req_emu_badhttp")]
                self.write(build_response(exc.status, body, headers, keep_alive=False))
                self.close()
                return
            if request is None:
                return
            try:
                result = self._handler(request, self)
            except Exception:  # a handler bug must not kill the server
                log.exception("emulator handler failed")
                self.write(
                    build_response(
                        500,
                        b'{"error":{"message":"The emulator failed on this request (a bug in'
                        b' the emulator; see its log).","type":"server_error","param":null,'
                        b'"code":null}}',
                        [("x-request-id", "req_emu_bug")],
                        keep_alive=False,
                    )
                )
                self.close()
                return
            if isinstance(result, bytes):
                self.write(result)
                if not request.keep_alive:
                    self.close()
                    return
                continue
            self._busy = True
            self.task = asyncio.get_running_loop().create_task(self._run(result, request))
            self._tasks.add(self.task)
            self.task.add_done_callback(self._tasks.discard)
            return

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
        if not keep or not request.keep_alive:
            self.close()
            return
        if self._buf:
            self._process()  # pipelined requests that arrived meanwhile
        if self._eof and not self._busy:
            self.close()

    def _maybe_continue(self, headers: dict[str, str]) -> None:
        # curl sends "Expect: 100-continue" for larger bodies and waits a second without this.
        if not self._continue_sent and headers.get("expect", "").lower() == "100-continue":
            self._continue_sent = True
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _parse(self) -> HttpRequest | None:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > _MAX_HEAD:
                raise _BadRequest(431, "Request header fields too large")
            return None
        head = bytes(buf[:end]).decode("latin-1")
        lines = head.split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            raise _BadRequest(400, f"Malformed request line: {lines[0][:100]!r}") from None
        headers: dict[str, str] = {}
        raw: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(400, f"Malformed header line: {line[:100]!r}")
            key = name.strip().lower()
            value = value.strip()
            raw.append((name.strip(), value))
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        start = end + 4
        te = headers.get("transfer-encoding", "").lower()
        if "chunked" in te:
            parsed = _dechunk(buf, start)
            if parsed is None:
                self._maybe_continue(headers)
                return None
            body, consumed = parsed
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                raise _BadRequest(400, "Invalid Content-Length") from None
            if length > _MAX_BODY:
                raise _BadRequest(413, "Request body too large")
            if len(buf) < start + length:
                self._maybe_continue(headers)
                return None
            body = bytes(buf[start : start + length])
            consumed = start + length
        del buf[:consumed]
        self._continue_sent = False
        connection = headers.get("connection", "").lower()
        keep_alive = (
            "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        )
        path, _, qs = target.partition("?")
        return HttpRequest(
            method=method.upper(),
            target=target,
            path=unquote(path),
            query=dict(parse_qsl(qs)) if qs else {},
            version=version,
            headers=headers,
            body=body,
            keep_alive=keep_alive,
            raw_headers=raw,
        )


def _dechunk(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """Decode a chunked body starting at ``pos``; None when incomplete."""
    out = bytearray()
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size_text = bytes(buf[pos:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _BadRequest(400, "Malformed chunk size") from None
        pos = line_end + 2
        if size == 0:
            # Trailers (ignored) end with an empty line.
            trailer_end = buf.find(b"\r\n\r\n", pos - 2)
            if trailer_end < 0:
                return None
            return bytes(out), trailer_end + 4
        if len(buf) < pos + size + 2:
            return None
        out += buf[pos : pos + size]
        if len(out) > _MAX_BODY:
            raise _BadRequest(413, "Request body too large")
        pos += size + 2


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


async def serve(handler: Handler, host: str, port: int) -> Listener:
    """Start listening on ``host:port`` (0 = any free port)."""
    loop = asyncio.get_running_loop()
    connections: set[Connection] = set()
    tasks: set[asyncio.Task[None]] = set()
    server = await loop.create_server(
        lambda: Connection(handler, connections, tasks),
        host,
        port,
        reuse_address=True,
        backlog=1024,
    )
    return Listener(server, connections, tasks)


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
