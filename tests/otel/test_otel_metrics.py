"""GenAI client metrics: token usage, operation duration, time to first chunk."""

from __future__ import annotations

from typing import Any

from pipes import AIMessage
from pipes.testing import FakeChatModel

from .conftest import Telemetry


class NamedFake(FakeChatModel):
    model: str = "gpt-4o"


def _reply() -> AIMessage:
    return AIMessage(
        content="a b c",
        response_metadata={"model_name": "gpt-4o-2024-08-06"},
        usage_metadata={"input_tokens": 12, "output_tokens": 3, "total_tokens": 15},
    )


def test_token_usage_and_duration_per_chat_call(telemetry: Telemetry) -> None:
    # disable_streaming: the fake would otherwise stream even for invoke (a streamed request).
    model = NamedFake(responses=[_reply(), _reply()], disable_streaming=True)
    handler = telemetry.handler()
    model.invoke("x", {"callbacks": [handler]})
    model.invoke("y", {"callbacks": [handler]})
    common: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "fake",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
    }
    tokens = {
        p.attributes["gen_ai.token.type"]: p for p in telemetry.points("gen_ai.client.token.usage")
    }
    assert set(tokens) == {"input", "output"}
    assert dict(tokens["input"].attributes) == {**common, "gen_ai.token.type": "input"}
    assert (tokens["input"].count, tokens["input"].sum) == (2, 24)
    assert (tokens["output"].count, tokens["output"].sum) == (2, 6)
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert dict(duration.attributes) == common
    assert duration.count == 2
    assert duration.sum > 0
    # Not streamed: no time to first chunk.
    assert telemetry.points("gen_ai.client.operation.time_to_first_chunk") == []


async def test_time_to_first_chunk_for_streams(telemetry: Telemetry) -> None:
    model = NamedFake(responses=["one two three", "four five"])
    handler = telemetry.handler()
    assert len(list(model.stream("x", {"callbacks": [handler]}))) > 1
    assert [c async for c in model.astream("y", {"callbacks": [handler]})]
    (first,) = telemetry.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.count == 2
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert first.sum <= duration.sum


def test_steps_that_are_not_chat_calls_record_no_metrics(telemetry: Telemetry) -> None:
    from pipes import RunnableLambda

    RunnableLambda(lambda x: x).invoke(1, {"callbacks": [telemetry.handler()]})
    assert telemetry.points("gen_ai.client.operation.duration") == []
    assert telemetry.points("gen_ai.client.token.usage") == []
