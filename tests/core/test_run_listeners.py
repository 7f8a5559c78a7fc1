"""`with_listeners` / `with_alisteners`: functions of the bound runnable's own runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pipes._core import Run, Runnable, RunnableConfig, RunnableLambda


def _chain() -> Runnable[int, int]:
    return RunnableLambda(lambda x: x + 1, name="inc") | RunnableLambda(lambda x: x * 2, name="dbl")


def test_start_and_end_of_the_bound_runnable_only() -> None:
    seen: list[tuple[str, str, Any]] = []
    chain = _chain().with_listeners(
        on_start=lambda run: seen.append(("start", run.name, run.inputs)),
        on_end=lambda run: seen.append(("end", run.name, run.outputs)),
    )
    assert chain.invoke(1) == 4
    assert seen == [("start", "RunnableSequence", 1), ("end", "RunnableSequence", 4)]


def test_functions_of_run_and_config() -> None:
    configs: list[RunnableConfig] = []

    def on_end(run: Run, config: RunnableConfig) -> None:
        configs.append(config)

    _chain().with_listeners(on_end=on_end).invoke(1, {"tags": ["t"]})
    assert configs[0]["tags"] == ["t"]


def test_on_error_gets_the_failed_run() -> None:
    errors: list[BaseException | None] = []

    def boom(x: int) -> int:
        raise ValueError("boom")

    chain = RunnableLambda(boom).with_listeners(on_error=lambda run: errors.append(run.error))
    with pytest.raises(ValueError):
        chain.invoke(1)
    assert [type(e).__name__ for e in errors] == ["ValueError"]


def test_a_listener_inside_a_chain_sees_its_own_step() -> None:
    names: list[str] = []
    inner = RunnableLambda(lambda x: x * 2, name="inner").with_listeners(
        on_end=lambda run: names.append(run.name)
    )
    (RunnableLambda(lambda x: x + 1, name="outer") | inner).invoke(1)
    assert names == ["inner"]


def test_every_call_notifies_once_also_in_batch_and_stream() -> None:
    ends: list[Any] = []
    chain = _chain().with_listeners(on_end=lambda run: ends.append(run.outputs))
    chain.batch([1, 2])
    list(chain.stream(3))
    assert sorted(ends) == [4, 6, 8]


async def test_alisteners_are_awaited() -> None:
    seen: list[Any] = []

    async def on_end(run: Run) -> None:
        await asyncio.sleep(0)
        seen.append(run.outputs)

    assert await _chain().with_alisteners(on_end=on_end).ainvoke(1) == 4
    assert seen == [4]


def test_alisteners_refuse_sync_functions() -> None:
    with pytest.raises(TypeError, match=r"with_alisteners\(on_end=\.\.\.\) expects an async"):
        _chain().with_alisteners(on_end=lambda run: None)  # type: ignore[arg-type]
