"""The GenAI client metric instruments (semconv names, units and bucket boundaries)."""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import MeterProvider

__all__ = ["Metrics"]

# The boundaries the GenAI semantic conventions recommend for each histogram.
_TOKEN_BUCKETS = [4.0**i for i in range(14)]  # 1, 4, 16, ... 67108864
_SECONDS_BUCKETS = [0.01 * 2**i for i in range(14)]  # 0.01, 0.02, 0.04, ... 81.92


class Metrics:
    """`gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and
    `gen_ai.client.operation.time_to_first_chunk` on one meter."""

    __slots__ = ("duration", "time_to_first_chunk", "token_usage")

    def __init__(self, meter_provider: MeterProvider | None, version: str) -> None:
        meter = metrics.get_meter("pipes.otel", version, meter_provider)
        self.token_usage = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )
