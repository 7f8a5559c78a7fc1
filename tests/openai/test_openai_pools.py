"""The shared pools' TLS context (httpx's default trust, its CA bundle loaded at first TLS
use) and their choice of httpx clients when proxies are configured."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import urllib.request
from unittest import mock

import certifi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_openai._pools import (
    _environment_proxies,
    _LazyTrustContext,
    _ssl_context,
    _use_clients,
)
from pipes_openai.emulator import Emulator


def _ca_count(context: ssl.SSLContext) -> int:
    return context.cert_store_stats()["x509_ca"]


def test_context_fails_closed_until_trusted() -> None:
    context = _ssl_context()
    assert isinstance(context, _LazyTrustContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_wrap_bio_loads_the_roots_once() -> None:
    context = _LazyTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    assert _ca_count(context) == 0
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    loaded = _ca_count(context)
    assert loaded > 0
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    assert _ca_count(context) == loaded


def test_wrap_socket_loads_the_roots() -> None:
    context = _LazyTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    with socket.socket() as sock:
        context.wrap_socket(sock, server_hostname="example.com").close()
    assert _ca_count(context) > 0


def test_ssl_cert_file_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", os.path.join(os.path.dirname(__file__), "missing.pem"))
    context = _LazyTrustContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(FileNotFoundError):  # the file named, not certifi's bundle
        context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    assert _ca_count(context) > 0


_PLAIN_CALL = """
import sys
from pipes_openai import ChatOpenAI, _pools
llm = ChatOpenAI(model="m", base_url=sys.argv[1], api_key="sk-test", max_retries=0)
assert llm.invoke("Bonjour").content == "Bonjour"
print(_pools._ssl_context().cert_store_stats()["x509_ca"])
"""


def test_a_plain_http_call_never_loads_the_ca_bundle(emu: Emulator) -> None:
    # A fresh interpreter: the cold start this saves (~15-40 ms) is a first call.
    done = subprocess.run(
        [sys.executable, "-c", _PLAIN_CALL, emu.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


_NAMES = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "No_Proxy",
    "no_proxy",
    "ALL_PROXY",
    "REQUEST_METHOD",
    "PROXY",
    "x_proxy",
]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_NAMES), st.sampled_from(["", "http://p:1"]), max_size=5))
def test_proxy_variables_are_read_as_urllib_reads_them(environ: dict[str, str]) -> None:
    # The pools read the environment themselves (urllib.request costs a first call ~5 ms).
    with mock.patch.dict(os.environ, environ, clear=True):
        assert _environment_proxies() == set(urllib.request.getproxies_environment())


def test_no_proxy_alone_keeps_the_default_pools() -> None:
    # NO_PROXY only lists hosts to reach directly: no httpx client (and no httpx import) needed.
    with mock.patch.dict(os.environ, {"NO_PROXY": "localhost,127.0.0.1"}, clear=True):
        assert not _use_clients()
    with mock.patch.dict(os.environ, {"NO_PROXY": "localhost", "HTTPS_PROXY": "http://p:1"}):
        assert _use_clients()
