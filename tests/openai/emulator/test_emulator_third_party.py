"""Regressions found by driving the emulator with clients we did not write (httpx, curl,
http.client, the openai SDK, LangChain, LiteLLM) the way they really talk HTTP."""

from __future__ import annotations

import socket

import httpx

from pipes_openai.emulator import Emulator


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
