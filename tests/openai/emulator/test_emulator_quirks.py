"""Quirk modes reproduce the deviations of real OpenAI-compatible servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipes_openai.emulator import Emulator, Quirk, Reply, ToolCall

from .helpers import chat, sse_events

CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def _client(*quirks: str) -> Iterator[tuple[Emulator, httpx.Client]]:
    with Emulator(quirks=set(quirks)) as emu, httpx.Client(base_url=emu.base_url) as c:
        yield emu, c


@pytest.fixture
def quirky(request: pytest.FixtureRequest) -> Iterator[tuple[Emulator, httpx.Client]]:
    yield from _client(*request.param)


def _tool_deltas(events: list[Any]) -> list[dict[str, Any]]:
    return [
        d
        for e in events
        if isinstance(e, dict) and e.get("choices")
        for d in e["choices"][0]["delta"].get("tool_calls", [])
    ]


@pytest.mark.parametrize("quirky", [["reject_stream_options"]], indirect=True)
def test_reject_stream_options(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    rejected = c.post(
        "/chat/completions", json=chat(stream=True, stream_options={"include_usage": True})
    )
    assert rejected.status_code == 400
    assert rejected.json()["error"]["param"] == "stream_options"
    assert c.post("/chat/completions", json=chat(stream=True)).status_code == 200


@pytest.mark.parametrize("quirky", [["repeat_tool_call_id"]], indirect=True)
def test_repeat_tool_call_id(quirky: tuple[Emulator, httpx.Client]) -> None:
    emu, c = quirky
    emu.script(ToolCall("lookup", {"query": "x"}, id="call_9"))
    deltas = _tool_deltas(sse_events(c.post("/chat/completions", json=chat(stream=True)).text))
    assert len(deltas) > 2
    assert all(d["id"] == "call_9" and d["function"]["name"] == "lookup" for d in deltas)
    assert "".join(d["function"]["arguments"] for d in deltas) == '{"query": "x"}'


@pytest.mark.parametrize("quirky", [["reject_null_content"]], indirect=True)
def test_reject_null_content(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "r"},
    ]
    refused = c.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": messages})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "messages[1].content"
    messages[1]["content"] = ""
    assert (
        c.post("/chat/completions", json={"model": "gpt-4o-mini", "messages": messages}).status_code
        == 200
    )


@pytest.mark.parametrize("quirky", [["errors_as_500"]], indirect=True)
def test_errors_as_500(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    response = c.post("/chat/completions", json={"model": "gpt-4o-mini"})
    assert response.status_code == 500
    assert response.json()["error"]["param"] == "messages"


@pytest.mark.parametrize("quirky", [["omit_usage"]], indirect=True)
def test_omit_usage(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    assert "usage" not in c.post("/chat/completions", json=chat()).json()
    events = sse_events(
        c.post(
            "/chat/completions", json=chat(stream=True, stream_options={"include_usage": True})
        ).text
    )
    assert events[-1] == "[DONE]"
    assert all("usage" not in e for e in events[:-1])
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize("quirky", [["null_choices_in_usage_chunk"]], indirect=True)
def test_null_choices_in_usage_chunk(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    events = sse_events(
        c.post(
            "/chat/completions", json=chat(stream=True, stream_options={"include_usage": True})
        ).text
    )
    assert events[-2]["choices"] is None
    assert events[-2]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("quirky", [["tool_call_delta_without_index"]], indirect=True)
def test_tool_call_delta_without_index(quirky: tuple[Emulator, httpx.Client]) -> None:
    emu, c = quirky
    emu.script(ToolCall("f", {"a": 1}))
    deltas = _tool_deltas(sse_events(c.post("/chat/completions", json=chat(stream=True)).text))
    assert deltas
    assert all("index" not in d for d in deltas)


@pytest.mark.parametrize("quirky", [["reasoning_content"]], indirect=True)
def test_reasoning_content(quirky: tuple[Emulator, httpx.Client]) -> None:
    _, c = quirky
    data = c.post("/chat/completions", json=chat("2+2?")).json()
    assert data["choices"][0]["message"]["reasoning_content"] == "The user wrote: 2+2?"
    assert data["choices"][0]["message"]["content"] == "2+2?"
    assert data["usage"]["completion_tokens_details"]["reasoning_tokens"] == 8
    events = sse_events(c.post("/chat/completions", json=chat("2+2?", stream=True)).text)
    reasoning = "".join(e["choices"][0]["delta"].get("reasoning_content", "") for e in events[:-1])
    assert reasoning == "The user wrote: 2+2?"


def test_without_quirks_reasoning_only_when_scripted(
    emulator: Emulator, client: httpx.Client
) -> None:
    assert (
        "reasoning_content"
        not in client.post("/chat/completions", json=chat()).json()["choices"][0]["message"]
    )
    emulator.script(Reply(content="a", reasoning_content="b"))
    assert (
        client.post("/chat/completions", json=chat()).json()["choices"][0]["message"][
            "reasoning_content"
        ]
        == "b"
    )


def test_quirks_combine_and_are_validated() -> None:
    emu = Emulator(quirks=[Quirk.OMIT_USAGE, "errors_as_500"])
    assert emu.quirks == {Quirk.OMIT_USAGE, Quirk.ERRORS_AS_500}
    with pytest.raises(ValueError, match=r"Unknown emulator quirk 'nope'.*omit_usage"):
        Emulator(quirks={"nope"})


@pytest.mark.parametrize("quirky", [["empty_tool_call_id_in_deltas"]], indirect=True)
def test_empty_tool_call_id_in_deltas(quirky: tuple[Emulator, httpx.Client]) -> None:
    emu, c = quirky
    emu.script(ToolCall("f", {"a": 1}, id="call_real"))
    deltas = _tool_deltas(sse_events(c.post("/chat/completions", json=chat(stream=True)).text))
    assert deltas[0]["id"] == "call_real"
    assert len(deltas) > 2
    assert all(d["id"] == "" and d["type"] == "function" for d in deltas[1:])
    assert all("name" not in d["function"] for d in deltas[1:])


@pytest.mark.parametrize("quirky", [["parallel_tool_calls_same_index"]], indirect=True)
def test_parallel_tool_calls_same_index(quirky: tuple[Emulator, httpx.Client]) -> None:
    emu, c = quirky
    emu.script(Reply(tool_calls=[ToolCall("f", {}, id="c1"), ToolCall("g", {}, id="c2")]))
    deltas = _tool_deltas(sse_events(c.post("/chat/completions", json=chat(stream=True)).text))
    assert {d["index"] for d in deltas} == {0}
    assert [d["id"] for d in deltas if "id" in d] == ["c1", "c2"]
