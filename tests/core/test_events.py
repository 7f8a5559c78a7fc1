"""`astream_events`: LangChain v2 events (sequences captured from langchain-core 1.8.3 for the
same chains), filters, errors, and liveness inside every composite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pipes._core import (
    Runnable,
    RunnableBranch,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    dispatch_custom_event,
)

EVENT_KEYS = ["data", "event", "metadata", "name", "parent_ids", "run_id", "tags"]


def add1(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return x * 2


async def _events(runnable: Runnable[Any, Any], input: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [event async for event in runnable.astream_events(input, **kwargs)]


def _shape(events: list[dict[str, Any]]) -> list[tuple[str, str, int, list[str]]]:
    return [(e["event"], e["name"], len(e["parent_ids"]), sorted(e["data"])) for e in events]


# What langchain-core 1.8.3 emits for the same chains (astream_events(1, version="v2")).
LANGCHAIN_TWO_LAMBDAS = [
    ("on_chain_start", "RunnableSequence", 0, ["input"]),
    ("on_chain_start", "add1", 1, []),
    ("on_chain_stream", "add1", 1, ["chunk"]),
    ("on_chain_start", "double", 1, []),
    ("on_chain_end", "add1", 1, ["input", "output"]),
    ("on_chain_stream", "double", 1, ["chunk"]),
    ("on_chain_stream", "RunnableSequence", 0, ["chunk"]),
    ("on_chain_end", "double", 1, ["input", "output"]),
    ("on_chain_end", "RunnableSequence", 0, ["output"]),
]
LANGCHAIN_CUSTOM = [
    ("on_chain_start", "custom", 0, ["input"]),
    ("on_custom_event", "progress", 0, ["n"]),
    ("on_chain_stream", "custom", 0, ["chunk"]),
    ("on_chain_end", "custom", 0, ["output"]),
]


async def test_two_lambdas_like_langchain() -> None:
    events = await _events(RunnableLambda(add1) | RunnableLambda(double), 1)
    assert _shape(events) == LANGCHAIN_TWO_LAMBDAS
    assert all(sorted(e) == EVENT_KEYS for e in events)
    root = events[0]
    assert isinstance(root["run_id"], str)
    assert root["data"] == {"input": 1}
    assert events[-1]["data"] == {"output": 4}
    assert events[4]["data"] == {"input": 1, "output": 2}
    assert all(
        e["parent_ids"] == [root["run_id"]] for e in events[1:-1] if e["name"] != root["name"]
    )


async def test_custom_event_like_langchain() -> None:
    def custom(x: int) -> int:
        dispatch_custom_event("progress", {"n": x})
        return x

    events = await _events(RunnableLambda(custom), 1)
    assert _shape(events) == LANGCHAIN_CUSTOM
    assert events[1]["data"] == {"n": 1}
    assert events[1]["run_id"] == events[0]["run_id"]


async def test_nested_parent_ids_are_root_first() -> None:
    inner = RunnableLambda(add1) | RunnableLambda(double)
    outer = RunnableLambda(lambda x: x, name="first") | inner.with_config(run_name="inner")
    events = await _events(outer, 1)
    by_name = {e["name"]: e for e in events if e["event"].endswith("_start")}
    root, mid = by_name["RunnableSequence"]["run_id"], by_name["inner"]["run_id"]
    assert by_name["double"]["parent_ids"] == [root, mid]


async def test_tags_and_metadata_are_inherited() -> None:
    chain = RunnableLambda(add1) | RunnableLambda(double).with_config(tags=["inner"])
    events = await _events(chain, 1, config={"tags": ["outer"], "metadata": {"user": "u"}})
    double_start = next(
        e for e in events if e["event"] == "on_chain_start" and e["name"] == "double"
    )
    # LangChain: ['seq:step:2', 'inner', 'outer'] (it puts a binding's tags first).
    assert double_start["tags"] == ["seq:step:2", "outer", "inner"]
    assert double_start["metadata"] == {"user": "u"}


async def test_filters() -> None:
    chain = RunnableLambda(add1) | RunnableLambda(double).with_config(tags=["mine"])
    names = [(e["event"], e["name"]) for e in await _events(chain, 1, include_names=["double"])]
    assert names == [
        ("on_chain_start", "double"),
        ("on_chain_stream", "double"),
        ("on_chain_end", "double"),
    ]
    assert await _events(chain, 1, exclude_types=["chain"]) == []
    tagged = await _events(chain, 1, include_tags=["mine"])
    assert {e["name"] for e in tagged} == {"double"}
    rest = await _events(chain, 1, exclude_names=["double"], exclude_tags=["none"])
    assert "double" not in {e["name"] for e in rest}


async def test_positional_tags_like_langchain() -> None:
    # langchain-core 1.8.3 for the same runnable: the step and branch tags, not inherited.
    parallel = RunnableParallel(
        a=RunnableLambda(add1) | RunnableLambda(double), b=RunnableLambda(double)
    )
    events = await _events(parallel, 1)
    starts = {(e["name"], tuple(e["tags"])) for e in events if e["event"] == "on_chain_start"}
    assert starts == {
        ("Parallel<a,b>", ()),
        ("RunnableSequence", ("map:key:a",)),
        ("double", ("map:key:b",)),
        ("add1", ("seq:step:1",)),
        ("double", ("seq:step:2",)),
    }


def test_only_v2_is_supported() -> None:
    with pytest.raises(ValueError, match="pass version='v2'"):
        RunnableLambda(add1).astream_events(1, version="v1")


async def test_a_failing_run_raises_after_its_events() -> None:
    def boom(x: int) -> int:
        raise ZeroDivisionError("boom")

    seen: list[str] = []

    async def consume() -> None:
        async for event in (RunnableLambda(add1) | RunnableLambda(boom)).astream_events(1):
            seen.append(event["event"])

    with pytest.raises(ZeroDivisionError, match="boom"):
        await consume()
    assert seen[0] == "on_chain_start"
    assert "on_chain_error" not in seen  # LangChain v2 reports chain errors by raising


async def test_a_consumer_leaving_early_cancels_the_run() -> None:
    started = asyncio.Event()
    finished: list[bool] = []

    async def slow(x: int) -> int:
        started.set()
        await asyncio.Event().wait()  # never set: only cancellation ends it
        finished.append(True)
        return x

    events = RunnableLambda(slow).astream_events(1)
    first = await events.__anext__()
    assert first["event"] == "on_chain_start"
    await asyncio.wait_for(started.wait(), 5)
    await events.aclose()  # type: ignore[attr-defined]
    assert finished == []


# -- liveness: the first chunk event arrives while the run still waits for the consumer ------


class Gated(Runnable[Any, str]):
    """Yields "first", then waits until the test saw it as an event, then "second"."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.name = "gated"

    async def astream(self, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[str]:
        yield "first"
        await self.gate.wait()
        yield "second"

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> str:
        return "".join([c async for c in self.astream(input, config)])


def _flaky_then(gated: Gated) -> Runnable[Any, Any]:
    calls: list[int] = []

    async def flaky(x: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError("once")
        return gated

    return RunnableLambda(flaky)


async def _fail(x: Any) -> Any:
    raise ValueError("primary fails")


LIVE: dict[str, Callable[[Gated], Runnable[Any, Any]]] = {
    "alone": lambda g: g,
    "sequence": lambda g: RunnableLambda(lambda x: x) | g,
    "parallel": lambda g: RunnableParallel(a=g, b=RunnableLambda(lambda x: x)),
    "branch": lambda g: RunnableBranch((lambda x: True, g), RunnableLambda(lambda x: x)),
    "lambda returning a runnable": lambda g: RunnableLambda(lambda x: g),
    "retry": lambda g: _flaky_then(g).with_retry(initial_wait=0, wait_exponential_jitter=False),
    "fallbacks": lambda g: RunnableLambda(_fail).with_fallbacks([g]),
    "assign": lambda g: RunnablePassthrough.assign(out=g),
    "generator after": lambda g: g | RunnableGenerator(_upper),
}


async def _upper(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk.upper()


@pytest.mark.parametrize("name", LIVE)
async def test_events_are_live(name: str) -> None:
    gated = Gated()
    runnable = LIVE[name](gated)

    async def consume() -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        async for event in runnable.astream_events({"x": 1} if name == "assign" else 1):
            seen.append((event["event"], event["name"]))
            if event["name"] == "gated" and event["event"] == "on_chain_stream":
                gated.gate.set()  # the run waits for this: only a live stream gets here
        return seen

    seen = await asyncio.wait_for(consume(), 10)
    streams = [e for e in seen if e == ("on_chain_stream", "gated")]
    assert len(streams) == 2


class _FailingTool(Runnable[dict[str, Any], int]):
    run_type = "tool"
    name = "boom"

    def invoke(self, input: dict[str, Any], config: Any = None, **kwargs: Any) -> int:
        raise ValueError("x")


async def test_a_failing_tool_reports_on_tool_error_then_raises() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def consume() -> None:
        async for event in _FailingTool().astream_events({"x": 1}):
            seen.append((event["event"], event["data"]))

    with pytest.raises(ValueError, match="x"):
        await consume()
    assert [kind for kind, _ in seen] == ["on_tool_start", "on_tool_error"]
    assert seen[0][1] == {"input": {"x": 1}}
    error = seen[1][1]
    assert isinstance(error["error"], ValueError)
    assert error["input"] == {"x": 1}
