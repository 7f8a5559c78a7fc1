"""Request dispatch: routing, auth, validation, and the queue item that shapes each answer.

Loop side. `Dispatcher._handle` is the `._http` handler: it answers most requests
with complete response bytes (no task), and hands back a coroutine for streams, delays, held
requests and the proxy.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from ._batches import BATCH_PATH, BatchApi
from ._embeddings import embeddings_response
from ._engine import plan_reply, render_response
from ._frames import build_response
from ._http import Connection, HttpRequest
from ._limits import Limits, require_json
from ._quirks import Quirk
from ._ratelimit import RateLimits
from ._record_replay import RecordReplay
from ._recording import RequestLog
from ._respond import (
    cut_body,
    early_fault,
    error_response,
    fault_error,
    send_later,
    stream_reply,
)
from ._responses import ResponsesAPI
from ._script import Fault, Reply
from ._validate import validate_request
from ._wire import ApiError, default_error_message, dumps

__all__ = ["Dispatcher"]

_CHAT_PATHS = frozenset(
    {"/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions"}
)
_EMBEDDINGS_PATHS = frozenset({"/v1/embeddings", "/embeddings", "/openai/v1/embeddings"})
_AZURE_RE = re.compile(r"^/openai/deployments/([^/]+)/(chat/completions|embeddings)$")
_MODELS_RE = re.compile(r"^(?:/v1)?/models(?:/(.+))?$")
_RESPONSES_RE = re.compile(r"^(?:/v1|/openai/v1)?/responses(?:/([^/]+))?$")


class Dispatcher(RequestLog, RecordReplay, BatchApi, ResponsesAPI):
    """What the server does with each request; `Emulator` adds configuration and lifecycle.

    The state is set up by `Emulator.__init__`.
    """

    api_key: str | None
    limits: Limits
    rate_limits: RateLimits | None
    quirks: frozenset[Quirk]
    chunk_delay: float
    models: tuple[str, ...]
    system_fingerprint: str
    _queue: deque[Reply | Fault]
    _seq: itertools.count[int]
    _hold: bool
    _gate: asyncio.Event | None
    _held_count: int
    _q_reject_stream_options: bool
    _q_reject_null: bool
    _q_500: bool
    _q_omit_usage: bool
    _q_reasoning: bool

    def _handle(self, req: HttpRequest, conn: Connection) -> bytes | Awaitable[bool]:
        if self._hold and req.method == "POST":
            return self._parked(req, conn)
        return self._handle_now(req, conn)

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

    def _open_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.set()

    def _handle_now(self, req: HttpRequest, conn: Connection) -> bytes | Awaitable[bool]:
        seq = next(self._seq)
        request_id = f"req_emu{seq:08d}"
        keep = req.keep_alive
        path = req.path
        deployment: str | None = None
        batch_api = BATCH_PATH.match(path)
        if batch_api:
            self._record(req, request_id)
            try:
                self._check_auth(req, azure=path.startswith("/openai/"))
            except ApiError as exc:
                return error_response(exc, request_id, keep)
            return self._batch_api(req, batch_api, request_id)
        responses = _RESPONSES_RE.match(path)
        if responses:
            return self._responses(req, conn, seq, request_id, responses.group(1))
        embeddings = path in _EMBEDDINGS_PATHS
        if path not in _CHAT_PATHS and not embeddings:
            match = _AZURE_RE.match(path)
            if match:
                deployment = match.group(1)
                embeddings = match.group(2) == "embeddings"
            else:
                models = _MODELS_RE.match(path)
                if models and req.method in ("GET", "HEAD"):  # HEAD: GET's head, no body
                    self._record(req, request_id)
                    return self._models(models.group(1), request_id, keep)
                self._record(req, request_id)
                return error_response(
                    ApiError(
                        404,
                        f"Invalid URL ({req.method} {path}). The emulator serves POST"
                        " /v1/chat/completions, POST /v1/embeddings, POST /openai/deployments/"
                        "{deployment}/chat/completions (and /embeddings) and GET /v1/models.",
                        code=None,
                    ),
                    request_id,
                    keep,
                )
        if req.method != "POST":
            self._record(req, request_id)
            return error_response(
                ApiError(405, f"Method {req.method} not allowed on {path}; use POST."),
                request_id,
                keep,
            )
        # Parse once: the recording and the handler share the decoded body.
        parse_error: ValueError | RecursionError | None = None
        try:
            body = json.loads(req.body) if req.body else None
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
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
            body = require_json(body, parse_error, self.limits, req.body)
            if deployment is not None and isinstance(body, dict) and not body.get("model"):
                # Azure routes by deployment and the model is optional; copy so the recorded
                # request still shows what the client sent.
                body = {**body, "model": deployment}
            if embeddings:
                return self._embeddings(body, request_id, keep)
            try:
                validate_request(
                    body,
                    reject_null_content=self._q_reject_null,
                    reject_stream_options=self._q_reject_stream_options,
                    limits=self.limits,
                )
            except ApiError as exc:
                if self._q_500:
                    exc.status = 500
                raise
        except ApiError as exc:
            return error_response(exc, request_id, keep)
        item = self._queue.popleft() if self._queue else None
        fault = item if isinstance(item, Fault) else None
        reply = item if isinstance(item, Reply) else None
        early = early_fault(fault, conn, request_id, keep)
        if early is not None:
            return early
        try:
            plan = plan_reply(
                body,
                reply,
                seq=seq,
                created=int(time.time()),
                reasoning_quirk=self._q_reasoning,
                chunk_delay=self.chunk_delay,
                max_reply_tokens=self.limits.max_reply_tokens,
            )
        except ApiError as exc:
            return error_response(exc, request_id, keep)
        plan.system_fingerprint = self.system_fingerprint
        ok_headers = [("x-request-id", request_id)]
        if self.rate_limits is not None:
            try:
                ok_headers += self.rate_limits.charge(
                    int((plan.usage or {}).get("total_tokens", 0))
                )
            except ApiError as exc:
                if item is not None:  # refused before it was served: the next request gets it
                    self._queue.appendleft(item)
                return error_response(exc, request_id, keep)
        if fault is not None and fault.kind == "slow":
            plan.delay = max(plan.delay, fault.delay)
            plan.chunk_delay = fault.chunk_delay
        if body.get("stream"):
            options = body.get("stream_options") or {}
            include_usage = bool(options.get("include_usage"))
            return stream_reply(
                conn, plan, include_usage, fault, request_id, self.quirks, ok_headers[1:]
            )
        if fault is not None and fault.kind == "stream_error":
            return error_response(
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
            return cut_body(conn, payload, request_id)
        if plan.delay > 0:
            return send_later(
                conn, plan.delay, build_response(200, payload, ok_headers, keep_alive=keep)
            )
        return build_response(200, payload, ok_headers, keep_alive=keep)

    def _embeddings(self, body: Any, request_id: str, keep: bool) -> bytes:
        # A queued error status fault answers an embeddings request too (retries are tested
        # that way); scripted chat replies and other faults stay queued for chat requests.
        fault = self._queue[0] if self._queue else None
        if isinstance(fault, Fault) and fault.kind == "status":
            self._queue.popleft()
            raise fault_error(fault)
        payload = dumps(embeddings_response(body)).encode()
        return build_response(200, payload, [("x-request-id", request_id)], keep_alive=keep)

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
            return error_response(
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
