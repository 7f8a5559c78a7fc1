"""The HTTP side of every route: API-key check, bounded body, JSON answers, error bodies,
and running a handler so that a client that goes away cancels it.

Routes are plain ASGI callables (no per-request `Request`/`Response` objects on the hot path)
so that they can race the run against the client's `http.disconnect`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
)
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from pipes import Runnable

from ._wire import WireError, dumps, sse

__all__ = [
    "ApiKey",
    "ClientGone",
    "HttpError",
    "Secrets",
    "closing",
    "read_json",
    "respond_json",
    "run_or_disconnect",
    "stream_sse",
]

log = logging.getLogger("pipes.serve")

T = TypeVar("T")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON_HEADERS = [(b"content-type", b"application/json")]
_SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),  # nginx: do not buffer the stream
]


class ClientGone(Exception):
    """The client disconnected before its request was read: there is nobody to answer."""


class HttpError(Exception):
    """An error answered as `{"status_code", "type", "message", "detail"}` with `status`."""

    def __init__(
        self, status: int, error_type: str, message: str, detail: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.detail = detail

    @classmethod
    def invalid(cls, loc: tuple[str | int, ...], message: str) -> HttpError:
        where = ".".join(str(part) for part in loc) or "body"
        return cls(
            422,
            "ValidationError",
            f"{where}: {message}",
            [{"loc": ["body", *loc], "msg": message, "type": "value_error"}],
        )

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status_code": self.status,
            "type": self.error_type,
            "message": self.message,
        }
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class Secrets:
    """The values an error message must never show: the server's API key and every
    `SecretStr` held by a runnable of the served graph (a model's `api_key`)."""

    def __init__(self, values: Iterable[str]) -> None:
        # longest first, so that a secret containing another is replaced whole
        self._values = sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)

    @classmethod
    def of(cls, runnable: Runnable[Any, Any], *extra: str | None) -> Secrets:
        found = [value for value in extra if value]
        try:
            graph_nodes: Any = runnable.get_graph().nodes
            if isinstance(graph_nodes, Mapping):  # keyed by id in some versions of Graph
                graph_nodes = graph_nodes.values()
            nodes = [getattr(node, "runnable", None) for node in graph_nodes]
        except Exception:  # a custom get_graph that fails: scrub what is known
            nodes = []
        for node in [runnable, *nodes]:
            if node is None:
                continue
            fields = node.__dict__ if hasattr(node, "__dict__") else {}
            if isinstance(node, BaseModel):
                fields = {**fields, **dict(node)}
            found += [v.get_secret_value() for v in fields.values() if isinstance(v, SecretStr)]
        return cls(found)

    def scrub(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, "***")
        return text

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._values)} hidden>)"


class ApiKey:
    """`Authorization: Bearer <key>` or `x-api-key: <key>`, compared in constant time."""

    def __init__(self, key: str | SecretStr) -> None:
        value = key.get_secret_value() if isinstance(key, SecretStr) else key
        if not value:
            raise ValueError("api_key must be a non-empty string (or None for no auth)")
        self._key = value.encode()

    def value(self) -> str:
        return self._key.decode()

    def check(self, scope: Scope) -> None:
        offered = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                offered = value.strip()
            elif name == b"authorization" and value[:7].lower() == b"bearer ":
                offered = value[7:].strip()
        # compare_digest on every path (an absent key too): timing tells nothing about the key
        if not hmac.compare_digest(offered or b"", self._key):
            raise HttpError(
                401,
                "Unauthorized",
                "missing or wrong API key: send `Authorization: Bearer <key>` or "
                "`x-api-key: <key>`",
            )

    def __repr__(self) -> str:
        return "ApiKey('***')"


async def read_json(scope: Scope, receive: Receive, limit: int) -> Any:
    """The request body parsed as JSON, read up to `limit` bytes (413 beyond)."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        return json.loads(b"".join(chunks))
    except RecursionError as exc:
        raise HttpError.invalid((), "the JSON is nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise HttpError.invalid((), f"the body is not valid JSON ({exc})") from exc


def _too_large(limit: int) -> HttpError:
    return HttpError(
        413,
        "PayloadTooLarge",
        f"the request body is larger than this server's max_body_bytes={limit}",
    )


async def respond_json(send: Send, status: int, body: bytes) -> None:
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def respond_error(
    send: Send, error: HttpError, shape: Callable[[HttpError], dict[str, Any]] = HttpError.body
) -> None:
    await respond_json(send, error.status, dumps(shape(error)).encode())


def failure(exc: BaseException, secrets: Secrets) -> HttpError:
    """A run's exception as a 500 naming its type and (scrubbed) message, no traceback."""
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, WireError):
        return HttpError.invalid(exc.loc, exc.message)
    if isinstance(exc, TimeoutError):
        return HttpError(504, "Timeout", secrets.scrub(str(exc)) or "the run timed out")
    message = secrets.scrub(str(exc))
    log.error(
        "pipes.serve: the run failed: %s: %s",
        type(exc).__name__,
        message,
        exc_info=log.isEnabledFor(logging.DEBUG),  # tracebacks can quote secrets: debug only
    )
    return HttpError(500, type(exc).__name__, message)


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def run_or_disconnect(work: Awaitable[None], receive: Receive) -> None:
    """Await `work`, cancelling it when the client disconnects first (the run stops, and with
    it any upstream request it had open)."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_until_disconnect(receive))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, watcher):
            pending.cancel()
        results = await asyncio.gather(task, watcher, return_exceptions=True)
    if task.done() and not task.cancelled() and isinstance(results[0], BaseException):
        raise results[0]
    if watcher.done() and not watcher.cancelled():
        log.info("pipes.serve: the client disconnected; its run was cancelled")


@asynccontextmanager
async def closing(iterator: AsyncIterator[T]) -> AsyncGenerator[AsyncIterator[T], None]:
    """`aclosing` for any async iterator: a runnable's `astream` need not be a generator."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def langserve_error(error: HttpError) -> bytes:
    return sse("error", dumps(error.body()))


async def stream_sse(
    send: Send,
    frames: AsyncGenerator[bytes, None],
    *,
    secrets: Secrets,
    deadline: AbstractAsyncContextManager[Any],
    error_frame: Callable[[HttpError], bytes] = langserve_error,
    end_frame: bytes = sse("end", ""),
) -> None:
    """Send SSE `frames`, then `end_frame`; a failure mid-stream becomes `error_frame` (the
    status line is already sent, so the error travels in the stream, as LangServe's and
    OpenAI's do). `deadline` bounds the whole stream."""
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
    try:
        async with aclosing(frames), deadline:
            async for frame in frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
    except Exception as exc:
        tail = error_frame(failure(exc, secrets))
    else:
        tail = end_frame
    await send({"type": "http.response.body", "body": tail})
