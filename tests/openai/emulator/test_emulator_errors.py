"""Every error the emulator answers has the API's body: exactly message, type, param, code."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from openai_helpers import SCHEMA_PATH, schema_validator

from pipes_openai.emulator import Emulator, Fault, Limits

from .helpers import chat

_SCHEMAS = [
    SCHEMA_PATH,
    SCHEMA_PATH.with_name("openai-responses.schema.json"),
    SCHEMA_PATH.with_name("openai-batch-files-models.schema.json"),
]


def assert_error_body(response: httpx.Response) -> dict[str, Any]:
    """The body is the official ErrorResponse, with exactly the four keys, typed."""
    body = response.json()
    assert list(body) == ["error"]
    error: dict[str, Any] = body["error"]
    assert sorted(error) == ["code", "message", "param", "type"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["type"], str)
    assert error["param"] is None or isinstance(error["param"], str)
    assert error["code"] is None or isinstance(error["code"], str)
    for path in _SCHEMAS:
        assert not list(schema_validator("ErrorResponse", path).iter_errors(body))
    return error


@pytest.fixture(scope="module")
def strict() -> Iterator[httpx.Client]:
    """An emulator with a key, small limits and a rate limit: every error it can produce."""
    limits = Limits(max_body_bytes=4096, max_header_bytes=2048)
    with (
        Emulator(api_key="sk-right", limits=limits, rpm=1_000) as emulator,
        httpx.Client(
            base_url=emulator.base_url, headers={"authorization": "Bearer sk-right"}
        ) as client,
    ):
        client.emulator = emulator  # type: ignore[attr-defined]
        yield client


def _fault(fault: Fault) -> Callable[[httpx.Client], httpx.Response]:
    def call(client: httpx.Client) -> httpx.Response:
        client.emulator.fault(fault)  # type: ignore[attr-defined]
        return client.post("/chat/completions", json=chat())

    return call


# (the request, its status, its code: `None` where the API sends null)
_CASES: list[tuple[str, Callable[[httpx.Client], httpx.Response], int, str | None]] = [
    (
        "no key",
        lambda c: c.post("/chat/completions", json=chat(), headers={"authorization": ""}),
        401,
        None,
    ),
    (
        "wrong key",
        lambda c: c.post("/chat/completions", json=chat(), headers={"authorization": "Bearer no"}),
        401,
        "invalid_api_key",
    ),
    ("bad url", lambda c: c.get("/nope"), 404, None),
    ("method", lambda c: c.get("/chat/completions"), 405, None),
    (
        "unknown model",
        lambda c: c.post("/chat/completions", json=chat(model="no")),
        404,
        "model_not_found",
    ),
    (
        "embeddings model on chat",
        lambda c: c.post("/chat/completions", json=chat(model="text-embedding-3-small")),
        404,
        None,
    ),
    (
        "context",
        lambda c: c.post("/chat/completions", json=chat(model="gpt-4", max_tokens=8192)),
        400,
        "context_length_exceeded",
    ),
    ("output limit", lambda c: c.post("/chat/completions", json=chat(max_tokens=10**6)), 400, None),
    (
        "validation",
        lambda c: c.post("/chat/completions", json={"model": "gpt-4o"}),
        400,
        "missing_required_parameter",
    ),
    ("not json", lambda c: c.post("/chat/completions", content=b"{"), 400, None),
    (
        "body too large",
        lambda c: c.post("/chat/completions", content=b"x" * 5000),
        413,
        "request_too_large",
    ),
    (
        "headers too large",
        lambda c: c.get("/models", headers={"x-big": "x" * 4000}),
        431,
        "request_header_fields_too_large",
    ),
    ("stored response", lambda c: c.get("/responses/resp_nope"), 404, None),
    ("file", lambda c: c.get("/files/file-nope"), 404, None),
    ("batch", lambda c: c.get("/batches/batch_nope"), 404, None),
    (
        "responses validation",
        lambda c: c.post("/responses", json={"model": "gpt-4o"}),
        400,
        "missing_required_parameter",
    ),
    ("injected 429", _fault(Fault.error(429)), 429, "rate_limit_exceeded"),
    ("injected 500", _fault(Fault.error(500)), 500, None),
    ("injected with a code", _fault(Fault.error(400, code="x")), 400, "x"),
    ("stream error without a stream", _fault(Fault.stream_error()), 500, None),
]


@pytest.mark.parametrize(("what", "call", "status", "code"), _CASES, ids=[c[0] for c in _CASES])
def test_every_error_has_the_apis_body(
    strict: httpx.Client,
    what: str,
    call: Callable[[httpx.Client], httpx.Response],
    status: int,
    code: str | None,
) -> None:
    response = call(strict)
    assert response.status_code == status, response.text
    assert assert_error_body(response)["code"] == code


def test_an_emulated_rate_limit_429() -> None:
    with Emulator(rpm=1) as emulator, httpx.Client(base_url=emulator.base_url) as client:
        assert client.post("/chat/completions", json=chat()).is_success
        refused = client.post("/chat/completions", json=chat())
        assert refused.status_code == 429
        error = assert_error_body(refused)
        assert error["code"] == "rate_limit_exceeded"
        assert error["type"] == "requests"


def test_cassette_miss_and_unreachable_upstream(tmp_path: Any) -> None:
    cassette = tmp_path / "c.json"
    cassette.write_text('{"version": 1, "interactions": []}')
    with Emulator(cassette=cassette) as replay:
        miss = httpx.post(f"{replay.base_url}/chat/completions", json=chat())
        assert assert_error_body(miss)["code"] == "cassette_miss"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Emulator(upstream=f"http://127.0.0.1:{port}/v1") as proxy:
        unreachable = httpx.post(f"{proxy.base_url}/chat/completions", json=chat())
        assert unreachable.status_code == 502
        assert assert_error_body(unreachable)["code"] == "upstream_unreachable"
