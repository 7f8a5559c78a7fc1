"""How much a server may send: the defaults of `max_response_bytes` and
`max_stream_event_bytes` (light, so that the chat models' field defaults do not load the
HTTP stack at import).

Example:
    ```python
    ChatOpenAI(max_response_bytes=DEFAULT_RESPONSE_LIMIT // 4)
    ```
"""

__all__ = ["DEFAULT_EVENT_LIMIT", "DEFAULT_RESPONSE_LIMIT"]

DEFAULT_RESPONSE_LIMIT = 64 * 1024 * 1024
"""Bytes a non-streamed reply may hold (64 MiB)."""

DEFAULT_EVENT_LIMIT = 16 * 1024 * 1024
"""Bytes one SSE line, or the data of one event, may hold (16 MiB)."""
