"""A streamed reply, sans I/O: SSE bytes in, converted events out, with its bounds.

:class:`EventReader` is fed each network chunk by the exchange core
(:mod:`pipes_openai._exchange`) and returns the outputs that chunk completed, so the per-token
path is one call per chunk with no I/O and no generator hop per event. It stops at
``data: [DONE]``, turns ``error`` events and non-JSON events into typed errors, and enforces the
per-event deadline (a server dripping bytes without completing an event cannot extend it) and
the size limit of one event.

Example::

    reader = EventReader(engine, StreamMeta(), None)
    outputs = reader.feed(b'data: {"choices": []}\\n\\n')  # [{"choices": []}]
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any

import httpx
from pydantic_core import from_json

from pipes_openai._failures import (
    Policy,
    bad_event,
    incomplete,
    stream_event_error,
    stream_stalled,
    too_large,
)
from pipes_openai._sse import EventTooLarge, SSEDecoder

__all__ = ["EventReader", "StreamMeta", "converted", "is_event_stream"]

_DONE = b"[DONE]"


class StreamMeta:
    """What a call learned about its response (filled in while it runs)."""

    __slots__ = ("attempts", "events", "headers", "request_id")

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.attempts = 0
        self.events = 0
        self.headers: httpx.Headers | None = None


def converted(obj: Any, convert: Callable[[Any], Any] | None) -> list[Any]:
    """``[obj]`` passed through ``convert`` (``[]`` when it returns ``None``)."""
    if convert is None:
        return [obj]
    out = convert(obj)
    return [] if out is None else [out]


def is_event_stream(headers: httpx.Headers) -> bool:
    ctype = headers.get("content-type", "").lower()
    # Some servers omit (or mislabel) the content type of SSE: only JSON and HTML bodies are
    # read whole (HTML then fails as "not JSON", naming the content type).
    return "json" not in ctype and "html" not in ctype


class EventReader:
    """Decodes one SSE body: :meth:`feed` per chunk, :meth:`finish` at its end.

    ``done`` turns true at ``[DONE]`` or on a failure; ``failed`` then holds the error to raise
    once the outputs completed before it (returned by the same :meth:`feed`) were delivered.
    """

    __slots__ = (
        "_convert",
        "_deadline",
        "_decoder",
        "_feed",
        "_meta",
        "_policy",
        "_window",
        "done",
        "failed",
    )

    def __init__(
        self, policy: Policy, meta: StreamMeta, convert: Callable[[Any], Any] | None
    ) -> None:
        self._policy = policy
        self._meta = meta
        self._convert = convert
        self._decoder = SSEDecoder(policy.max_stream_event_bytes)
        self._feed = self._decoder.feed
        window = policy.timeouts.event
        self._window = float("inf") if window is None else window
        self._deadline = monotonic() + self._window
        self.done = False
        self.failed: Exception | None = None

    def feed(self, raw: bytes) -> list[Any]:
        """The outputs completed by ``raw`` (check :attr:`done` after each call)."""
        try:
            events = self._feed(raw)
        except EventTooLarge as exc:
            meta = self._meta
            raise too_large(
                self._policy,
                "A stream event",
                exc.size,
                exc.limit,
                "max_stream_event_bytes",
                meta.request_id,
                meta.attempts,
            ) from exc
        now = monotonic()
        if not events:
            if now > self._deadline:
                meta = self._meta
                raise stream_stalled(self._policy, meta.events, meta.request_id, meta.attempts)
            return []
        self._deadline = now + self._window
        return self._outputs(events)

    def finish(self) -> list[Any]:
        """End of body: the last outputs, or the error of a stream cut before ``[DONE]``."""
        outs = self._outputs(self._decoder.flush())
        if not self.done:
            meta = self._meta
            raise incomplete(self._policy, meta.events, meta.request_id, meta.attempts)
        return outs

    def broken(self, exc: BaseException) -> Exception:
        """The typed error of a transport failure mid-stream."""
        meta = self._meta
        return incomplete(self._policy, meta.events, meta.request_id, meta.attempts, exc)

    def _outputs(self, events: list[tuple[str | None, bytes]]) -> list[Any]:
        outs: list[Any] = []
        convert = self._convert
        meta = self._meta
        try:
            for event, data in events:
                if data == _DONE:
                    self.done = True
                    return outs
                meta.events += 1
                if event is None:
                    # The per-token fast path: a plain JSON object without "error".
                    try:
                        obj = from_json(data)  # pydantic-core: ~3x json.loads on small events
                    except ValueError:
                        obj = None
                    if type(obj) is dict and "error" not in obj:
                        if convert is None:
                            outs.append(obj)
                        else:
                            out = convert(obj)
                            if out is not None:
                                outs.append(out)
                        continue
                outs.extend(converted(self._event(event, data), convert))
        except Exception as exc:  # delivered after the outputs before it (see `failed`)
            self.done = True
            self.failed = exc
        return outs

    def _event(self, event: str | None, data: bytes) -> Any:
        meta = self._meta
        try:
            obj = from_json(data)
        except ValueError as exc:
            raise bad_event(self._policy, data, meta.request_id, meta.attempts) from exc
        if event == "error" or (
            isinstance(obj, dict) and "error" in obj and not obj.get("choices")
        ):
            raise stream_event_error(self._policy, obj, meta.request_id, meta.attempts)
        return obj
