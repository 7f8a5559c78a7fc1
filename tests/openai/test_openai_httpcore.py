"""The default pools speak httpcore directly: the same requests, heads, bodies and errors as
httpx's transport gave (pipes_openai._httpcore), checked against httpx itself."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import pickle
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest
from hostile_server import HostileServer
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_openai import APIConnectionError, APITimeoutError
from pipes_openai._http import HTTPEngine, Timeouts, server_label
from pipes_openai._httpcore import (
    CORE_ERRORS,
    Decoder,
    Headers,
    _parts,
    as_httpx,
    decoded,
    request,
)
from pipes_openai._pools import close_all_clients, sync_sender
from pipes_openai.emulator import Emulator

BODY = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hé"}}],
}


def _httpx_request(method: str, url: str, body: bytes, headers: dict[str, str]) -> httpx.Request:
    # What the pools sent before: a bare httpx.Request handed to httpx's transport.
    return httpx.Request(method, url, content=body or None, headers=headers)


URLS = [
    "http://127.0.0.1:8000/v1/chat/completions",
    "https://api.openai.com/v1/chat/completions",
    "http://localhost/v1/chat/completions?api-version=2024-02-01&x=%2F",
    "http://localhost:80/v1",  # a default port is dropped from Host
    "https://example.com:443",
    "https://example.com:8443/a/b?",
    "HTTP://Example.COM/v1",  # case: httpx's parsing
    "http://[::1]:8000/v1/chat",
    "http://user:pw@example.com/v1",
    "http://bücher.example/v1",
    "http://example.com/a b/../c?q=ä",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("method", "body", "headers"),
    [
        ("POST", BODY, {"content-type": "application/json", "Authorization": "Bearer k"}),
        ("POST", b"", {"x-a": "1"}),
        ("GET", b"", {"accept": "application/json"}),
        ("DELETE", b"", {}),
        ("POST", BODY, {"Host": "other.example", "Content-Length": str(len(BODY))}),
        ("POST", b"", {"transfer-encoding": "chunked"}),
    ],
)
def test_requests_are_httpx_requests(
    url: str, method: str, body: bytes, headers: dict[str, str]
) -> None:
    expected = _httpx_request(method, url, body, headers)
    core = request(method, url, body, headers, {"timeout": {"read": 1.0}})
    assert core.method == expected.method.encode()
    assert core.url.scheme == expected.url.raw_scheme
    assert core.url.host == expected.url.raw_host
    assert core.url.port == expected.url.port
    assert core.url.target == expected.url.raw_path
    assert core.headers == expected.headers.raw
    assert b"".join(core.stream) == body  # type: ignore[arg-type]
    assert core.extensions == {"timeout": {"read": 1.0}}


_URL_CHARS = "abcAZ09-._~!$&'()*+,;=:@/%?#[] é"


@settings(derandomize=True, max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "ftp"]),
    host=st.text(alphabet="abz09.-", min_size=0, max_size=12),
    port=st.one_of(st.none(), st.integers(0, 70000), st.sampled_from(["80", "443", "0080"])),
    path=st.text(alphabet=_URL_CHARS, max_size=20),
)
def test_urls_are_parsed_as_httpx_parses_them(
    scheme: str, host: str, port: int | str | None, path: str
) -> None:
    url = f"{scheme}://{host}" + (f":{port}" if port is not None else "") + path
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            _parts(url)
        return
    netloc = parsed.netloc if parsed.raw_host else b""
    assert _parts(url)[:4] == (parsed.raw_scheme, parsed.raw_host, parsed.port, parsed.raw_path)
    assert _parts(url)[4] == netloc


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([b"Content-Type", b"x-request-id", b"X-Request-Id", b"set-cookie"]),
            st.binary(max_size=8).filter(lambda b: b"\r" not in b and b"\n" not in b),
        ),
        max_size=6,
    )
)
def test_headers_read_as_httpx_headers(raw: list[tuple[bytes, bytes]]) -> None:
    ours, theirs = Headers(raw), httpx.Headers(raw)
    assert dict(ours) == dict(theirs)
    for name in ("content-type", "X-REQUEST-ID", "Set-Cookie", "missing"):
        assert ours.get(name) == theirs.get(name)
        assert (name in ours) == (name in theirs)


def test_headers_pickle() -> None:
    # A rate limiter may send what it observes to another process (pipes.ray).
    headers = Headers([(b"X-A", b"1"), (b"x-a", b"2")])
    again = pickle.loads(pickle.dumps(headers))
    assert again == headers
    assert again["X-A"] == "1, 2"


def test_headers_repr_hides_credentials() -> None:
    headers = Headers([(b"Authorization", b"Bearer sk-secret"), (b"x-a", b"1")])
    assert "sk-secret" not in repr(headers)
    assert "'x-a': '1'" in repr(headers)


def _decode(encoding: str, chunks: list[bytes]) -> bytes:
    names = [name.strip().lower() for name in encoding.split(",")]
    return b"".join(decoded(iter(chunks), Decoder(names)))


def _split(data: bytes) -> list[bytes]:
    return [data[i : i + 7] for i in range(0, len(data), 7)]


def test_bodies_are_decoded_as_httpx_decodes_them() -> None:
    text = json.dumps(REPLY).encode() * 20
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    cases = {
        "gzip": gzip.compress(text),
        "deflate": zlib.compress(text),
        "Deflate": raw_deflate.compress(text) + raw_deflate.flush(),  # raw deflate, as httpx
        "identity": text,
        "gzip, deflate": zlib.compress(gzip.compress(text)),  # the last applied comes off first
    }
    for encoding, body in cases.items():
        assert _decode(encoding, _split(body)) == text, encoding
        reply = httpx.Response(200, headers={"content-encoding": encoding}, content=body)
        assert reply.content == text  # httpx agrees


@pytest.mark.parametrize(("encoding", "body"), [("br", b"\x1b\x00"), ("gzip", b"not gzip")])
def test_bodies_that_cannot_be_decoded_are_errors_not_garbage(encoding: str, body: bytes) -> None:
    with pytest.raises(httpx.DecodingError) as info:
        _decode(encoding, [body])
    if encoding == "br":
        assert "http_client=" in str(info.value)


def test_httpcore_errors_become_httpx_errors_of_the_same_name() -> None:
    for cls in [httpcore.ConnectTimeout, httpcore.ReadTimeout, httpcore.WriteTimeout]:
        assert issubclass(cls, CORE_ERRORS)
    for cls in (
        httpcore.ConnectTimeout,
        httpcore.ReadTimeout,
        httpcore.WriteTimeout,
        httpcore.PoolTimeout,
        httpcore.ConnectError,
        httpcore.ReadError,
        httpcore.WriteError,
        httpcore.RemoteProtocolError,
        httpcore.LocalProtocolError,
        httpcore.ProxyError,
        httpcore.UnsupportedProtocol,
    ):
        original = cls("boom")
        converted = as_httpx(original)
        assert type(converted) is getattr(httpx, cls.__name__)
        assert str(converted) == "boom"
        assert converted.__cause__ is original
    other = httpx.ConnectError("mine")
    assert as_httpx(other) is other


def test_timeouts_are_httpx_timeouts_per_phase() -> None:
    for timeouts in (Timeouts(), Timeouts(30, 2, 5), Timeouts(None, None, None)):
        for streaming in (False, True):
            assert (
                timeouts.phases(streaming=streaming)
                == timeouts.httpx(streaming=streaming).as_dict()
            )
    assert Timeouts(30, 10, 2).phases(streaming=True)["read"] == 2


@pytest.mark.parametrize(
    "base_url",
    [
        None,
        "http://localhost:8000/v1",
        "http://localhost:80/v1",
        "https://api.openai.com/v1",
        "https://x.openai.azure.com/openai",
        "https://user:pw@Example.com:8443/v1?k=1",
        "http://[::1]:8000/v1",
        "not a url",
        "http://h:99999/v1",
    ],
)
def test_server_label_names_a_server_as_before(base_url: str | None) -> None:
    def before(default: str, base: str | None) -> str:  # the label as httpx.URL gave it
        if base is None:
            return default
        try:
            parsed = httpx.URL(base)
        except (httpx.InvalidURL, TypeError):
            return default
        host = parsed.host
        if not host or host == "api.openai.com" or host.endswith(".openai.azure.com"):
            return default
        return f"{host}:{parsed.port}" if parsed.port is not None else host

    assert server_label("OpenAI", base_url) == before("OpenAI", base_url)


# -- against a server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    hostile = HostileServer()
    yield hostile
    hostile.close()


def _answer(body: bytes, *headers: str) -> bytes:
    head = [
        "HTTP/1.1 200 OK",
        "content-type: application/json",
        f"content-length: {len(body)}",
        *headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def engine(**kwargs: Any) -> HTTPEngine:
    return HTTPEngine(
        Timeouts(total=5, connect=2),
        max_retries=kwargs.pop("max_retries", 0),
        retry_base_delay=0.001,
        retry_max_delay=0.002,
        **kwargs,
    )


def test_a_compressed_reply_is_decoded(server: HostileServer) -> None:
    server.answer = _answer(gzip.compress(json.dumps(REPLY).encode()), "content-encoding: gzip")
    eng = engine()
    url = server.base_url + "/chat/completions"
    assert eng.post(url, BODY, {}).data == REPLY
    assert asyncio.run(eng.apost(url, BODY, {})).data == REPLY


def test_reply_headers_are_a_case_insensitive_mapping(server: HostileServer) -> None:
    server.answer = _answer(json.dumps(REPLY).encode(), "X-Request-Id: req-1", "x-b: 1", "X-B: 2")
    seen: list[Any] = []
    eng = engine(on_headers=seen.append)
    reply = eng.post(server.base_url + "/chat/completions", BODY, {})
    assert reply.request_id == "req-1"
    assert reply.headers["x-request-id"] == reply.headers["X-REQUEST-ID"] == "req-1"
    assert reply.headers["x-b"] == "1, 2"
    assert seen == [reply.headers]


def _refused_url() -> str:
    with socket.create_server(("127.0.0.1", 0)) as closed:  # a port nobody listens on after
        port = closed.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/chat/completions"


def test_a_refused_connection_is_the_typed_error_with_httpx_cause() -> None:
    url = _refused_url()
    eng = engine(max_retries=1)
    for call in (lambda: eng.post(url, BODY, {}), lambda: asyncio.run(eng.apost(url, BODY, {}))):
        with pytest.raises(APIConnectionError, match="after 2 attempt") as info:
            call()
        cause = info.value.__cause__
        assert isinstance(cause, httpx.ConnectError)
        assert isinstance(cause.__cause__, httpcore.ConnectError)


def test_a_silent_server_times_out_naming_the_phase() -> None:
    # The kernel accepts the connection (backlog); nobody ever answers.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1/chat/completions"
        eng = HTTPEngine(Timeouts(total=0.2, connect=1), max_retries=0)
        for call in (
            lambda: eng.post(url, BODY, {}),
            lambda: asyncio.run(eng.apost(url, BODY, {})),
        ):
            with pytest.raises(APITimeoutError, match="Timed out waiting for the response") as info:
                call()
            assert isinstance(info.value.__cause__, httpx.ReadTimeout)
            assert isinstance(info.value.__cause__.__cause__, httpcore.ReadTimeout)


def test_the_default_pools_are_httpcore_pools_with_the_deadline_backend() -> None:
    sender = sync_sender((41.0, 4.0), Timeouts(41.0, 4.0))
    try:
        assert type(sender) is httpcore.ConnectionPool
        assert type(sender._network_backend).__name__ == "_Backend"  # the head's deadline
        assert sender._keepalive_expiry == 5.0
    finally:
        close_all_clients()


def test_an_abandoned_stream_gives_its_connection_back(emu: Emulator) -> None:
    stream_body = json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    eng = HTTPEngine(Timeouts(total=9, connect=3), max_retries=0)  # its own pool
    url = emu.base_url + "/chat/completions"
    try:
        for _ in range(3):
            emu.script("one two three")
            events = eng.stream(url, stream_body, {})
            next(events)
            events.close()
        pool = sync_sender((9.0, 3.0), Timeouts(9.0, 3.0))
        # A body left unread closes its connection (it cannot be reused); one left open
        # would still be in the pool, active.
        assert pool.connections == []
        emu.script("ok")
        assert eng.post(url, BODY, {}).data["object"] == "chat.completion"
        assert len(pool.connections) == 1
        assert pool.connections[0].is_idle()  # read to the end: kept alive
    finally:
        close_all_clients()


# -- TLS through the default pools ---------------------------------------------------------------

_TLS_CALL = """
import asyncio, sys
from pipes_openai import APIConnectionError, ChatOpenAI
llm = ChatOpenAI(model="m", base_url=sys.argv[1], api_key="sk-test", max_retries=0)
for call in (lambda: llm.invoke("hi"), lambda: asyncio.run(llm.ainvoke("hi"))):
    try:
        print(call().content)
    except APIConnectionError as exc:
        print(type(exc.__cause__).__name__, exc)
"""


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate: (base_url, its cert file)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    answer = _answer(json.dumps(REPLY).encode())

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += tls.recv(65536)
                    # Read the whole body before answering and closing: closing with unread
                    # bytes makes the kernel reset the connection, and a client that has not
                    # read the answer yet sees "connection reset" (a flaky test).
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    while length is not None and len(body) < int(length.group(1)):
                        body += tls.recv(65536)
                    tls.sendall(answer)
            except (OSError, ssl.SSLError):
                conn.close()  # a client that refused our certificate

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/v1", str(cert)
    listener.close()


def _tls_call(base_url: str, **environ: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run(
        [sys.executable, "-c", _TLS_CALL, base_url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, **environ},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()  # the sync call's outcome, then the async one's


def test_tls_is_verified_against_the_trusted_roots(tls_server: tuple[str, str]) -> None:
    # Fresh interpreters: the shared TLS context loads its roots once, at the first handshake.
    base_url, cert = tls_server
    assert _tls_call(base_url, SSL_CERT_FILE=cert) == ["hé", "hé"]
    # certifi's roots: the self-signed certificate is refused, sync and async
    for refused in _tls_call(base_url):
        assert refused.startswith("ConnectError")
        assert "CERTIFICATE_VERIFY_FAILED" in refused
