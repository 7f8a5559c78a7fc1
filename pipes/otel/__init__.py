"""OpenTelemetry GenAI traces and metrics for pipes runs (extra `pipes-llm[otel]`).

Spans follow the OpenTelemetry semantic conventions for generative AI: one span per runnable
step, nested as the chain nests; `chat {model}` spans for chat-model calls with request,
response and token-usage attributes; `execute_tool {name}` spans for tools. Chat calls also
record the `gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and (streams)
`gen_ai.client.operation.time_to_first_chunk` histograms. Only `opentelemetry-api` is needed
at run time; `import pipes` never imports this package nor OpenTelemetry.

Example:
    ```python
    from pipes import otel

    otel.instrument()  # every run, with the global tracer and meter providers
    chain.invoke({"topic": "otters"})

    handler = otel.OpenTelemetryCallbackHandler(capture_content=True)
    chain.invoke({"topic": "otters"}, {"callbacks": [handler]})  # this call only
    ```
"""

from __future__ import annotations

from pipes._errors import missing_extra

try:
    import opentelemetry.trace  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise missing_extra(
        "pipes.otel", "the OpenTelemetry API", "otel", "opentelemetry-api"
    ) from error

from ._handler import OpenTelemetryCallbackHandler
from ._instrument import instrument, uninstrument

__all__ = ["OpenTelemetryCallbackHandler", "instrument", "uninstrument"]
