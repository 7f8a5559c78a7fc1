"""enter_run / exit_run: listeners that make a run current while its body runs."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import pytest

from pipes import Listener, Run, RunnableLambda

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("current", default=None)


class Context(Listener):
    """Makes the run's name current (as OpenTelemetry makes its span current)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.balance = 0

    def enter_run(self, run: Run) -> object:
        self.balance += 1
        return current.set(run.name)

    def exit_run(self, run: Run, token: object) -> None:
        self.balance -= 1
        current.reset(token)  # type: ignore[arg-type]


def _seen_by(listener: Context, name: str) -> Any:
    def body(x: int) -> int:
        listener.seen.append((name, current.get()))
        return x + 1

    return RunnableLambda(body, name=name)


def test_the_body_runs_with_its_run_current_and_every_enter_is_exited() -> None:
    ctx = Context()
    chain = _seen_by(ctx, "first") | _seen_by(ctx, "second")
    assert chain.invoke(1, {"callbacks": [ctx]}) == 3
    assert ctx.seen == [("first", "first"), ("second", "second")]
    assert ctx.balance == 0
    assert current.get() is None


def test_streams_and_batches_too() -> None:
    ctx = Context()
    chain = _seen_by(ctx, "step") | _seen_by(ctx, "next")
    assert list(chain.stream(1, {"callbacks": [ctx]})) == [3]
    assert chain.batch([1, 2], {"callbacks": [ctx]}) == [3, 4]
    assert {seen for seen in ctx.seen} == {("step", "step"), ("next", "next")}
    assert ctx.balance == 0


async def test_async_streams_enter_around_each_step() -> None:
    ctx = Context()

    async def gen(x: Any) -> Any:
        async for _ in x:
            pass
        for i in range(3):
            ctx.seen.append(("gen", current.get()))
            yield i

    from pipes import RunnableGenerator

    chain = RunnableLambda(lambda x: x, name="start") | RunnableGenerator(gen, name="gen")
    assert [c async for c in chain.astream(0, {"callbacks": [ctx]})] == [0, 1, 2]
    assert ctx.seen == [("gen", "gen")] * 3
    assert ctx.balance == 0
    assert current.get() is None  # between steps the consumer's context is its own


def test_a_failing_enter_run_is_logged_and_the_run_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(Listener):
        def enter_run(self, run: Run) -> object:
            raise RuntimeError("no context today")

        def exit_run(self, run: Run, token: object) -> None:
            raise AssertionError("never entered, never exited")

    with caplog.at_level(logging.WARNING, logger="pipes.callbacks"):
        assert RunnableLambda(lambda x: x * 2).invoke(2, {"callbacks": [Broken()]}) == 4
    assert "enter_run" in caplog.text
