"""The emulator application (routing, auth, faults, replies) and the :class:`Emulator` handle."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._cassette import (
    Cassette,
    CassetteMiss,
    body_entry,
    redact_headers,
    redact_query,
    response_headers_to_keep,
)
from ._engine import Plan, plan_reply, render_response, render_stream
from ._http import Connection, HttpRequest, Listener, build_response, serve, shutdown, stream_head
from ._quirks import Quirk, parse_quirks
from ._script import Fault, Reply, ToolCall
from ._validate import validate_request
from ._wire import ApiError, default_error_message, dumps

if TYPE_CHECKING:
    import httpx

__all__ = ["Emulator", "RecordedRequest"]

_CHAT_PATHS = frozenset(
    {"/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions"}
)
_AZURE_RE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")
_MODELS_RE = re.compile(r"^(?:/v1)?/models(?:/(.+))?$")
_DEFAULT_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-3.5-turbo",
    "o3-mini",
)
_HTML_BODY = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx (injected by the pipes emulator)</center></body></html>\n"
)
_HOP_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "accept-encoding",
        "te",
        "upgrade",
        "proxy-connection",
    }
)
_UNPARSED: Any = object()
_SSE_TYPE = "text/event-stream; charset=utf-8"
_FLUSH_EVERY = 128  # SSE events per write when no per-chunk delay is configured


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the emulator received (secrets in headers redacted).

    ``body`` is the parsed JSON body (``None`` when it was not JSON; ``text`` has the raw text).

    >>> emulator.requests[-1].body["messages"][-1]["content"]  # doctest: +SKIP
    'Hello'
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    text: str
    request_id: str


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


class Emulator:
    """An OpenAI-compatible Chat Completions server for tests, demos and benchmarks.

    Runs on an ephemeral loopback port in a background thread (its own event loop), as a
    sync or async context manager. See the package docstring for the reply rules.

    >>> with Emulator() as emulator:  # doctest: +SKIP
    ...     emulator.script("Bonjour !")
    ...     httpx.post(emulator.base_url + "/chat/completions", json={...})
    ...     emulator.requests[-1].body["model"]

    Args:
        api_key: when set, requests must carry it (``Authorization: Bearer``, or ``api-key``
            on Azure paths) or get a 401 ``invalid_api_key``; by default any key is accepted.
        quirks: :class:`Quirk` names reproducing real servers' deviations.
        host, port: where to listen (port 0 picks a free port).
        chunk_delay: seconds between streamed chunks for every reply (default 0).
        models: the ids ``GET /v1/models`` lists.
        record_requests: keep :attr:`requests` (turn off for long benchmarks).
        upstream, record: proxy every request to ``upstream`` (e.g.
            ``"https://api.openai.com/v1"``) and save the exchanges to the cassette ``record``.
        cassette: replay the cassette file offline; a miss answers 400 ``cassette_miss``.
            In record and replay modes the queue (scripts, faults) is not used, and in record
            mode the upstream checks the API key, not the emulator.

    Queue replies and faults with :meth:`script`, :meth:`fail` and :meth:`fault`; assert on
    :attr:`requests`; park requests with :meth:`hold` / :meth:`release` for concurrency tests.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        quirks: Iterable[str | Quirk] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
        models: Iterable[str] = _DEFAULT_MODELS,
        record_requests: bool = True,
        upstream: str | None = None,
        record: str | os.PathLike[str] | None = None,
        cassette: str | os.PathLike[str] | None = None,
        system_fingerprint: str = "fp_emulator",
    ) -> None:
        if record is not None and upstream is None:
            raise ValueError(
                "Emulator(record=...) needs upstream= (the real API base URL to proxy to, e.g."
                " 'https://api.openai.com/v1')."
            )
        if upstream is not None and cassette is not None:
            raise ValueError(
                "Emulator: use either upstream=/record= (record) or cassette= (replay)."
            )
        self.api_key = api_key
        self.quirks = parse_quirks(quirks)
        self.host = host
        self.chunk_delay = chunk_delay
        self.models = tuple(models)
        self.record_requests = record_requests
        self.upstream = upstream.rstrip("/") if upstream else None
        self.system_fingerprint = system_fingerprint
        self._recorder = Cassette(record, load=False) if record is not None else None
        self._player = Cassette(cassette, load=True) if cassette is not None else None
        self._requested_port = port
        self._port: int | None = None
        self._queue: deque[Reply | Fault] = deque()
        self._requests: list[RecordedRequest] = []
        self._misses: list[CassetteMiss] = []
        self._seq = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: Listener | None = None
        self._http: httpx.AsyncClient | None = None
        self._hold = False
        self._gate: asyncio.Event | None = None
        self._held_count = 0
        self._changed = threading.Condition()
        self._q_reject_stream_options = Quirk.REJECT_STREAM_OPTIONS in self.quirks
        self._q_reject_null = Quirk.REJECT_NULL_CONTENT in self.quirks
        self._q_500 = Quirk.ERRORS_AS_500 in self.quirks
        self._q_omit_usage = Quirk.OMIT_USAGE in self.quirks
        self._q_reasoning = Quirk.REASONING_CONTENT in self.quirks

    # -- public API -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The port the server listens on (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("The emulator is not running; use `with Emulator() as e:` first.")
        return self._port

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT`` (Azure endpoints use this)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (oldest first), secrets redacted."""
        return self._requests

    @property
    def misses(self) -> list[CassetteMiss]:
        """Replayed requests that matched nothing in the cassette."""
        return self._misses

    @property
    def pending(self) -> int:
        """How many scripted replies and faults are still queued."""
        return len(self._queue)

    def script(self, *replies: Reply | Fault | ToolCall | str) -> Emulator:
        """Queue replies (served one per chat completion request, in order).

        A ``str`` is a text reply, a :class:`ToolCall` a reply with that call, a :class:`Fault`
        a fault. Returns the emulator so calls chain.

        >>> emulator.script("first", ToolCall("add", {"a": 1}))  # doctest: +SKIP
        """
        items: list[Reply | Fault] = []
        for reply in replies:
            if isinstance(reply, str):
                items.append(Reply(content=reply))
            elif isinstance(reply, ToolCall):
                items.append(Reply(tool_calls=(reply,)))
            elif isinstance(reply, Reply | Fault):
                items.append(reply)
            else:
                raise TypeError(
                    f"Emulator.script() takes Reply, ToolCall, Fault or str, got"
                    f" {type(reply).__name__}: {reply!r}."
                )
        self._queue.extend(items)
        return self

    enqueue = script

    def fault(self, fault: Fault, *, times: int = 1) -> Emulator:
        """Queue ``fault`` for the next ``times`` chat completion requests.

        >>> emulator.fault(Fault.drop(after_chunks=3))  # doctest: +SKIP
        """
        if times < 1:
            raise ValueError(f"fault(times={times}) must be at least 1.")
        self._queue.extend([fault] * times)
        return self

    def fail(
        self,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        message: str | None = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Emulator:
        """Answer the next ``times`` chat completion requests with HTTP ``status``.

        >>> emulator.fail(429, retry_after=0.01, times=2).script("ok")  # doctest: +SKIP
        """
        return self.fault(
            Fault.error(
                status,
                retry_after=retry_after,
                retry_after_ms=retry_after_ms,
                message=message,
                error_type=error_type,
                code=code,
                param=param,
                headers=headers,
            ),
            times=times,
        )

    def reset(self) -> None:
        """Forget recorded requests, misses and queued replies/faults (and release held ones)."""
        self._queue.clear()
        self._requests.clear()
        self._misses.clear()
        if self._hold:
            self.release()

    def hold(self) -> Emulator:
        """Park chat completion requests (answered later, on :meth:`release`).

        Deterministic concurrency, cancellation and timeout tests without sleeps: hold, fire
        requests, :meth:`wait_held` until they are parked, assert, release::

            emulator.hold()
            task = asyncio.create_task(model.ainvoke("hi"))
            await asyncio.to_thread(emulator.wait_held, 1)
            emulator.release()
        """
        self._hold = True
        return self

    def release(self) -> Emulator:
        """Answer every held request and stop holding new ones."""
        self._hold = False
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(self._open_gate)
        return self

    @property
    def held(self) -> int:
        """How many requests are parked by :meth:`hold` right now."""
        return self._held_count

    def wait_held(self, count: int, timeout: float = 10.0) -> None:
        """Block until at least ``count`` requests are held (``TimeoutError`` after ``timeout``)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._held_count >= count, timeout):
                raise TimeoutError(
                    f"Only {self._held_count} of {count} requests were held after {timeout} s."
                )

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until ``count`` requests were received; return the recorded requests.

        >>> emulator.wait_for_requests(2)[-1].body["stream"]  # doctest: +SKIP
        """
        if not self.record_requests:
            raise RuntimeError("wait_for_requests() needs Emulator(record_requests=True).")
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= count, timeout):
                raise TimeoutError(
                    f"Only {len(self._requests)} of {count} requests arrived within {timeout} s."
                )
        return list(self._requests)

    def _open_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    async def _parked(self, req: HttpRequest, conn: Connection) -> bool:
        if self._hold:
            if self._gate is None:
                self._gate = asyncio.Event()
            gate = self._gate
            with self._changed:
                self._held_count += 1
                self._changed.notify_all()
            try:
                await gate.wait()
            finally:
                with self._changed:
                    self._held_count -= 1
                    self._changed.notify_all()
        result = self._handle_now(req, conn)
        if isinstance(result, bytes):
            conn.write(result)
            return req.keep_alive
        return await result

    def start(self) -> Emulator:
        """Start serving in a background thread (idempotent); returns the emulator."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._listener = loop.run_until_complete(
                    serve(self._handle, self.host, self._requested_port)
                )
                self._port = self._listener.port
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._aclose_loop_resources())
                loop.close()

        thread = threading.Thread(target=run, name="pipes-openai-emulator", daemon=True)
        self._thread = thread
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("The emulator did not start within 10 s.")
        if errors:
            self._thread = None
            raise OSError(
                f"The emulator could not listen on {self.host}:{self._requested_port}: {errors[0]}"
            ) from errors[0]
        return self

    def close(self) -> None:
        """Stop the server and wait for its thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    async def serve_forever(
        self, stop: asyncio.Event | None = None, ready: asyncio.Event | None = None
    ) -> None:
        """Serve on the *current* event loop until ``stop`` is set (used by the CLI).

        ``ready`` is set once the socket listens (then :attr:`base_url` is known).
        """
        self._loop = asyncio.get_running_loop()
        self._listener = await serve(self._handle, self.host, self._requested_port)
        self._port = self._listener.port
        if ready is not None:
            ready.set()
        try:
            if stop is None:
                await asyncio.Event().wait()
            else:
                await stop.wait()
        finally:
            await self._aclose_loop_resources()

    async def _aclose_loop_resources(self) -> None:
        if self._listener is not None:
            await shutdown(self._listener)
            self._listener = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Emulator:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Joining the thread blocks briefly; do it off the caller's loop.
        await asyncio.to_thread(self.close)

    def __repr__(self) -> str:
        where = f"{self.host}:{self._port}" if self._port else "not started"
        return f"<Emulator {where} quirks={sorted(self.quirks)} pending={self.pending}>"

    # -- request handling (runs on the server loop) -----------------------------------------
    def _handle(self, req: HttpRequest, conn: Connection) -> bytes | Awaitable[bool]:
        if self._hold and req.method == "POST":
            return self._parked(req, conn)
        return self._handle_now(req, conn)

    def _handle_now(self, req: HttpRequest, conn: Connection) -> bytes | Awaitable[bool]:
        seq = next(self._seq)
        request_id = f"req_emu{seq:08d}"
        keep = req.keep_alive
        path = req.path
        deployment: str | None = None
        if path not in _CHAT_PATHS:
            match = _AZURE_RE.match(path)
            if match:
                deployment = match.group(1)
            else:
                models = _MODELS_RE.match(path)
                if models and req.method == "GET":
                    self._record(req, request_id)
                    return self._models(models.group(1), request_id, keep)
                self._record(req, request_id)
                return self._error(
                    ApiError(
                        404,
                        f"Invalid URL ({req.method} {path}). The emulator serves POST"
                        " /v1/chat/completions, POST /openai/deployments/{deployment}/chat/"
                        "completions and GET /v1/models.",
                        code=None,
                    ),
                    request_id,
                    keep,
                )
        if req.method != "POST":
            self._record(req, request_id)
            return self._error(
                ApiError(405, f"Method {req.method} not allowed on {path}; use POST."),
                request_id,
                keep,
            )
        # Parse once: the recording and the handler share the decoded body.
        parse_error: ValueError | None = None
        try:
            body = json.loads(req.body) if req.body else None
        except ValueError as exc:
            body, parse_error = None, exc
        self._record(req, request_id, body)
        if self.upstream is not None:
            return self._proxy(conn, req, request_id)
        try:
            if deployment is not None and "api-version" not in req.query:
                raise ApiError(
                    404,
                    "Resource not found: Azure OpenAI needs the api-version query parameter"
                    " (e.g. ?api-version=2024-10-21).",
                    code="404",
                )
            self._check_auth(req, azure=path.startswith("/openai/"))
            if self._player is not None:
                return self._replay(req, request_id, keep)
            if parse_error is not None or body is None:
                raise ApiError(
                    400,
                    "We could not parse the JSON body of your request. (HINT: This likely means"
                    " you aren't using your HTTP library correctly. The OpenAI API expects a JSON"
                    " payload, but what was sent was not valid JSON:"
                    f" {parse_error or 'empty body'}.)",
                )
            if deployment is not None and isinstance(body, dict) and not body.get("model"):
                # Azure routes by deployment and the model is optional; copy so the recorded
                # request still shows what the client sent.
                body = {**body, "model": deployment}
            try:
                validate_request(
                    body,
                    reject_null_content=self._q_reject_null,
                    reject_stream_options=self._q_reject_stream_options,
                )
            except ApiError as exc:
                if self._q_500:
                    exc.status = 500
                raise
        except ApiError as exc:
            return self._error(exc, request_id, keep)
        item = self._queue.popleft() if self._queue else None
        fault = item if isinstance(item, Fault) else None
        reply = item if isinstance(item, Reply) else None
        if fault is not None and fault.kind == "status":
            return self._error(
                ApiError(
                    fault.status,
                    fault.message or default_error_message(fault.status),
                    type=fault.error_type,
                    param=fault.param,
                    code=fault.code,
                    headers=_retry_headers(fault),
                ),
                request_id,
                keep,
            )
        if fault is not None and fault.kind == "non_json":
            return build_response(
                fault.status,
                (fault.body if fault.body is not None else _HTML_BODY).encode(),
                [("x-request-id", request_id), *(fault.headers or {}).items()],
                content_type="text/html; charset=utf-8",
                keep_alive=keep,
            )
        if fault is not None and fault.kind == "drop" and fault.after_chunks == 0:
            return self._drop(conn)
        plan = plan_reply(
            body,
            reply,
            seq=seq,
            created=int(time.time()),
            reasoning_quirk=self._q_reasoning,
            chunk_delay=self.chunk_delay,
        )
        plan.system_fingerprint = self.system_fingerprint
        if fault is not None and fault.kind == "slow":
            plan.delay = max(plan.delay, fault.delay)
            plan.chunk_delay = fault.chunk_delay
        if body.get("stream"):
            options = body.get("stream_options") or {}
            include_usage = bool(options.get("include_usage"))
            return self._stream(conn, plan, include_usage, fault, request_id)
        if fault is not None and fault.kind == "stream_error":
            return self._error(
                ApiError(
                    500,
                    fault.message or default_error_message(500),
                    type=fault.error_type,
                    code=fault.code,
                ),
                request_id,
                keep,
            )
        payload = dumps(render_response(plan, omit_usage=self._q_omit_usage)).encode()
        if fault is not None and fault.kind in ("drop", "truncate"):
            return self._cut_body(conn, payload, request_id)
        if plan.delay > 0:
            return self._delayed(
                conn,
                plan.delay,
                build_response(200, payload, [("x-request-id", request_id)], keep_alive=keep),
            )
        return build_response(200, payload, [("x-request-id", request_id)], keep_alive=keep)

    def _record(self, req: HttpRequest, request_id: str, body: Any = _UNPARSED) -> None:
        if not self.record_requests:
            return
        text = req.body.decode("utf-8", errors="replace")
        if body is _UNPARSED:
            try:
                body = json.loads(text) if text else None
            except ValueError:
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

    def _check_auth(self, req: HttpRequest, *, azure: bool) -> None:
        if self.api_key is None:
            return
        auth = req.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if azure and token is None:
            token = req.headers.get("api-key")
        if token is None:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an"
                " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)"
                + (" or in the api-key header." if azure else "."),
                code=None,
            )
        if token != self.api_key:
            # Never echo any part of the key: clients may surface this message in logs.
            raise ApiError(
                401,
                "Incorrect API key provided. You can find your API key at"
                " https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _models(self, model_id: str | None, request_id: str, keep: bool) -> bytes:
        created = 1_700_000_000
        data: dict[str, Any]
        if model_id is None:
            data = {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": created, "owned_by": "pipes-emulator"}
                    for m in self.models
                ],
            }
        elif model_id in self.models or model_id.startswith("ft:"):
            data = {
                "id": model_id,
                "object": "model",
                "created": created,
                "owned_by": "pipes-emulator",
            }
        else:
            return self._error(
                ApiError(
                    404,
                    f"The model '{model_id}' does not exist or you do not have access to it.",
                    code="model_not_found",
                ),
                request_id,
                keep,
            )
        return build_response(
            200, dumps(data).encode(), [("x-request-id", request_id)], keep_alive=keep
        )

    def _error(self, exc: ApiError, request_id: str, keep: bool) -> bytes:
        headers = [("x-request-id", request_id), *exc.headers.items()]
        return build_response(exc.status, dumps(exc.body()).encode(), headers, keep_alive=keep)

    async def _drop(self, conn: Connection) -> bool:
        conn.abort()
        return False

    async def _delayed(self, conn: Connection, delay: float, data: bytes) -> bool:
        await asyncio.sleep(delay)
        conn.write(data)
        return True

    async def _cut_body(self, conn: Connection, payload: bytes, request_id: str) -> bool:
        head = build_response(200, b"", [("x-request-id", request_id)])
        # The head announces the full length; only half the body arrives, then the FIN.
        head = head.replace(b"content-length: 0", b"content-length: %d" % len(payload), 1)
        conn.write(head + payload[: len(payload) // 2])
        conn.close()
        return False

    async def _stream(
        self,
        conn: Connection,
        plan: Plan,
        include_usage: bool,
        fault: Fault | None,
        request_id: str,
    ) -> bool:
        if plan.delay > 0:
            await asyncio.sleep(plan.delay)
        conn.write(stream_head(200, [("x-request-id", request_id)], _SSE_TYPE))
        events: Iterator[str] = render_stream(plan, include_usage=include_usage, quirks=self.quirks)
        limit = fault.after_chunks if fault is not None and fault.kind != "slow" else None
        if limit is not None:
            events = itertools.islice(events, limit)
        delay = plan.chunk_delay
        if delay > 0:
            first = True
            for event in events:
                if not first:
                    await asyncio.sleep(delay)
                first = False
                conn.write(_chunk(event.encode()))
                await conn.drain()
        else:
            # The first event alone (time to first chunk), then batches of events per write.
            batch: list[str] = []
            first = True
            for event in events:
                if first:
                    conn.write(_chunk(event.encode()))
                    first = False
                    continue
                batch.append(event)
                if len(batch) >= _FLUSH_EVERY:
                    conn.write(_chunk("".join(batch).encode()))
                    batch.clear()
                    await conn.drain()
            if batch:
                conn.write(_chunk("".join(batch).encode()))
        if fault is not None and fault.kind == "drop":
            conn.close()
            return False
        if fault is not None and fault.kind == "stream_error":
            error = ApiError(
                500,
                fault.message
                or "The server had an error while streaming (injected by the emulator).",
                type=fault.error_type,
                code=fault.code,
            )
            conn.write(_chunk(f"data: {dumps(error.body())}\n\n".encode()) + b"0\r\n\r\n")
            return True
        if fault is not None and fault.kind == "truncate":
            conn.write(b"0\r\n\r\n")
            return True
        conn.write(_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await conn.drain()
        return True

    # -- record / replay --------------------------------------------------------------------
    def _replay(self, req: HttpRequest, request_id: str, keep: bool) -> bytes:
        assert self._player is not None
        entry = body_entry(req.body)
        response = self._player.match(req.method, req.path, entry)
        if response is None:
            miss = self._player.miss(req.method, req.path, entry)
            self._misses.append(miss)
            return self._error(
                ApiError(400, miss.message, type="invalid_request_error", code="cassette_miss"),
                request_id,
                keep,
            )
        headers = dict(response.get("headers") or {})
        content_type = headers.pop("content-type", "application/json")
        headers.setdefault("x-request-id", request_id)
        if "json" in response:
            payload = dumps(response["json"]).encode()
        else:
            payload = str(response.get("text", "")).encode()
        return build_response(
            int(response.get("status", 200)),
            payload,
            headers.items(),
            content_type=content_type,
            keep_alive=keep,
        )

    def _upstream_url(self, req: HttpRequest) -> str:
        assert self.upstream is not None
        path = req.path[3:] if req.path.startswith("/v1/") else req.path
        query = req.target.partition("?")[2]
        return self.upstream + path + (f"?{query}" if query else "")

    async def _proxy(self, conn: Connection, req: HttpRequest, request_id: str) -> bool:
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0))
        headers = {k: v for k, v in req.headers.items() if k not in _HOP_HEADERS}
        headers["accept-encoding"] = "identity"  # relay bytes exactly as the upstream sends them
        upstream_request = self._http.build_request(
            req.method, self._upstream_url(req), headers=headers, content=req.body
        )
        try:
            response = await self._http.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            error = ApiError(
                502,
                f"The emulator could not reach the upstream {self.upstream!r}: {exc!r}.",
                code="upstream_unreachable",
            )
            conn.write(self._error(error, request_id, req.keep_alive))
            return True
        received = bytearray()
        try:
            passthrough = [
                (k, v)
                for k, v in response.headers.items()
                if k.lower() not in _HOP_HEADERS and k.lower() not in ("content-type", "set-cookie")
            ]
            content_type = response.headers.get("content-type", "application/json")
            conn.write(stream_head(response.status_code, passthrough, content_type))
            async for piece in response.aiter_raw():
                received += piece
                conn.write(_chunk(piece))
                await conn.drain()
            conn.write(b"0\r\n\r\n")
        finally:
            await response.aclose()
        if self._recorder is not None:
            request_entry: dict[str, Any] = {
                "method": req.method,
                "path": req.path,
                "query": redact_query(req.query),
                "headers": redact_headers(
                    {k: v for k, v in req.headers.items() if k not in _HOP_HEADERS},
                    private=True,
                ),
                **body_entry(req.body),
            }
            response_entry: dict[str, Any] = {
                "status": response.status_code,
                "headers": response_headers_to_keep(dict(response.headers)),
                **body_entry(bytes(received)),
            }
            self._recorder.add(request_entry, response_entry)
        return True


def _retry_headers(fault: Fault) -> dict[str, str]:
    headers = dict(fault.headers or {})
    if fault.retry_after is not None:
        value = fault.retry_after
        headers["retry-after"] = str(int(value)) if float(value).is_integer() else repr(value)
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = str(fault.retry_after_ms)
    return headers
