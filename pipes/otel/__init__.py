"""OpenTelemetry GenAI traces and metrics for pipes runs (extra `pipes-llm[otel]`).

`import pipes` never imports this package nor OpenTelemetry.
"""

from __future__ import annotations

__all__: list[str] = []
