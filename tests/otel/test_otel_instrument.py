"""instrument(): every run traced without a callback; uninstrument() stops it."""

from __future__ import annotations

import asyncio

from pipes import RunnableLambda, otel
from pipes.testing import FakeChatModel

from .conftest import Telemetry


def _instrument(telemetry: Telemetry, **kwargs: object) -> None:
    otel.instrument(telemetry.tracer_provider, telemetry.meter_provider, **kwargs)  # type: ignore[arg-type]


def test_every_run_is_traced_until_uninstrument(telemetry: Telemetry) -> None:
    chain = RunnableLambda(lambda x: x + 1, name="add") | RunnableLambda(
        lambda x: x * 2, name="double"
    )
    _instrument(telemetry)
    assert chain.invoke(1) == 4
    names = sorted(s.name for s in telemetry.spans)
    assert names == ["RunnableSequence", "add", "double"]
    otel.uninstrument()
    telemetry.exporter.clear()
    assert chain.invoke(1) == 4
    assert telemetry.spans == []


def test_instrument_again_replaces_the_previous_one(telemetry: Telemetry) -> None:
    _instrument(telemetry)
    _instrument(telemetry)
    RunnableLambda(lambda x: x, name="step").invoke(1)
    assert [s.name for s in telemetry.spans] == ["step"]


def test_a_per_call_handler_and_instrument_both_trace(telemetry: Telemetry) -> None:
    _instrument(telemetry)
    RunnableLambda(lambda x: x, name="step").invoke(1, {"callbacks": [telemetry.handler()]})
    assert [s.name for s in telemetry.spans] == ["step", "step"]


async def test_batch_and_abatch_are_traced_globally(telemetry: Telemetry) -> None:
    model = FakeChatModel(responses=["a"], cycle=True)
    _instrument(telemetry)
    model.batch(["x", "y"])
    await model.abatch(["x", "y"])
    await asyncio.gather(model.ainvoke("z"), model.ainvoke("w"))
    chats = [s for s in telemetry.spans if s.name == "chat"]
    assert len(chats) == 6
