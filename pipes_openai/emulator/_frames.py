"""HTTP/1.1 response bytes, built directly (the fast path writes them without a task).

Not through h11 on purpose: fault injection sends what h11 would refuse to (a body shorter than
its `Content-Length`, a stream cut before its last chunk).
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus

__all__ = ["build_response", "chunk", "stream_head"]

_REASONS = {s.value: s.phrase for s in HTTPStatus}


def build_response(
    status: int,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
    *,
    content_type: str = "application/json",
    keep_alive: bool = True,
) -> bytes:
    """A complete HTTP/1.1 response with `Content-Length`."""
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
    ]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    if not keep_alive:
        lines.append("connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1") + body


def stream_head(status: int, headers: Iterable[tuple[str, str]], content_type: str) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}\r\n"
        f"content-type: {content_type}\r\ntransfer-encoding: chunked\r\n"
        "cache-control: no-cache\r\n"
    ]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def chunk(data: bytes) -> bytes:
    """`data` as one HTTP/1.1 chunk of a chunked body."""
    return b"%x\r\n%b\r\n" % (len(data), data)
