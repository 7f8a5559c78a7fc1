"""Typed errors raised by `pipes_openai`.

Every error derives from [`OpenAIError`][pipes_openai.OpenAIError] (itself a
[`pipes.ChatModelError`][pipes.ChatModelError]) *and* from the builtin it refines, so both styles
work:

```python
from pipes_openai import ChatOpenAI, RateLimitError

try:
    ChatOpenAI(model="gpt-4o-mini").invoke("hi")
except RateLimitError as exc:        # or: except pipes.ChatModelError
    print(exc.status_code, exc.request_id, exc.attempts)
except PermissionError:              # AuthenticationError / PermissionDeniedError
    ...
```

Tree:

```text
OpenAIError(ChatModelError)
├── APIStatusError                           any HTTP error status
│   ├── AuthenticationError(PermissionError) 401
│   ├── PermissionDeniedError(PermissionError) 403
│   ├── NotFoundError(LookupError)           404
│   ├── ConflictError                        409
│   ├── RateLimitError                       429
│   ├── BadRequestError(ValueError)          400, 422
│   │   └── ContextLengthExceededError       code "context_length_exceeded"
│   └── InternalServerError                  5xx
├── APITimeoutError(TimeoutError)            connect/read/write timeouts, per-chunk timeout
├── APIConnectionError(ConnectionError)      refused, reset, DNS, TLS
├── StreamError                              a stream that broke after it started
│   ├── StreamIncompleteError(ConnectionError) cut before ``data: [DONE]``
│   └── StreamEventError                     an ``error`` event inside the stream
├── ResponseProtocolError(ValueError)        a body that is not the Chat Completions format
│   └── ResponseTooLargeError                a reply or stream event over its size limit
├── RefusalError                             the model refused (``message.refusal``)
├── ContentFilterError                       finish_reason / error code ``content_filter``
└── OpenAIConfigurationError(ValueError)     no API key, no Azure endpoint ...
```

The message always says what happened and what to do; attributes carry the details:
`status_code`, `error_type`, `code`, `param`, `request_id` (the `x-request-id`
header, quote it to OpenAI support), `attempts` (requests sent, retries included) and
`body` (the parsed error body, if any). Secrets never appear in any of them: the HTTP layer
scrubs every spelling (verbatim, JSON-escaped, percent-encoded) of every credential the model
sent (API key, credential headers and query parameters, each Azure AD token) from
server-provided text before building the error. Errors pickle with all their attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from pipes_openai._pipes import ChatModelError

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ContentFilterError",
    "ContextLengthExceededError",
    "InternalServerError",
    "NotFoundError",
    "OpenAIConfigurationError",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
    "ResponseProtocolError",
    "ResponseTooLargeError",
    "StreamError",
    "StreamEventError",
    "StreamIncompleteError",
]


class OpenAIError(ChatModelError):
    """Base class of every error raised by `pipes_openai`."""

    status_code: int | None
    error_type: str | None
    code: str | None
    param: str | None
    request_id: str | None
    attempts: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        body: Any = None,
    ) -> None:
        details = {
            "status_code": status_code,
            "error_type": error_type,
            "code": code,
            "param": param,
            "request_id": request_id,
            "attempts": attempts,
        }
        super().__init__(message, **details)
        self.message = message
        # The same details as attributes (`exc.status_code` ...), written once.
        self.__dict__.update(details)
        self.body = body

    def __str__(self) -> str:
        # OSError-based subclasses would otherwise format errno/strerror; keep one format.
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Default exception pickling calls cls(*args), which a subclass with a required
        # keyword-only argument cannot take; rebuild without calling __init__ instead.
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[OpenAIError], message: str, state: dict[str, Any]) -> OpenAIError:
    # The builtin's own __new__ (OSError's for the ConnectionError/TimeoutError/PermissionError
    # refinements): what cls(message) would run, without the subclass's __init__.
    new = OSError.__new__ if issubclass(cls, OSError) else BaseException.__new__
    exc = new(cls, message)
    exc.args = (message,)
    exc.__dict__.update(state)  # every attribute, details and __notes__ included
    return exc


class APIStatusError(OpenAIError):
    """The server answered with an HTTP error status (`status_code`)."""


class AuthenticationError(APIStatusError, PermissionError):
    """401: the API key (or Azure AD token) was missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError, PermissionError):
    """403: the key is valid but may not use this model, project or region."""


class NotFoundError(APIStatusError, LookupError):
    """404: unknown model / deployment, or a wrong `base_url` path."""


class ConflictError(APIStatusError):
    """409: a conflicting concurrent operation; retried automatically."""


class RateLimitError(APIStatusError):
    """429: rate limit or quota exceeded (`code == "insufficient_quota"` for the latter)."""


class BadRequestError(APIStatusError, ValueError):
    """400/422: the request was rejected as invalid; `param` names the culprit if known."""


class ContextLengthExceededError(BadRequestError):
    """The prompt plus `max_tokens` does not fit the model's context window."""


class InternalServerError(APIStatusError):
    """5xx: the server failed; retried automatically up to `max_retries`."""


class APITimeoutError(OpenAIError, TimeoutError):
    """No answer (or, while streaming, no chunk) within the configured timeout."""


class APIConnectionError(OpenAIError, ConnectionError):
    """The server could not be reached or the connection broke before an answer."""


class StreamError(OpenAIError):
    """A streamed response broke after it started; partial output is never returned."""


class StreamIncompleteError(StreamError, ConnectionError):
    """The stream ended before `data: [DONE]` (connection dropped or server crashed)."""


class StreamEventError(StreamError):
    """The server sent an `error` event in the middle of a stream."""


class ResponseProtocolError(OpenAIError, ValueError):
    """The response body is not valid Chat Completions JSON."""


class ResponseTooLargeError(ResponseProtocolError):
    """A reply (or one streamed event) grew past a configured size limit.

    `limit` is the limit in bytes; the message names the setting that raises it
    (`max_response_bytes` or `max_stream_event_bytes`).
    """

    def __init__(self, message: str, *, limit: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class RefusalError(OpenAIError):
    """The model refused to answer; `refusal` holds its explanation.

    Raised by `with_structured_output` (invoke and stream) when the reply is a refusal
    instead of the requested structure.
    """

    def __init__(self, message: str, *, refusal: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.refusal = refusal


class ContentFilterError(OpenAIError):
    """The content filter blocked the prompt or the completion (Azure and OpenAI)."""


class OpenAIConfigurationError(OpenAIError, ValueError):
    """The model is configured in a way that cannot work (no API key, no endpoint ...)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}

_ADVICE: dict[type[OpenAIError], str] = {
    AuthenticationError: (
        "Check the API key: set the OPENAI_API_KEY environment variable (AZURE_OPENAI_API_KEY "
        "for Azure) or pass api_key=..., and make sure it belongs to this base_url."
    ),
    PermissionDeniedError: (
        "The key is valid but not allowed to do this: check the organization/project the key "
        "belongs to and whether it has access to the model."
    ),
    NotFoundError: (
        "Check the model name (or Azure deployment name) and base_url; base_url must end with "
        "the API root, e.g. 'https://api.openai.com/v1' or 'http://localhost:8000/v1'."
    ),
    ConflictError: "A conflicting request was in flight; retry later.",
    RateLimitError: (
        "Slow down: lower the concurrency (config max_concurrency=...), add a rate_limiter, or "
        "raise max_retries; if code is 'insufficient_quota', check the account's billing."
    ),
    BadRequestError: (
        "The server rejected the request; fix the parameter named above (see the provider's "
        "API reference for its accepted values)."
    ),
    ContextLengthExceededError: (
        "Shorten the conversation (trim old messages) or lower max_tokens so that prompt plus "
        "completion fit the model's context window."
    ),
    InternalServerError: (
        "The server failed; it was retried max_retries times. Try again later or raise "
        "max_retries. Some OpenAI-compatible servers also answer invalid requests with 500: "
        "check the server log."
    ),
    ContentFilterError: (
        "The content filter blocked this prompt or completion; rephrase the input or adjust "
        "the filter policy of the deployment."
    ),
}


class ErrorDetails(TypedDict):
    """What an API error object says besides its message; the keywords of `OpenAIError`."""

    error_type: str | None
    code: str | None
    param: str | None


def error_details(err: Mapping[str, Any]) -> ErrorDetails:
    """The `error_type`, `code` and `param` of an API error object (`{"type": ...}`), each
    `None` where the server sent none or a value of the wrong type (a code may be a number)."""
    error_type = err.get("type")
    code = err.get("code")
    param = err.get("param")
    return {
        "error_type": error_type if isinstance(error_type, str) else None,
        "code": str(code) if code is not None else None,
        "param": param if isinstance(param, str) else None,
    }


def _describe(status_code: int, details: ErrorDetails) -> str:
    named = (
        ("type", details["error_type"]),
        ("code", details["code"]),
        ("param", details["param"]),
    )
    return ", ".join([str(status_code), *(f"{k}={v}" for k, v in named if v)])


def error_from_status(
    status_code: int,
    body: Any,
    *,
    request_id: str | None,
    attempts: int,
    provider: str = "OpenAI",
    raw_text: str = "",
) -> APIStatusError | ContentFilterError:
    """Build the typed error for an HTTP error response.

    `body` is the parsed JSON body (`{"error": {...}}` for OpenAI, sometimes a bare
    `{"detail": ...}`/`{"message": ...}` or a string for compatible servers); `raw_text` is
    used when the body is not JSON. Both must already be scrubbed of secrets.

    Example:
        ```python
        err = error_from_status(429, {"error": {"message": "slow"}}, request_id="r", attempts=3)
        assert isinstance(err, RateLimitError)
        ```
    """
    err: Any = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(err, str):  # e.g. llama.cpp / some proxies: {"error": "text"}
        err = {"message": err}
    if not isinstance(err, dict):
        err = {}
    server_message = (
        err.get("message") or err.get("detail") or (body if isinstance(body, str) else "")
    )
    if not server_message:
        server_message = raw_text.strip()[:500] or "(empty body)"
    if not isinstance(server_message, str):
        server_message = str(server_message)
    details = error_details(err)
    code = details["code"]

    cls: type[APIStatusError] | type[ContentFilterError]
    if code == "context_length_exceeded" or (
        status_code in (400, 413, 422) and "context length" in server_message.lower()
    ):
        cls = ContextLengthExceededError
    elif code == "content_filter" or (
        isinstance(err.get("innererror"), dict)
        and err["innererror"].get("code") == "ResponsibleAIPolicyViolation"
    ):
        cls = ContentFilterError
    elif status_code >= 500:
        cls = InternalServerError
    else:
        cls = _BY_STATUS.get(status_code, APIStatusError)
    advice = _ADVICE.get(cls, "")
    retried = f" after {attempts} attempts" if attempts > 1 else ""
    rid = f" [request id {request_id}]" if request_id else ""
    message = (
        f"{provider} returned HTTP {_describe(status_code, details)}{retried}: "
        f"{server_message}{rid}"
    )
    if advice:
        message += f"\n{advice}"
    return cls(
        message,
        status_code=status_code,
        request_id=request_id,
        attempts=attempts,
        body=body,
        **details,
    )
