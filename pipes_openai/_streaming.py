"""What a streamed reply is made of: its metadata, its content type, and its odd events.

The per-chunk loop itself is in `pipes_openai._exchange` (the per-token path); the rare
cases it hands over are here: an `error` event, an event that is not JSON, a whole-JSON body
converted like an event.

Example:
    ```python
    meta = StreamMeta()
    decode_event(engine, None, b'{"choices": []}', meta)  # {"choices": []}
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic_core import from_json

if TYPE_CHECKING:
    from pipes_openai._failures import Policy

__all__ = ["StreamMeta", "converted", "decode_event", "is_event_stream"]


class StreamMeta:
    """What a call learned about its response (filled in while it runs)."""

    __slots__ = ("attempts", "events", "finished", "headers", "request_id")

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.attempts = 0
        self.events = 0
        self.headers: Mapping[str, str] | None = None
        # Set by a converter on a protocol's own final event (the Responses API's
        # `response.completed`): the body may then end without `data: [DONE]`.
        self.finished = False


def converted(obj: Any, convert: Callable[[Any], Any] | None) -> list[Any]:
    """`[obj]` passed through `convert` (`[]` when it returns `None`)."""
    if convert is None:
        return [obj]
    out = convert(obj)
    return [] if out is None else [out]


def is_event_stream(headers: Mapping[str, str]) -> bool:
    ctype = headers.get("content-type", "").lower()
    # Some servers omit (or mislabel) the content type of SSE: only JSON and HTML bodies are
    # read whole (HTML then fails as "not JSON", naming the content type).
    return "json" not in ctype and "html" not in ctype


def decode_event(policy: Policy, event: str | None, data: bytes, meta: StreamMeta) -> Any:
    """One event's JSON, or the typed error of an `error` event or a non-JSON one."""
    # Imported here: `_calls` needs `StreamMeta` at import, and the failures load with the
    # first request; this path runs for odd events only.
    from pipes_openai._failures import bad_event, stream_event_error

    try:
        obj = from_json(data)
    except ValueError as exc:
        raise bad_event(policy, data, meta.request_id, meta.attempts) from exc
    if event == "error" or (isinstance(obj, dict) and "error" in obj and not obj.get("choices")):
        raise stream_event_error(policy, obj, meta.request_id, meta.attempts)
    return obj
