"""The headers of every reply: request id, processing time, version, organization, rate limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from pipes_openai.emulator import Emulator, Fault, Limits, Reply

from .helpers import chat

_STANDARD = ("x-request-id", "openai-processing-ms", "openai-version")


def assert_standard(headers: httpx.Headers, *, organization: bool = True) -> None:
    assert headers["x-request-id"].startswith("req_")
    assert headers["openai-processing-ms"].isdigit()
    assert headers["openai-version"] == "2020-10-01"
    if organization:
        assert headers["openai-organization"] == "org-emulator"
    else:
        assert "openai-organization" not in headers


def _upload(client: httpx.Client) -> str:
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": chat()}
    files = {"file": ("in.jsonl", json.dumps(line).encode())}
    made = client.post("/files", files=files, data={"purpose": "batch"})
    file_id: str = made.json()["id"]
    return file_id


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.post("/chat/completions", json=chat()), id="chat"),
        pytest.param(lambda c: c.post("/chat/completions", json=chat(stream=True)), id="stream"),
        pytest.param(
            lambda c: c.post("/responses", json={"model": "gpt-4o", "input": "hi"}), id="responses"
        ),
        pytest.param(
            lambda c: c.post("/responses", json={"model": "gpt-4o", "input": "hi", "stream": True}),
            id="responses-stream",
        ),
        pytest.param(
            lambda c: c.post("/responses/input_tokens", json={"model": "gpt-4o", "input": "hi"}),
            id="input-tokens",
        ),
        pytest.param(
            lambda c: c.post(
                "/embeddings", json={"model": "text-embedding-3-small", "input": "hi"}
            ),
            id="embeddings",
        ),
        pytest.param(lambda c: c.get("/models"), id="models"),
        pytest.param(lambda c: c.get("/models/gpt-4o"), id="model"),
        pytest.param(lambda c: c.get("/files"), id="files"),
        pytest.param(lambda c: c.get(f"/files/{_upload(c)}/content"), id="file-content"),
        pytest.param(lambda c: c.get("/batches"), id="batches"),
        pytest.param(lambda c: c.get("/nope"), id="bad-url-404"),
        pytest.param(lambda c: c.get("/chat/completions"), id="405"),
        pytest.param(lambda c: c.post("/chat/completions", json={"model": "x"}), id="400"),
        pytest.param(lambda c: c.post("/chat/completions", json=chat(model="no")), id="404-model"),
    ],
)
def test_every_reply_carries_the_apis_headers(client: httpx.Client, call: Any) -> None:
    response = call(client)
    assert_standard(response.headers)


def test_refusals_before_a_key_is_read_name_no_organization() -> None:
    with (
        Emulator(api_key="sk-right", limits=Limits(max_body_bytes=1000)) as emulator,
        httpx.Client(base_url=emulator.base_url) as client,
    ):
        missing = client.post("/chat/completions", json=chat())
        assert missing.status_code == 401
        assert_standard(missing.headers, organization=False)
        too_large = client.post("/chat/completions", content=b"x" * 2000)
        assert too_large.status_code == 413
        assert_standard(too_large.headers, organization=False)
        good = client.post(
            "/chat/completions", json=chat(), headers={"authorization": "Bearer sk-right"}
        )
        assert_standard(good.headers)


def test_processing_ms_is_the_handlers_real_time(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script(Reply("slow", delay=0.2), Fault.slow(0.0, delay=0.2))
    for _ in range(2):
        assert (
            int(client.post("/chat/completions", json=chat()).headers["openai-processing-ms"])
            >= 200
        )
    assert int(client.post("/chat/completions", json=chat()).headers["openai-processing-ms"]) < 200


def test_the_sdk_reads_them(emulator: Emulator) -> None:
    with openai.OpenAI(base_url=emulator.base_url, api_key="x") as sdk:
        raw = sdk.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
        assert raw.headers["openai-version"] == "2020-10-01"
        assert raw.request_id == raw.headers["x-request-id"]
        assert raw.parse()._request_id == raw.headers["x-request-id"]


@pytest.fixture
def limited() -> Iterator[tuple[Emulator, httpx.Client]]:
    with (
        Emulator(rpm=100, tpm=10_000) as emulator,
        httpx.Client(base_url=emulator.base_url) as client,
    ):
        yield emulator, client


def test_rate_limit_headers_on_every_reply_and_charged_on_each_completion(
    limited: tuple[Emulator, httpx.Client],
) -> None:
    _, client = limited
    listed = client.get("/models")
    assert listed.headers["x-ratelimit-limit-requests"] == "100"
    assert listed.headers["x-ratelimit-remaining-requests"] == "100"  # not charged
    chat_reply = client.post("/chat/completions", json=chat())
    assert chat_reply.headers["x-ratelimit-remaining-requests"] == "99"
    responses = client.post("/responses", json={"model": "gpt-4o", "input": "hi"})
    assert responses.headers["x-ratelimit-remaining-requests"] == "98"  # Responses are charged
    assert int(responses.headers["x-ratelimit-remaining-tokens"]) < 10_000


def test_a_scripted_reply_sets_any_header(limited: tuple[Emulator, httpx.Client]) -> None:
    emulator, client = limited
    emulator.script(
        Reply("hi", headers={"x-ratelimit-remaining-requests": "0", "x-custom": "yes"}),
        Reply("streamed", headers={"X-Custom": "stream"}),
        Reply("responses", headers={"x-custom": "responses"}),
    )
    plain = client.post("/chat/completions", json=chat())
    assert plain.headers["x-ratelimit-remaining-requests"] == "0"  # the script wins
    assert plain.headers.get_list("x-ratelimit-remaining-requests") == ["0"]
    assert plain.headers["x-custom"] == "yes"
    streamed = client.post("/chat/completions", json=chat(stream=True))
    assert streamed.headers["x-custom"] == "stream"
    responses = client.post("/responses", json={"model": "gpt-4o", "input": "hi"})
    assert responses.headers["x-custom"] == "responses"
    assert_standard(responses.headers)


def test_a_faults_headers_win_too(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(503, headers={"x-request-id": "req_from_the_test"})
    failed = client.post("/chat/completions", json=chat())
    assert failed.headers.get_list("x-request-id") == ["req_from_the_test"]
    assert_standard(failed.headers)
