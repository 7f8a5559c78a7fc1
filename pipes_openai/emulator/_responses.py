"""The emulator's Responses API: `POST /v1/responses` (plain and SSE), stored responses.

Loop side, beside `Dispatcher` (a mixin of it): `POST /v1/responses`, `GET` and `DELETE
/v1/responses/{id}`, `POST /v1/responses/input_tokens` (also under Azure's `/openai/v1`).
Stored responses (`store` not `false`) stay in memory for `previous_response_id` and for
reasoning items sent back by id; the script queue, faults, auth, hold, recording and
cassettes are those of Chat Completions.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ._answer import Answering, Stream
from ._engine import last_user_text
from ._exchange import Exchange
from ._frames import chunk
from ._http import Connection, HttpRequest
from ._limits import require_json
from ._respond import send_stream
from ._responses_events import render_response_events
from ._responses_validate import validate_responses_request
from ._responses_wire import (
    chat_view,
    failed_response,
    history_messages,
    input_token_count,
    is_emulator_encrypted,
    render_response_object,
)
from ._script import Fault, Reply
from ._wire import ApiError, dumps

if TYPE_CHECKING:
    from ._engine import Plan

__all__ = ["ResponsesAPI"]

_MAX_STORED = 10_000  # stored responses kept (oldest dropped first): memory stays bounded


class _Stored:
    __slots__ = ("history", "response")

    def __init__(self, response: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self.response = response
        self.history = history


class ResponsesAPI(Answering):
    """The `/v1/responses` endpoints (the state lives on the `Emulator`)."""

    upstream: str | None
    _q_500: bool
    _responses_stored: dict[str, _Stored]

    if TYPE_CHECKING:  # provided by Dispatcher, RequestLog and RecordReplay
        _player: Any

        def _record(self, req: HttpRequest, request_id: str, body: Any = None) -> None: ...
        def _check_auth(self, req: HttpRequest, *, azure: bool) -> None: ...
        def _replay(self, req: HttpRequest, ex: Exchange) -> bytes: ...
        async def _proxy(self, conn: Connection, req: HttpRequest, request_id: str) -> bool: ...

    def _responses(
        self, req: HttpRequest, conn: Connection, seq: int, ex: Exchange, target: str | None
    ) -> bytes | Awaitable[bool]:
        body: Any = None
        parse_error: ValueError | RecursionError | None = None
        if req.method == "POST":
            try:
                body = json.loads(req.body) if req.body else None
            except (ValueError, RecursionError) as exc:
                parse_error = exc
        self._record(req, ex.request_id, body)
        if self.upstream is not None:
            return self._proxy(conn, req, ex.request_id)
        azure = req.path.startswith("/openai/")
        try:
            self._check_auth(req, azure=azure)
            if self._player is not None:
                return self._replay(req, ex)
            if target is None or target == "input_tokens":
                if req.method != "POST":
                    raise ApiError(405, f"Method {req.method} not allowed on {req.path}; use POST.")
                body = require_json(body, parse_error, self.limits, req.body)
                try:
                    validate_responses_request(body)
                except ApiError as exc:
                    if self._q_500:  # the errors_as_500 quirk, as on Chat Completions
                        exc.status = 500
                    raise
                if target == "input_tokens":
                    view = chat_view(body, self._history(body))
                    self.model_registry.resolve(body.get("model"), "responses", azure=azure)
                    return ex.json(
                        {
                            "object": "response.input_tokens",
                            "input_tokens": input_token_count(view),
                        }
                    )
                return self._create(conn, body, seq, ex, azure=azure)
            return ex.json(self._stored_response(req.method, target))
        except ApiError as exc:
            return ex.error(exc)

    def _stored_response(self, method: str, response_id: str) -> dict[str, Any]:
        stored = self._responses_stored.get(response_id)
        if method not in ("GET", "HEAD", "DELETE"):
            raise ApiError(405, f"Method {method} not allowed on /v1/responses/{response_id}.")
        if stored is None:
            raise ApiError(
                404,
                f"Response with id '{response_id}' not found.",
                param="response_id",
                code=None,
            )
        if method == "DELETE":
            del self._responses_stored[response_id]
            return {"id": response_id, "object": "response", "deleted": True}
        return stored.response

    def _history(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        previous = body.get("previous_response_id")
        if previous is None:
            self._check_items(body)
            return []
        stored = self._responses_stored.get(previous) if isinstance(previous, str) else None
        if stored is None:
            raise ApiError(
                400,
                f"Previous response with id '{previous}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        self._check_items(body)
        return list(stored.history)

    def _check_items(self, body: dict[str, Any]) -> None:
        """Items sent back by id must be known: stored, or carrying their encrypted content."""
        items = body.get("input")
        for i, item in enumerate(items if isinstance(items, list) else ()):
            kind = item.get("type") or ("message" if "role" in item else "item_reference")
            if kind not in ("reasoning", "item_reference"):
                continue
            if kind == "reasoning" and item.get("encrypted_content") is not None:
                if not is_emulator_encrypted(item["encrypted_content"]):
                    raise ApiError(
                        400,
                        f"The encrypted content for item {item.get('id')!r} could not be verified.",
                        param=f"input[{i}].encrypted_content",
                        code="invalid_encrypted_content",
                    )
                continue
            if not self._known_item(str(item.get("id"))):
                raise ApiError(
                    404,
                    f"Item with id '{item.get('id')}' not found. Items are not persisted when "
                    "`store` is set to false. Try again with `store` set to true, or remove "
                    "this item from your input.",
                    param=f"input[{i}]",
                    code=None,
                )

    def _known_item(self, item_id: str) -> bool:
        return any(
            item.get("id") == item_id
            for stored in self._responses_stored.values()
            for item in stored.response["output"]
        )

    def _create(
        self, conn: Connection, body: dict[str, Any], seq: int, ex: Exchange, *, azure: bool
    ) -> bytes | Awaitable[bool]:
        try:
            history = self._history(body)
            view = chat_view(body, history)
            counts = self._check_responses_model(body, view, azure=azure)
        except ApiError as exc:
            if self._q_500:
                exc.status = 500
            raise

        def render(plan: Plan, reply: Reply | None) -> dict[str, Any]:
            response = render_response_object(
                plan, body, reply, user_text=last_user_text(view["messages"]), seq=seq
            )
            self._store_response(body, response, history)
            return response

        streaming: Stream | None = None
        if body.get("stream"):

            def streaming(plan: Plan, reply: Reply | None, fault: Fault | None) -> Awaitable[bool]:
                return self._stream(conn, render(plan, reply), plan, fault, ex)

        return self._answer(
            conn, ex, view, seq, render=render, stream=streaming, prompt_counts=counts
        )

    def _store_response(
        self, body: dict[str, Any], response: dict[str, Any], history: list[dict[str, Any]]
    ) -> None:
        """Keep `response` for `previous_response_id` (unless `store: false`)."""
        if body.get("store", True) is not False:
            stored = self._responses_stored
            if len(stored) >= _MAX_STORED:
                del stored[next(iter(stored))]
            stored[response["id"]] = _Stored(response, history_messages(body, response, history))

    def _batch_response(self, body: dict[str, Any], seq: int) -> dict[str, Any]:
        """One Batch API line to `/v1/responses`, answered as `POST /v1/responses` would
        answer it (scripted replies and status faults from the same queue)."""
        validate_responses_request(body)
        history = self._history(body)
        view = chat_view(body, history)
        counts = self._check_responses_model(body, view)
        plan, reply = self._plan_line(view, seq, counts)
        response = render_response_object(
            plan, body, reply, user_text=last_user_text(view["messages"]), seq=seq
        )
        self._store_response(body, response, history)
        return response

    async def _stream(
        self,
        conn: Connection,
        response: dict[str, Any],
        plan: Plan,
        fault: Fault | None,
        ex: Exchange,
    ) -> bool:
        """Stream `response` as typed events, ending as `fault` says."""
        if not await send_stream(conn, ex, plan, render_response_events(response), fault):
            return False
        if fault is not None and fault.kind == "stream_error":
            failed = failed_response(
                response,
                fault.message
                or "The server had an error while processing your request "
                "(injected by the emulator).",
                fault.code or "server_error",
            )
            number = fault.after_chunks
            event = dumps(
                {"type": "response.failed", "sequence_number": number, "response": failed}
            )
            conn.write(chunk(f"event: response.failed\ndata: {event}\n\n".encode()) + b"0\r\n\r\n")
            return True
        conn.write(b"0\r\n\r\n")
        await conn.drain()
        return True
