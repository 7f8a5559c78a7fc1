"""Hostile clients over real loopback sockets: each is answered (or cut off) alone.

Every case ends by checking that a well-behaved client is still served. The cases that wedged
the old hand-written parser (a negative ``Content-Length`` or chunk size spun its loop at 100 %
CPU) run against an emulator in a child process, capped in memory, with tiny limits and socket
timeouts: a regression fails these tests in seconds instead of hanging the runner.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_openai.emulator import Emulator, Limits, Reply

from .helpers import chat

HEADER_TIMEOUT = 0.3
IDLE_TIMEOUT = 0.5
MAX_BODY = 64 * 1024
MAX_HEADER = 4096
BODY = json.dumps(chat("still served")).encode()


def _head(extra: str = "", length: int | None = None) -> bytes:
    lines = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    if length is not None:
        lines += f"content-length: {length}\r\n"
    return (lines + extra + "\r\n").encode()


def _self_cancelling_head() -> bytes:
    """A head whose negative Content-Length cancels its own length.

    The old parser consumed ``len(head) + length`` = 0 bytes and answered the same request
    forever, without returning to the event loop.
    """
    n = 100
    while len(head := _head(length=-n)) != n:
        n = len(head)
    return head


# The child caps its own address space first (preexec_fn is unsafe in a threaded parent).
_CAPPED_EMULATOR = (
    "import resource, runpy; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
    " runpy.run_module('pipes_openai.emulator', run_name='__main__', alter_sys=True)"
)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """An emulator in a child process with small limits (killed at the end, wedged or not)."""
    args = [
        sys.executable,
        "-c",
        _CAPPED_EMULATOR,
        "--port=0",
        "--quiet",
        f"--header-timeout={HEADER_TIMEOUT}",
        f"--idle-timeout={IDLE_TIMEOUT}",
        f"--max-body-bytes={MAX_BODY}",
        f"--max-header-bytes={MAX_HEADER}",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("pipes OpenAI emulator listening"), line
        yield int(line.split()[-1].split(":")[-1].split("/")[0])
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _answer(sock: socket.socket) -> tuple[int, dict[str, Any], bool]:
    """The status and JSON body of the one response on ``sock``, and whether it then closed."""
    data = b""
    while True:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            piece = b""
        if not piece:
            break
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    assert head, "no response at all"
    return int(head.split()[1]), json.loads(body), True


def _rst(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0) instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _assert_served(port: int) -> None:
    """A well-behaved client still gets its answer (raw: an httpx client costs ~40 ms)."""
    with _connect(port) as sock:
        body = json.dumps(chat()).encode()
        sock.sendall(_head("connection: close\r\n", len(body)) + body)
        status, answer, _ = _answer(sock)
    assert status == 200
    assert answer["choices"][0]["message"]["content"] == "Hello, world!"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("head", "status", "words"),
    [
        (_head(length=-1), 400, "Content-Length"),
        (_self_cancelling_head(), 400, "Content-Length"),
        (_head("content-length: 1e3\r\n"), 400, "Content-Length"),
        (_head(length=10**15), 413, "max_body_bytes"),
        (_head("transfer-encoding: chunked\r\n") + b"-5\r\nhello\r\n0\r\n\r\n", 400, "chunk"),
        # -6 took the old parser back to the start of its own line: a spin at 100 % CPU.
        (_head("transfer-encoding: chunked\r\n") + b"-6\r\nhello\r\n0\r\n\r\n", 400, "chunk"),
        (_head("transfer-encoding: chunked\r\n") + b"zz\r\nhello\r\n0\r\n\r\n", 400, "chunk"),
        (b"GARBAGE\r\n\r\n", 400, "Malformed HTTP request"),
        (_head("x-flood: " + "a" * 2 * MAX_HEADER + "\r\n", 2), 431, "max_header_bytes"),
        (_head("".join(f"x-h{i}: v\r\n" for i in range(1000)), 2), 431, "max_header_bytes"),
    ],
    ids=[
        "negative-length",
        "self-cancelling-length",
        "garbage-length",
        "huge-length",
        "negative-chunk",
        "self-repeating-chunk",
        "garbage-chunk",
        "garbage-line",
        "long-header",
        "header-flood",
    ],
)
def test_bad_framing_is_answered_and_closed(
    port: int, head: bytes, status: int, words: str
) -> None:
    with _connect(port) as sock:
        sock.sendall(head)
        got, body, _ = _answer(sock)
    assert got == status
    error = body["error"]
    assert isinstance(error, dict)
    assert error["type"] == "invalid_request_error"
    assert words.lower() in str(error["message"]).lower()
    _assert_served(port)


@pytest.mark.slow
def test_a_head_that_never_ends_is_cut_off(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n")
        started = time.monotonic()
        status, body, _ = _answer(sock)
    assert status == 408
    assert "header_timeout" in str(body)
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    _assert_served(port)


@pytest.mark.slow
def test_trickling_a_head_does_not_extend_its_deadline(port: int) -> None:
    # Slowloris: one byte at a time keeps every read busy, but the head has one deadline.
    head = _head(length=len(BODY)) * 100
    started = time.monotonic()
    with _connect(port) as sock:
        for i in range(len(head)):
            try:
                sock.sendall(head[i : i + 1])
            except OSError:
                break  # the server closed on us (and our bytes hit its RST)
            if select.select([sock], [], [], 0.02)[0]:
                break
        status, _, _ = _answer(sock)
    assert status == 408
    assert time.monotonic() - started < HEADER_TIMEOUT + 3
    _assert_served(port)


@pytest.mark.slow
def test_an_idle_keep_alive_connection_is_closed_quietly(port: int) -> None:
    with _connect(port) as sock:
        assert sock.recv(1) == b""  # closed after the idle timeout, nothing sent
    _assert_served(port)


def test_a_stalled_body_is_answered_408(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(_head(length=100) + b"{")
        status, body, _ = _answer(sock)
    assert status == 408
    assert "idle_timeout" in str(body)
    _assert_served(port)


@pytest.mark.slow
def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(port: int) -> None:
    piece = b"x" * 8192
    sent = 0
    with _connect(port) as sock:
        sock.sendall(_head("transfer-encoding: chunked\r\n"))
        # Send until the server answers. The body never ends (no last chunk), so an answer at
        # all shows the size was checked while the body arrived.
        while not select.select([sock], [], [], 0)[0] and sent < 100 * MAX_BODY:
            try:
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
            except OSError:
                break
            sent += len(piece)
        status, body, _ = _answer(sock)
    assert status == 413
    assert "max_body_bytes" in str(body)
    _assert_served(port)


@pytest.mark.slow
def test_a_plain_body_over_the_limit_is_refused_before_it_is_read(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(_head(length=MAX_BODY + 1))
        status, _, _ = _answer(sock)
    assert status == 413
    _assert_served(port)


@pytest.mark.slow
def test_rst_mid_request(port: int) -> None:
    sock = _connect(port)
    sock.sendall(_head(length=1000) + b'{"model": ')
    _rst(sock)
    _assert_served(port)


@pytest.mark.slow
def test_rst_mid_stream(port: int) -> None:
    sock = _connect(port)
    body = json.dumps(chat("w " * 20_000, stream=True)).encode()
    sock.sendall(_head(length=len(body)) + body)
    assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    _rst(sock)
    _assert_served(port)


# -- in process: bad JSON and oversized replies are plain 400s, never a 500 or a cut stream --


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("raw", "code", "param"),
    [
        (b'{"model": "gpt-4o-mini", "messages": [' * 1, None, None),
        (b"[" * 100_000 + b"]" * 100_000, "json_too_deep", None),
        (
            json.dumps(
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [[[[[[[]]]]]]]}]}
            )
            .replace("[[", "[" * 70 + "[")
            .replace("]]", "]" * 70 + "]")
            .encode(),
            "json_too_deep",
            "messages[0].content" + "[0]" * 60,
        ),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "a\\ud800b"}]}',
            "invalid_unicode",
            "messages[0].content",
        ),
        (
            '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "\ud800"}]}'.encode(
                "utf-8", "surrogatepass"
            ),
            "invalid_unicode",
            "messages[0].content",
        ),
    ],
    ids=["truncated", "very-deep", "deep", "escaped-surrogate", "raw-surrogate"],
)
def test_bad_json_is_a_400_naming_the_problem(
    client: httpx.Client, raw: bytes, code: str | None, param: str | None, stream: bool
) -> None:
    if stream:
        raw = raw.replace(b'{"model"', b'{"stream": true, "model"', 1)
    response = client.post("/chat/completions", content=raw)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == code
    if param is not None:
        assert error["param"].startswith(param[:40])
    assert client.post("/chat/completions", json=chat()).status_code == 200


@pytest.fixture(scope="module")
def small() -> Iterator[Emulator]:
    with Emulator(limits=Limits(max_reply_tokens=1000, max_tokens=500, max_n=4)) as emulator:
        yield emulator


@pytest.mark.parametrize(
    ("extra", "param", "words"),
    [
        ({"n": 5}, "n", "maximum of 4"),
        ({"max_tokens": 501}, "max_tokens", "maximum of 500"),
        ({"max_completion_tokens": 501}, "max_completion_tokens", "maximum of 500"),
        ({"n": 4, "content": "w " * 300}, "n", "max_reply_tokens"),
        ({"logprobs": True, "top_logprobs": 20, "content": "w " * 60}, "top_logprobs", "1000"),
        ({"content": "w " * 1001}, "max_tokens", "max_reply_tokens"),
        ({"content": "w " * 1001, "stream": True}, "max_tokens", "max_reply_tokens"),
    ],
)
def test_oversized_replies_are_refused(
    small: Emulator, extra: dict[str, object], param: str, words: str
) -> None:
    body = chat(str(extra.pop("content", "hi")), **extra)
    response = httpx.post(small.base_url + "/chat/completions", json=body, timeout=10)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert words in error["message"]
    fine = httpx.post(small.base_url + "/chat/completions", json=chat("w " * 400), timeout=10)
    assert fine.status_code == 200


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match=r"max_n=0.*positive.*default 128"):
        Limits(max_n=0)
    with pytest.raises(TypeError, match="takes a Limits, got dict"):
        Emulator(limits={"max_n": 2})  # type: ignore[arg-type]


def test_a_pipelined_head_waiting_behind_a_slow_reply_gets_its_own_time() -> None:
    request = _head(length=len(BODY)) + BODY
    with Emulator(limits=Limits(header_timeout=0.05)) as emulator:
        emulator.script(Reply(content="slow", delay=0.2), "second")
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
            # The second head starts arriving while the first request takes 0.2 s...
            sock.sendall(request + request[:20])
            data = b""
            while b'"slow"' not in data:
                data += sock.recv(65536)
            # ...and is finished only after it: its 0.05 s count from the end of the first.
            sock.sendall(request[20:])
            while b'"second"' not in data:
                piece = sock.recv(65536)
                assert piece, data
                data += piece
        assert b" 408 " not in data


def test_the_header_timeout_is_not_the_idle_timeout() -> None:
    # A short header deadline must fire on time though the idle timer is set far later.
    with (
        Emulator(limits=Limits(header_timeout=0.05, idle_timeout=60)) as emulator,
        socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock,
    ):
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\n")
        status, body, _ = _answer(sock)
    assert status == 408
    assert "0.05 s" in str(body)


_FRAGMENTS = [
    b"POST ",
    b"GET ",
    b"/v1/chat/completions",
    b" HTTP/1.1",
    b" HTTP/1.0",
    b"\r\n",
    b"\r\n\r\n",
    b"host: x",
    b"content-length: ",
    b"transfer-encoding: chunked",
    b"expect: 100-continue",
    b"connection: close",
    b"-",
    b"0",
    b"6",
    b"ffffffffffff",
    b";ext",
    b":",
    b" ",
    BODY,
]


@pytest.mark.slow
@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=12)), min_size=1, max_size=30
    )
)
def test_any_bytes_get_an_answer_or_a_close_and_never_stop_the_server(
    port: int, pieces: list[bytes]
) -> None:
    with _connect(port) as sock:
        sock.sendall(b"".join(pieces))
        sock.shutdown(socket.SHUT_WR)
        while True:  # a wedged server shows as a socket timeout here
            try:
                if not sock.recv(65536):
                    break
            except ConnectionResetError:
                break
    _assert_served(port)


def test_a_malformed_line_is_named_but_never_echoed(emulator: Emulator) -> None:
    secret = "sk-malformed-header-987654"
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(_head(f"authorization Bearer {secret}\r\n", 2) + b"{}")
        status, body, _ = _answer(sock)
    assert status == 400
    assert body["error"]["message"] == "Malformed HTTP request: illegal header line."
    assert secret not in json.dumps(body)
