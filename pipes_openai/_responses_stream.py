"""Responses API stream events to [`AIMessageChunk`][pipes.AIMessageChunk]s.

Each event with something to say becomes one chunk whose content blocks carry an `index`,
so that adding the chunks up rebuilds the blocks of
[`response_to_message`][pipes_openai._responses_wire.response_to_message]: text deltas,
annotations, reasoning summary deltas, function-call argument deltas (tool-call chunks merged
by output index), built-in tool progress (the item's `status`, `responses/v1` only) and items
when done. The final event's usage and metadata arrive
as the last chunk. A `response.failed` or `error` event raises
[`StreamEventError`][pipes_openai.StreamEventError], a `response.incomplete` one
[`StreamIncompleteError`][pipes_openai.StreamIncompleteError] (or
[`ContentFilterError`][pipes_openai.ContentFilterError]) after the chunks so far; a body that
ends before the final event raises `StreamIncompleteError` in the exchange.

Example:
    ```python
    state = ResponsesStreamState(engine, meta, "o4-mini")
    chunks = [c for event in events if (c := state.convert(event)) is not None]
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipes_openai._errors import ContentFilterError, ResponseProtocolError, StreamIncompleteError
from pipes_openai._failures import Policy, stream_event_error
from pipes_openai._pipes import AIMessageChunk, PipesError, ToolCallChunk
from pipes_openai._responses_wire import (
    BUILTIN_ITEMS,
    block_to_version,
    response_metadata,
    responses_usage,
)
from pipes_openai._wire import MALFORMED

if TYPE_CHECKING:
    from pipes_openai._streaming import StreamMeta

__all__ = ["ResponsesStreamState"]


class ResponsesStreamState:
    """Turns Responses stream events into chunks; `meta.finished` marks the final event."""

    __slots__ = (
        "_indices",
        "_last_content",
        "_last_index",
        "_last_output",
        "meta",
        "model",
        "policy",
        "version",
    )

    def __init__(
        self, policy: Policy, meta: StreamMeta, model: str | None, version: str = "responses/v1"
    ) -> None:
        self.policy = policy
        self.meta = meta
        self.model = model
        self.version = version
        # (output_index, content or summary index) -> content block index: blocks are
        # numbered in order of first appearance, whatever order the events interleave in.
        self._indices: dict[tuple[int, int], int] = {}
        # The text block the last token went to (the next one almost always goes there too).
        self._last_output: Any = None
        self._last_content: Any = None
        self._last_index = 0

    def _index(self, output_index: Any, sub: Any = 0) -> int:
        key = (output_index, sub or 0)
        index = self._indices.get(key)
        if index is None:
            index = self._indices[key] = len(self._indices)
        return index

    def convert(self, data: Any) -> AIMessageChunk | None:
        """The chunk for one event, or `None` for events that carry nothing new."""
        try:
            if data["type"] == "response.output_text.delta":  # the per-token path
                output_index = data["output_index"]
                content_index = data["content_index"]
                if output_index == self._last_output and content_index == self._last_content:
                    index = self._last_index
                else:
                    index = self._last_index = self._index(output_index, content_index)
                    self._last_output = output_index
                    self._last_content = content_index
                # A text block is the same in every output version.
                return AIMessageChunk.text_delta(data["delta"], index=index)
            return self._convert(data)
        except PipesError:
            raise
        except MALFORMED as error:
            raise ResponseProtocolError(
                f"The server sent a malformed Responses stream event: {type(error).__name__}: "
                f"{error!s:.300} (event {str(data)[:200]!r})."
            ) from error

    def _chunk(
        self,
        blocks: list[dict[str, Any]],
        tool_chunks: list[ToolCallChunk] | None = None,
        **fields: Any,
    ) -> AIMessageChunk:
        additional: dict[str, Any] = {}
        content = []
        for block in blocks:
            content.extend(block_to_version(block, self.version, additional))
        if additional:
            fields["additional_kwargs"] = additional
        if tool_chunks:
            fields["tool_call_chunks"] = tool_chunks
        return AIMessageChunk(content=content, **fields)

    def _convert(self, data: dict[str, Any]) -> AIMessageChunk | None:
        kind = data["type"]
        if kind == "response.output_text.annotation.added":
            index = self._index(data["output_index"], data["content_index"])
            annotation = dict(data["annotation"])
            if annotation.get("type") == "file_citation" and "index" in annotation:
                annotation["file_index"] = annotation.pop("index")
            return self._chunk(
                [{"type": "text", "text": "", "annotations": [annotation], "index": index}]
            )
        if kind == "response.output_text.done":
            index = self._index(data["output_index"], data["content_index"])
            return self._chunk(
                [{"type": "text", "text": "", "id": data["item_id"], "index": index}]
            )
        if kind == "response.refusal.delta":
            index = self._index(data["output_index"], data["content_index"])
            return self._chunk(
                [{"type": "refusal", "refusal": data["delta"], "index": index}],
                additional_kwargs={"refusal": data["delta"]},
            )
        if kind == "response.created":
            return AIMessageChunk(content="", id=data["response"]["id"])
        if kind == "response.output_item.added":
            return self._item_added(data["item"], data["output_index"])
        if kind == "response.output_item.done":
            return self._item_done(data["item"], data["output_index"])
        if kind == "response.function_call_arguments.delta":
            index = self._index(data["output_index"])
            tool_chunk: ToolCallChunk = {
                "name": None,
                "args": data["delta"],
                "id": None,
                "index": index,
                "type": "tool_call_chunk",
            }
            return self._chunk(
                [{"type": "function_call", "arguments": data["delta"], "index": index}],
                [tool_chunk],
            )
        if kind == "response.reasoning_summary_part.added":
            index = self._index(data["output_index"])
            part = {"index": data["summary_index"], "type": "summary_text", "text": ""}
            return self._chunk(
                [{"type": "reasoning", "id": data["item_id"], "summary": [part], "index": index}]
            )
        if kind == "response.reasoning_summary_text.delta":
            index = self._index(data["output_index"])
            part = {"index": data["summary_index"], "type": "summary_text", "text": data["delta"]}
            return self._chunk([{"type": "reasoning", "summary": [part], "index": index}])
        if kind in ("response.completed", "response.incomplete", "response.failed", "error"):
            return self._final(kind, data)
        item_type, _, status = kind.partition(".")[2].rpartition(".")
        if item_type in BUILTIN_ITEMS and self.version == "responses/v1":
            # Built-in tool progress (`response.web_search_call.searching` ...): the item's
            # status, which the final item overwrites.
            return self._progress(item_type, data.get("item_id"), status, data["output_index"])
        return None  # events that repeat what came before (*.done, content_part.added ...)

    def _progress(
        self, item_type: str, item_id: Any, status: str, output_index: int
    ) -> AIMessageChunk:
        block = {"type": item_type, "id": item_id, "status": status}
        return self._chunk([{**block, "index": self._index(output_index)}])

    def _item_added(self, item: dict[str, Any], output_index: int) -> AIMessageChunk | None:
        kind = item.get("type")
        if kind == "function_call":
            index = self._index(output_index)
            tool_chunk: ToolCallChunk = {
                "name": item.get("name"),
                "args": item.get("arguments") or "",
                "id": item.get("call_id"),
                "index": index,
                "type": "tool_call_chunk",
            }
            block = {
                "type": "function_call",
                "name": item.get("name"),
                "arguments": item.get("arguments") or "",
                "call_id": item.get("call_id"),
                "id": item.get("id"),
                "index": index,
            }
            return self._chunk([block], [tool_chunk])
        if kind in BUILTIN_ITEMS and self.version == "responses/v1":
            return self._progress(kind, item.get("id"), "in_progress", output_index)
        if kind == "reasoning":
            index = self._index(output_index)
            # The encrypted content is complete only on the "done" event (emitted there).
            block = {
                k: v
                for k, v in item.items()
                if v is not None and k not in ("encrypted_content", "status")
            }
            block["summary"] = []
            block["index"] = index
            return self._chunk([block])
        return None

    def _item_done(self, item: dict[str, Any], output_index: int) -> AIMessageChunk | None:
        kind = item.get("type")
        if kind == "reasoning" and item.get("encrypted_content"):
            index = self._index(output_index)
            return self._chunk(
                [
                    {
                        "type": "reasoning",
                        "id": item.get("id"),
                        "encrypted_content": item["encrypted_content"],
                        "index": index,
                    }
                ]
            )
        if kind in BUILTIN_ITEMS:
            index = self._index(output_index)
            block = {k: v for k, v in item.items() if v is not None}
            block["index"] = index
            return self._chunk([block])
        return None

    def _final(self, kind: str, data: dict[str, Any]) -> AIMessageChunk:
        meta = self.meta
        if kind == "error":
            raise stream_event_error(self.policy, data, meta.request_id, meta.attempts)
        response = data["response"]
        if kind == "response.failed":
            error = response.get("error") or {"message": f"response {response.get('id')} failed"}
            raise stream_event_error(self.policy, {"error": error}, meta.request_id, meta.attempts)
        if kind == "response.incomplete":
            reason = (response.get("incomplete_details") or {}).get("reason") or "unknown"
            error_cls = ContentFilterError if reason == "content_filter" else StreamIncompleteError
            raise error_cls(
                f"{self.policy.provider} ended the response incomplete (reason: {reason}); the "
                "partial output was discarded. "
                + (
                    "Raise max_tokens (max_output_tokens) or lower the reasoning effort."
                    if reason == "max_output_tokens"
                    else "Rephrase the request."
                ),
                code=reason,
                request_id=meta.request_id,
                attempts=meta.attempts,
                body=self.policy.scrub_data(response.get("incomplete_details")),
            )
        meta.finished = True
        usage = response.get("usage")
        fields: dict[str, Any] = {
            "content": [],
            "response_metadata": {
                k: v for k, v in response_metadata(response, self.model).items() if k != "id"
            },
        }
        if usage:
            fields["usage_metadata"] = responses_usage(usage)
        return AIMessageChunk(**fields)
