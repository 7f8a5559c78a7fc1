"""Config reaches nested runnables without plumbing: user functions, threads, tasks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from pipes._core import (
    Runnable,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    ensure_config,
    get_config,
    merge_configs,
    run_in_thread,
)

CONFIG: RunnableConfig = {
    "tags": ["outer"],
    "metadata": {"user": "ada"},
    "configurable": {"temperature": 0.5},
}


class Spy(Runnable[Any, Any]):
    """Records the config it sees through ensure_config() (no plumbing)."""

    def __init__(self) -> None:
        self.seen: list[RunnableConfig] = []

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> Any:
        self.seen.append(ensure_config(config))
        return input


def _assert_seen(spy: Spy, count: int) -> None:
    assert len(spy.seen) == count
    for config in spy.seen:
        assert config.get("tags") == ["outer"]
        assert config.get("metadata") == {"user": "ada"}
        assert config.get("configurable") == {"temperature": 0.5}


def test_nested_runnable_inside_a_user_function() -> None:
    spy = Spy()
    outer = RunnableLambda(lambda x: spy.invoke(x)) | (lambda x: spy.invoke(x))
    assert outer.invoke(1, CONFIG) == 1
    _assert_seen(spy, 2)
    assert get_config() == {}  # nothing leaks out of the call


def test_user_function_reads_config_with_ensure_config_and_config_param() -> None:
    seen: list[Any] = []

    def reads(x: int) -> int:
        seen.append(ensure_config().get("tags"))
        return x

    def takes(x: int, config: RunnableConfig) -> int:
        seen.append(config.get("tags"))
        return x

    (RunnableLambda(reads) | takes).invoke(1, {"tags": ["a"]})
    assert seen == [["a"], ["a"]]


async def test_async_user_function_reads_config() -> None:
    seen: list[Any] = []

    async def reads(x: int) -> int:
        seen.append(get_config().get("metadata"))
        return x

    async def takes(x: int, config: RunnableConfig) -> int:
        seen.append(config.get("metadata"))
        return x

    await (RunnableLambda(reads) | takes).ainvoke(1, {"metadata": {"k": 1}})
    assert seen == [{"k": 1}, {"k": 1}]


def test_batch_worker_threads() -> None:
    spy = Spy()
    outer = RunnableLambda(lambda x: spy.invoke(x))
    assert outer.batch([1, 2, 3, 4], CONFIG) == [1, 2, 3, 4]
    _assert_seen(spy, 4)
    assert sorted(p for p in outer.batch_as_completed([1, 2], CONFIG)) == [(0, 1), (1, 2)]
    _assert_seen(spy, 6)


async def test_abatch_and_sync_steps_in_threads() -> None:
    spy = Spy()
    outer = RunnableLambda(lambda x: spy.invoke(x))
    assert await outer.abatch([1, 2, 3], CONFIG) == [1, 2, 3]
    _assert_seen(spy, 3)
    assert sorted([p async for p in outer.abatch_as_completed([1, 2], CONFIG)]) == [
        (0, 1),
        (1, 2),
    ]
    _assert_seen(spy, 5)


def test_batch_with_a_config_per_input() -> None:
    spy = Spy()
    spy.batch([1, 2], [{"tags": ["a"]}, {"tags": ["b"]}])
    assert sorted(c["tags"][0] for c in spy.seen) == ["a", "b"]


def test_parallel_branches_sync_and_stream() -> None:
    spy = Spy()
    inner = RunnableLambda(lambda x: spy.invoke(x))
    parallel = RunnableParallel(a=inner, b=inner, c=lambda x: spy.invoke(x))
    assert parallel.invoke(1, CONFIG) == {"a": 1, "b": 1, "c": 1}
    _assert_seen(spy, 3)
    list(parallel.stream(1, CONFIG))
    _assert_seen(spy, 6)


async def test_parallel_branches_async() -> None:
    spy = Spy()
    inner = RunnableLambda(lambda x: spy.invoke(x))
    parallel = RunnableParallel(a=inner, b=inner)
    assert await parallel.ainvoke(1, CONFIG) == {"a": 1, "b": 1}
    _assert_seen(spy, 2)
    [c async for c in parallel.astream(1, CONFIG)]
    _assert_seen(spy, 4)


async def test_asyncio_tasks_created_by_user_code() -> None:
    spy = Spy()

    async def fan_out(x: int) -> list[int]:
        tasks = [asyncio.create_task(spy.ainvoke(x + i)) for i in range(3)]
        return list(await asyncio.gather(*tasks))

    assert await RunnableLambda(fan_out).ainvoke(1, CONFIG) == [1, 2, 3]
    _assert_seen(spy, 3)


async def test_run_in_thread_from_user_code() -> None:
    spy = Spy()

    async def offload(x: int) -> int:
        return await run_in_thread(spy.invoke, x)

    assert await RunnableLambda(offload).ainvoke(5, CONFIG) == 5
    _assert_seen(spy, 1)


def test_streaming_generator_step_sees_config() -> None:
    seen: list[Any] = []

    def gen(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            seen.append(get_config().get("tags"))
            yield chunk

    chain = RunnableLambda(lambda s: s) | RunnableGenerator(gen)
    assert "".join(chain.stream("ab", {"tags": ["s"]})) == "ab"
    assert seen == [["s"]]
    assert get_config() == {}


async def test_async_generator_step_sees_config() -> None:
    seen: list[Any] = []

    async def agen(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            seen.append(get_config().get("tags"))
            yield chunk

    chain = RunnableLambda(lambda s: s) | RunnableGenerator(agen)
    assert "".join([c async for c in chain.astream("ab", {"tags": ["s"]})]) == "ab"
    assert seen == [["s"]]
    assert get_config() == {}


def test_with_config_merges_with_the_callers_config() -> None:
    spy = Spy()
    bound = spy.with_config(tags=["bound"], metadata={"b": 2})
    bound.invoke(1, {"tags": ["call"], "metadata": {"a": 1}})
    assert spy.seen[-1]["tags"] == ["call", "bound"]
    assert spy.seen[-1]["metadata"] == {"a": 1, "b": 2}
    # And from the enclosing run, with no config passed at all.
    RunnableLambda(lambda x: bound.invoke(x)).invoke(1, {"tags": ["ctx"]})
    assert spy.seen[-1]["tags"] == ["ctx", "bound"]


def test_merge_configs() -> None:
    merged = merge_configs(
        {"tags": ["a"], "metadata": {"x": 1}, "max_concurrency": 2},
        None,
        {"tags": ["a", "b"], "metadata": {"y": 2}, "max_concurrency": 5, "run_name": "n"},
    )
    assert merged == {
        "tags": ["a", "b"],
        "metadata": {"x": 1, "y": 2},
        "max_concurrency": 5,
        "run_name": "n",
    }


def test_ensure_config_prefers_explicit_then_context_then_empty() -> None:
    assert ensure_config() == {}
    assert ensure_config({"tags": ["x"]}) == {"tags": ["x"]}
    seen: list[RunnableConfig] = []
    RunnableLambda(lambda x: seen.append(ensure_config())).invoke(1, {"tags": ["ctx"]})
    assert seen[0]["tags"] == ["ctx"]


def test_config_does_not_leak_from_a_partly_consumed_stream() -> None:
    def gen(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    stream = RunnableGenerator(gen).stream("abc", {"tags": ["inner"]})
    assert next(stream) == "a"
    assert get_config() == {}
    stream.close()
    assert get_config() == {}


async def test_config_does_not_leak_from_a_partly_consumed_astream() -> None:
    async def agen(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            for char in chunk:
                yield char

    stream = RunnableGenerator(agen).astream("abc", {"tags": ["inner"]})
    assert await stream.__anext__() == "a"
    assert get_config() == {}
    await stream.aclose()
    assert get_config() == {}


def test_sequence_passes_kwargs_to_its_first_step_only() -> None:
    class Kw(Runnable[int, int]):
        def __init__(self) -> None:
            self.seen: list[dict[str, Any]] = []

        def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
            self.seen.append(kw)
            return input

    first, second = Kw(), Kw()
    (first | second).invoke(1, flag=True)
    assert first.seen == [{"flag": True}]
    assert second.seen == [{}]


def test_concurrent_calls_in_threads_keep_their_own_config() -> None:
    import threading

    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, list[Any]] = {"a": [], "b": []}

    def step(key: str) -> str:
        barrier.wait()  # both calls are inside the chain at the same time
        seen[key].append(get_config().get("tags"))
        return key

    chain = RunnableLambda(lambda k: k) | step | (lambda k: step(k))
    threads = [
        threading.Thread(target=chain.invoke, args=(key, {"tags": [key]})) for key in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == {"a": [["a"], ["a"]], "b": [["b"], ["b"]]}


async def test_concurrent_tasks_keep_their_own_config() -> None:
    barrier = asyncio.Barrier(2)
    seen: dict[str, list[Any]] = {"a": [], "b": []}

    async def step(key: str) -> str:
        await asyncio.wait_for(barrier.wait(), timeout=10)
        seen[key].append(get_config().get("tags"))
        return key

    chain = RunnableLambda(step) | RunnableGenerator(_passthrough_gen)
    await asyncio.gather(
        chain.ainvoke("a", {"tags": ["a"]}),
        chain.ainvoke("b", {"tags": ["b"]}),
    )
    assert seen == {"a": [["a"]], "b": [["b"]]}


async def _passthrough_gen(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk
