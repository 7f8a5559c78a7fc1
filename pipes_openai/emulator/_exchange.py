"""One request being answered: its id, its clock, and the headers of every reply to it.

Every response the emulator writes (chat, streams, Responses, embeddings, models, files,
batches, errors) gets its headers here, as the API sends them: `x-request-id`,
`openai-processing-ms` (the handler's real elapsed milliseconds when the head is written),
`openai-version: 2020-10-01`, `openai-organization` (the API names the caller's organization to
every key-authenticated caller; not on a 401 nor on an HTTP-level rejection, where no key was
read), and the `x-ratelimit-*` family when `rpm` / `tpm` limits are set. A scripted `Reply`'s
`headers` and a `Fault`'s are added last and win over the computed ones of the same name.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from ._frames import build_response, stream_head
from ._wire import ApiError, dumps

__all__ = ["ORGANIZATION", "Exchange", "base_headers"]

OPENAI_VERSION = "2020-10-01"
ORGANIZATION = "org-emulator"  # also named by the emulated rate limits' 429 message
_SSE_TYPE = "text/event-stream; charset=utf-8"


def base_headers(request_id: str, started: float | None = None) -> list[tuple[str, str]]:
    """`x-request-id`, `openai-processing-ms` (since `started`, a `perf_counter` value; 0
    without one) and `openai-version`."""
    ms = 0 if started is None else int((time.perf_counter() - started) * 1000)
    return [
        ("x-request-id", request_id),
        ("openai-processing-ms", str(ms)),
        ("openai-version", OPENAI_VERSION),
    ]


class Exchange:
    """The answer to one request in the making: who it is for and the headers it carries.

    `extra` headers (rate limits, a scripted reply's or a fault's own) are added after the
    standard ones; a later header replaces an earlier one of the same name.
    """

    __slots__ = ("authenticated", "extra", "keep", "request_id", "started")

    def __init__(self, request_id: str, keep: bool) -> None:
        self.request_id = request_id
        self.keep = keep
        self.started = time.perf_counter()
        self.authenticated = True  # set False by a 401: the API names no organization then
        self.extra: dict[str, str] = {}

    def add(self, headers: Iterable[tuple[str, str]] | dict[str, str] | None) -> None:
        """Carry `headers` on the reply (replacing computed ones of the same name)."""
        items = headers.items() if isinstance(headers, dict) else headers or ()
        for name, value in items:
            self.extra[name.lower()] = value

    def headers(self, more: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """Every header of the reply, as of now (`openai-processing-ms` is measured here)."""
        out = dict(base_headers(self.request_id, self.started))
        if self.authenticated:
            out["openai-organization"] = ORGANIZATION
        out.update(self.extra)
        for name, value in (more or {}).items():
            out[name.lower()] = value
        return list(out.items())

    def ok(self, payload: bytes, *, content_type: str = "application/json") -> bytes:
        """A complete 200 response with `payload`."""
        return build_response(
            200, payload, self.headers(), content_type=content_type, keep_alive=self.keep
        )

    def json(self, data: Any) -> bytes:
        """A complete 200 response with `data` as JSON."""
        return self.ok(dumps(data).encode())

    def error(self, exc: ApiError) -> bytes:
        """The complete response for `exc` (its status, headers and OpenAI error body)."""
        if exc.status == 401:
            self.authenticated = False
        return build_response(
            exc.status, dumps(exc.body()).encode(), self.headers(exc.headers), keep_alive=self.keep
        )

    def page(self, status: int, body: bytes, content_type: str) -> bytes:
        """A complete non-JSON response (an injected proxy page)."""
        return build_response(
            status, body, self.headers(), content_type=content_type, keep_alive=self.keep
        )

    def stream_head(self) -> bytes:
        """The head of a 200 SSE stream."""
        return stream_head(200, self.headers(), _SSE_TYPE)
