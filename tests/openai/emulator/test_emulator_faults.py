"""Fault injection: statuses with retry-after, drops, slow chunks, non-JSON, stream errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipes_openai.emulator import Emulator, Fault, Reply

from .helpers import chat, sse_events


@pytest.fixture
def fresh_client(emulator: Emulator) -> Iterator[httpx.Client]:
    # Faults that break connections get their own client, so the shared pool stays clean.
    with httpx.Client(base_url=emulator.base_url, timeout=5) as c:
        yield c


def test_fail_sequence_then_reply(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(429, retry_after=0.01, retry_after_ms=10, times=2).script("ok")
    for _ in range(2):
        response = client.post("/chat/completions", json=chat())
        assert response.status_code == 429
        assert response.headers["retry-after"] == "0.01"
        assert response.headers["retry-after-ms"] == "10"
        assert response.json()["error"]["code"] == "rate_limit_exceeded"
        assert response.json()["error"]["type"] == "requests"
    assert (
        client.post("/chat/completions", json=chat()).json()["choices"][0]["message"]["content"]
        == "ok"
    )
    assert len(emulator.requests) == 3


def test_custom_error_fields(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(
        400,
        message="This model's maximum context length is 8192 tokens.",
        code="context_length_exceeded",
        param="messages",
        retry_after=2,
        headers={"x-extra": "1"},
    )
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == 400
    assert response.headers["retry-after"] == "2"
    assert response.headers["x-extra"] == "1"
    assert response.json()["error"] == {
        "message": "This model's maximum context length is 8192 tokens.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }


def test_server_error_defaults(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(503)
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "server_error"


def test_faults_do_not_consume_on_models_endpoint(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail(500)
    assert client.get("/models").status_code == 200
    assert client.post("/chat/completions", json=chat()).status_code == 500


def test_drop_before_response(emulator: Emulator, fresh_client: httpx.Client) -> None:
    emulator.fault(Fault.drop())
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post("/chat/completions", json=chat())
    assert fresh_client.post("/chat/completions", json=chat()).status_code == 200


def _read_data_lines(client: httpx.Client, body: dict[str, object], into: list[str]) -> None:
    with client.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        into.extend(line for line in response.iter_lines() if line.startswith("data: "))


def test_drop_mid_stream(emulator: Emulator, fresh_client: httpx.Client) -> None:
    emulator.fault(Fault.drop(after_chunks=3))
    received: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        _read_data_lines(fresh_client, chat("a b c d e f", stream=True), received)
    assert len(received) == 3
    assert not any("[DONE]" in line for line in received)


def test_drop_mid_body_non_streaming(emulator: Emulator, fresh_client: httpx.Client) -> None:
    emulator.fault(Fault.drop(after_chunks=1))
    with pytest.raises(httpx.RemoteProtocolError):
        fresh_client.post("/chat/completions", json=chat())


def test_slow_chunks_trip_a_read_timeout(emulator: Emulator) -> None:
    emulator.fault(Fault.slow(chunk_delay=2.0))
    timeout = httpx.Timeout(5, read=0.1)
    received: list[str] = []
    with (
        httpx.Client(base_url=emulator.base_url, timeout=timeout) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        _read_data_lines(c, chat("a b c", stream=True), received)
    assert len(received) == 1  # the role chunk comes at once, the next one is 2 s away


def test_slow_first_byte_trips_a_read_timeout(emulator: Emulator) -> None:
    emulator.fault(Fault.slow(chunk_delay=0, delay=2.0))
    with (
        httpx.Client(base_url=emulator.base_url, timeout=httpx.Timeout(5, read=0.1)) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        c.post("/chat/completions", json=chat())


def test_slow_chunks_still_deliver_everything(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script(Reply(content="one two", chunk_delay=0.001, delay=0.001))
    events = sse_events(client.post("/chat/completions", json=chat(stream=True)).text)
    assert events[-1] == "[DONE]"
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1]) == "one two"


def test_emulator_wide_chunk_delay() -> None:
    with Emulator(chunk_delay=0.001) as emu, httpx.Client(base_url=emu.base_url) as c:
        events = sse_events(c.post("/chat/completions", json=chat("x y", stream=True)).text)
        assert events[-1] == "[DONE]"


def test_non_json_body(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fault(Fault.non_json(status=502))
    emulator.fault(Fault.non_json(body="plain text, not JSON"))
    first = client.post("/chat/completions", json=chat())
    assert first.status_code == 502
    assert first.headers["content-type"].startswith("text/html")
    assert "Bad Gateway" in first.text
    second = client.post("/chat/completions", json=chat())
    assert second.status_code == 200
    assert second.text == "plain text, not JSON"
    with pytest.raises(ValueError):
        second.json()


def test_stream_error_event(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fault(Fault.stream_error(after_chunks=2, message="overloaded"))
    events = sse_events(client.post("/chat/completions", json=chat("a b c", stream=True)).text)
    assert [("error" in e) for e in events] == [False, False, True]
    assert events[-1]["error"]["message"] == "overloaded"


def test_stream_error_on_a_non_streaming_request(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fault(Fault.stream_error())
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "server_error"


def test_truncated_stream_has_no_done(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fault(Fault.truncate(after_chunks=2))
    events = sse_events(client.post("/chat/completions", json=chat("a b c d", stream=True)).text)
    assert len(events) == 2
    assert "[DONE]" not in events
    assert all(e["choices"][0]["finish_reason"] is None for e in events)
    # The connection stays usable after a clean (if early) end of stream.
    assert client.post("/chat/completions", json=chat()).status_code == 200


def test_faults_and_replies_share_one_queue(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script("first", Fault.error(500), "third")
    statuses = [client.post("/chat/completions", json=chat()).status_code for _ in range(3)]
    assert statuses == [200, 500, 200]


def test_fault_arguments_are_checked(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="times"):
        emulator.fault(Fault.drop(), times=0)
    with pytest.raises(ValueError, match="HTTP status"):
        Fault.error(42)
    with pytest.raises(ValueError, match="unknown"):
        Fault("explode")  # type: ignore[arg-type]
