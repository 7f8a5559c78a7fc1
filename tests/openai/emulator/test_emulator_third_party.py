"""Regressions found by driving the emulator with clients we did not write (httpx, curl,
http.client, the openai SDK, LangChain, LiteLLM) the way they really talk HTTP."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from pipes_openai.emulator import Emulator, Fault, Limits


def test_head_has_no_body_so_keep_alive_survives(emulator: Emulator) -> None:
    # A response to HEAD carries no body (RFC 9110 9.3.2): the bytes of one would be read by a
    # keep-alive client as the start of its next response (httpx raised "illegal status line").
    with httpx.Client(base_url=emulator.base_url, timeout=5) as client:
        head = client.head("/nope")
        assert head.status_code == 404
        assert head.content == b""
        after = client.get("/models/gpt-4o-mini")
        assert after.status_code == 200
        assert after.json()["id"] == "gpt-4o-mini"


def test_head_on_a_get_resource_answers_like_get(emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(
            b"HEAD /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"
            b"GET /v1/models/gpt-4o-mini HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"content-length: " in head  # the length GET would send, without the body
    assert rest.startswith(b"HTTP/1.1 200 "), rest[:80]


# -- the official SDK against the emulator's bounds and faults (dev extra) ---------------------


def _sdk(emulator: Emulator, **options: Any) -> Any:
    openai = pytest.importorskip("openai")
    return openai.OpenAI(base_url=emulator.base_url, api_key="sk-x", **options)


_HELLO: Any = [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize("stream", [False, True])
def test_sdk_gets_a_typed_error_when_a_reply_would_be_too_large(stream: bool) -> None:
    openai = pytest.importorskip("openai")
    words = [{"role": "user", "content": "word " * 50}]
    with Emulator(limits=Limits(max_reply_tokens=5000)) as emulator:
        with _sdk(emulator, max_retries=0) as sdk, pytest.raises(openai.BadRequestError) as caught:
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=words, n=100, logprobs=True, top_logprobs=20,
                stream=stream,
            )  # fmt: skip
    assert caught.value.code == "reply_too_large"


@pytest.mark.parametrize(
    ("options", "status", "code"),
    [
        ({"messages": [{"role": "user", "content": "x" * 200_000}]}, 413, "request_too_large"),
        ({"extra_headers": {"x-big": "y" * 20_000}}, 431, "request_header_fields_too_large"),
    ],
)
def test_sdk_reads_the_size_limits_as_status_errors(
    options: dict[str, Any], status: int, code: str
) -> None:
    # The SDK must read the 4xx, not a reset: the emulator lingers before closing.
    openai = pytest.importorskip("openai")
    limits = Limits(max_body_bytes=100_000, max_header_bytes=8192)
    with Emulator(limits=limits) as emulator, _sdk(emulator, max_retries=2) as sdk:
        options = {"messages": _HELLO, **options}
        with pytest.raises(openai.APIStatusError) as caught:
            sdk.chat.completions.create(model="gpt-4o-mini", **options)
        assert caught.value.status_code == status
        assert caught.value.body["code"] == code
        assert emulator.requests == []  # refused before it reached the application


def test_sdk_retries_a_dropped_connection_and_times_out_a_slow_reply(emulator: Emulator) -> None:
    openai = pytest.importorskip("openai")
    with _sdk(emulator, max_retries=1) as sdk:
        emulator.fault(Fault.drop())
        reply = sdk.chat.completions.create(model="gpt-4o-mini", messages=_HELLO)
        assert reply.choices[0].message.content == "hello"
        emulator.fault(Fault.slow(delay=30))
        with pytest.raises(openai.APITimeoutError):
            sdk.with_options(timeout=0.2, max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=_HELLO
            )
