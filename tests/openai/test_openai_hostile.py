"""The client's bounds against hostile servers on loopback: drips, endless bodies and lines.

A tiny socket server (one thread per connection) plays each misbehaviour chosen by the request
path. Every behaviour is itself capped (it stops after ``_CAP`` seconds and closes), so a
client without the bound under test ends with some other outcome and the test fails instead
of wedging the runner. Time bounds are generous multiples (5x) of the configured deadline.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pipes_openai import ChatOpenAI, ResponseTooLargeError
from pipes_openai._errors import APITimeoutError
from pipes_openai._http import HTTPEngine, Timeouts
from pipes_openai._pools import close_all_clients

KEY = "sk-test-SECRET-0123456789abcdef"
BODY = b'{"model": "m", "messages": []}'
HEADERS = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
DEADLINE = 0.3
_CAP = 5.0  # seconds any misbehaviour lasts at most (the client must give up long before)
_DRIP = 0.03  # seconds between two dripped bytes: far below every read timeout here
_EVENT = b'data: {"id":"c","object":"chat.completion.chunk","choices":[]}\n\n'


def _head(content_type: str, length: int | None = None) -> bytes:
    extra = f"content-length: {length}\r\n" if length is not None else "connection: close\r\n"
    return f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{extra}\r\n".encode()


def _drip_json(conn: socket.socket, stop: Callable[[], bool]) -> None:
    conn.sendall(_head("application/json", 100_000))
    while not stop():
        conn.sendall(b" ")
        time.sleep(_DRIP)  # the misbehaviour itself, not synchronisation


def _drip_sse(conn: socket.socket, stop: Callable[[], bool]) -> None:
    conn.sendall(_head("text/event-stream") + _EVENT)
    while not stop():
        conn.sendall(b":")  # never a whole line, never an event
        time.sleep(_DRIP)


def _drip_head(conn: socket.socket, stop: Callable[[], bool]) -> None:
    # The headers themselves one byte at a time: httpcore's read timeout is per read.
    head = _head("application/json", 100_000)[:-2] + b"x-pad: " + b"a" * 50_000
    for byte in head:
        if stop():
            return
        conn.sendall(bytes([byte]))
        time.sleep(_DRIP)


def _endless_events(conn: socket.socket, stop: Callable[[], bool]) -> None:
    conn.sendall(_head("text/event-stream"))
    block = _EVENT * 200
    while not stop():
        conn.sendall(block)


def _huge_body(conn: socket.socket, stop: Callable[[], bool]) -> None:
    conn.sendall(_head("application/json", 100 * 1024 * 1024))
    block = b"0" * 65536
    while not stop():
        conn.sendall(block)


def _endless_line(conn: socket.socket, stop: Callable[[], bool]) -> None:
    conn.sendall(_head("text/event-stream") + _EVENT + b"data: ")
    block = b"x" * 65536
    while not stop():
        conn.sendall(block)


_BEHAVIOURS: dict[str, Callable[[socket.socket, Callable[[], bool]], None]] = {
    "drip-json": _drip_json,
    "drip-sse": _drip_sse,
    "drip-head": _drip_head,
    "endless-events": _endless_events,
    "huge-body": _huge_body,
    "endless-line": _endless_line,
}


class HostileServer:
    """Serves each connection with the behaviour its request path names (``/drip-json/...``)."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self.port = self._sock.getsockname()[1]
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def url(self, behaviour: str) -> str:
        return f"http://127.0.0.1:{self.port}/{behaviour}/v1/chat/completions"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()

        def stop() -> bool:
            return self._closed.is_set() or time.monotonic() - started > _CAP

        with conn:
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(65536)
                    if not data:
                        return
                    request += data
                head, _, body = request.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(body) < length:
                    body += conn.recv(65536)
                target = head.split(b" ")[1]
                if not target.startswith(b"/"):  # absolute form: we are asked as a proxy
                    target = b"/" + target.split(b"/", 3)[3]
                behaviour = target.split(b"/")[1].decode()
                _BEHAVIOURS[behaviour](conn, stop)
            except OSError:
                return  # the client went away: what a bounded client does

    def close(self) -> None:
        self._closed.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        except OSError:
            pass
        self._sock.close()
        for thread in [self._accepter, *self._threads]:
            thread.join(timeout=_CAP + 1)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    hostile = HostileServer()
    yield hostile
    hostile.close()


def engine(**kwargs: Any) -> HTTPEngine:
    kwargs.setdefault("timeouts", Timeouts(total=DEADLINE, connect=1.0))
    return HTTPEngine(kwargs.pop("timeouts"), max_retries=0, secrets=(KEY,), **kwargs)


def _timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(Exception) as info:
        call()
    return info.value, time.monotonic() - started


def test_a_dripping_reply_cannot_extend_the_deadline(server: HostileServer) -> None:
    exc, took = _timed(lambda: engine().post(server.url("drip-json"), BODY, HEADERS))
    assert isinstance(exc, APITimeoutError), exc
    assert took < 5 * DEADLINE
    assert f"{DEADLINE}s deadline" in str(exc)
    assert "timeout=" in str(exc)
    assert KEY not in str(exc)


async def test_a_dripping_reply_cannot_extend_the_deadline_async(server: HostileServer) -> None:
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="deadline"):
        await engine().apost(server.url("drip-json"), BODY, HEADERS)
    assert time.monotonic() - started < 5 * DEADLINE


def test_dripping_headers_cannot_extend_the_deadline(server: HostileServer) -> None:
    exc, took = _timed(lambda: engine().post(server.url("drip-head"), BODY, HEADERS))
    assert isinstance(exc, APITimeoutError), exc
    assert took < 5 * DEADLINE
    assert "timeout=" in str(exc)
    assert KEY not in str(exc)


async def test_dripping_headers_cannot_extend_the_deadline_async(server: HostileServer) -> None:
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="timeout="):
        await engine().apost(server.url("drip-head"), BODY, HEADERS)
    assert time.monotonic() - started < 5 * DEADLINE


def test_a_stream_with_dripping_headers_times_out(server: HostileServer) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1, stream_chunk=DEADLINE))
    exc, took = _timed(lambda: list(eng.stream(server.url("drip-head"), BODY, HEADERS)))
    assert isinstance(exc, APITimeoutError), exc
    assert took < 5 * DEADLINE


@pytest.fixture
def proxied_url(server: HostileServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A URL reached through an HTTP proxy that drips its headers (the hostile server)."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    close_all_clients()  # the shared pools are built again, as httpx clients honouring proxies
    yield "http://api.proxied.invalid/drip-head/v1/chat/completions"
    close_all_clients()


def test_dripping_headers_through_a_proxy_cannot_extend_the_deadline(proxied_url: str) -> None:
    exc, took = _timed(lambda: engine().post(proxied_url, BODY, HEADERS))
    assert isinstance(exc, APITimeoutError), exc
    assert took < 5 * DEADLINE


async def test_dripping_headers_through_a_proxy_cannot_extend_the_deadline_async(
    proxied_url: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="timeout="):
        await engine().apost(proxied_url, BODY, HEADERS)
    assert time.monotonic() - started < 5 * DEADLINE


def test_chat_invoke_against_dripping_headers_ends_by_its_timeout(server: HostileServer) -> None:
    base_url = server.url("drip-head").removesuffix("/chat/completions")
    llm = ChatOpenAI(base_url=base_url, api_key=KEY, timeout=DEADLINE, max_retries=0)
    exc, took = _timed(lambda: llm.invoke("hi"))
    assert isinstance(exc, APITimeoutError), exc
    assert took < 5 * DEADLINE
    assert KEY not in str(exc)


def test_invoke_of_a_server_that_streams_forever_ends_in_time(server: HostileServer) -> None:
    exc, took = _timed(lambda: engine().post(server.url("endless-events"), BODY, HEADERS))
    # Whichever bound comes first (the deadline, or 64 MiB on a fast machine) ends it, typed.
    assert isinstance(exc, APITimeoutError | ResponseTooLargeError), exc
    assert took < 5 * DEADLINE


def test_a_stream_dripping_bytes_without_events_times_out(server: HostileServer) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1, stream_chunk=DEADLINE))
    got: list[Any] = []
    exc, took = _timed(lambda: got.extend(eng.stream(server.url("drip-sse"), BODY, HEADERS)))
    assert isinstance(exc, APITimeoutError), exc
    assert "stream_chunk_timeout=" in str(exc)
    assert len(got) == 1  # the event before the drip was delivered
    assert took < 5 * DEADLINE


async def test_a_stream_dripping_bytes_without_events_times_out_async(
    server: HostileServer,
) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1, stream_chunk=DEADLINE))
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="stream_chunk_timeout="):
        _ = [event async for event in eng.astream(server.url("drip-sse"), BODY, HEADERS)]
    assert time.monotonic() - started < 5 * DEADLINE


def test_a_huge_reply_stops_at_the_limit(server: HostileServer) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1), max_response_bytes=1024 * 1024)
    exc, took = _timed(lambda: eng.post(server.url("huge-body"), BODY, HEADERS))
    assert isinstance(exc, ResponseTooLargeError), exc
    assert exc.limit == 1024 * 1024
    assert "max_response_bytes=" in str(exc)
    assert str(1024 * 1024) in str(exc)
    assert took < _CAP / 2  # reading stopped at the limit, not at the server's end


def test_an_endless_sse_line_stops_at_the_limit(server: HostileServer) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1), max_stream_event_bytes=1024 * 1024)
    got: list[Any] = []
    exc, took = _timed(lambda: got.extend(eng.stream(server.url("endless-line"), BODY, HEADERS)))
    assert isinstance(exc, ResponseTooLargeError), exc
    assert "max_stream_event_bytes=" in str(exc)
    assert len(got) == 1
    assert took < _CAP / 2


async def test_an_endless_sse_line_stops_at_the_limit_async(server: HostileServer) -> None:
    eng = engine(timeouts=Timeouts(total=10, connect=1), max_stream_event_bytes=1024 * 1024)
    with pytest.raises(ResponseTooLargeError, match="max_stream_event_bytes="):
        _ = [event async for event in eng.astream(server.url("endless-line"), BODY, HEADERS)]


def test_limits_have_documented_defaults_and_are_checked() -> None:
    eng = HTTPEngine(Timeouts())
    assert eng.max_response_bytes == 64 * 1024 * 1024
    assert eng.max_stream_event_bytes == 16 * 1024 * 1024
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_response_bytes"):
            HTTPEngine(Timeouts(), max_response_bytes=bad)  # type: ignore[arg-type]


def test_too_large_errors_pickle_with_their_limit() -> None:
    import pickle

    err = ResponseTooLargeError("m", limit=7, attempts=2)
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.limit, back.attempts, str(back)) == (ResponseTooLargeError, 7, 2, "m")


def test_status_error_bodies_are_read_up_to_the_limit_only(server: HostileServer) -> None:
    # An error status with an endless body still raises the status error, promptly.
    del server
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    def serve() -> None:
        conn, _ = sock.accept()
        with conn:
            conn.recv(65536)
            body = json.dumps({"error": {"message": "overloaded " + "x" * 100}}).encode()
            conn.sendall(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
                b"connection: close\r\n\r\n" + body
            )
            deadline = time.monotonic() + _CAP
            try:
                while time.monotonic() < deadline:
                    conn.sendall(b" " * 65536)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    eng = engine(timeouts=Timeouts(total=10, connect=1), max_response_bytes=64)
    try:
        exc, took = _timed(
            lambda: eng.post(f"http://127.0.0.1:{port}/v1/chat/completions", BODY, HEADERS)
        )
    finally:
        sock.close()  # accept() has returned already: the client connected
        thread.join(timeout=_CAP + 1)
    assert type(exc).__name__ == "InternalServerError", exc
    assert "overloaded" in str(exc)
    assert took < _CAP / 2
