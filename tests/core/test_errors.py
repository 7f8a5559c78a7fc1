"""Errors: located by notes (same object), misuse messages, recursion, short tracebacks."""

from __future__ import annotations

import os
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any

import pytest

import pipes
from pipes._core import Runnable, RunnableGenerator, RunnableLambda, RunnableSequence
from pipes._errors import RecursionLimitError

RAISED: list[BaseException] = []


def _parse(x: Any) -> Any:
    error = ValueError("cannot parse")
    RAISED.append(error)
    raise error


def _ok(x: Any) -> Any:
    return x


def _chain() -> RunnableSequence[Any, Any]:
    return RunnableSequence(
        RunnableLambda(_ok, name="load"),
        RunnableLambda(_ok, name="clean"),
        RunnableLambda(_parse, name="parse"),
        RunnableLambda(_ok, name="save"),
        name="my_chain",
    )


EXPECTED_NOTE = "in step 3 'parse' of sequence 'my_chain'"


def _call_invoke(r: Runnable[Any, Any]) -> Any:
    return r.invoke(1)


def _call_stream(r: Runnable[Any, Any]) -> Any:
    return list(r.stream(1))


def _call_batch(r: Runnable[Any, Any]) -> Any:
    return r.batch([1])


async def _call_ainvoke(r: Runnable[Any, Any]) -> Any:
    return await r.ainvoke(1)


async def _call_astream(r: Runnable[Any, Any]) -> Any:
    return [c async for c in r.astream(1)]


SYNC = {"invoke": _call_invoke, "stream": _call_stream, "batch": _call_batch}
ASYNC = {"ainvoke": _call_ainvoke, "astream": _call_astream}


@pytest.mark.parametrize("mode", list(SYNC))
def test_note_names_the_failing_step_sync(mode: str) -> None:
    RAISED.clear()
    with pytest.raises(ValueError, match="cannot parse") as info:
        SYNC[mode](_chain())
    assert info.value is RAISED[-1]
    assert info.value.__notes__ == [EXPECTED_NOTE]


@pytest.mark.parametrize("mode", list(ASYNC))
async def test_note_names_the_failing_step_async(mode: str) -> None:
    RAISED.clear()
    with pytest.raises(ValueError, match="cannot parse") as info:
        await ASYNC[mode](_chain())
    assert info.value is RAISED[-1]
    assert info.value.__notes__ == [EXPECTED_NOTE]


def _nested() -> RunnableSequence[Any, Any]:
    inner = RunnableSequence(
        RunnableLambda(_ok, name="a"), RunnableLambda(_parse, name="b"), name="inner"
    )
    return RunnableSequence(
        RunnableLambda(_ok, name="first"), inner, RunnableLambda(_ok, name="last"), name="outer"
    )


NESTED_NOTES = [
    "in step 2 'b' of sequence 'inner'",
    "in step 2 'inner' of sequence 'outer'",
]


@pytest.mark.parametrize("mode", list(SYNC))
def test_nested_sequences_one_note_per_level_sync(mode: str) -> None:
    RAISED.clear()
    with pytest.raises(ValueError) as info:
        SYNC[mode](_nested())
    assert info.value is RAISED[-1]
    assert info.value.__notes__ == NESTED_NOTES


@pytest.mark.parametrize("mode", list(ASYNC))
async def test_nested_sequences_one_note_per_level_async(mode: str) -> None:
    RAISED.clear()
    with pytest.raises(ValueError) as info:
        await ASYNC[mode](_nested())
    assert info.value is RAISED[-1]
    assert info.value.__notes__ == NESTED_NOTES


def _gen(chunks: Iterator[Any]) -> Iterator[Any]:
    yield from chunks


async def _agen(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for chunk in chunks:
        yield chunk


def _upstream_failure(gen: Callable[..., Any]) -> Runnable[Any, Any]:
    # The failure happens upstream of a nested *streaming* sequence: the error passes through
    # the inner sequence's generators but did not happen there.
    inner = RunnableSequence(RunnableGenerator(gen), RunnableGenerator(gen), name="inner")
    return RunnableSequence(
        RunnableGenerator(gen),
        RunnableLambda(_parse, name="boom"),
        inner,
        RunnableGenerator(gen),
        name="outer",
    )


def test_error_upstream_of_a_nested_stream_is_noted_once() -> None:
    RAISED.clear()
    with pytest.raises(ValueError) as info:
        list(_upstream_failure(_gen).stream(1))
    assert info.value.__notes__ == ["in step 2 'boom' of sequence 'outer'"]


async def test_error_upstream_of_a_nested_astream_is_noted_once() -> None:
    RAISED.clear()
    with pytest.raises(ValueError) as info:
        [c async for c in _upstream_failure(_agen).astream(1)]
    assert info.value.__notes__ == ["in step 2 'boom' of sequence 'outer'"]


def test_error_in_a_streaming_generator_step() -> None:
    def broken(chunks: Iterator[Any]) -> Iterator[Any]:
        for chunk in chunks:
            yield chunk
            raise KeyError("late")

    chain = RunnableSequence(
        RunnableLambda(_ok, name="x"), RunnableGenerator(broken), _gen, name="g"
    )
    with pytest.raises(KeyError) as info:
        list(chain.stream(1))
    assert info.value.__notes__ == ["in step 2 'broken' of sequence 'g'"]


def test_unnamed_sequence_uses_its_class_name() -> None:
    with pytest.raises(ValueError) as info:
        (RunnableLambda(_ok) | _parse).invoke(1)
    assert info.value.__notes__ == ["in step 2 '_parse' of sequence 'RunnableSequence'"]


def test_parallel_error_names_the_branch() -> None:
    parallel = pipes.RunnableParallel(ok=_ok, bad=_parse)
    with pytest.raises(ValueError) as info:
        parallel.invoke(1)
    assert info.value.__notes__ == ["in branch 'bad' of 'Parallel<ok,bad>'"]
    with pytest.raises(ValueError) as info:
        list(parallel.stream(1))
    assert info.value.__notes__ == ["in branch 'bad' of 'Parallel<ok,bad>'"]


async def test_parallel_error_names_the_branch_async() -> None:
    parallel = pipes.RunnableParallel(ok=_ok, bad=_parse)
    with pytest.raises(ValueError) as info:
        await parallel.ainvoke(1)
    assert info.value.__notes__ == ["in branch 'bad' of 'Parallel<ok,bad>'"]


# -- recursion ------------------------------------------------------------------------


def test_lambda_returning_itself_hits_the_recursion_limit() -> None:
    holder: list[Runnable[Any, Any]] = []
    holder.append(RunnableLambda(lambda x: holder[0], name="selfish"))
    with pytest.raises(RecursionLimitError, match=r"'selfish'.*recursion_limit") as info:
        holder[0].invoke(1)
    assert isinstance(info.value, RecursionError)
    with pytest.raises(RecursionLimitError):
        holder[0].invoke(1, {"recursion_limit": 3})


async def test_async_lambda_returning_itself_hits_the_recursion_limit() -> None:
    holder: list[Runnable[Any, Any]] = []

    async def selfish(x: Any) -> Any:
        return holder[0]

    holder.append(RunnableLambda(selfish))
    with pytest.raises(RecursionLimitError, match="'selfish'"):
        await holder[0].ainvoke(1)


def test_returning_a_runnable_invokes_it_within_the_limit() -> None:
    r = RunnableLambda(lambda x: RunnableLambda(lambda y: y * 3))
    assert r.invoke(2) == 6
    depth: list[int] = []

    def countdown(x: int) -> Any:
        depth.append(x)
        return x if x == 0 else RunnableLambda(lambda _: countdown(x - 1))

    assert RunnableLambda(countdown).invoke(5) == 0
    assert depth == [5, 4, 3, 2, 1, 0]


# -- traceback length -----------------------------------------------------------------


def _frames_between(tb: TracebackType | None) -> list[str]:
    """Every frame between the caller (this test) and the failing user function."""
    frames = traceback.extract_tb(tb)
    names = [f"{os.path.basename(f.filename)}:{f.name}" for f in frames]
    failing = [i for i, f in enumerate(frames) if f.name in ("_failing", "_afailing")]
    assert failing, names
    assert frames[0].filename == __file__, names
    # The caller is the last frame of this file before the framework's first frame.
    first = next(i for i, f in enumerate(frames) if f.filename != __file__)
    return names[first : failing[0]]


def _failing(x: Any) -> Any:
    raise ValueError("fail")


async def _afailing(x: Any) -> Any:
    raise ValueError("fail")


async def _aok(x: Any) -> Any:
    return x


def _three_steps() -> Runnable[Any, Any]:
    return RunnableLambda(_ok) | RunnableLambda(_ok) | RunnableLambda(_failing)


def _three_async_steps() -> Runnable[Any, Any]:
    return RunnableLambda(_aok) | _aok | _afailing


# Upper bounds on the frames between the caller and a failing lambda in a 3-step sequence;
# the figures are in docs/concepts/tracebacks.md. A change that adds frames fails here.
MAX_FRAMES = {
    "invoke": 3,
    # A lambda is a streaming step (a runnable it returns streams its chunks, as in LangChain):
    # the sequence's generator, its step wrapper and the lambda's transform.
    "stream": 4,
    # ainvoke's tracing wrapper hands back the method's own coroutine: no frame of its own.
    "ainvoke-sync-steps": 4,
    "ainvoke-async-steps": 2,
    "astream-async-steps": 4,
}


def _caught(call: Callable[[], Any]) -> list[str]:
    try:
        call()
    except ValueError as exc:
        return _frames_between(exc.__traceback__)
    raise AssertionError("did not raise")


def test_traceback_frames_invoke() -> None:
    frames = _caught(lambda: _three_steps().invoke(1))
    assert len(frames) <= MAX_FRAMES["invoke"], frames


def test_traceback_frames_stream() -> None:
    frames = _caught(lambda: list(_three_steps().stream(1)))
    assert len(frames) <= MAX_FRAMES["stream"], frames


async def test_traceback_frames_ainvoke_sync_steps() -> None:
    try:
        await _three_steps().ainvoke(1)
    except ValueError as exc:
        frames = _frames_between(exc.__traceback__)
    assert len(frames) <= MAX_FRAMES["ainvoke-sync-steps"], frames


async def test_traceback_frames_ainvoke_async_steps() -> None:
    try:
        await _three_async_steps().ainvoke(1)
    except ValueError as exc:
        frames = _frames_between(exc.__traceback__)
    assert len(frames) <= MAX_FRAMES["ainvoke-async-steps"], frames


async def test_traceback_frames_astream_async_steps() -> None:
    stream = _three_async_steps().astream(1)
    try:
        await stream.__anext__()
    except ValueError as exc:
        frames = _frames_between(exc.__traceback__)
    assert len(frames) <= MAX_FRAMES["astream-async-steps"], frames
