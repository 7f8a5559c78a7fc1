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
from collections import deque
from collections.abc import Awaitable
from typing import Any

from ._answer import Stream
from ._batches import BATCH_PATH, BatchApi
from ._embeddings import embeddings_response
from ._engine import Plan, render_response
from ._exchange import Exchange
from ._http import Connection, HttpRequest
from ._limits import Limits, require_json
from ._models import ModelRegistry, ModelSpec
from ._quirks import Quirk
from ._ratelimit import RateLimits
from ._record_replay import RecordReplay
from ._recording import RequestLog
from ._respond import fault_error, stream_reply
from ._responses import ResponsesAPI
from ._script import Fault, Reply
from ._validate import validate_request
from ._wire import ApiError

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
    model_registry: ModelRegistry
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
        ex = Exchange(f"req_emu{seq:08d}", req.keep_alive)
        if self.rate_limits is not None:
            ex.add(self.rate_limits.headers())
        path = req.path
        deployment: str | None = None
        batch_api = BATCH_PATH.match(path)
        if batch_api:
            self._record(req, ex.request_id)
            try:
                self._check_auth(req, azure=path.startswith("/openai/"))
            except ApiError as exc:
                return ex.error(exc)
            return self._batch_api(req, batch_api, ex)
        responses = _RESPONSES_RE.match(path)
        if responses:
            return self._responses(req, conn, seq, ex, responses.group(1))
        embeddings = path in _EMBEDDINGS_PATHS
        if path not in _CHAT_PATHS and not embeddings:
            match = _AZURE_RE.match(path)
            if match:
                deployment = match.group(1)
                embeddings = match.group(2) == "embeddings"
            else:
                models = _MODELS_RE.match(path)
                self._record(req, ex.request_id)
                if models and req.method in ("GET", "HEAD"):  # HEAD: GET's head, no body
                    return self._models(models.group(1), ex)
                return ex.error(
                    ApiError(
                        404,
                        f"Invalid URL ({req.method} {path}). The emulator serves POST"
                        " /v1/chat/completions, POST /v1/embeddings, POST /openai/deployments/"
                        "{deployment}/chat/completions (and /embeddings) and GET /v1/models.",
                        code=None,
                    )
                )
        if req.method != "POST":
            self._record(req, ex.request_id)
            return ex.error(ApiError(405, f"Method {req.method} not allowed on {path}; use POST."))
        # Parse once: the recording and the handler share the decoded body.
        parse_error: ValueError | RecursionError | None = None
        try:
            body = json.loads(req.body) if req.body else None
        except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
            body, parse_error = None, exc
        self._record(req, ex.request_id, body)
        if self.upstream is not None:
            return self._proxy(conn, req, ex.request_id)
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
                return self._replay(req, ex)
            body = require_json(body, parse_error, self.limits, req.body)
            if deployment is not None and isinstance(body, dict) and not body.get("model"):
                # Azure routes by deployment and the model is optional; copy so the recorded
                # request still shows what the client sent.
                body = {**body, "model": deployment}
            if embeddings:
                return self._embeddings(body, ex, azure=path.startswith("/openai/"))
            try:
                validate_request(
                    body,
                    reject_null_content=self._q_reject_null,
                    reject_stream_options=self._q_reject_stream_options,
                    limits=self.limits,
                )
                counts = self._check_chat_model(body, azure=path.startswith("/openai/"))
            except ApiError as exc:
                if self._q_500:
                    exc.status = 500
                raise
        except ApiError as exc:
            return ex.error(exc)
        streaming: Stream | None = None
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

            def streaming(plan: Plan, reply: Reply | None, fault: Fault | None) -> Awaitable[bool]:
                plan.system_fingerprint = self.system_fingerprint
                return stream_reply(conn, plan, include_usage, fault, ex, self.quirks)

        return self._answer(
            conn, ex, body, seq, render=self._render_chat, stream=streaming, prompt_counts=counts
        )

    def _render_chat(self, plan: Plan, reply: Reply | None) -> dict[str, Any]:
        plan.system_fingerprint = self.system_fingerprint
        return render_response(plan, omit_usage=self._q_omit_usage)

    def _embeddings(self, body: Any, ex: Exchange, *, azure: bool) -> bytes:
        if isinstance(body, dict):
            self.model_registry.resolve(body.get("model"), "embeddings", azure=azure)
        # A queued error status fault answers an embeddings request too (retries are tested
        # that way); scripted chat replies and other faults stay queued for chat requests.
        fault = self._queue[0] if self._queue else None
        if isinstance(fault, Fault) and fault.kind == "status":
            self._queue.popleft()
            raise fault_error(fault)
        return ex.json(embeddings_response(body))

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

    def _models(self, model_id: str | None, ex: Exchange) -> bytes:
        data: dict[str, Any]
        if model_id is None:
            listed = self.model_registry.specs.values()
            data = {"object": "list", "data": [_model_object(m) for m in listed]}
        else:
            try:
                data = _model_object(self.model_registry.retrieve(model_id))
            except ApiError as exc:
                return ex.error(exc)
        return ex.json(data)


def _model_object(spec: ModelSpec) -> dict[str, Any]:
    return {"id": spec.id, "object": "model", "created": 1_700_000_000, "owned_by": spec.owned_by}
