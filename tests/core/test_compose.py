"""`|` coercion on both sides, streaming through compositions, chunks that add."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from operator import itemgetter
from typing import Any

import pytest

from pipes._core import (
    AddableDict,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableSequence,
    coerce_to_runnable,
    merge_chunks,
)
from pipes._errors import InvalidRunnableError


def _inc(x: int) -> int:
    return x + 1


async def _ainc(x: int) -> int:
    return x + 1


def _chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def _achars(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        for char in chunk:
            yield char


# -- coercion -------------------------------------------------------------------------


def test_callable_on_the_left_and_right() -> None:
    r = RunnableLambda(_inc)
    left = _inc | r
    right = r | _inc
    assert isinstance(left, RunnableSequence)
    assert isinstance(right, RunnableSequence)
    assert left.invoke(1) == right.invoke(1) == 3
    assert [s.get_name() for s in left.steps] == ["_inc", "_inc"]


def test_dict_on_the_left_and_right() -> None:
    r1, r2 = RunnableLambda(_inc), RunnableLambda(lambda x: x * 2)
    left = {"a": r1, "b": r2} | RunnableLambda(lambda d: d["a"] + d["b"])
    assert isinstance(left.steps[0], RunnableParallel)
    assert left.invoke(3) == 10
    right = r1 | {"a": r1, "b": lambda x: -x}
    assert right.invoke(1) == {"a": 3, "b": -2}


def test_nested_dicts_coerce_recursively() -> None:
    chain = RunnableLambda(_inc) | {"outer": {"inner": _inc}, "same": RunnablePassthrough()}
    assert chain.invoke(1) == {"outer": {"inner": 3}, "same": 2}


async def test_async_function_step() -> None:
    chain = _ainc | RunnableLambda(_ainc) | _ainc
    assert await chain.ainvoke(0) == 3
    with pytest.raises(NotImplementedError):
        chain.invoke(0)


def test_generator_functions_become_streaming_steps() -> None:
    chain = RunnableLambda(lambda s: s * 2) | _chars
    assert isinstance(chain.steps[1], RunnableGenerator)
    assert list(chain.stream("ab")) == ["a", "b", "a", "b"]
    left = _chars | RunnableLambda(str.upper)
    assert isinstance(left.steps[0], RunnableGenerator)
    assert left.invoke("ab") == "AB"


async def test_async_generator_function_step() -> None:
    chain = RunnableLambda(lambda s: s) | _achars
    assert [c async for c in chain.astream("xy")] == ["x", "y"]
    assert await chain.ainvoke("xy") == "xy"


def test_itemgetter_and_pipe_and_flattening() -> None:
    chain = RunnableLambda(lambda x: {"a": x}) | itemgetter("a")
    assert chain.invoke(5) == 5
    three = RunnableLambda(_inc) | _inc | _inc
    assert len(three.steps) == 3  # unnamed sequences flatten
    piped = RunnableLambda(_inc).pipe(_inc, _inc, name="p")
    assert piped.invoke(0) == 3
    assert piped.get_name() == "p"
    outer = RunnableLambda(_inc) | piped
    assert len(outer.steps) == 2  # named sequences stay one step


@pytest.mark.parametrize("bad", [42, "text", None, [1, 2]])
def test_piping_a_non_runnable_names_it(bad: Any) -> None:
    r = RunnableLambda(_inc)
    with pytest.raises(InvalidRunnableError, match=r"cannot use .* as right of `\|`") as info:
        r | bad
    assert repr(bad)[:20] in str(info.value)
    assert "expected a Runnable" in str(info.value)
    with pytest.raises(InvalidRunnableError, match=r"left of `\|`"):
        bad | r
    assert isinstance(info.value, TypeError)


def test_coerce_errors_name_the_position() -> None:
    with pytest.raises(InvalidRunnableError, match=r"parallel step 'x'"):
        RunnableParallel(x=3)
    with pytest.raises(InvalidRunnableError, match=r"3 \(type int\)"):
        coerce_to_runnable(3)


# -- streaming through compositions ---------------------------------------------------


def test_first_chunk_of_last_step_arrives_before_first_step_finishes() -> None:
    release = threading.Event()
    first_finished = threading.Event()

    def first(chunks: Iterator[str]) -> Iterator[str]:
        for _ in chunks:
            yield "a"
            assert release.wait(timeout=10), "the consumer never saw the first chunk"
            yield "b"
        first_finished.set()

    def last(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield chunk.upper()

    chain = (
        RunnableGenerator(first)
        | RunnablePassthrough()
        | RunnableGenerator(last).with_config(tags=["x"])
        | RunnableGenerator(last)
    )
    stream = chain.stream("go")
    assert next(stream) == "A"
    assert not first_finished.is_set()
    release.set()
    assert list(stream) == ["B"]
    assert first_finished.is_set()


async def test_first_chunk_of_last_step_arrives_early_async() -> None:
    release = asyncio.Event()
    first_finished = asyncio.Event()

    async def first(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for _ in chunks:
            yield "a"
            await asyncio.wait_for(release.wait(), timeout=10)
            yield "b"
        first_finished.set()

    async def last(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            yield chunk.upper()

    chain = RunnableGenerator(first) | RunnablePassthrough() | RunnableGenerator(last)
    stream = chain.astream("go")
    assert await stream.__anext__() == "A"
    assert not first_finished.is_set()
    release.set()
    assert [c async for c in stream] == ["B"]
    assert first_finished.is_set()


async def test_sync_generator_step_streams_inside_astream() -> None:
    release = asyncio.Event()
    first_finished = asyncio.Event()

    async def first(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for _ in chunks:
            yield "a"
            await asyncio.wait_for(release.wait(), timeout=10)
            yield "b"
        first_finished.set()

    chain = RunnableGenerator(first) | _chars  # the second step is a *sync* generator
    stream = chain.astream("go")
    assert await stream.__anext__() == "a"
    assert not first_finished.is_set()
    release.set()
    assert [c async for c in stream] == ["b"]


def test_non_streaming_steps_fold_their_input() -> None:
    seen: list[Any] = []

    def record(s: str) -> str:
        seen.append(s)
        return s

    chain = RunnableLambda(lambda s: s) | _chars | record | _chars
    assert list(chain.stream("abc")) == ["a", "b", "c"]
    assert seen == ["abc"]


def test_parallel_streams_merged_addable_chunks() -> None:
    parallel = RunnableParallel(a=_chars, b=RunnableLambda(lambda s: len(s)))
    chunks = list(parallel.stream("xyz"))
    assert all(isinstance(c, AddableDict) and len(c) == 1 for c in chunks)
    assert sorted(c for chunk in chunks for c in chunk) == ["a", "a", "a", "b"]
    assert merge_chunks(chunks) == {"a": "xyz", "b": 3}
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total == {"a": "xyz", "b": 3}


async def test_parallel_astream_merged_chunks() -> None:
    parallel = RunnableParallel(a=_achars, b=_chars)
    chunks = [c async for c in parallel.astream("xy")]
    assert len(chunks) == 4
    assert merge_chunks(chunks) == {"a": "xy", "b": "xy"}


def test_assign_streams_the_input_then_the_new_keys() -> None:
    chain = RunnableLambda(lambda s: {"text": s}) | RunnablePassthrough.assign(
        chars=itemgetter("text") | RunnableGenerator(_chars)
    )
    chunks = list(chain.stream("ab"))
    assert chunks[0] == {"text": "ab"}
    assert chunks[1:] == [{"chars": "a"}, {"chars": "b"}]
    assert merge_chunks(chunks) == {"text": "ab", "chars": "ab"}


def test_addable_dict_and_merge_chunks() -> None:
    a = AddableDict(x="he", n=None)
    b = AddableDict(x="llo", n=1, y=[1])
    assert a + b == {"x": "hello", "n": 1, "y": [1]}
    assert {"x": "a"} + AddableDict(x="b") == {"x": "ab"}
    assert merge_chunks(["a", "b", "c"]) == "abc"
    assert merge_chunks([[1], [2, 3]]) == [1, 2, 3]
    assert merge_chunks([1, 2, 3]) == 6
    assert merge_chunks([{"a": "x"}, {"a": "y", "b": None}]) == {"a": "xy", "b": None}
    assert merge_chunks([object]) is object
    with pytest.raises(ValueError, match="at least one chunk"):
        merge_chunks([])

    class Linear:
        calls = 0

        def __init__(self, v: str) -> None:
            self.v = v

        @classmethod
        def merge_chunks(cls, chunks: Any) -> Linear:
            cls.calls += 1
            return Linear("".join(c.v for c in chunks))

    assert merge_chunks([Linear("a"), Linear("b"), Linear("c")]).v == "abc"
    assert Linear.calls == 1


async def test_sync_generator_error_inside_astream_is_raised_and_located() -> None:
    def broken(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield chunk
            raise KeyError("broken")

    chain = RunnableSequence(_achars, broken, _achars, name="s")
    stream = chain.astream("xy")
    assert await stream.__anext__() == "x"
    with pytest.raises(KeyError) as info:
        await stream.__anext__()
    assert info.value.__notes__ == ["in step 2 'broken' of sequence 's'"]


async def test_sync_generator_inside_astream_stops_when_the_consumer_stops() -> None:
    closed = threading.Event()

    def endless(chunks: Iterator[str]) -> Iterator[str]:
        try:
            for chunk in chunks:
                while True:
                    yield chunk
        finally:
            closed.set()

    stream = (RunnableLambda(lambda s: s) | _achars | endless).astream("ab")
    assert [await stream.__anext__() for _ in range(3)] == ["a", "a", "a"]
    await stream.aclose()
    assert await asyncio.to_thread(closed.wait, 10)


def test_assign_stream_replacing_a_key_merges_to_the_new_value() -> None:
    r = RunnablePassthrough.assign(a=lambda d: d["a"] * 100)
    chunks = list(r.stream({"a": 2, "b": "x"}))
    assert merge_chunks(chunks) == r.invoke({"a": 2, "b": "x"}) == {"a": 200, "b": "x"}


async def test_assign_astream_replacing_a_key() -> None:
    r = RunnablePassthrough.assign(a=lambda d: "new")
    chunks = [c async for c in r.astream({"a": "old"})]
    assert merge_chunks(chunks) == {"a": "new"}


def test_deeply_nested_parallels_do_not_deadlock_the_shared_pool() -> None:
    # 4 levels of 4 branches: 256 leaves, far more than the 64 worker threads; a branch whose
    # worker never starts is run by its parent's thread instead of waiting for a slot.
    leaf: Any = RunnableLambda(lambda x: x + 1)
    for _ in range(4):
        leaf = RunnableParallel({str(i): leaf for i in range(4)}) | (lambda d: sum(d.values()))
    assert leaf.invoke(0) == 256


def test_parallel_stream_consumer_stops_early() -> None:
    produced: list[int] = []

    def endless(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            while len(produced) < 10_000:
                produced.append(1)
                yield chunk

    stream = RunnableParallel(a=endless).stream("x")
    assert next(stream) == {"a": "x"}
    pumps = [t for t in threading.enumerate() if t.name == "pipes-parallel-a"]
    stream.close()
    for pump in pumps:  # the branch's thread stops at its next chunk
        pump.join(timeout=10)
        assert not pump.is_alive()
    assert len(produced) < 100  # backpressure: a branch runs only a little ahead
