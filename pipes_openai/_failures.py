"""The typed errors of one exchange, built from what went wrong, with secrets scrubbed.

Every text that can carry server-provided bytes, a URL or a transport message goes through
`policy.scrub` (the engine's shared `Secrets`) before it reaches
an exception; error bodies are parsed first and scrubbed after, so a secret the server spelled
with JSON escapes is caught in its decoded form too.

Example:
    ```python
    raise status_error(engine, 401, request_id, content, attempts=1)
    ```
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pipes_openai._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ContentFilterError,
    OpenAIError,
    ResponseProtocolError,
    ResponseTooLargeError,
    StreamEventError,
    StreamIncompleteError,
    error_details,
    error_from_status,
)
from pipes_openai._httpx_types import loaded_httpx
from pipes_openai._timeouts import Timeouts

__all__ = [
    "Policy",
    "bad_event",
    "deadline_error",
    "incomplete",
    "not_json",
    "status_error",
    "stream_event_error",
    "stream_stalled",
    "too_large",
    "transport_error",
    "transport_errors",
]


class Policy(Protocol):
    """What the exchange core reads from its engine (all public, read live per call)."""

    provider: str
    timeouts: Timeouts
    max_retries: int
    retry_base_delay: float
    retry_max_delay: float
    max_retry_after: float
    max_response_bytes: int
    max_stream_event_bytes: int
    on_headers: Callable[[Mapping[str, str]], None] | None

    def scrub(self, text: str) -> str: ...
    def scrub_data(self, data: Any) -> Any: ...


def status_error(
    policy: Policy, status: int, request_id: str | None, content: bytes, attempts: int
) -> APIStatusError | ContentFilterError:
    """The typed error of an HTTP error status (`content` is the possibly cut body)."""
    text = policy.scrub(content.decode("utf-8", "replace"))
    body: Any
    try:
        body = policy.scrub_data(json.loads(content))
    except ValueError:
        body = None
    return error_from_status(
        status,
        body,
        request_id=request_id,
        attempts=attempts,
        provider=policy.provider,
        raw_text=text,
    )


def transport_errors() -> tuple[type[Exception], ...]:
    """What the exchange is handed for a failed transport: httpx's `TransportError` (the
    default pools' httpcore errors are converted to it first, see `pipes_openai._httpcore`).

    Meant as an `except` clause's expression, which is evaluated only when an exception is
    being matched: while httpx is not loaded (the default pools do not need it) no httpx
    error can exist, and the clause matches nothing.
    """
    error = getattr(loaded_httpx(), "TransportError", None)
    return (error,) if error is not None else ()


def _is_timeout(exc: BaseException | None) -> bool:
    if isinstance(exc, APITimeoutError):
        return True
    httpx = loaded_httpx()
    return httpx is not None and isinstance(exc, httpx.TimeoutException)


# By class name: httpx's own timeout classes (the default pools' are converted to them).
_PHASES = {
    "ConnectTimeout": "connecting",
    "ReadTimeout": "waiting for the response",
    "WriteTimeout": "sending the request",
    "PoolTimeout": "waiting for a free connection",
}


def transport_error(policy: Policy, exc: Exception, attempts: int, url: str) -> OpenAIError:
    """A connection that failed or timed out (after the retries); `exc` is httpx's error."""
    where = policy.scrub(url)
    detail = policy.scrub(str(exc)) or type(exc).__name__
    timeouts = policy.timeouts
    if _is_timeout(exc):
        phase = _PHASES.get(type(exc).__name__, "talking to the server")
        return APITimeoutError(
            f"Timed out {phase} ({where}) after {attempts} attempt(s): {detail}. Raise "
            f"timeout= (now {timeouts.total}s, connect {timeouts.connect}s) or "
            "max_retries=, or check that the server is reachable and not overloaded.",
            attempts=attempts,
        )
    return APIConnectionError(
        f"Could not reach {policy.provider} at {where} after {attempts} attempt(s): "
        f"{type(exc).__name__}: {detail}. Check base_url (or OPENAI_BASE_URL), that the "
        "server is running, and proxies/firewalls.",
        attempts=attempts,
    )


def deadline_error(policy: Policy, url: object, attempts: int, received: int) -> APITimeoutError:
    """A reply that did not finish within its deadline although bytes kept arriving."""
    return APITimeoutError(
        f"The reply of {policy.provider} ({policy.scrub(str(url))}) did not finish within the "
        f"{policy.timeouts.total}s deadline of an attempt ({received} bytes received; "
        f"{attempts} attempt(s)). A server that sends its body slowly cannot extend the "
        "deadline. Raise timeout= if replies really take this long, or check the server.",
        attempts=attempts,
    )


def too_large(
    policy: Policy,
    what: str,
    size: int,
    limit: int,
    setting: str,
    request_id: str | None,
    attempts: int,
) -> ResponseTooLargeError:
    """A reply or event over a size limit; names the limit and the setting that raises it."""
    return ResponseTooLargeError(
        f"{what} from {policy.provider} reached {size} bytes, over the limit of {limit} bytes; "
        f"reading stopped there. Raise {setting}= if such replies are expected, or check that "
        "base_url points at an OpenAI-compatible server.",
        limit=limit,
        request_id=request_id,
        attempts=attempts,
    )


def _snippet(policy: Policy, data: bytes) -> str:
    """The start of a server's bytes, scrubbed, for a message.

    Scrubbed before it is cut: a secret straddling the cut would otherwise survive in part.
    The window is far wider than any spelling of a key, and bounded, as the body may be huge.
    """
    return policy.scrub(data[:65536].decode("utf-8", "replace"))[:200]


def not_json(
    policy: Policy,
    content: bytes,
    status: int,
    headers: Mapping[str, str],
    request_id: str | None,
    attempts: int,
) -> ResponseProtocolError:
    """A successful status with a body that is not JSON (an HTML proxy page, a wrong path)."""
    snippet = _snippet(policy, content)
    ctype = policy.scrub(headers.get("content-type", "no content-type"))
    return ResponseProtocolError(
        f"{policy.provider} answered HTTP {status} with a body that is not JSON ({ctype}): "
        f"{snippet!r}. Check that base_url points at an OpenAI-compatible API root (ending in "
        "/v1).",
        status_code=status,
        request_id=request_id,
        attempts=attempts,
    )


def bad_event(
    policy: Policy, data: bytes, request_id: str | None, attempts: int
) -> ResponseProtocolError:
    """A stream event whose data is not JSON."""
    snippet = _snippet(policy, data)
    return ResponseProtocolError(
        f"{policy.provider} sent a stream event that is not JSON: {snippet!r}. Check that "
        "base_url points at an OpenAI-compatible server.",
        request_id=request_id,
        attempts=attempts,
    )


def stream_event_error(
    policy: Policy, obj: Any, request_id: str | None, attempts: int
) -> StreamEventError:
    """An `error` event in the middle of a stream; its body is scrubbed like a status error's."""
    obj = policy.scrub_data(obj)
    err = obj.get("error", obj) if isinstance(obj, dict) else obj
    if not isinstance(err, dict):
        err = {"message": str(err)}
    message = policy.scrub(str(err.get("message") or err))
    return StreamEventError(
        f"{policy.provider} reported an error in the middle of the stream: {message}. The "
        "partial output was discarded; retry the request (a server error mid-stream is "
        "usually transient).",
        request_id=request_id,
        attempts=attempts,
        body=obj,
        **error_details(err),
    )


def stream_stalled(
    policy: Policy, events: int, request_id: str | None, attempts: int
) -> APITimeoutError:
    """No event within the per-event deadline (a silent server, or one dripping bytes)."""
    return APITimeoutError(
        f"No stream chunk from {policy.provider} within {policy.timeouts.event}s after "
        f"{events} event(s) (bytes trickling in do not extend this deadline); the partial "
        "output was discarded. Raise stream_chunk_timeout= (or timeout=) if the model is slow "
        "to produce tokens.",
        request_id=request_id,
        attempts=attempts,
    )


def incomplete(
    policy: Policy,
    events: int,
    request_id: str | None,
    attempts: int,
    exc: BaseException | None = None,
) -> OpenAIError:
    """A stream that ended (or broke) before `data: [DONE]`."""
    if _is_timeout(exc):
        return stream_stalled(policy, events, request_id, attempts)
    reason = f": {type(exc).__name__}: {policy.scrub(str(exc))}" if exc is not None else ""
    return StreamIncompleteError(
        f"The stream from {policy.provider} ended after {events} event(s) without "
        f"'data: [DONE]' (Responses API: without response.completed){reason}. The partial "
        "output was discarded; retry the request. If the server never sends [DONE], it is "
        "not OpenAI-compatible here.",
        request_id=request_id,
        attempts=attempts,
    )
