"""The Responses API stream on the emulator's wire: a `response` object as typed SSE events.

From `response.created` to `response.completed` (or `response.incomplete`), with the
per-item events OpenAI sends: text, refusal, reasoning summary and function-call argument
deltas, annotations, built-in tool progress, `output_item.added` / `.done`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._wire import dumps, tokenize

__all__ = ["render_response_events"]


_TEXT_DELTA = "response.output_text.delta"
_TEXT_DELTA_HEAD = f'event: {_TEXT_DELTA}\ndata: {{"type":"{_TEXT_DELTA}","sequence_number":'


def _event(kind: str, seq: int, fields: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {dumps({'type': kind, 'sequence_number': seq, **fields})}\n\n"


def render_response_events(response: dict[str, Any]) -> Iterator[str]:
    """The SSE events of `response` streamed, from `response.created` to its final event."""
    seq = 0
    start = {
        **response,
        "status": "in_progress",
        "completed_at": None,
        "output": [],
        "incomplete_details": None,
    }
    start.pop("usage", None)
    for kind in ("response.created", "response.in_progress"):
        yield _event(kind, seq, {"response": start})
        seq += 1
    for index, item in enumerate(response["output"]):
        for kind, fields in _item_events(item, index):
            if kind == _TEXT_DELTA:
                # The per-token event: only the token is JSON-encoded (the stream benchmarks
                # measure the client, not this server).
                yield (
                    f'{_TEXT_DELTA_HEAD}{seq},"item_id":{dumps(fields["item_id"])},'
                    f'"output_index":{index},"content_index":{fields["content_index"]},'
                    f'"delta":{dumps(fields["delta"])},"logprobs":[]}}\n\n'
                )
            else:
                yield _event(kind, seq, fields)
            seq += 1
    final = "response.completed" if response["status"] == "completed" else "response.incomplete"
    yield _event(final, seq, {"response": response})


def _item_events(item: dict[str, Any], index: int) -> Iterator[tuple[str, dict[str, Any]]]:
    kind = item["type"]
    item_id = item.get("id", "")
    at = {"item_id": item_id, "output_index": index}
    if kind == "message":
        yield (
            "response.output_item.added",
            {"output_index": index, "item": {**item, "status": "in_progress", "content": []}},
        )
        for c, part in enumerate(item["content"]):
            empty = (
                {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                if part["type"] == "output_text"
                else {"type": "refusal", "refusal": ""}
            )
            yield "response.content_part.added", {**at, "content_index": c, "part": empty}
            if part["type"] == "output_text":
                for token in tokenize(part["text"]):
                    yield (
                        "response.output_text.delta",
                        {**at, "content_index": c, "delta": token, "logprobs": []},
                    )
                for a, annotation in enumerate(part["annotations"]):
                    yield (
                        "response.output_text.annotation.added",
                        {
                            **at,
                            "content_index": c,
                            "annotation_index": a,
                            "annotation": annotation,
                        },
                    )
                yield (
                    "response.output_text.done",
                    {**at, "content_index": c, "text": part["text"], "logprobs": []},
                )
            else:
                for token in tokenize(part["refusal"]):
                    yield "response.refusal.delta", {**at, "content_index": c, "delta": token}
                yield (
                    "response.refusal.done",
                    {**at, "content_index": c, "refusal": part["refusal"]},
                )
            yield "response.content_part.done", {**at, "content_index": c, "part": part}
    elif kind == "reasoning":
        added = {k: v for k, v in item.items() if k != "encrypted_content"}
        yield (
            "response.output_item.added",
            {"output_index": index, "item": {**added, "summary": []}},
        )
        for s, part in enumerate(item["summary"]):
            yield (
                "response.reasoning_summary_part.added",
                {**at, "summary_index": s, "part": {"type": "summary_text", "text": ""}},
            )
            for token in tokenize(part["text"]):
                yield (
                    "response.reasoning_summary_text.delta",
                    {**at, "summary_index": s, "delta": token},
                )
            yield (
                "response.reasoning_summary_text.done",
                {**at, "summary_index": s, "text": part["text"]},
            )
            yield "response.reasoning_summary_part.done", {**at, "summary_index": s, "part": part}
    elif kind == "function_call":
        yield (
            "response.output_item.added",
            {
                "output_index": index,
                "item": {**item, "arguments": "", "status": "in_progress"},
            },
        )
        for token in tokenize(item["arguments"]):
            yield "response.function_call_arguments.delta", {**at, "delta": token}
        yield (
            "response.function_call_arguments.done",
            {**at, "name": item["name"], "arguments": item["arguments"]},
        )
    elif kind == "custom_tool_call":
        yield "response.output_item.added", {"output_index": index, "item": {**item, "input": ""}}
        for token in tokenize(item["input"]):
            yield "response.custom_tool_call_input.delta", {**at, "delta": token}
        yield "response.custom_tool_call_input.done", {**at, "input": item["input"]}
    else:  # a built-in tool call: its progress, then the item with its results
        started = {**item, "status": "in_progress"} if "status" in item else item
        yield "response.output_item.added", {"output_index": index, "item": started}
        if kind in ("web_search_call", "file_search_call"):
            for step in ("in_progress", "searching", "completed"):
                yield f"response.{kind}.{step}", at
    yield "response.output_item.done", {"output_index": index, "item": item}
