"""The sans-IO core of one call: attempts, retries, status handling, bounded bodies, streams.

`exchange` is a generator that never touches the network. It yields steps and is sent
their results by a driver, the way httpx's `Auth.auth_flow` is driven; `HTTPEngine`
has one thin sync driver and one thin async driver, so every decision below exists once:

* `(OPEN, streaming)`: send the request; the driver sends back the response's `Head` (its
  status and headers: an `httpx.Response`, or the default pools' `pipes_openai._httpcore.Head`)
  or throws the `httpx.TransportError` in (httpcore's errors converted to it);
* `(CHUNK, outputs)`: hand `outputs` to the consumer, then read the next body chunk; the
  driver sends back the bytes, `None` at the end of the body, or throws the transport error;
* `(SLEEP, seconds)`: wait before the next attempt (the driver closes the last response);
* `(EMIT, outputs)`: hand `outputs` to the consumer (before an error is raised).

The generator's return value is the list of final outputs (`[Reply]` for a plain request).
Errors are raised from it as the typed exceptions of `pipes_openai._failures`.

Bounds: each attempt of a plain request must finish within `timeouts.total` however slowly
the bytes arrive; a body may hold `max_response_bytes`; a stream must complete an event
within `timeouts.event` seconds, and one SSE line or event may hold
`max_stream_event_bytes`.

Example:
    ```python
    flow = exchange(engine, url, StreamMeta(), None, streaming=False)
    step, arg = next(flow)  # (OPEN, False): the driver sends the request ...
    ```
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping
from time import monotonic
from typing import Any, Protocol

from pydantic_core import from_json

from pipes_openai._errors import APITimeoutError
from pipes_openai._failures import (
    Policy,
    deadline_error,
    incomplete,
    not_json,
    status_error,
    stream_stalled,
    too_large,
    transport_error,
    transport_errors,
)
from pipes_openai._retry import retry_delay, should_retry
from pipes_openai._sse import EventTooLarge, SSEDecoder
from pipes_openai._streaming import StreamMeta, converted, decode_event, is_event_stream

__all__ = ["CHUNK", "EMIT", "OPEN", "SLEEP", "Flow", "Head", "Reply", "exchange", "next_delay"]

_log = logging.getLogger("pipes_openai")
_DONE = b"[DONE]"

OPEN, CHUNK, SLEEP, EMIT = 0, 1, 2, 3
Step = tuple[int, Any]
Flow = Generator[Step, Any, list[Any]]


class Head(Protocol):
    """What the flow reads of a response: an `httpx.Response` (a user's client, the proxy
    path) or `pipes_openai._httpcore.Head` (the default pools) alike."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


# Plain slotted classes rather than dataclasses: dataclass creation is a measurable part of
# `import pipes_openai`.
class Reply:
    """A successful JSON reply."""

    __slots__ = ("attempts", "data", "headers", "request_id")

    def __init__(
        self, data: Any, headers: Mapping[str, str], request_id: str | None, attempts: int
    ) -> None:
        self.data = data
        self.headers = headers
        self.request_id = request_id
        self.attempts = attempts


def next_delay(
    policy: Policy, attempt: int, headers: Mapping[str, str] | None, reason: str = ""
) -> float:
    """Seconds to wait after failed `attempt` (logged, without secrets, when `reason`)."""
    delay = retry_delay(
        attempt,
        headers,
        base=policy.retry_base_delay,
        cap=policy.retry_max_delay,
        max_after=policy.max_retry_after,
    )
    if reason:
        _log.info(
            "%s request failed (%s); retrying in %.2fs (attempt %d of %d)",
            policy.provider,
            reason,
            delay,
            attempt + 1,
            policy.max_retries + 1,
        )
    return delay


def exchange(
    policy: Policy,
    url: object,
    meta: StreamMeta,
    convert: Callable[[Any], Any] | None,
    *,
    streaming: bool,
    raw: bool = False,
) -> Flow:
    """One call, sans I/O (see the module docstring for the steps a driver must serve).

    Plain requests return `[Reply]` (its `data` the body's bytes as they came with `raw`, a
    file download); streaming ones yield converted events until `[DONE]`. Retries happen only
    before the first event of a stream.
    """
    attempt = 0
    while True:
        attempt += 1
        meta.attempts = attempt
        timeouts = policy.timeouts
        window = timeouts.event if streaming else timeouts.total
        started = monotonic()
        try:
            response: Head = yield OPEN, streaming
        except transport_errors() as exc:
            if attempt <= policy.max_retries:
                yield SLEEP, next_delay(policy, attempt, None, type(exc).__name__)
                continue
            raise transport_error(policy, exc, attempt, str(url)) from exc
        status = response.status_code
        headers = response.headers
        meta.headers = headers
        if policy.on_headers is not None:  # a rate limiter following the server's budget
            policy.on_headers(headers)
        request_id = headers.get("x-request-id")
        if request_id:  # server-provided: it lands in messages, so it is scrubbed too
            request_id = policy.scrub(request_id)
        meta.request_id = request_id
        deadline = float("inf") if window is None else started + window
        if status >= 300:
            content = yield from _error_body(policy, deadline)
            if attempt <= policy.max_retries and should_retry(status, headers):
                yield SLEEP, next_delay(policy, attempt, headers, f"HTTP {status}")
                continue
            raise status_error(policy, status, request_id, content, attempt)
        if streaming and is_event_stream(headers):
            return (yield from _events(policy, meta, convert))
        # A plain reply, or a server that ignored stream=true (JSON) or a proxy page (HTML).
        try:
            content = yield from _body(policy, url, deadline, request_id, attempt)
        except _body_errors() as exc:
            if streaming:
                raise incomplete(policy, 0, request_id, attempt, exc) from exc
            if attempt <= policy.max_retries:
                yield SLEEP, next_delay(policy, attempt, None, type(exc).__name__)
                continue
            if isinstance(exc, APITimeoutError):
                raise
            raise transport_error(policy, exc, attempt, str(url)) from exc
        if raw:
            return [Reply(content, headers, request_id, attempt)]
        try:
            data = from_json(content)
        except ValueError as exc:
            raise not_json(policy, content, status, headers, request_id, attempt) from exc
        if streaming:
            return converted(data, convert)
        return [Reply(data, headers, request_id, attempt)]


def _body_errors() -> tuple[type[Exception], ...]:
    # What reading a whole body raises for a broken or overdue reply (an `except` expression).
    return (*transport_errors(), APITimeoutError)


def _body(
    policy: Policy, url: object, deadline: float, request_id: str | None, attempt: int
) -> Generator[Step, Any, bytes]:
    """The whole body, within the deadline and the size limit."""
    limit = policy.max_response_bytes
    parts: list[bytes] = []
    size = 0
    while True:
        raw = yield CHUNK, None
        if raw is None:
            return _join(parts)
        size += len(raw)
        if size > limit:
            raise too_large(
                policy, "The reply", size, limit, "max_response_bytes", request_id, attempt
            )
        parts.append(raw)
        if monotonic() > deadline:
            raise deadline_error(policy, url, attempt, size)


def _join(parts: list[bytes]) -> bytes:
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _error_body(policy: Policy, deadline: float) -> Generator[Step, Any, bytes]:
    """As much of an error body as arrives in time and fits: the status matters more."""
    limit = policy.max_response_bytes
    parts: list[bytes] = []
    size = 0
    try:
        while size < limit and monotonic() <= deadline:
            raw = yield CHUNK, None
            if raw is None:
                break
            parts.append(raw[: limit - size])
            size += len(raw)
    except transport_errors():
        pass  # the status still says what happened
    return _join(parts) if parts else b""


def _events(
    policy: Policy, meta: StreamMeta, convert: Callable[[Any], Any] | None
) -> Generator[Step, Any, list[Any]]:
    """The events of an SSE body: one resumption per network chunk, not one per event.

    This loop is the per-token path of the package, hence local names and the inlined common
    case (a JSON object without `"error"`); everything else goes through `decode_event`.
    Outputs a chunk completed before an error are delivered (`EMIT`) before it is raised.
    """
    limit = policy.max_stream_event_bytes
    decoder = SSEDecoder(limit)
    feed = decoder.feed
    window = policy.timeouts.event
    window = float("inf") if window is None else window
    deadline: float | None = monotonic() + window  # the first event's
    outs: list[Any] = []
    step, done_marker = CHUNK, _DONE  # locals: read once per chunk and once per event
    while True:
        try:
            raw = yield step, outs
        except transport_errors() as exc:
            raise incomplete(policy, meta.events, meta.request_id, meta.attempts, exc) from exc
        outs = []
        if raw is None:  # end of body: an event without its blank line, then "no [DONE]"
            events = decoder.flush()
        else:
            try:
                events = feed(raw)
            except EventTooLarge as exc:
                raise too_large(
                    policy,
                    "A stream event",
                    exc.size,
                    exc.limit,
                    "max_stream_event_bytes",
                    meta.request_id,
                    meta.attempts,
                ) from exc
            if not events:
                # Bytes without an event (a slow server, or one dripping bytes to keep a read
                # timeout happy): the clock runs from the first such chunk after an event.
                if deadline is None:
                    deadline = monotonic() + window
                elif monotonic() > deadline:
                    raise stream_stalled(policy, meta.events, meta.request_id, meta.attempts)
                continue
            deadline = None  # progress; no clock read on the per-token path
        try:
            for event, data in events:
                if data == done_marker:
                    return outs
                meta.events += 1
                # Unnamed events (Chat Completions) and named ones (the Responses API's
                # `event: response.output_text.delta`) alike; an `error` event is decoded
                # (and raised) by decode_event.
                if event != "error":
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
                outs.extend(converted(decode_event(policy, event, data, meta), convert))
        except Exception:
            if outs:
                yield EMIT, outs
            raise
        if raw is None:
            if meta.finished:  # the protocol's final event came (no [DONE] in Responses)
                return outs
            raise incomplete(policy, meta.events, meta.request_id, meta.attempts)
