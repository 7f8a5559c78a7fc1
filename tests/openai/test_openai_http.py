"""The HTTP layer over real loopback HTTP: retries, typed errors, streaming faults, loops."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import traceback
from typing import Any

import httpx
import pytest

from pipes import ChatModelError
from pipes_openai import _pools
from pipes_openai._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContentFilterError,
    ContextLengthExceededError,
    InternalServerError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    ResponseProtocolError,
    StreamEventError,
    StreamIncompleteError,
    error_from_status,
)
from pipes_openai._exchange import next_delay
from pipes_openai._http import HTTPEngine, StreamMeta, Timeouts, server_label
from pipes_openai.emulator import Emulator, Fault

KEY = "sk-test-SECRET-0123456789abcdef"
BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
).encode()
STREAM_BODY = json.dumps(
    {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "one two three"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
).encode()
HEADERS = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}


def engine(**kwargs: Any) -> HTTPEngine:
    kwargs.setdefault("max_retries", 2)
    eng = HTTPEngine(
        kwargs.pop("timeouts", Timeouts(total=10, connect=5)),
        secrets=(KEY,),
        retry_base_delay=0.001,
        retry_max_delay=0.002,
        **kwargs,
    )
    return eng


def url(emu: Emulator) -> str:
    return emu.base_url + "/chat/completions"


def test_post_ok(emu: Emulator) -> None:
    emu.script("Bonjour")
    reply = engine().post(url(emu), BODY, HEADERS)
    assert reply.data["choices"][0]["message"]["content"] == "Bonjour"
    assert reply.attempts == 1
    assert reply.request_id == emu.requests[-1].request_id


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
def test_retryable_statuses_are_retried(emu: Emulator, status: int) -> None:
    emu.fail(status, times=2, retry_after_ms=1).script("ok")
    reply = engine().post(url(emu), BODY, HEADERS)
    assert reply.data["choices"][0]["message"]["content"] == "ok"
    assert reply.attempts == 3
    assert len(emu.requests) == 3


@pytest.mark.parametrize(
    ("status", "cls", "builtin"),
    [
        (400, BadRequestError, ValueError),
        (401, AuthenticationError, PermissionError),
        (403, PermissionDeniedError, PermissionError),
        (404, NotFoundError, LookupError),
        (422, BadRequestError, ValueError),
    ],
)
def test_never_retried_statuses(
    emu: Emulator, status: int, cls: type[OpenAIError], builtin: type[Exception]
) -> None:
    emu.fail(status, times=3, message="nope", code="some_code", param="messages")
    with pytest.raises(cls) as info:
        engine().post(url(emu), BODY, HEADERS)
    exc = info.value
    assert isinstance(exc, builtin)
    assert isinstance(exc, ChatModelError)
    assert exc.status_code == status
    assert exc.code == "some_code"
    assert exc.param == "messages"
    assert exc.attempts == 1
    assert exc.request_id == emu.requests[-1].request_id
    assert exc.request_id is not None
    assert exc.request_id in str(exc)
    assert "nope" in str(exc)
    assert len(emu.requests) == 1


@pytest.mark.parametrize(
    ("status", "cls"), [(429, RateLimitError), (500, InternalServerError), (409, ConflictError)]
)
def test_exhausted_retries_raise_typed_error_with_attempts(
    emu: Emulator, status: int, cls: type[OpenAIError]
) -> None:
    emu.fail(status, times=5, retry_after=0)
    with pytest.raises(cls) as info:
        engine(max_retries=2).post(url(emu), BODY, HEADERS)
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)
    assert len(emu.requests) == 3


def test_retry_after_is_honoured_and_capped(emu: Emulator) -> None:
    eng = engine(max_retry_after=0.05)
    slept: list[float] = []
    eng._sleep = slept.append
    emu.fail(429, retry_after=0.02).fail(429, retry_after_ms=30).fail(503, retry_after=999)
    emu.script("ok")
    eng.max_retries = 3
    assert eng.post(url(emu), BODY, HEADERS).attempts == 4
    assert slept == [pytest.approx(0.02), pytest.approx(0.03), pytest.approx(0.05)]


def test_backoff_is_exponential_with_jitter() -> None:
    eng = HTTPEngine(Timeouts(), retry_base_delay=1.0, retry_max_delay=5.0)
    delays = [next_delay(eng, attempt, None) for attempt in (1, 2, 3, 4, 5)]
    for delay, nominal in zip(delays, [1, 2, 4, 5, 5], strict=True):
        assert 0.75 * nominal <= delay <= nominal


def test_x_should_retry_false_stops_retries(emu: Emulator) -> None:
    emu.fail(500, headers={"x-should-retry": "false"}).script("never")
    with pytest.raises(InternalServerError):
        engine().post(url(emu), BODY, HEADERS)
    assert len(emu.requests) == 1


def test_context_length_and_content_filter_are_typed(emu: Emulator) -> None:
    emu.fail(400, code="context_length_exceeded", message="maximum context length is 8192")
    with pytest.raises(ContextLengthExceededError) as info:
        engine().post(url(emu), BODY, HEADERS)
    assert isinstance(info.value, BadRequestError)
    assert "Shorten the conversation" in str(info.value)
    emu.fail(400, code="content_filter", message="filtered")
    with pytest.raises(ContentFilterError):
        engine().post(url(emu), BODY, HEADERS)


def test_error_from_status_tolerates_odd_bodies() -> None:
    err = error_from_status(500, {"detail": "validation"}, request_id=None, attempts=1)
    assert isinstance(err, InternalServerError)
    assert "validation" in str(err)
    err = error_from_status(400, {"error": "bare string"}, request_id=None, attempts=1)
    assert "bare string" in str(err)
    err = error_from_status(418, None, request_id=None, attempts=1, raw_text="<html>teapot")
    assert err.status_code == 418
    assert "<html>teapot" in str(err)


def test_connection_errors_are_retried_then_typed() -> None:
    # Nothing listens on this port (bound, then closed).
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    eng = engine(max_retries=1)
    with pytest.raises(APIConnectionError) as info:
        eng.post(f"http://127.0.0.1:{port}/v1/chat/completions", BODY, HEADERS)
    assert isinstance(info.value, ConnectionError)
    assert info.value.attempts == 2
    assert "base_url" in str(info.value)


def test_dropped_connection_is_retried(emu: Emulator) -> None:
    emu.fault(Fault.drop()).script("after drop")
    reply = engine().post(url(emu), BODY, HEADERS)
    assert reply.data["choices"][0]["message"]["content"] == "after drop"
    assert reply.attempts == 2


def test_timeout_is_typed(emu: Emulator) -> None:
    emu.fault(Fault.slow(delay=0.5), times=2)
    eng = engine(max_retries=1, timeouts=Timeouts(total=0.05, connect=1))
    with pytest.raises(APITimeoutError) as info:
        eng.post(url(emu), BODY, HEADERS)
    assert isinstance(info.value, TimeoutError)
    assert info.value.attempts == 2
    assert "timeout=" in str(info.value)


def test_non_json_body_is_protocol_error(emu: Emulator) -> None:
    emu.fault(Fault.non_json(200))
    with pytest.raises(ResponseProtocolError, match="not JSON"):
        engine().post(url(emu), BODY, HEADERS)


def test_secret_never_leaks_from_http_errors(emu: Emulator) -> None:
    emu.fail(401, message=f"Incorrect API key provided: {KEY}.", code="invalid_api_key")
    with pytest.raises(AuthenticationError) as info:
        engine().post(url(emu), BODY, HEADERS)
    exc = info.value
    rendered = "".join(traceback.format_exception(exc))
    assert KEY not in rendered
    assert KEY not in repr(exc)
    assert KEY not in json.dumps(exc.body)
    assert KEY not in repr(exc.details)
    assert KEY not in repr(pickle.loads(pickle.dumps(exc)).__dict__)
    assert "OPENAI_API_KEY" in str(exc)
    assert "api_key=" in str(exc)
    assert KEY not in repr(engine())


def test_errors_pickle_round_trip() -> None:
    err = error_from_status(429, {"error": {"message": "m"}}, request_id="req_9", attempts=3)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is RateLimitError
    assert (back.request_id, back.attempts, str(back)) == ("req_9", 3, str(err))


# -- streaming -----------------------------------------------------------------------------


def test_stream_events_until_done(emu: Emulator) -> None:
    meta = StreamMeta()
    events = list(engine().stream(url(emu), STREAM_BODY, HEADERS, meta))
    text = "".join(
        (e["choices"][0]["delta"].get("content") or "") for e in events if e.get("choices")
    )
    assert text == "one two three"
    assert events[-1]["usage"]["completion_tokens"] == 3
    assert meta.request_id == emu.requests[-1].request_id
    assert meta.events == len(events)


def test_stream_retries_before_first_event(emu: Emulator) -> None:
    emu.fail(503, retry_after=0).fault(Fault.drop())
    events = list(engine().stream(url(emu), STREAM_BODY, HEADERS))
    assert events
    assert len(emu.requests) == 3


def test_stream_cut_mid_way_raises(emu: Emulator) -> None:
    emu.fault(Fault.drop(after_chunks=2))
    got: list[Any] = []
    with pytest.raises(StreamIncompleteError) as info:
        got.extend(engine().stream(url(emu), STREAM_BODY, HEADERS))
    assert isinstance(info.value, ConnectionError)
    assert len(got) == 2
    assert len(emu.requests) == 1  # never retried once output started


def test_stream_truncated_without_done_raises(emu: Emulator) -> None:
    emu.fault(Fault.truncate(after_chunks=1))
    with pytest.raises(StreamIncompleteError, match=r"\[DONE\]"):
        list(engine().stream(url(emu), STREAM_BODY, HEADERS))


def test_stream_error_event_raises(emu: Emulator) -> None:
    emu.fault(Fault.stream_error(after_chunks=1, message="overloaded", code="server_error"))
    with pytest.raises(StreamEventError, match="overloaded") as info:
        list(engine().stream(url(emu), STREAM_BODY, HEADERS))
    assert info.value.code == "server_error"


def test_stream_per_chunk_timeout(emu: Emulator) -> None:
    emu.fault(Fault.slow(chunk_delay=0.3))
    eng = engine(timeouts=Timeouts(total=10, connect=5, stream_chunk=0.05))
    with pytest.raises(APITimeoutError, match="stream_chunk_timeout"):
        list(eng.stream(url(emu), STREAM_BODY, HEADERS))


def test_stream_status_error_is_typed(emu: Emulator) -> None:
    emu.fail(404, message="no such model")
    with pytest.raises(NotFoundError, match="no such model"):
        list(engine().stream(url(emu), STREAM_BODY, HEADERS))


def test_stream_of_a_server_that_ignores_stream_true(emu: Emulator) -> None:
    # A non-streamed JSON completion comes back whole, once.
    events = list(engine().stream(url(emu), BODY, HEADERS))
    assert len(events) == 1
    assert events[0]["object"] == "chat.completion"


# -- async ---------------------------------------------------------------------------------


async def test_async_post_and_retries(emu: Emulator) -> None:
    emu.fail(429, retry_after_ms=1).script("async ok")
    reply = await engine().apost(url(emu), BODY, HEADERS)
    assert reply.data["choices"][0]["message"]["content"] == "async ok"
    assert reply.attempts == 2


async def test_async_stream_faults(emu: Emulator) -> None:
    eng = engine()
    events = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    assert events[-1]["usage"]["total_tokens"] > 0
    emu.fault(Fault.drop(after_chunks=1))
    with pytest.raises(StreamIncompleteError):
        _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    emu.fault(Fault.stream_error(after_chunks=0))
    with pytest.raises(StreamEventError):
        _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    emu.fault(Fault.slow(chunk_delay=0.3))
    slow = engine(timeouts=Timeouts(total=10, connect=5, stream_chunk=0.05))
    with pytest.raises(APITimeoutError):
        _ = [e async for e in slow.astream(url(emu), STREAM_BODY, HEADERS)]


def test_two_event_loops_each_get_their_own_pool(emu: Emulator) -> None:
    eng = engine()

    async def call() -> tuple[str, asyncio.AbstractEventLoop]:
        reply = await eng.apost(url(emu), BODY, HEADERS)
        return reply.data["choices"][0]["message"]["content"], asyncio.get_running_loop()

    first, loop1 = asyncio.run(call())
    second, loop2 = asyncio.run(call())  # LangChain's shared pool fails here
    assert first == second == "hello"
    # The pools of finished loops were closed and forgotten at loop shutdown.
    assert loop1 not in _pools._async_senders
    assert loop2 not in _pools._async_senders


def test_pool_of_a_loop_closed_without_shutdown_is_forgotten(emu: Emulator) -> None:
    eng = engine()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(eng.apost(url(emu), BODY, HEADERS))
    assert loop in _pools._async_senders
    loop.close()  # no shutdown_asyncgens: the closer never ran
    asyncio.run(eng.apost(url(emu), BODY, HEADERS))
    assert loop not in _pools._async_senders


def test_user_clients_are_used(emu: Emulator) -> None:
    seen: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: seen.append(str(r.url))]})
    eng = engine(http_client=client)
    eng.post(url(emu), BODY, HEADERS)
    list(eng.stream(url(emu), STREAM_BODY, HEADERS))
    assert seen == [url(emu), url(emu)]
    client.close()


async def test_user_async_client_is_used(emu: Emulator) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.method)

    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as client:
        eng = engine(http_async_client=client)
        await eng.apost(url(emu), BODY, HEADERS)
        _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    assert seen == ["POST", "POST"]


def test_proxy_env_falls_back_to_clients(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    eng = HTTPEngine(Timeouts(total=7, connect=3), max_retries=0)  # fresh timeout key
    assert eng.post(url(emu), BODY, HEADERS).data["object"] == "chat.completion"
    assert isinstance(_pools._sync_senders[(7.0, 3.0)], httpx.Client)
    _pools.close_all_clients()


def test_timeouts_coerce() -> None:
    assert Timeouts.coerce(30, None) == Timeouts(30.0, 10.0, None)
    assert Timeouts.coerce(5, 1.5) == Timeouts(5.0, 5.0, 1.5)
    assert Timeouts.coerce((2, 20), None) == Timeouts(20.0, 2.0, None)
    assert Timeouts.coerce(httpx.Timeout(9, connect=3), None) == Timeouts(9.0, 3.0, None)
    assert Timeouts.coerce(None, None) == Timeouts(60.0, 10.0, None)
    assert Timeouts.coerce(httpx.Timeout(None), None) == Timeouts(None, None, None)
    assert Timeouts(30, 10, 2).httpx(streaming=True).read == 2


def test_stream_of_an_html_page_is_a_protocol_error(emu: Emulator) -> None:
    emu.fault(Fault.non_json(200))
    with pytest.raises(ResponseProtocolError, match="text/html"):
        list(engine().stream(url(emu), STREAM_BODY, HEADERS))


def test_abandoned_stream_releases_its_connection(emu: Emulator) -> None:
    # One connection only: if breaking out of a stream leaked it, the next call would time
    # out waiting for the pool.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(limits=limits) as client:
        eng = engine(http_client=client, timeouts=Timeouts(total=2, connect=1))
        for _ in range(3):
            events = eng.stream(url(emu), STREAM_BODY, HEADERS)
            next(events)
            events.close()
        assert eng.post(url(emu), BODY, HEADERS).data["object"] == "chat.completion"


async def test_abandoned_async_stream_releases_its_connection(emu: Emulator) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(limits=limits) as client:
        eng = engine(http_async_client=client, timeouts=Timeouts(total=2, connect=1))
        for _ in range(3):
            events = eng.astream(url(emu), STREAM_BODY, HEADERS)
            await events.__anext__()
            await events.aclose()
        reply = await eng.apost(url(emu), BODY, HEADERS)
        assert reply.data["object"] == "chat.completion"


def test_loop_pools_fill_first_then_spread() -> None:
    pools = _pools.LoopPools(["a", "b", "c"], spread=2)
    # Sequential use stays on one pool (one warm connection).
    for _ in range(3):
        index = pools.acquire()
        assert index == 0
        pools.release(index)
    # Concurrent use fills pools up to `spread`, then spreads to the least busy.
    assert [pools.acquire() for _ in range(6)] == [0, 0, 1, 1, 2, 2]
    pools.release(1)
    assert pools.acquire() == 1
    assert pools.acquire() in (0, 1, 2)  # all at spread: the least busy, never a failure
    assert sum(pools.inflight) == 7


async def test_sequential_async_calls_stay_on_one_pool(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[int] = []
    original = _pools.LoopPools.acquire

    def spy(self: _pools.LoopPools) -> int:
        index = original(self)
        used.append(index)
        return index

    monkeypatch.setattr(_pools.LoopPools, "acquire", spy)
    eng = engine()
    for _ in range(4):
        await eng.apost(url(emu), BODY, HEADERS)
        _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    assert used == [0] * 8  # one pool, so its keep-alive connection is reused
    await asyncio.gather(*(eng.apost(url(emu), BODY, HEADERS) for _ in range(12)))
    assert len(set(used[8:])) == 3  # 12 concurrent requests spread over pools of 4


async def test_pool_slots_are_released(emu: Emulator) -> None:
    eng = engine()
    await eng.apost(url(emu), BODY, HEADERS)
    _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    emu.fault(Fault.drop(after_chunks=1))
    with pytest.raises(StreamIncompleteError):
        _ = [e async for e in eng.astream(url(emu), STREAM_BODY, HEADERS)]
    emu.fail(400)
    with pytest.raises(BadRequestError):
        await eng.apost(url(emu), BODY, HEADERS)
    pools = _pools._async_senders[asyncio.get_running_loop()][eng._key]
    assert sum(pools.inflight) == 0


def test_retries_are_logged_without_secrets(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.fail(503, retry_after_ms=1, message=f"overloaded for {KEY}").script("ok")
    engine().post(url(emu), BODY, HEADERS)
    retries = [r for r in caplog.records if r.name == "pipes_openai"]
    assert len(retries) == 1
    assert "HTTP 503" in retries[0].getMessage()
    assert "attempt 2 of 3" in retries[0].getMessage()
    assert KEY not in caplog.text


def test_server_label_names_a_custom_server_never_its_credentials() -> None:
    assert server_label("OpenAI", None) == "OpenAI"
    assert server_label("OpenAI", "https://api.openai.com/v1") == "OpenAI"
    azure = "https://res.openai.azure.com/openai/deployments/d"
    assert server_label("Azure OpenAI", azure) == "Azure OpenAI"
    assert server_label("OpenAI", "http://localhost:8000/v1") == "localhost:8000"
    label = server_label("OpenAI", "https://user:pw@llm.example.com/v1?key=sk-1")
    assert label == "llm.example.com"
    assert server_label("OpenAI", "not a url at all ::") == "OpenAI"


def test_errors_name_the_server_they_came_from(emu: Emulator) -> None:
    eng = engine(provider=server_label("OpenAI", emu.base_url), max_retries=0)
    emu.fail(401, message="bad key")
    with pytest.raises(AuthenticationError) as info:
        eng.post(url(emu), BODY, HEADERS)
    assert str(info.value).startswith("127.0.0.1:")
    assert "OpenAI returned" not in str(info.value)


def test_secret_echoed_in_headers_or_stream_errors_never_leaks(emu: Emulator) -> None:
    emu.fail(401, message="bad key", headers={"x-request-id": f"req-{KEY}"})
    with pytest.raises(AuthenticationError) as info:
        engine().post(url(emu), BODY, HEADERS)
    assert KEY not in str(info.value)
    assert KEY not in repr(vars(info.value))
    emu.fault(Fault.stream_error(after_chunks=1, message=f"key {KEY} revoked"))
    with pytest.raises(StreamEventError) as stream_info:
        list(engine().stream(url(emu), STREAM_BODY, HEADERS))
    rendered = "".join(traceback.format_exception(stream_info.value))
    assert KEY not in rendered
    assert KEY not in json.dumps(stream_info.value.body)
    assert KEY not in repr(pickle.loads(pickle.dumps(stream_info.value)).__dict__)
