"""OpenTelemetry instrumentation cost (issue 8): what `pipes.otel` adds per step and per chat call.

Figures (median of interleaved repetitions, after a warm-up), each against the same work
untraced in the same run:

* a 10-step sequence of trivial lambdas, invoked: added µs per step (11 spans: the sequence
  and its ten steps) with the OTel SDK exporting to nowhere, with the API's no-op tracer and meter
  (the handler's own cost), and with a do-nothing `Listener` (the run machinery's cost);
* `FakeChatModel.invoke`: added µs per chat call (one `chat {model}` span, GenAI attributes,
  duration and token-usage histograms);
* the hot path after `instrument()` / `uninstrument()`: the untraced chain again, to show
  nothing stays behind.

Run: ``.venv/bin/python bench/bench_otel.py [--quick]``; writes ``bench/results/otel.json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import report, source_state
from bench_chain import median_per_call
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import NoOpTracerProvider

from pipes import AIMessage, Listener, RunnableLambda, otel
from pipes.otel import OpenTelemetryCallbackHandler
from pipes.testing import FakeChatModel

STEPS = 10


class _Nowhere(SpanExporter):
    """Drops spans: the SDK does all its work (span objects, processors) but no I/O."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _sdk() -> tuple[TracerProvider, MeterProvider]:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(_Nowhere()))
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


def _chain() -> Any:
    chain: Any = RunnableLambda(lambda x: x + 1)
    for _ in range(STEPS - 1):
        chain = chain | RunnableLambda(lambda x: x + 1)
    assert chain.invoke(0) == STEPS
    return chain


def _reply() -> AIMessage:
    return AIMessage(
        content="J'adore la programmation.",
        response_metadata={"model_name": "gpt-4o-2024-08-06", "finish_reason": "stop"},
        usage_metadata={"input_tokens": 20, "output_tokens": 7, "total_tokens": 27},
    )


def bench(quick: bool) -> dict[str, dict[str, float]]:
    tracer_provider, meter_provider = _sdk()
    sdk = OpenTelemetryCallbackHandler(tracer_provider, meter_provider)
    noop = OpenTelemetryCallbackHandler(NoOpTracerProvider(), NoOpMeterProvider())
    nothing = Listener()
    chain = _chain()
    # disable_streaming: one reply, no chunks (a plain chat call).
    model = FakeChatModel(responses=[_reply()], cycle=True, disable_streaming=True)

    def run(target: Any, value: Any, callbacks: list[Any] | None) -> Callable[[], object]:
        config: Any = {"callbacks": callbacks} if callbacks else None
        return lambda: target.invoke(value, config)

    funcs = {
        "chain_off": run(chain, 0, None),
        "chain_listener": run(chain, 0, [nothing]),
        "chain_otel_noop": run(chain, 0, [noop]),
        "chain_otel_sdk": run(chain, 0, [sdk]),
        "chat_off": run(model, "hi", None),
        "chat_listener": run(model, "hi", [nothing]),
        "chat_otel_noop": run(model, "hi", [noop]),
        "chat_otel_sdk": run(model, "hi", [sdk]),
    }
    number = 300 if quick else 1_000
    repeat = 3 if quick else 11
    timed = median_per_call(funcs, number, repeat)
    model.reset()

    # instrument() then uninstrument(): the untraced path must be as fast as before.
    otel.instrument(tracer_provider, meter_provider)
    timed.update(median_per_call({"chain_instrumented": run(chain, 0, None)}, number, repeat))
    otel.uninstrument()
    timed.update(median_per_call({"chain_off_again": run(chain, 0, None)}, number, repeat))
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = parser.parse_args()
    t = bench(args.quick)

    def per_step(name: str, field: str = "median") -> float:
        return (t[name][field] - t["chain_off"][field]) / STEPS

    def chat(name: str, field: str = "median") -> float:
        return t[name][field] - t["chat_off"][field]

    rows: list[dict[str, Any]] = [
        {
            "metric": "10-step lambda chain invoke, untraced",
            "value": t["chain_off"]["median"],
            "unit": "µs",
            "note": f"CPU {t['chain_off']['cpu']:.1f} µs",
        },
        {
            "metric": "OTel on (SDK, spans exported nowhere): added per step",
            "value": per_step("chain_otel_sdk"),
            "unit": "µs",
            "note": f"CPU {per_step('chain_otel_sdk', 'cpu'):.1f} µs; 11 spans per call",
        },
        {
            "metric": "    OTel on, API no-op tracer and meter: added per step",
            "value": per_step("chain_otel_noop"),
            "unit": "µs",
            "note": f"CPU {per_step('chain_otel_noop', 'cpu'):.1f} µs; the handler's own cost, "
            "without the SDK's",
        },
        {
            "metric": "    a do-nothing Listener: added per step",
            "value": per_step("chain_listener"),
            "unit": "µs",
            "note": f"CPU {per_step('chain_listener', 'cpu'):.1f} µs; the run machinery any "
            "callback costs",
        },
        {
            "metric": "    instrument() (global, no callback passed): added per step",
            "value": per_step("chain_instrumented"),
            "unit": "µs",
            "note": f"CPU {per_step('chain_instrumented', 'cpu'):.1f} µs",
        },
        {
            "metric": "FakeChatModel.invoke, untraced",
            "value": t["chat_off"]["median"],
            "unit": "µs",
            "note": f"CPU {t['chat_off']['cpu']:.1f} µs",
        },
        {
            "metric": "OTel on (SDK): added per chat call",
            "value": t["chat_otel_sdk"]["median"] - t["chat_off"]["median"],
            "unit": "µs",
            "note": "chat span with GenAI attributes, duration and token-usage histograms; CPU "
            f"{t['chat_otel_sdk']['cpu'] - t['chat_off']['cpu']:.1f} µs",
        },
        {
            "metric": "    OTel on, API no-op tracer and meter: added per chat call",
            "value": chat("chat_otel_noop"),
            "unit": "µs",
            "note": f"CPU {chat('chat_otel_noop', 'cpu'):.1f} µs; the handler's own cost "
            "(attributes), without the SDK's spans and histograms",
        },
        {
            "metric": "    a do-nothing Listener: added per chat call",
            "value": chat("chat_listener"),
            "unit": "µs",
            "note": f"CPU {chat('chat_listener', 'cpu'):.1f} µs; the run machinery "
            "(invocation params, LLMResult) any callback costs",
        },
        {
            "metric": "hot path after uninstrument(): 10-step chain",
            "value": t["chain_off_again"]["median"],
            "unit": "µs",
            "note": f"CPU {t['chain_off_again']['cpu']:.1f} µs; before instrument(): "
            f"{t['chain_off']['median']:.1f} µs (CPU {t['chain_off']['cpu']:.1f} µs)",
        },
    ]
    report("otel", rows, raw=t, source=source_state())


if __name__ == "__main__":
    main()
