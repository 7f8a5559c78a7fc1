"""The OpenAI Batch API for a chain: half the price, for work that can wait up to a day.

`submit_batch` runs the steps before the chat model here, writes one request per input into
a JSONL file, uploads it and creates the batch; `BatchJob.results()` applies the steps after
the model to each reply, in input order. Everything goes through the chat model's own
connection: its base URL, key (or Azure credentials), retries, timeouts and typed errors.

Example:
    ```python
    from pipes_openai.batch import BatchJob, submit_batch

    chain = prompt | ChatOpenAI(model="gpt-4o-mini") | StrOutputParser()
    job = submit_batch(chain, [{"topic": "otters"}, {"topic": "owls"}])
    job.wait(poll_interval=60)          # hours, at most 24
    answers = job.results()             # strings, or the typed error of a failed row

    # later, in another process:
    job = BatchJob.resume("batch_abc123", chain)
    ```
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._azure import AzureChatOpenAI
from ._base import BaseChatOpenAI
from ._calls import _finish_message
from ._errors import OpenAIError
from ._failures import status_error
from ._pipes import (
    BaseMessage,
    HumanMessage,
    PromptValue,
    Runnable,
    RunnableBinding,
    RunnableSequence,
    convert_to_messages,
)
from ._request import build_body
from ._responses_request import build_responses_body, uses_responses_api

__all__ = ["BatchError", "BatchJob", "submit_batch"]

_FINAL = frozenset({"completed", "failed", "expired", "cancelled"})
_ENDPOINTS = frozenset({"/v1/chat/completions", "/v1/responses"})


class BatchError(OpenAIError, RuntimeError):
    """A batch as a whole did not produce results: it failed validation, expired or was
    cancelled (`status`, and the API's `errors` when it gave any), or `wait` timed out."""

    def __init__(self, message: str, *, status: str | None = None, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


class _Parts:
    """A runnable cut around its one chat model: the steps before, the model, the steps after."""

    def __init__(self, runnable: Runnable[Any, Any]) -> None:
        self.before: Runnable[Any, Any] | None = None
        self.after: Runnable[Any, Any] | None = None
        steps: Sequence[Runnable[Any, Any]]
        steps = runnable.steps if isinstance(runnable, RunnableSequence) else (runnable,)
        found = [i for i, step in enumerate(steps) if _chat_model(step) is not None]
        if len(found) != 1:
            raise TypeError(
                "submit_batch runs a ChatOpenAI/AzureChatOpenAI (optionally bound: "
                "bind_tools, bind(...)), or a sequence with exactly one of them at its top "
                f"level (`prompt | llm | parser`); got {type(runnable).__name__} with "
                f"{len(found)} chat models at its top level"
            )
        index = found[0]
        picked = _chat_model(steps[index])
        assert picked is not None  # found above
        self.model, self.kwargs = picked
        if index:
            self.before = steps[0] if index == 1 else RunnableSequence(*steps[:index])
        rest = steps[index + 1 :]
        if rest:
            self.after = rest[0] if len(rest) == 1 else RunnableSequence(*rest)


def _chat_model(step: Any) -> tuple[BaseChatOpenAI, dict[str, Any]] | None:
    if isinstance(step, BaseChatOpenAI):
        return step, {}
    if isinstance(step, RunnableBinding):
        inner = _chat_model(step.bound)
        if inner is not None:
            return inner[0], {**inner[1], **step.kwargs}
    return None


def _messages(value: Any) -> list[BaseMessage]:
    """What the chat model would make of its input (text, a prompt value, messages)."""
    if isinstance(value, str):
        return [HumanMessage(content=value)]
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, BaseMessage):
        return [value]
    return convert_to_messages(value)


class _Api:
    """The Files and Batch endpoints, on the chat model's own connection."""

    def __init__(self, model: BaseChatOpenAI) -> None:
        self.model = model
        url, headers, engine = model._get_connection()
        self.engine = engine
        self.headers = headers
        chat = str(url)
        root, _, query = chat.partition("?")
        # ".../chat/completions" (OpenAI, a base_url) or ".../openai/deployments/d/chat/..."
        # (Azure, whose files and batches live under ".../openai").
        root = root.removesuffix("/chat/completions")
        if isinstance(model, AzureChatOpenAI) and "/openai/deployments/" in root:
            root = root.split("/deployments/")[0]
        self.root = root
        self.query = f"?{query}" if query else ""

    def _url(self, path: str) -> str:
        return f"{self.root}{path}{self.query}"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        headers = self.model._request_headers(dict(self.headers))
        return self.engine.request(method, self._url(path), data, headers).data

    def upload(self, filename: str, content: bytes) -> dict[str, Any]:
        boundary = f"pipes-{uuid.uuid4().hex}"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{filename}"\r\nContent-Type: application/jsonl\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = self.model._request_headers(
            {**self.headers, "content-type": f"multipart/form-data; boundary={boundary}"}
        )
        data: dict[str, Any] = self.engine.request("POST", self._url("/files"), body, headers).data
        return data

    def content(self, file_id: str) -> bytes:
        headers = self.model._request_headers(dict(self.headers))
        reply = self.engine.request(
            "GET", self._url(f"/files/{file_id}/content"), b"", headers, raw=True
        )
        content: bytes = reply.data
        return content


def submit_batch(
    runnable: Runnable[Any, Any],
    inputs: Iterable[Any],
    *,
    endpoint: str = "/v1/chat/completions",
    completion_window: str = "24h",
    metadata: Mapping[str, str] | None = None,
) -> BatchJob:
    """Send `inputs` through `runnable` as one Batch API job; returns it at once.

    The steps before the chat model run now (with `batch`); each input becomes the request
    its chat model would send (`custom_id` = its index) to `endpoint`:
    `/v1/chat/completions` or `/v1/responses` (a model set up for the Responses API, e.g.
    `use_responses_api=True` or reasoning options, is sent there whatever `endpoint` says).

    Example:
        ```python
        job = submit_batch(prompt | llm | parser, [{"q": "a"}, {"q": "b"}])
        ```
    """
    if endpoint not in _ENDPOINTS:
        raise ValueError(
            f"submit_batch sends chat models to {sorted(_ENDPOINTS)}, got endpoint={endpoint!r}"
        )
    parts = _Parts(runnable)
    if uses_responses_api(parts.model, parts.kwargs):
        endpoint = "/v1/responses"
    values = list(inputs)
    if not values:
        raise ValueError("submit_batch needs at least one input; got none")
    prepared = parts.before.batch(values) if parts.before is not None else values
    lines = []
    build = build_responses_body if endpoint == "/v1/responses" else build_body
    for index, value in enumerate(prepared):
        body = build(parts.model, _messages(value), None, dict(parts.kwargs), stream=False)
        line = {"custom_id": str(index), "method": "POST", "url": endpoint, "body": body}
        lines.append(json.dumps(line, separators=(",", ":")))
    api = _Api(parts.model)
    uploaded = api.upload(f"pipes-batch-{uuid.uuid4().hex[:12]}.jsonl", "\n".join(lines).encode())
    created = api.call(
        "POST",
        "/batches",
        {
            "input_file_id": uploaded["id"],
            "endpoint": endpoint,
            "completion_window": completion_window,
            **({"metadata": dict(metadata)} if metadata else {}),
        },
    )
    return BatchJob(created["id"], runnable, info=created, _parts=parts)


class BatchJob:
    """A submitted batch: poll it, wait for it, read its results, or cancel it.

    `info` is the API's last `Batch` object (status, request counts, file ids).
    """

    def __init__(
        self,
        id: str,
        runnable: Runnable[Any, Any],
        *,
        info: dict[str, Any] | None = None,
        _parts: _Parts | None = None,
    ) -> None:
        self.id = id
        self.runnable = runnable
        self._parts = _parts if _parts is not None else _Parts(runnable)
        self._api = _Api(self._parts.model)
        self.info: dict[str, Any] = info or {}

    @classmethod
    def resume(cls, batch_id: str, runnable: Runnable[Any, Any]) -> BatchJob:
        """The job `batch_id` (from `job.id`, in another process), read with `runnable`."""
        job = cls(batch_id, runnable)
        job.refresh()
        return job

    def __repr__(self) -> str:
        return f"BatchJob({self.id!r}, status={self.info.get('status')!r})"

    def refresh(self) -> dict[str, Any]:
        """Fetch the batch object again; returns it (also kept as `info`)."""
        self.info = self._api.call("GET", f"/batches/{self.id}")
        return self.info

    def status(self) -> str:
        """The batch's status now: validating, in_progress, finalizing, completed, failed,
        expired, cancelling or cancelled."""
        return str(self.refresh()["status"])

    def wait(
        self,
        *,
        poll_interval: float = 30.0,
        timeout: float | None = None,
        progress: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> BatchJob:
        """Poll until the batch ends (completed, failed, expired or cancelled).

        `progress=True` prints one line per change of the request counts to stderr. Past
        `timeout` seconds raises [`BatchError`][pipes_openai.batch.BatchError] (the batch
        goes on; `wait` again or `resume` later). `sleep` and `clock` are injectable for tests.
        """
        started = clock()
        last: Any = None
        while True:
            status = self.status()
            counts = self.info.get("request_counts") or {}
            if progress and (status, counts) != last:
                done = counts.get("completed", 0) + counts.get("failed", 0)
                print(
                    f"batch {self.id}: {status}, {done}/{counts.get('total', 0)} requests "
                    f"({counts.get('failed', 0)} failed)",
                    file=sys.stderr,
                )
                last = (status, counts)
            if status in _FINAL:
                return self
            if timeout is not None and clock() - started + poll_interval > timeout:
                raise BatchError(
                    f"batch {self.id} is still {status} after {timeout:g}s; call wait() again "
                    "or BatchJob.resume(id, runnable) later",
                    status=status,
                )
            sleep(poll_interval)

    def results(self) -> list[Any]:
        """Each input's result, in input order: the steps after the chat model applied to its
        reply, or the typed exception of a row that failed (HTTP status, expiry).

        Raises [`BatchError`][pipes_openai.batch.BatchError] when the batch has no results:
        still running, failed validation, or cancelled before any row ran.
        """
        info = self.refresh() if self.info.get("status") not in _FINAL else self.info
        status = info.get("status")
        if status not in _FINAL:
            raise BatchError(
                f"batch {self.id} is {status}: wait() for it before reading results",
                status=status,
            )
        total = (info.get("request_counts") or {}).get("total", 0)
        if status == "failed" or (not info.get("output_file_id") and not info.get("error_file_id")):
            errors = (info.get("errors") or {}).get("data")
            raise BatchError(
                f"batch {self.id} ended {status} without results"
                + (f": {errors}" if errors else ""),
                status=status,
                errors=errors,
            )
        rows: dict[int, Any] = {}
        for key in ("output_file_id", "error_file_id"):
            if info.get(key):
                for raw in self._api.content(info[key]).decode().splitlines():
                    if raw.strip():
                        line = json.loads(raw)
                        rows[int(line["custom_id"])] = self._row(line)
        replies = [
            rows.get(
                i, BatchError(f"row {i} has no result in batch {self.id} ({status})", status=status)
            )
            for i in range(max(total, len(rows)))
        ]
        after = self._parts.after
        if after is None:
            return replies
        done = [i for i, r in enumerate(replies) if not isinstance(r, Exception)]
        outputs = after.batch([replies[i] for i in done], return_exceptions=True)
        for i, out in zip(done, outputs, strict=True):
            replies[i] = out
        return replies

    def _row(self, line: dict[str, Any]) -> Any:
        response = line.get("response")
        engine = self._api.engine
        if response is None:
            error = line.get("error") or {}
            return BatchError(
                f"row {line.get('custom_id')}: {error.get('code')}: {error.get('message')}",
                status=error.get("code"),
                errors=[error],
            )
        status = response.get("status_code", 0)
        request_id = response.get("request_id")
        if status != 200:
            body = json.dumps(response.get("body")).encode()
            return status_error(engine, status, request_id, body, 1)
        try:
            responses = self.info.get("endpoint") == "/v1/responses"
            parts = self._parts
            return _finish_message(
                parts.model, response["body"], request_id, parts.kwargs, responses
            )
        except OpenAIError as exc:  # a refusal, a content filter: that row's error
            return exc

    def cancel(self) -> dict[str, Any]:
        """Ask the API to cancel the batch; returns the batch object (status `cancelling`)."""
        self.info = self._api.call("POST", f"/batches/{self.id}/cancel")
        return self.info
