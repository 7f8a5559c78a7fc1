"""Static typing of usage tracking and pipes.otel: checked by mypy --strict and pyright (and run
by pytest)."""

from __future__ import annotations

from typing import assert_type

from pipes import (
    ModelPrice,
    UsageMetadata,
    UsageMetadataCallbackHandler,
    UsageTracker,
    get_usage_metadata_callback,
    usage_tracker,
)
from pipes.otel import OpenTelemetryCallbackHandler, instrument, uninstrument
from pipes.testing import FakeChatModel
from pipes_openai import OPENAI_PRICES


def test_usage_tracker_types() -> None:
    prices: dict[str, ModelPrice] = {"gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10}}
    with usage_tracker(prices) as usage:
        FakeChatModel(responses=["hi"]).invoke("x")
    assert_type(usage, UsageTracker)
    assert_type(usage.total, UsageMetadata)
    assert_type(usage.by_model, dict[str, UsageMetadata])
    assert_type(usage.by_run_name, dict[str, UsageMetadata])
    assert_type(usage.cost_usd, float)
    assert_type(usage.unpriced_models, list[str])
    with usage_tracker({**OPENAI_PRICES, "mine": {"input": 1, "output": 2}}):
        pass
    with get_usage_metadata_callback() as cb:
        pass
    assert_type(cb, UsageMetadataCallbackHandler)
    assert_type(cb.usage_metadata, dict[str, UsageMetadata])


def test_otel_types() -> None:
    handler = instrument()
    assert_type(handler, OpenTelemetryCallbackHandler)
    uninstrument()
    FakeChatModel(responses=["hi"]).invoke("x", {"callbacks": [OpenTelemetryCallbackHandler()]})
