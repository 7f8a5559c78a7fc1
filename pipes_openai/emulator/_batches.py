"""The Files and Batch APIs: upload a JSONL of requests, run it as a batch, download results.

Loop side, like the rest of the dispatcher. A batch moves on when it is looked at (no
background task): `validating` → `in_progress` at once (or `failed`, with the lines at fault
in `errors`), then `completed` once `batch_delay` seconds have passed since it was created,
when every line is answered the way `POST /v1/chat/completions` answers it (scripted replies
and status faults from the same `script(...)` queue, in line order). With
`batch_expire_after` set, a batch still unfinished by then is `expired` and its lines end in
the error file with `batch_expired`. `cancel` stops a batch that has not completed.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._answer import Answering
from ._engine import render_response
from ._exchange import Exchange
from ._http import HttpRequest
from ._limits import parse_json
from ._validate import validate_request
from ._wire import ApiError, dumps

__all__ = ["BATCH_PATH", "BatchApi"]

BATCH_PATH = re.compile(r"^(?:/v1|/openai)?/(files|batches)(?:/([^/]+))?(?:/(content|cancel))?$")

_PURPOSES = frozenset(
    {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
)  # what a client may upload; *_output and *-results are the API's own
_ENDPOINTS = frozenset(
    {
        "/v1/responses",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/completions",
        "/v1/moderations",
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/videos",
    }
)
_SERVED = frozenset({"/v1/chat/completions", "/v1/responses"})  # lines the emulator answers
_DAY = 24 * 3600


@dataclass
class _File:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int

    def obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


@dataclass
class _Batch:
    obj: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    created: float = 0.0

    def shown(self) -> dict[str, Any]:
        # The official schema types the timestamps and file ids as present-or-absent, not
        # null: a field not reached yet is left out.
        return {name: value for name, value in self.obj.items() if value is not None}


class BatchApi(Answering):
    """`/v1/files` and `/v1/batches`, mixed into the dispatcher (which owns the queue).

    Its methods all start with `_batch`: the dispatcher mixes in other APIs beside it.
    """

    batch_delay: float = 0.0
    """Seconds from a batch's creation until it completes (read when it is looked at)."""
    batch_expire_after: float | None = None
    """Seconds after which a batch still unfinished expires (`None`: never, within 24 h)."""

    # Set by the dispatcher / Emulator.
    _seq: Any
    _q_omit_usage: bool
    _q_reject_null: bool
    _q_reject_stream_options: bool
    system_fingerprint: str
    _batch_state: tuple[dict[str, _File], dict[str, _Batch]] | None = None

    if TYPE_CHECKING:  # the Responses API, mixed into the same dispatcher

        def _batch_response(self, body: dict[str, Any], seq: int) -> dict[str, Any]: ...

    def _batch_store(self) -> tuple[dict[str, _File], dict[str, _Batch]]:
        if self._batch_state is None:
            self._batch_state = ({}, {})
        return self._batch_state

    def _batch_api(self, req: HttpRequest, match: re.Match[str], ex: Exchange) -> bytes:
        """Answer one request to `/files...` or `/batches...` (auth already checked)."""
        kind, ident, action = match.group(1), match.group(2), match.group(3)
        try:
            if kind == "files":
                payload = self._batch_files_route(req, ident, action)
            else:
                payload = self._batch_route(req, ident, action)
        except ApiError as exc:
            return ex.error(exc)
        if isinstance(payload, bytes):  # a file's content
            return ex.ok(payload, content_type="application/octet-stream")
        return ex.json(payload)

    # -- files ------------------------------------------------------------------------------

    def _batch_files_route(self, req: HttpRequest, ident: str | None, action: str | None) -> Any:
        files, _ = self._batch_store()
        method = req.method
        if ident is None and action is None:
            if method == "POST":
                made = self._batch_upload(req)
                files[made.id] = made
                return made.obj()
            if method == "GET":
                listed = [f.obj() for f in sorted(files.values(), key=lambda f: f.created_at)]
                return {"object": "list", "data": listed, "has_more": False}
        elif ident is not None and action in (None, "content"):
            found = files.get(ident)
            if found is None:
                raise ApiError(404, f"No such File object: {ident}", param="id", code=None)
            if action == "content" and method == "GET":
                return found.content
            if action is None and method == "GET":
                return found.obj()
            if action is None and method == "DELETE":
                del files[ident]
                return {"id": ident, "object": "file", "deleted": True}
        raise _not_allowed(req)

    def _batch_upload(self, req: HttpRequest) -> _File:
        ctype = req.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise ApiError(
                400,
                "Uploads are multipart/form-data with a 'file' and a 'purpose' field "
                f"(got content-type {ctype or 'none'!r}).",
            )
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + req.body
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
        if "file" not in fields:
            raise ApiError(400, "Missing required parameter: 'file'.", param="file")
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace")
        if purpose not in _PURPOSES:
            raise ApiError(
                400,
                f"'{purpose}' is not one of {sorted(_PURPOSES)} - 'purpose'",
                param="purpose",
            )
        filename, content = fields["file"]
        return _File(
            id=f"file-emu{next(self._seq):08d}",
            filename=filename or "upload",
            purpose=purpose,
            content=content,
            created_at=int(time.time()),
        )

    # -- batches ----------------------------------------------------------------------------

    def _batch_route(self, req: HttpRequest, ident: str | None, action: str | None) -> Any:
        _, batches = self._batch_store()
        if ident is None and action is None:
            if req.method == "POST":
                made = self._batch_create(req)
                batches[made.obj["id"]] = made
                return made.shown()
            if req.method == "GET":
                return self._batch_list(req)
            raise _not_allowed(req)
        found = batches.get(ident or "")
        if found is None:
            raise ApiError(404, f"No batch found with id '{ident}'.", param="batch_id", code=None)
        if action is None and req.method == "GET":
            self._batch_advance(found)
            return found.shown()
        if action == "cancel" and req.method == "POST":
            self._batch_advance(found)
            if found.obj["status"] in ("validating", "in_progress"):
                found.obj["status"] = "cancelling"
                found.obj["cancelling_at"] = int(time.time())
            return found.shown()
        raise _not_allowed(req)

    def _batch_list(self, req: HttpRequest) -> dict[str, Any]:
        _, batches = self._batch_store()
        ordered = sorted(batches.values(), key=lambda b: b.created, reverse=True)  # newest first
        after = req.query.get("after")
        if after is not None:
            ids = [b.obj["id"] for b in ordered]
            ordered = ordered[ids.index(after) + 1 :] if after in ids else []
        limit = int(req.query.get("limit", "20"))
        page = ordered[:limit]
        for batch in page:
            self._batch_advance(batch)
        data = [b.shown() for b in page]
        return {
            "object": "list",
            "data": data,
            "has_more": len(ordered) > limit,
            **({"first_id": data[0]["id"], "last_id": data[-1]["id"]} if data else {}),
        }

    def _batch_create(self, req: HttpRequest) -> _Batch:
        body = parse_json(req.body, self.limits)
        if not isinstance(body, dict):
            raise ApiError(400, "The body must be a JSON object.")
        for name in ("input_file_id", "endpoint", "completion_window"):
            if name not in body:
                raise ApiError(400, f"Missing required parameter: '{name}'.", param=name)
        if body["endpoint"] not in _ENDPOINTS:
            raise ApiError(
                400,
                f"Invalid value for 'endpoint': {body['endpoint']!r}; expected one of "
                f"{sorted(_ENDPOINTS)}.",
                param="endpoint",
            )
        if body["endpoint"] not in _SERVED:  # valid for the API, not played by the emulator
            raise ApiError(
                400,
                f"The emulator runs batches for {sorted(_SERVED)} only; {body['endpoint']} is "
                "not emulated.",
                param="endpoint",
                code="unsupported_endpoint",
            )
        if body["completion_window"] != "24h":
            raise ApiError(
                400,
                f"Invalid value for 'completion_window': {body['completion_window']!r}; "
                "only '24h' is supported.",
                param="completion_window",
            )
        files, _ = self._batch_store()
        source = files.get(body["input_file_id"])
        if source is None:
            raise ApiError(
                400, f"No such File object: {body['input_file_id']}", param="input_file_id"
            )
        if source.purpose != "batch":
            raise ApiError(
                400,
                f"The input file must have purpose 'batch', not '{source.purpose}'.",
                param="input_file_id",
            )
        now = time.time()
        obj: dict[str, Any] = {
            "id": f"batch_emu{next(self._seq):08d}",
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": source.id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(now),
            "in_progress_at": None,
            "expires_at": int(now) + _DAY,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        batch = _Batch(obj=obj, created=now)
        batch.lines = self._batch_validate_lines(batch, source.content)
        return batch

    def _batch_validate_lines(self, batch: _Batch, content: bytes) -> list[dict[str, Any]]:
        """The parsed lines; errors (as the API reports them) fail the batch."""
        errors: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        seen: set[str] = set()
        endpoint = batch.obj["endpoint"]
        for number, raw in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                line = parse_json(raw.encode(), self.limits)
            except ApiError:  # not JSON, or JSON past the emulator's limits
                errors.append(
                    _line_error("invalid_json_line", "This line is not valid JSON.", number)
                )
                continue
            if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
                errors.append(
                    _line_error(
                        "missing_required_parameter", "Missing 'custom_id'.", number, "custom_id"
                    )
                )
                continue
            if line["custom_id"] in seen:
                errors.append(
                    _line_error(
                        "duplicate_custom_id",
                        f"The custom_id {line['custom_id']!r} is repeated.",
                        number,
                        "custom_id",
                    )
                )
                continue
            seen.add(line["custom_id"])
            if line.get("method") != "POST":
                errors.append(
                    _line_error("invalid_method", "Only POST is supported.", number, "method")
                )
                continue
            if line.get("url") != endpoint:
                errors.append(
                    _line_error(
                        "mismatched_endpoint",
                        f"The url {line.get('url')!r} does not match the batch's endpoint "
                        f"{endpoint!r}.",
                        number,
                        "url",
                    )
                )
                continue
            if not isinstance(line.get("body"), dict):
                errors.append(
                    _line_error("missing_required_parameter", "Missing 'body'.", number, "body")
                )
                continue
            lines.append(line)
        if not lines and not errors:
            errors.append(_line_error("empty_file", "The input file has no requests.", None))
        if errors:
            now = int(time.time())
            batch.obj.update(
                status="failed", failed_at=now, errors={"object": "list", "data": errors}
            )
        else:
            batch.obj["request_counts"]["total"] = len(lines)
        return lines

    def _batch_advance(self, batch: _Batch) -> None:
        """Move `batch` on to where it would be now."""
        obj = batch.obj
        now = time.time()
        if obj["status"] == "validating":
            obj.update(status="in_progress", in_progress_at=int(now))
        if obj["status"] == "cancelling":
            self._batch_finish(batch, answered=False, end="cancelled")
            return
        if obj["status"] != "in_progress":
            return
        due = batch.created + self.batch_delay
        expire = self.batch_expire_after
        if expire is not None and batch.created + expire < due:  # it expires before it is done
            if now >= batch.created + expire:
                self._batch_finish(batch, answered=False, end="expired")
        elif now >= due:
            self._batch_finish(batch, answered=True, end="completed")

    def _batch_finish(self, batch: _Batch, *, answered: bool, end: str) -> None:
        files, _ = self._batch_store()
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for line in batch.lines:
            if answered:
                status, body, request_id = self._batch_answer(line["body"], batch.obj["endpoint"])
                entry = {
                    "id": f"batch_req_emu{next(self._seq):08d}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": status, "request_id": request_id, "body": body},
                    "error": None,
                }
                (outputs if status == 200 else failures).append(entry)
            elif end == "expired":
                failures.append(
                    {
                        "id": f"batch_req_emu{next(self._seq):08d}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": {
                            "code": "batch_expired",
                            "message": "This request could not be executed before the "
                            "completion window expired.",
                        },
                    }
                )
        now = int(time.time())
        obj = batch.obj
        obj["request_counts"].update(completed=len(outputs), failed=len(failures))
        for kind, entries in (("output_file_id", outputs), ("error_file_id", failures)):
            if entries:
                made = _File(
                    id=f"file-emu{next(self._seq):08d}",
                    filename=f"{obj['id']}_{kind.split('_')[0]}.jsonl",
                    purpose="batch_output",
                    content="".join(dumps(e) + "\n" for e in entries).encode(),
                    created_at=now,
                )
                files[made.id] = made
                obj[kind] = made.id
        if end == "completed":
            obj.update(status="completed", finalizing_at=now, completed_at=now)
        elif end == "expired":
            obj.update(status="expired", expired_at=now)
        else:
            obj.update(status="cancelled", cancelled_at=now)

    def _batch_answer(self, body: dict[str, Any], endpoint: str) -> tuple[int, dict[str, Any], str]:
        """One line, answered as a request to `endpoint` would be answered."""
        seq = next(self._seq)
        request_id = f"req_emu{seq:08d}"
        try:
            if body.get("stream"):
                raise ApiError(400, "Streaming is not supported in the Batch API.", param="stream")
            if endpoint == "/v1/responses":
                return 200, self._batch_response(body, seq), request_id
            validate_request(
                body,
                reject_null_content=self._q_reject_null,
                reject_stream_options=self._q_reject_stream_options,
                limits=self.limits,
            )
            counts = self._check_chat_model(body)
            plan, _ = self._plan_line(body, seq, counts)
        except ApiError as exc:
            return exc.status, exc.body(), request_id
        plan.system_fingerprint = self.system_fingerprint
        return 200, render_response(plan, omit_usage=self._q_omit_usage), request_id


def _line_error(
    code: str, message: str, line: int | None, param: str | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def _not_allowed(req: HttpRequest) -> ApiError:
    return ApiError(405, f"Method {req.method} not allowed on {req.path}.")
