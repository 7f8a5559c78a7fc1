"""The HTTP/1.1 layer: keep-alive, pipelining, chunked bodies, concurrency, lifecycle."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
from collections.abc import Iterator

import httpx
import pytest

from pipes_openai.emulator import Emulator, Reply

from .helpers import chat

BODY = json.dumps(chat("raw socket")).encode()


def _request(body: bytes = BODY, extra: str = "", version: str = "HTTP/1.1") -> bytes:
    return (
        f"POST /v1/chat/completions {version}\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), "connection closed before a response"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            assert self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed(self) -> bool:
        return not self.buf and not self._fill()


@pytest.fixture
def sock(emulator: Emulator) -> Iterator[socket.socket]:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as s:
        yield s


def test_keep_alive_serves_many_requests_on_one_connection(sock: socket.socket) -> None:
    reader = _Reader(sock)
    for _ in range(3):
        sock.sendall(_request())
        status, headers, body = reader.response()
        assert status == 200
        assert "connection" not in headers
        assert json.loads(body)["choices"][0]["message"]["content"] == "raw socket"


def test_pipelined_requests_are_answered_in_order(emulator: Emulator, sock: socket.socket) -> None:
    emulator.script("first", "second", "third")
    sock.sendall(_request() * 3)
    reader = _Reader(sock)
    contents = [
        json.loads(reader.response()[2])["choices"][0]["message"]["content"] for _ in range(3)
    ]
    assert contents == ["first", "second", "third"]


def test_pipelining_behind_a_slow_stream(emulator: Emulator, sock: socket.socket) -> None:
    emulator.script("x")
    stream_body = json.dumps(chat("a b", stream=True)).encode()
    sock.sendall(_request(stream_body) + _request())
    data = b""
    while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"}"):
        chunk = sock.recv(65536)
        assert chunk
        data += chunk
    first, second = data.index(b"HTTP/1.1 200"), data.rindex(b"HTTP/1.1 200")
    assert b"data: [DONE]" in data[first:second]
    assert b'"content":"raw socket"' in data[second:]


def test_chunked_request_body(emulator: Emulator, sock: socket.socket) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
    pieces = [BODY[:10], BODY[10:25], BODY[25:]]
    sock.sendall(head)
    for piece in pieces:
        sock.sendall(b"%x;ext=1\r\n%b\r\n" % (len(piece), piece))
    sock.sendall(b"0\r\n\r\n")
    status, _, body = _Reader(sock).response()
    assert status == 200
    assert json.loads(body)["choices"][0]["message"]["content"] == "raw socket"
    assert emulator.requests[-1].body == json.loads(BODY)


def test_chunked_request_body_from_httpx(client: httpx.Client) -> None:
    def pieces() -> Iterator[bytes]:
        yield BODY[:7]
        yield BODY[7:]

    response = client.post("/chat/completions", content=pieces())
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "raw socket"


def test_connection_close_is_honoured(sock: socket.socket) -> None:
    sock.sendall(_request(extra="connection: close\r\n"))
    reader = _Reader(sock)
    status, headers, _ = reader.response()
    assert status == 200
    assert headers["connection"] == "close"
    assert reader.closed()


def test_http_1_0_closes_after_the_response(sock: socket.socket) -> None:
    sock.sendall(_request(version="HTTP/1.0"))
    reader = _Reader(sock)
    assert reader.response()[0] == 200
    assert reader.closed()


def test_malformed_request_line(sock: socket.socket) -> None:
    sock.sendall(b"GARBAGE\r\n\r\n")
    reader = _Reader(sock)
    status, _, body = reader.response()
    assert status == 400
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    assert reader.closed()


def test_large_body(client: httpx.Client) -> None:
    text = "word " * 50_000
    response = client.post("/chat/completions", json=chat(text))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == text


def test_client_disconnect_mid_stream_leaves_the_server_healthy(emulator: Emulator) -> None:
    with httpx.Client(base_url=emulator.base_url) as c:
        with c.stream("POST", "/chat/completions", json=chat("w " * 50_000, stream=True)) as r:
            next(r.iter_bytes())  # read a little, then hang up
        assert c.post("/chat/completions", json=chat()).status_code == 200


async def test_many_parallel_clients(emulator: Emulator) -> None:
    limits = httpx.Limits(max_connections=8)
    tls = httpx.create_ssl_context()  # built once: each client would otherwise spend ~40 ms

    async def run_client(n: int) -> list[str]:
        async with httpx.AsyncClient(base_url=emulator.base_url, limits=limits, verify=tls) as c:
            responses = await asyncio.gather(
                *(
                    c.post("/chat/completions", json=chat(f"client {n} request {i}"))
                    for i in range(16)
                )
            )
        out = []
        for i, response in enumerate(responses):
            assert response.status_code == 200
            assert response.json()["choices"][0]["message"]["content"] == f"client {n} request {i}"
            out.append(response.json()["id"])
        return out

    ids = [i for group in await asyncio.gather(*(run_client(n) for n in range(8))) for i in group]
    assert len(ids) == len(set(ids)) == 128


async def test_parallel_streams(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as c:

        async def stream(i: int) -> str:
            text = ""
            async with c.stream(
                "POST", "/chat/completions", json=chat(f"s{i} " * 300, stream=True)
            ) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: {"):
                        choices = json.loads(line[6:])["choices"]
                        text += choices[0]["delta"].get("content") or ""
            return text

        texts = await asyncio.gather(*(stream(i) for i in range(16)))
    assert texts == [f"s{i} " * 300 for i in range(16)]


async def test_async_context_manager() -> None:
    async with Emulator() as emu, httpx.AsyncClient(base_url=emu.base_url) as c:
        emu.script("async hello")
        response = await c.post("/chat/completions", json=chat())
        assert response.json()["choices"][0]["message"]["content"] == "async hello"
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as c:
            await c.post(emu.base_url + "/chat/completions", json=chat())


def test_lifecycle() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.base_url
    assert "not started" in repr(emu)
    emu.start()
    assert emu.start() is emu  # idempotent
    port = emu.port
    assert emu.base_url == f"http://127.0.0.1:{port}/v1"
    assert httpx.post(emu.base_url + "/chat/completions", json=chat()).status_code == 200
    emu.close()
    emu.close()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_port_in_use_is_reported(emulator: Emulator) -> None:
    with pytest.raises(OSError, match="could not listen"):
        Emulator(port=emulator.port).start()


def test_record_requests_can_be_turned_off() -> None:
    with Emulator(record_requests=False) as emu:
        assert httpx.post(emu.base_url + "/chat/completions", json=chat()).status_code == 200
        assert emu.requests == []


def test_expect_100_continue(sock: socket.socket) -> None:
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
        f"content-length: {len(BODY)}\r\n\r\n"
    ).encode()
    sock.sendall(head)
    interim = b""
    while b"\r\n\r\n" not in interim:
        interim += sock.recv(65536)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(BODY)
    status, _, body = _Reader(sock).response()
    assert status == 200
    assert json.loads(body)["choices"][0]["message"]["content"] == "raw socket"


def test_emulator_modules_never_import_pipes() -> None:
    import ast
    from pathlib import Path

    import pipes_openai.emulator as package

    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 1:
                # Only the secrets scrubber, which imports nothing of pipes, comes from above.
                assert node.module == "_secrets", f"{path.name} imports ..{node.module}"
            for name in names:
                root = name.split(".")[0]
                assert root not in ("pipes", "pipes_openai"), f"{path.name} imports {name}"


def test_half_closed_client_gets_inline_answers_then_eof(
    emulator: Emulator, sock: socket.socket
) -> None:
    emulator.script("first", "second")
    sock.sendall(_request() * 2)
    sock.shutdown(socket.SHUT_WR)
    reader = _Reader(sock)
    assert [json.loads(reader.response()[2])["choices"][0]["message"]["content"]] == ["first"]
    assert json.loads(reader.response()[2])["choices"][0]["message"]["content"] == "second"
    assert reader.closed()


def test_a_fin_drops_a_delayed_request(emulator: Emulator, sock: socket.socket) -> None:
    # A client that closes its side has given up on the answer (httpx closes on cancel): the
    # delayed reply is dropped, not written into a closed socket 30 s later.
    emulator.script(Reply(content="late", delay=30))
    sock.sendall(_request())
    emulator.wait_for_requests(1)
    sock.shutdown(socket.SHUT_WR)
    assert _Reader(sock).closed()  # at once: nothing was sent


async def test_hold_parks_requests_until_release(emulator: Emulator) -> None:
    emulator.hold()
    async with httpx.AsyncClient(base_url=emulator.base_url) as c:
        tasks = [
            asyncio.create_task(c.post("/chat/completions", json=chat(f"r{i}"))) for i in range(3)
        ]
        await asyncio.to_thread(emulator.wait_held, 3)
        assert emulator.held == 3
        assert not any(t.done() for t in tasks)
        assert (await c.get("/models")).status_code == 200  # only POSTs are held
        emulator.release()
        responses = await asyncio.gather(*tasks)
    assert [r.json()["choices"][0]["message"]["content"] for r in responses] == ["r0", "r1", "r2"]
    assert emulator.held == 0


async def test_cancelling_a_held_request(emulator: Emulator) -> None:
    emulator.hold()
    async with httpx.AsyncClient(base_url=emulator.base_url) as c:
        task = asyncio.create_task(c.post("/chat/completions", json=chat()))
        await asyncio.to_thread(emulator.wait_held, 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        emulator.release()
        assert (await c.post("/chat/completions", json=chat())).status_code == 200


def test_held_streams_and_reset_releases(emulator: Emulator) -> None:
    emulator.hold()
    with pytest.raises(TimeoutError, match="0 of 1"):
        emulator.wait_held(1, timeout=0.01)
    emulator.reset()  # releases
    assert (
        httpx.post(emulator.base_url + "/chat/completions", json=chat(stream=True)).status_code
        == 200
    )


async def test_wait_for_requests(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as c:
        task = asyncio.create_task(c.post("/chat/completions", json=chat("waited")))
        recorded = await asyncio.to_thread(emulator.wait_for_requests, 1)
        assert recorded[0].body["messages"][0]["content"] == "waited"
        await task
    with pytest.raises(TimeoutError, match="1 of 5"):
        emulator.wait_for_requests(5, timeout=0.01)
    with (
        Emulator(record_requests=False) as quiet,
        pytest.raises(RuntimeError, match="record_requests"),
    ):
        quiet.wait_for_requests(1)


def _wait_until_none_held(emulator: Emulator) -> None:
    with emulator._changed:  # notified whenever the held count changes
        assert emulator._changed.wait_for(lambda: emulator.held == 0, 5), emulator.held


@pytest.mark.parametrize("how", ["fin", "rst"])
def test_a_held_request_whose_client_vanishes_is_dropped(emulator: Emulator, how: str) -> None:
    emulator.script("for the live client")
    emulator.hold()
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as gone:
        gone.sendall(_request())
        emulator.wait_held(1)
        if how == "rst":
            gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _wait_until_none_held(emulator)
    emulator.release()
    # The vanished request never consumed the scripted reply.
    response = httpx.post(emulator.base_url + "/chat/completions", json=chat(), timeout=5)
    assert response.json()["choices"][0]["message"]["content"] == "for the live client"


def test_rst_mid_stream_stops_the_stream_quietly(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    emulator.script(Reply(content="w " * 5000, chunk_delay=0.001))
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as gone:
        gone.sendall(_request(json.dumps(chat(stream=True)).encode()))
        assert gone.recv(1024).startswith(b"HTTP/1.1 200")
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    listener, loop = emulator._listener, emulator._loop
    assert listener is not None
    assert loop is not None
    # The streaming handler ends (cancelled), well before its 5,000 chunks x 1 ms.
    tasks = list(listener.tasks)
    if tasks:
        waited = asyncio.run_coroutine_threadsafe(asyncio.wait(tasks, timeout=2), loop)
        _done, pending = waited.result(5)
        assert not pending
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert httpx.post(emulator.base_url + "/chat/completions", json=chat()).status_code == 200
