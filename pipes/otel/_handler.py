"""The OpenTelemetry callback handler: one span per run, GenAI attributes and metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from pipes import Listener, Run

from ._attributes import (
    Attributes,
    capture_content_enabled,
    error_type,
    input_message_attributes,
    output_message_attributes,
    request_attributes,
    response_attributes,
    tool_attributes,
)
from ._metrics import Metrics

__all__ = ["OpenTelemetryCallbackHandler"]

_SCOPE = "pipes.otel"
# The metric attributes of a chat call (the semconv's; never content, never high-cardinality).
_METRIC_KEYS = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
)


class _Traced:
    """What the handler keeps on a run it traces (in `run.extra`, under the handler)."""

    __slots__ = ("attributes", "first_chunk", "span", "start")

    def __init__(self, span: Span, attributes: Attributes | None) -> None:
        self.span = span
        self.start = time.perf_counter()
        self.attributes = attributes  # a chat call's request attributes, for its metrics
        self.first_chunk: float | None = None


class OpenTelemetryCallbackHandler(Listener):
    """Traces runs as OpenTelemetry spans following the GenAI semantic conventions.

    One span per runnable step, nested as the chain nests (under the span current when the
    outermost run starts); chat-model runs are `chat {model}` client spans with the request,
    response and token-usage attributes, tool runs `execute_tool {name}` spans; a failed run's
    span has status `ERROR` and `error.type`. Chat calls also record the
    `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` histograms, and
    streamed ones `gen_ai.client.operation.time_to_first_chunk`. Message content is recorded
    only with `capture_content=True` or `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`
    (read when the handler is made).

    Pass it per call, or trace every run with [`instrument`][pipes.otel.instrument].

    Example:
        ```python
        from pipes.otel import OpenTelemetryCallbackHandler

        handler = OpenTelemetryCallbackHandler()  # the global tracer and meter providers
        chain.invoke({"topic": "otters"}, {"callbacks": [handler]})
        ```
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        *,
        capture_content: bool = False,
    ) -> None:
        from pipes import __version__

        self._tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        self._metrics = Metrics(meter_provider, __version__)
        self._capture = capture_content_enabled(capture_content)
        # Where this handler keeps its span on a run (`run.extra`); several handlers may
        # trace the same run.
        self._key = f"pipes.otel:{id(self)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capture_content={self._capture})"

    # -- context: the run's span is current while its body runs ----------------------------

    def enter_run(self, run: Run) -> object:
        """Make `run`'s span the current OpenTelemetry span (the core calls this around
        each stretch of the run's body, in the context it runs in)."""
        traced = run.extra.get(self._key)
        if traced is None:
            return None
        return otel_context.attach(trace.set_span_in_context(traced.span))

    def exit_run(self, run: Run, token: object) -> None:
        """Undo [`enter_run`][pipes.otel.OpenTelemetryCallbackHandler.enter_run]."""
        if token is not None:
            otel_context.detach(token)  # type: ignore[arg-type]

    # -- the listener hooks ------------------------------------------------------------------

    def on_start(self, run: Run) -> None:
        parent = run.parent.extra.get(self._key) if run.parent is not None else None
        parent_context = (
            trace.set_span_in_context(parent.span) if parent is not None else None
        )  # None: the span current in this context (the caller's), if any
        kind = run.run_type
        attributes: Attributes
        request: Attributes | None = None
        if kind == "chat_model":
            params: Mapping[str, Any] = run.extra.get("invocation_params") or {}
            provider = run.metadata.get("ls_provider")
            attributes = request = request_attributes(params, provider=provider)
            model = attributes.get("gen_ai.request.model")
            name = f"chat {model}" if model else "chat"
            span_kind = SpanKind.CLIENT
            if self._capture:
                messages = run.inputs.get("messages") if isinstance(run.inputs, dict) else None
                if messages:
                    attributes = {**attributes, **input_message_attributes(messages[0])}
        elif kind == "tool":
            attributes = tool_attributes(run.name, call_id=_tool_call_id(run.inputs))
            name = f"execute_tool {run.name}"
            span_kind = SpanKind.INTERNAL
            if self._capture:
                attributes["gen_ai.tool.call.arguments"] = _text(_tool_arguments(run.inputs))
        else:
            attributes = {"pipes.run_type": kind}
            name = run.name
            span_kind = SpanKind.INTERNAL
        span = self._tracer.start_span(
            name, context=parent_context, kind=span_kind, attributes=attributes
        )
        run.extra[self._key] = _Traced(span, request)

    def on_event(self, run: Run, name: str, data: Any) -> None:
        traced: _Traced | None = run.extra.get(self._key)
        if traced is None:
            return
        if name == "retry":  # a `with_retry` step will try again: an event on its span
            attempt = getattr(data, "attempt_number", 0)
            outcome = getattr(data, "outcome", None)
            failed = outcome.exception() if outcome is not None else None
            attributes: Attributes = {"pipes.retry.attempt": attempt}
            if isinstance(failed, BaseException):
                attributes["error.type"] = error_type(failed)
            traced.span.add_event("pipes.retry", attributes)
            return
        if name != "new_token" or traced.first_chunk is not None:
            return
        traced.first_chunk = time.perf_counter()
        if traced.attributes is not None:
            self._metrics.time_to_first_chunk.record(
                traced.first_chunk - traced.start, _metric_attributes(traced.attributes)
            )

    def on_end(self, run: Run) -> None:
        traced: _Traced | None = run.extra.pop(self._key, None)
        if traced is None:
            return
        span = traced.span
        if run.run_type == "chat_model":
            message = run.outputs
            response = response_attributes(message)
            if self._capture and message is not None:
                response.update(output_message_attributes(message))
            span.set_attributes(response)
            self._record_chat(traced, response, None)
        elif run.run_type == "tool" and self._capture:
            span.set_attribute("gen_ai.tool.call.result", _text(_tool_result(run.outputs)))
        span.end()

    def on_error(self, run: Run) -> None:
        traced: _Traced | None = run.extra.pop(self._key, None)
        if traced is None:
            return
        span = traced.span
        error = run.error
        kind = error_type(error) if error is not None else "_OTHER"
        span.set_attribute("error.type", kind)
        if error is not None:
            span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, _describe(error)))
        if run.run_type == "chat_model":
            self._record_chat(traced, {}, kind)
        span.end()

    def _record_chat(self, traced: _Traced, response: Attributes, error: str | None) -> None:
        request = traced.attributes or {}
        attributes = _metric_attributes({**request, **response})
        if error is not None:
            attributes["error.type"] = error
        self._metrics.duration.record(time.perf_counter() - traced.start, attributes)
        for token_type, key in (
            ("input", "gen_ai.usage.input_tokens"),
            ("output", "gen_ai.usage.output_tokens"),
        ):
            count = response.get(key)
            if isinstance(count, int):
                self._metrics.token_usage.record(
                    count, {**attributes, "gen_ai.token.type": token_type}
                )


def _metric_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: attributes[key] for key in _METRIC_KEYS if key in attributes}


def _describe(error: BaseException | None) -> str:
    if error is None:
        return ""
    # The span status description: the exception's own message (pipes' never hold secrets).
    return f"{type(error).__name__}: {error}"


def _tool_call_id(inputs: Any) -> str | None:
    # A tool invoked with a model's ToolCall ({"name", "args", "id", "type": "tool_call"}).
    if isinstance(inputs, Mapping) and inputs.get("type") == "tool_call":
        call_id = inputs.get("id")
        return call_id if isinstance(call_id, str) else None
    return None


def _tool_arguments(inputs: Any) -> Any:
    if isinstance(inputs, Mapping) and inputs.get("type") == "tool_call":
        return inputs.get("args")
    return inputs


def _tool_result(output: Any) -> Any:
    # A tool called with a ToolCall returns a ToolMessage: its content is the result.
    content = getattr(output, "content", None)
    return content if content is not None else output


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
