"""`instrument()` / `uninstrument()`: trace every run of the process."""

from __future__ import annotations

import threading

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from pipes._core._listeners import add_global_listener, remove_global_listener

from ._handler import OpenTelemetryCallbackHandler

__all__ = ["instrument", "uninstrument"]

_lock = threading.Lock()
_installed: list[OpenTelemetryCallbackHandler] = []  # at most one


def instrument(
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: bool = False,
) -> OpenTelemetryCallbackHandler:
    """Trace every pipes run from now on, without passing a callback.

    Each root call (`invoke`, `stream`, `batch` ... of a runnable not running inside another
    traced run) gets an [`OpenTelemetryCallbackHandler`][pipes.otel.OpenTelemetryCallbackHandler]
    built from these arguments (`None`: the global providers; content is recorded with
    `capture_content=True` or `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`). Calling it
    again replaces the previous instrumentation. Returns the handler.

    Example:
        ```python
        from pipes import otel

        otel.instrument()
        chain.invoke({"topic": "otters"})  # traced
        otel.uninstrument()
        ```
    """
    handler = OpenTelemetryCallbackHandler(
        tracer_provider, meter_provider, capture_content=capture_content
    )
    with _lock:
        _remove()
        add_global_listener(handler)
        _installed.append(handler)
    return handler


def uninstrument() -> None:
    """Stop tracing every run (runs already started end their spans); a no-op when not
    instrumented.

    Example:
        ```python
        otel.uninstrument()
        ```
    """
    with _lock:
        _remove()


def _remove() -> None:
    while _installed:
        remove_global_listener(_installed.pop())
