"""Recorded requests: what the server received, kept for the test's assertions."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from ._cassette import redact_headers, redact_query
from ._http import HttpRequest

__all__ = ["RecordedRequest", "RequestLog"]

_UNPARSED: Any = object()  # the body argument of RequestLog._record when the caller did not parse


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the emulator received (secrets in headers redacted).

    `body` is the parsed JSON body (`None` when it was not JSON; `text` has the raw text).

    ```pycon
    >>> emulator.requests[-1].body["messages"][-1]["content"]  # doctest: +SKIP
    'Hello'
    ```
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    text: str
    request_id: str


class RequestLog:
    """Loop side of [`Emulator.requests`][pipes_openai.emulator.Emulator.requests]: appends each
    request and wakes its waiters.

    The state is set up by `Emulator.__init__`; threads wait on `_changed`.
    """

    record_requests: bool
    _requests: list[RecordedRequest]
    _changed: threading.Condition

    def _record(self, req: HttpRequest, request_id: str, body: Any = _UNPARSED) -> None:
        if not self.record_requests:
            return
        text = req.body.decode("utf-8", errors="replace")
        if body is _UNPARSED:
            try:
                body = json.loads(text) if text else None
            except (ValueError, RecursionError):
                body = None
        self._requests.append(
            RecordedRequest(
                method=req.method,
                path=req.path,
                query=redact_query(req.query),
                headers=redact_headers(req.headers),
                body=body,
                text=text,
                request_id=request_id,
            )
        )
        with self._changed:
            self._changed.notify_all()
