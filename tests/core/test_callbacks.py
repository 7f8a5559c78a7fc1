"""LangChain-style callback handlers: method names and arguments, errors, ignore flags, async
handlers, inheritance, custom events, retries and global listeners."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pipes._core import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    Listener,
    RetryState,
    Run,
    Runnable,
    RunnableConfig,
    RunnableLambda,
    adispatch_custom_event,
    dispatch_custom_event,
)
from pipes._core._listeners import add_global_listener, remove_global_listener

from .conftest import Recorder


class Log(BaseCallbackHandler):
    """Records `(method, first argument, keyword arguments)` for every LangChain method."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def _log(self, method: str, arg: Any, kwargs: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append((method, arg, kwargs))

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        self._log("on_chain_start", inputs, {"serialized": serialized, **kwargs})

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._log("on_chain_end", outputs, kwargs)

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self._log("on_chain_error", error, kwargs)

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> None:
        self._log("on_tool_start", input_str, kwargs)

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self._log("on_tool_end", output, kwargs)

    def on_retriever_start(self, serialized: dict[str, Any], query: str, **kwargs: Any) -> None:
        self._log("on_retriever_start", query, kwargs)

    def on_retriever_end(self, documents: Any, **kwargs: Any) -> None:
        self._log("on_retriever_end", documents, kwargs)

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        self._log("on_custom_event", (name, data), kwargs)

    def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        self._log("on_retry", retry_state, kwargs)

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.calls]


def _chain() -> Runnable[int, int]:
    return (
        RunnableLambda(lambda x: x + 1, name="inc") | RunnableLambda(lambda x: x * 2, name="dbl")
    ).with_config(run_name="calc")


def test_chain_methods_with_langchain_arguments() -> None:
    log = Log()
    assert _chain().invoke(1, {"callbacks": [log], "tags": ["t"], "metadata": {"m": 1}}) == 4
    assert log.methods() == [
        "on_chain_start",
        "on_chain_start",
        "on_chain_end",
        "on_chain_start",
        "on_chain_end",
        "on_chain_end",
    ]
    (_, inputs, start), (_, _, inc_start) = log.calls[0], log.calls[1]
    assert inputs == 1
    assert start["name"] == "calc"
    assert start["parent_run_id"] is None
    assert isinstance(start["run_id"], uuid.UUID)
    assert start["tags"] == ["t"]
    assert start["metadata"] == {"m": 1}
    assert start["serialized"]["id"][-1] == "RunnableSequence"
    assert "run_type" not in start  # LangChain passes run_type only for prompts and parsers
    assert inc_start["parent_run_id"] == start["run_id"]
    _, outputs, end = log.calls[-1]
    assert (outputs, end["run_id"], end["inputs"]) == (4, start["run_id"], 1)


def test_a_raising_handler_is_logged_and_the_run_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(BaseCallbackHandler):
        def on_chain_start(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("handler bug")

    with caplog.at_level(logging.WARNING, logger="pipes.callbacks"):
        assert _chain().invoke(1, {"callbacks": [Broken()]}) == 4
    assert "Error in Broken.on_start callback: RuntimeError('handler bug')" in caplog.text


def test_raise_error_lets_the_handler_fail_the_run() -> None:
    class Strict(BaseCallbackHandler):
        raise_error = True

        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        _chain().invoke(1, {"callbacks": [Strict()]})


def test_ignore_chain_skips_chain_methods() -> None:
    class Quiet(Log):
        @property
        def ignore_chain(self) -> bool:
            return True

    log = Quiet()
    _chain().invoke(1, {"callbacks": [log]})
    assert log.calls == []


def test_with_config_callbacks_reach_nested_runs() -> None:
    log = Log()
    assert _chain().with_config(callbacks=[log]).invoke(1) == 4
    assert log.methods().count("on_chain_start") == 3


def test_error_methods() -> None:
    log = Log()

    def boom(x: int) -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        (RunnableLambda(lambda x: x) | boom).invoke(1, {"callbacks": [log]})
    errors = [(arg, kw["parent_run_id"] is None) for m, arg, kw in log.calls if "error" in m]
    assert [(type(e).__name__, root) for e, root in errors] == [
        ("ValueError", False),
        ("ValueError", True),
    ]


class _Tool(Runnable[dict[str, Any], int]):
    run_type = "tool"
    name = "adder"

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kw: Any) -> int:
        args = input["args"] if input.get("type") == "tool_call" else input
        return int(args["a"] + args["b"])


class _Retriever(Runnable[str, list[str]]):
    run_type = "retriever"

    def invoke(self, input: str, config: RunnableConfig | None = None, **kw: Any) -> list[str]:
        return [input, input]


def test_run_type_tool_and_retriever_call_their_methods() -> None:
    log = Log()
    _Tool().invoke(
        {"type": "tool_call", "name": "adder", "args": {"a": 1, "b": 2}, "id": "c1"},
        {"callbacks": [log]},
    )
    _Retriever().invoke("q", {"callbacks": [log]})
    assert log.methods() == [
        "on_tool_start",
        "on_tool_end",
        "on_retriever_start",
        "on_retriever_end",
    ]
    _, input_str, start = log.calls[0]
    assert input_str == "{'a': 1, 'b': 2}"
    assert (start["inputs"], start["tool_call_id"], start["name"]) == (
        {"a": 1, "b": 2},
        "c1",
        "adder",
    )
    assert log.calls[1][1] == 3
    assert log.calls[2][1] == "q"
    assert log.calls[3][1] == ["q", "q"]


def test_custom_events_reach_on_custom_event_with_the_step_run_id() -> None:
    log = Log()

    def step(x: int) -> int:
        dispatch_custom_event("progress", {"done": x})
        return x

    RunnableLambda(step, name="step").invoke(7, {"callbacks": [log]})
    step_run = log.calls[0][2]["run_id"]
    custom = [(arg, kw["run_id"]) for m, arg, kw in log.calls if m == "on_custom_event"]
    assert custom == [(("progress", {"done": 7}), step_run)]


def test_custom_event_without_listeners_is_a_no_op_and_bad_names_raise() -> None:
    assert RunnableLambda(lambda x: dispatch_custom_event("e", x) or x).invoke(1) == 1
    with pytest.raises(ValueError, match="non-empty string name"):
        dispatch_custom_event("", 1)


async def test_adispatch_custom_event_awaits_async_handlers() -> None:
    seen: list[Any] = []

    class Async(AsyncCallbackHandler):
        async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
            await asyncio.sleep(0)
            seen.append((name, data))

    async def step(x: int) -> int:
        await adispatch_custom_event("e", x)
        assert seen == [("e", x)]  # finished before adispatch returned
        return x

    assert await RunnableLambda(step).ainvoke(5, {"callbacks": [Async()]}) == 5


def test_on_retry_once_per_retried_attempt() -> None:
    log = Log()
    attempts: list[int] = []

    def flaky(x: int) -> int:
        attempts.append(x)
        if len(attempts) < 3:
            raise TimeoutError("again")
        return x

    retried = RunnableLambda(flaky).with_retry(
        stop_after_attempt=3, wait_exponential_jitter=False, initial_wait=0
    )
    assert retried.invoke(1, {"callbacks": [log]}) == 1
    states = [arg for m, arg, _ in log.calls if m == "on_retry"]
    assert [s.attempt_number for s in states] == [1, 2]
    assert all(isinstance(s, RetryState) and s.outcome.failed for s in states)
    assert isinstance(states[0].outcome.exception(), TimeoutError)


class AsyncLog(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.order: list[str] = []

    async def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        await asyncio.sleep(0)  # yields to the loop: order must still hold
        self.order.append(f"start {kwargs['name']}")

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self.order.append(f"end {outputs}")


async def test_async_handler_is_awaited_in_order_before_ainvoke_returns() -> None:
    log = AsyncLog()
    assert await _chain().ainvoke(1, {"callbacks": [log]}) == 4
    assert log.order == ["start calc", "start inc", "end 2", "start dbl", "end 4", "end 4"]


async def test_async_handler_on_astream() -> None:
    log = AsyncLog()
    assert [c async for c in _chain().astream(1, {"callbacks": [log]})] == [4]
    assert log.order[0] == "start calc"
    assert log.order[-1] == "end 4"
    assert len(log.order) == 6


def test_async_handler_on_a_sync_path_runs_to_completion() -> None:
    log = AsyncLog()
    assert _chain().invoke(1, {"callbacks": [log]}) == 4
    assert log.order == ["start calc", "start inc", "end 2", "start dbl", "end 4", "end 4"]


async def test_async_handler_on_a_sync_call_inside_a_running_loop() -> None:
    log = AsyncLog()
    assert _chain().invoke(1, {"callbacks": [log]}) == 4  # blocks the loop: a helper thread
    assert len(log.order) == 6


async def test_async_handler_error_with_raise_error_fails_ainvoke() -> None:
    class Strict(AsyncCallbackHandler):
        raise_error = True

        async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            raise RuntimeError("async refusal")

    with pytest.raises(RuntimeError, match="async refusal"):
        await _chain().ainvoke(1, {"callbacks": [Strict()]})


def test_global_listener_sees_root_runs_until_removed() -> None:
    rec = Recorder()
    add_global_listener(rec)
    try:
        assert _chain().invoke(1) == 4
        per_call = Recorder()
        _chain().invoke(1, {"callbacks": [per_call]})  # merged with the per-call listeners
    finally:
        remove_global_listener(rec)
    assert rec.names("start").count("calc") == 2
    assert per_call.names("start") == ["calc", "inc", "dbl"]
    _chain().invoke(1)
    assert rec.names("start").count("calc") == 2


def test_on_chunk_sees_each_streamed_chunk() -> None:
    chunks: list[tuple[str, Any]] = []

    class Chunks(Listener):
        def on_chunk(self, run: Run, chunk: Any) -> None:
            chunks.append((run.name, chunk))

    def gen(items: Iterator[str]) -> Iterator[str]:
        for item in items:
            yield from item

    from pipes._core import RunnableGenerator

    list(RunnableGenerator(gen).stream("ab", {"callbacks": [Chunks()]}))
    assert chunks == [("gen", "a"), ("gen", "b")]


class _NotAHandler:
    def on_chain_start(self, *args: Any, **kwargs: Any) -> None: ...


@pytest.mark.parametrize(
    ("callbacks", "message"),
    [
        ([_NotAHandler()], r"holds a .*_NotAHandler, which is not a pipes listener"),
        (Log(), r"must be a list of listeners .* got Log: pass callbacks=\[handler\]"),
    ],
)
def test_callbacks_that_are_not_listeners_are_refused(callbacks: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        _chain().invoke(1, {"callbacks": callbacks})
