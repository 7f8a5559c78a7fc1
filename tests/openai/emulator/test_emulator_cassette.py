"""Record against a second emulator (loopback upstream), then replay offline."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from pipes_openai._secrets import Secrets
from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

from .helpers import chat, sse_events

SECRET = "sk-upstream-secret-123"
AUTH = {"authorization": f"Bearer {SECRET}", "openai-organization": "org-private-42"}


@pytest.fixture
def cassette(tmp_path: Path) -> Path:
    """Record three exchanges (plain, tool call, stream) and one upstream error."""
    path = tmp_path / "cassette.json"
    with Emulator(api_key=SECRET) as upstream:
        upstream.script("recorded answer", ToolCall("GetWeather", {"location": "Paris"}))
        with (
            Emulator(upstream=upstream.base_url, record=path) as recorder,
            httpx.Client(base_url=recorder.base_url, headers=AUTH) as c,
        ):
            plain = c.post("/chat/completions", json=chat("hello"))
            assert plain.status_code == 200
            assert plain.json()["choices"][0]["message"]["content"] == "recorded answer"
            tool = c.post("/chat/completions", json=chat("weather?"))
            assert tool.json()["choices"][0]["finish_reason"] == "tool_calls"
            streamed = c.post(
                "/chat/completions",
                json=chat("stream me", stream=True, stream_options={"include_usage": True}),
            )
            assert streamed.headers["content-type"].startswith("text/event-stream")
            events = sse_events(streamed.text)
            assert events[-1] == "[DONE]"
            text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-2])
            assert text == "stream me"
            denied = c.post(
                "/chat/completions", json=chat("x"), headers={"authorization": "Bearer no"}
            )
            assert denied.status_code == 401
            # The recorder saw the request; the upstream saw the real key.
            assert recorder.requests[0].headers["authorization"] == "Bearer <redacted>"
        assert len(upstream.requests) == 4
    return path


def test_cassette_file_is_readable_and_has_no_secrets(cassette: Path) -> None:
    raw = cassette.read_text()
    assert SECRET not in raw
    assert "org-private-42" not in raw
    assert "Bearer no" not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    interactions = data["interactions"]
    assert len(interactions) == 4
    first = interactions[0]
    assert first["request"]["method"] == "POST"
    assert first["request"]["path"] == "/v1/chat/completions"
    assert first["request"]["json"]["messages"][0]["content"] == "hello"
    assert first["request"]["headers"]["authorization"] == "Bearer <redacted>"
    assert first["request"]["headers"]["openai-organization"] == "<redacted>"
    assert first["response"]["status"] == 200
    assert first["response"]["json"]["choices"][0]["message"]["content"] == "recorded answer"
    assert "text" in interactions[2]["response"]  # the SSE stream, verbatim
    assert interactions[3]["response"]["status"] == 401


def test_replay_serves_recorded_responses_offline(cassette: Path) -> None:
    with Emulator(cassette=cassette) as player, httpx.Client(base_url=player.base_url) as c:
        # Key order and whitespace do not matter; the auth header is not part of the match.
        body = json.dumps(
            {"messages": [{"content": "hello", "role": "user"}], "model": "gpt-4o-mini"}
        )
        plain = c.post("/chat/completions", content=body)
        assert plain.status_code == 200
        assert plain.json()["choices"][0]["message"]["content"] == "recorded answer"
        assert plain.headers["x-request-id"]
        tool = c.post("/chat/completions", json=chat("weather?"))
        args = json.loads(
            tool.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        )
        assert args == {"location": "Paris"}
        streamed = c.post(
            "/chat/completions",
            json=chat("stream me", stream=True, stream_options={"include_usage": True}),
        )
        assert streamed.headers["content-type"].startswith("text/event-stream")
        events = sse_events(streamed.text)
        assert events[-1] == "[DONE]"
        assert events[-2]["usage"]["total_tokens"] > 0
        assert c.post("/chat/completions", json=chat("x")).status_code == 401
        # An identical request again replays again (the last match repeats).
        again = c.post("/chat/completions", json=chat("hello"))
        assert again.json()["choices"][0]["message"]["content"] == "recorded answer"
        assert player.misses == []


def test_replay_miss_is_loud(cassette: Path) -> None:
    with Emulator(cassette=cassette) as player, httpx.Client(base_url=player.base_url) as c:
        miss = c.post("/chat/completions", json=chat("helo", temperature=0.5))
        assert miss.status_code == 400
        error = miss.json()["error"]
        assert error["code"] == "cassette_miss"
        message = error["message"]
        assert "closest recorded request is #0" in message
        assert 'messages[0].content: recorded "hello", got "helo"' in message
        assert "temperature: recorded <missing>, got 0.5" in message
        (recorded_miss,) = player.misses
        assert recorded_miss.closest_index == 0
        assert recorded_miss.path == "/v1/chat/completions"
        assert any(d.startswith("temperature") for d in recorded_miss.differences)


def test_replay_of_a_missing_or_bad_cassette(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Record it first"):
        Emulator(cassette=tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="interactions"):
        Emulator(cassette=bad)
    empty = tmp_path / "empty.json"
    empty.write_text('{"version": 1, "interactions": []}')
    with Emulator(cassette=empty) as player:
        miss = httpx.post(player.base_url + "/chat/completions", json=chat())
        assert miss.status_code == 400
        assert "empty" in miss.json()["error"]["message"]


def test_record_mode_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="upstream"):
        Emulator(record=tmp_path / "c.json")
    empty = tmp_path / "e.json"
    empty.write_text('{"version": 1, "interactions": []}')
    with pytest.raises(ValueError, match="either"):
        Emulator(upstream="http://127.0.0.1:9/v1", cassette=empty)


def test_unreachable_upstream_answers_502(tmp_path: Path) -> None:
    with (
        socket_port() as port,
        Emulator(upstream=f"http://127.0.0.1:{port}/v1", record=tmp_path / "c.json") as rec,
    ):
        response = httpx.post(rec.base_url + "/chat/completions", json=chat())
        assert response.status_code == 502
        assert response.json()["error"]["code"] == "upstream_unreachable"


class socket_port:
    """A loopback port that is bound but not listening (connections are refused)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        port: int = self.sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_record_mode_streams_through_without_buffering(tmp_path: Path) -> None:
    with Emulator() as upstream:
        # The role chunk comes at once, the next one only after 3 s.
        upstream.script(Reply(content="a b", chunk_delay=3.0))
        with (
            Emulator(upstream=upstream.base_url, record=tmp_path / "c.json") as recorder,
            httpx.Client(base_url=recorder.base_url, timeout=httpx.Timeout(10, read=1.0)) as c,
        ):
            lines: list[str] = []
            with pytest.raises(httpx.ReadTimeout):
                _collect(c, chat(stream=True), lines)
            assert len(lines) == 1
            assert '"role":"assistant"' in lines[0]


def _collect(client: httpx.Client, body: dict[str, object], into: list[str]) -> None:
    with client.stream("POST", "/chat/completions", json=body) as response:
        into.extend(line for line in response.iter_lines() if line.startswith("data: "))


def test_credentials_echoed_by_the_upstream_never_reach_the_cassette(tmp_path: Path) -> None:
    path = tmp_path / "echo.json"
    token = "tok-custom-header-4567"
    escaped = "".join(f"\\u{ord(c):04x}" for c in SECRET[:2]) + SECRET[2:]  # \u0073\u006b-...
    with Emulator() as upstream:
        # An upstream 401 quotes the key it got: verbatim in JSON, JSON-escaped, in a URL.
        upstream.fail(401, message=f"Incorrect API key provided: {SECRET}.")
        upstream.fault(
            Fault.non_json(401, body=f'{{"error": "bad key {escaped}", "token": "{token}"}} x')
        )
        upstream.fault(Fault.non_json(401, body=f"<a href='/keys?k={quote(SECRET)}'>keys</a>"))
        headers = {**AUTH, "x-custom-token": token}
        with (
            Emulator(upstream=upstream.base_url, record=path) as recorder,
            httpx.Client(base_url=recorder.base_url, headers=headers) as c,
        ):
            for _ in range(3):
                assert (
                    c.post("/chat/completions?sig=sig-query-98765", json=chat()).status_code == 401
                )
            assert recorder.requests[0].headers["x-custom-token"] == "<redacted>"
    raw = path.read_text()
    for secret in (SECRET, token, "sig-query-98765"):
        assert Secrets([secret]).scrub(raw) == raw, f"{secret} is in the cassette"
    interactions = json.loads(raw)["interactions"]
    assert interactions[0]["response"]["json"]["error"]["message"] == (
        "Incorrect API key provided: ***."
    )
    assert "bad key ***" in interactions[1]["response"]["text"]
