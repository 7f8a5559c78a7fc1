"""Listeners see start/end/error with parent ids and events; nothing is traced otherwise."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from pipes._core import (
    Runnable,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    emit_event,
    listening,
)

from .conftest import Recorder


def _chain() -> Runnable[int, int]:
    return (
        RunnableLambda(lambda x: x + 1, name="inc") | RunnableLambda(lambda x: x * 2, name="dbl")
    ).with_config(run_name="my_chain")


def _check_tree(rec: Recorder) -> None:
    root = rec.run("my_chain")
    inc, dbl = rec.run("inc"), rec.run("dbl")
    assert root.parent_run_id is None
    assert inc.parent_run_id == root.run_id
    assert dbl.parent_run_id == root.run_id
    assert rec.names("start")[0] == "my_chain"
    assert rec.names("end")[-1] == "my_chain"
    assert sorted(rec.names("start")) == sorted(rec.names("end")) == ["dbl", "inc", "my_chain"]
    assert root.outputs == 4
    assert inc.inputs == 1 or inc.inputs == "<stream>"
    assert root.end_time is not None
    assert root.end_time >= root.start_time


def test_invoke_start_end_parent_ids(recorder: Recorder) -> None:
    assert _chain().invoke(1, {"callbacks": [recorder], "tags": ["t"]}) == 4
    _check_tree(recorder)
    assert recorder.run("inc").inputs == 1
    assert recorder.run("dbl").inputs == 2
    assert recorder.run("my_chain").tags == ["t"]


async def test_ainvoke_start_end_parent_ids(recorder: Recorder) -> None:
    assert await _chain().ainvoke(1, {"callbacks": [recorder]}) == 4
    _check_tree(recorder)


def test_stream_one_run_per_runnable(recorder: Recorder) -> None:
    assert list(_chain().stream(1, {"callbacks": [recorder]})) == [4]
    _check_tree(recorder)


async def test_astream_one_run_per_runnable(recorder: Recorder) -> None:
    assert [c async for c in _chain().astream(1, {"callbacks": [recorder]})] == [4]
    _check_tree(recorder)


def test_batch_runs_are_roots(recorder: Recorder) -> None:
    RunnableLambda(lambda x: x, name="id").batch([1, 2, 3], {"callbacks": [recorder]})
    assert recorder.names("start") == ["id"] * 3
    assert len(recorder.ids()) == 3
    assert all(run.parent_run_id is None for _, run in recorder.calls)


async def test_sync_lambda_ainvoke_is_one_run(recorder: Recorder) -> None:
    await RunnableLambda(lambda x: x, name="id").ainvoke(1, {"callbacks": [recorder]})
    assert recorder.names("start") == ["id"]


def test_generator_stream_is_one_run_with_merged_output(recorder: Recorder) -> None:
    def gen(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    assert list(RunnableGenerator(gen).stream("ab", {"callbacks": [recorder]})) == ["a", "b"]
    assert recorder.names("start") == ["gen"]
    assert recorder.run("gen").outputs == "ab"


def test_error_reaches_on_error_of_step_and_chain(recorder: Recorder) -> None:
    def boom(x: int) -> int:
        raise ValueError("boom")

    chain = (RunnableLambda(lambda x: x, name="ok") | boom).with_config(run_name="c")
    with pytest.raises(ValueError, match="boom") as info:
        chain.invoke(1, {"callbacks": [recorder]})
    assert recorder.names("error") == ["boom", "c"]
    assert recorder.run("boom").error is info.value
    assert recorder.run("c").error is info.value
    assert recorder.run("boom").parent_run_id == recorder.run("c").run_id


def test_parallel_branches_have_the_parallel_as_parent(recorder: Recorder) -> None:
    parallel = RunnableParallel(
        a=RunnableLambda(lambda x: x, name="a"), b=RunnableLambda(lambda x: x, name="b")
    )
    parallel.invoke(1, {"callbacks": [recorder]})
    root = recorder.run("Parallel<a,b>")
    assert recorder.run("a").parent_run_id == root.run_id
    assert recorder.run("b").parent_run_id == root.run_id


def test_nested_call_in_user_function_is_a_child(recorder: Recorder) -> None:
    inner = RunnableLambda(lambda x: x, name="inner")
    outer = RunnableLambda(lambda x: inner.invoke(x), name="outer")
    outer.invoke(1, {"callbacks": [recorder]})
    assert recorder.run("inner").parent_run_id == recorder.run("outer").run_id


def test_emit_event_goes_to_the_current_run(recorder: Recorder) -> None:
    flags: list[bool] = []

    def step(x: int) -> int:
        flags.append(listening())
        emit_event("new_token", x)
        return x

    (RunnableLambda(lambda x: x, name="first") | RunnableLambda(step, name="step")).invoke(
        3, {"callbacks": [recorder]}
    )
    assert flags == [True]
    assert [(run.name, name, data) for run, name, data in recorder.events] == [
        ("step", "new_token", 3)
    ]


def test_run_type_is_visible() -> None:
    class Model(Runnable[int, int]):
        run_type = "chat_model"

        def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
            return input

    rec = Recorder()
    Model().invoke(1, {"callbacks": [rec]})
    assert rec.run("Model").run_type == "chat_model"


def test_no_listener_means_no_run_and_no_uuid(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipes._core._listeners as listeners_module
    import pipes._core._tracing as tracing_module

    created: list[Any] = []
    real_run, real_uuid4 = tracing_module.Run, uuid.uuid4

    def counting_run(*args: Any, **kwargs: Any) -> Any:
        created.append("run")
        return real_run(*args, **kwargs)

    def counting_uuid4() -> uuid.UUID:
        created.append("uuid")
        return real_uuid4()

    monkeypatch.setattr(tracing_module, "Run", counting_run)
    monkeypatch.setattr(listeners_module, "Run", counting_run)
    monkeypatch.setattr(uuid, "uuid4", counting_uuid4)

    flags: list[bool] = []

    def step(x: int) -> int:
        flags.append(listening())
        emit_event("new_token", x)  # a no-op
        return x

    chain = RunnableLambda(step) | RunnableParallel(a=step, b=step) | (lambda d: d["a"])
    config: RunnableConfig = {"tags": ["t"], "metadata": {"m": 1}}
    assert chain.invoke(1) == 1
    assert chain.invoke(1, config) == 1
    assert list(chain.stream(1, config)) == [1]
    assert chain.batch([1, 2], config) == [1, 2]
    assert flags
    assert not any(flags)

    import asyncio

    async def run_async() -> None:
        assert await chain.ainvoke(1, config) == 1
        assert [c async for c in chain.astream(1, config)] == [1]
        assert await chain.abatch([1, 2], config) == [1, 2]

    asyncio.run(run_async())
    assert created == []
    # The same patches do see runs when a listener is configured (the test can fail).
    chain.invoke(1, {"callbacks": [Recorder()]})
    assert "run" in created


def test_a_step_with_its_own_listener_inside_an_untraced_chain() -> None:
    rec = Recorder()
    inner = RunnableLambda(lambda x: x * 2, name="inner").with_config(callbacks=[rec])
    chain = RunnableLambda(lambda x: x + 1) | inner | (lambda x: x)
    assert chain.invoke(1) == 4
    assert [(kind, run.name) for kind, run in rec.calls] == [("start", "inner"), ("end", "inner")]
    assert rec.run("inner").inputs == 2


def test_a_stream_stopped_early_ends_its_run(recorder: Recorder) -> None:
    def endless(chunks: Iterator[int]) -> Iterator[int]:
        for chunk in chunks:
            while True:
                yield chunk

    stream = RunnableGenerator(endless).stream(7, {"callbacks": [recorder]})
    assert [next(stream), next(stream)] == [7, 7]
    stream.close()
    assert recorder.names("end") == ["endless"]
    assert recorder.names("error") == []
    assert recorder.run("endless").outputs == 14  # what the consumer received, merged


def test_recursion_runs_nest(recorder: Recorder) -> None:
    def countdown(x: int) -> Any:
        return x if x == 0 else RunnableLambda(lambda _: countdown(x - 1), name=f"level{x}")

    RunnableLambda(countdown, name="top").invoke(2, {"callbacks": [recorder]})
    top, level2 = recorder.run("top"), recorder.run("level2")
    assert level2.parent_run_id == top.run_id
    assert recorder.run("level1").parent_run_id == level2.run_id


class _RefusesToStream(Runnable[int, int]):
    """Its stream methods fail when called, before any iterator exists."""

    def invoke(self, input: int, config: RunnableConfig | None = None, **kwargs: Any) -> int:
        return input

    def stream(
        self, input: int, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[int]:
        raise ValueError("no stream")

    def astream(
        self, input: int, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[int]:
        raise ValueError("no stream")


@pytest.mark.parametrize("method", ["stream", "astream"])
def test_a_stream_method_failing_at_once_ends_its_run_with_the_error(
    recorder: Recorder, method: str
) -> None:
    # Every run that starts ends: the wrappers share one scope that ends it on any error.
    with pytest.raises(ValueError, match="no stream") as info:
        getattr(_RefusesToStream(), method)(1, {"callbacks": [recorder]})
    assert recorder.names("start") == recorder.names("error") == ["_RefusesToStream"]
    assert recorder.run("_RefusesToStream").error is info.value
