"""Responses API replies: a `response` object to an `AIMessage`, in each output version.

Pure functions (no HTTP), the Responses counterpart of `pipes_openai._wire` (the way back,
messages to `input` items, is `pipes_openai._responses_input`):

```python
message = response_to_message(response_json)  # output_version "responses/v1"
```

Output versions follow langchain-openai:

* `"responses/v1"` (the default): `content` is a list of blocks, one per output item part:
  `{"type": "text", "text", "annotations", "id"}`, `{"type": "refusal", ...}`, and the
  output items themselves for reasoning (`{"type": "reasoning", "id", "summary",
  "encrypted_content"}`), function calls and built-in tool calls (`web_search_call` ...);
* `"v0"`: text blocks in `content`; the reasoning item in `additional_kwargs["reasoning"]`,
  built-in tool items in `additional_kwargs["tool_outputs"]`;
* `"v1"`: LangChain's standard blocks (`text` with `citation` annotations, `reasoning` with
  its text, `server_tool_call` / `server_tool_result`; function calls stay in `tool_calls`).

Every version round-trips: reasoning items (ids, summaries, encrypted content) and built-in
tool items of an `AIMessage` are sent back as input items on the next turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipes_openai._errors import ResponseProtocolError
from pipes_openai._pipes import AIMessage, PipesError, UsageMetadata, parse_openai_tool_calls
from pipes_openai._wire import MALFORMED, token_count, usage_totals

__all__ = [
    "BUILTIN_ITEMS",
    "FUNCTION_CALL_IDS",
    "OUTPUT_VERSIONS",
    "ROUND_TRIP_ITEMS",
    "block_to_version",
    "response_metadata",
    "response_to_message",
    "responses_usage",
]

OUTPUT_VERSIONS = ("v0", "responses/v1", "v1")
# Output items of built-in (server-side) tools: kept as content blocks, sent back as they are.
BUILTIN_ITEMS = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "computer_call",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "shell_call",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "tool_search_call",
        "tool_search_output",
        "apply_patch_call",
        "apply_patch_call_output",
        "compaction",
    }
)
# Items passed back verbatim from an assistant message's content (responses/v1 blocks).
ROUND_TRIP_ITEMS = BUILTIN_ITEMS | {"function_call", "custom_tool_call"}
FUNCTION_CALL_IDS = "__openai_function_call_ids__"  # langchain-openai's v0 key


# -- response -> AIMessage ---------------------------------------------------------------------


def responses_usage(usage: Mapping[str, Any]) -> UsageMetadata:
    """Responses `usage` to `usage_metadata` (cached and reasoning tokens included)."""
    result = usage_totals(usage, "input_tokens", "output_tokens")
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens")
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    if cached is not None:
        result["input_token_details"] = {"cache_read": token_count(cached)}
    if reasoning is not None:
        result["output_token_details"] = {"reasoning": token_count(reasoning)}
    return result


_METADATA_KEYS = (
    "id",
    "object",
    "created_at",
    "status",
    "model",
    "service_tier",
    "incomplete_details",
    "metadata",
    "user",
)


def response_metadata(data: Mapping[str, Any], model: str | None) -> dict[str, Any]:
    """`response_metadata` of a response: its id, status, model, tier, incomplete details."""
    metadata = {key: data[key] for key in _METADATA_KEYS if data.get(key) is not None}
    metadata["model_name"] = data.get("model") or model
    metadata["model_provider"] = "openai"
    return metadata


def response_to_message(
    data: Any, *, model: str | None = None, output_version: str = "responses/v1"
) -> AIMessage:
    """A `response` JSON object to an [`AIMessage`][pipes.AIMessage] (`id` = the response id).

    A body whose fields have the wrong types raises
    [`ResponseProtocolError`][pipes_openai.ResponseProtocolError].
    """
    try:
        return _response_to_message(data, model, output_version)
    except PipesError:
        raise
    except MALFORMED as error:
        raise ResponseProtocolError(
            f"The server sent a malformed response object: {type(error).__name__}: "
            f"{error!s:.300}. Check that base_url points at an OpenAI Responses API."
        ) from error


def _response_to_message(data: Any, model: str | None, version: str) -> AIMessage:
    if not isinstance(data, Mapping) or not isinstance(data.get("output"), list):
        keys = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise ResponseProtocolError(
            f"Expected a Responses API response object with an 'output' list, got {keys}. "
            "Check that base_url points at a server with the Responses API, or pass "
            "use_responses_api=False."
        )
    blocks: list[dict[str, Any]] = []
    raw_calls: list[dict[str, Any]] = []
    for item in data["output"]:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                if part.get("type") == "output_text":
                    blocks.append(
                        {
                            "type": "text",
                            "text": part.get("text") or "",
                            "annotations": [
                                _annotation_to_lc(a) for a in part.get("annotations") or ()
                            ],
                            "id": item.get("id"),
                        }
                    )
                elif part.get("type") == "refusal":
                    blocks.append(
                        {
                            "type": "refusal",
                            "refusal": part.get("refusal") or "",
                            "id": item.get("id"),
                        }
                    )
        elif kind == "function_call":
            blocks.append({k: v for k, v in item.items() if v is not None})
            raw_calls.append(
                {
                    "id": item.get("call_id"),
                    "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments")},
                }
            )
        elif isinstance(kind, str):  # reasoning, built-in tool calls, and items to come
            blocks.append({k: v for k, v in item.items() if v is not None})
    additional: dict[str, Any] = {}
    refusal = "".join(b["refusal"] for b in blocks if b.get("type") == "refusal")
    if refusal:
        # Where with_structured_output's parser looks (RefusalError), as on Chat Completions.
        additional["refusal"] = refusal
    calls, invalid = parse_openai_tool_calls(raw_calls) if raw_calls else ([], [])
    fields: dict[str, Any] = {
        "content": [],
        "additional_kwargs": additional,
        "response_metadata": response_metadata(data, model),
        "id": data.get("id"),
        "tool_calls": calls,
        "invalid_tool_calls": invalid,
    }
    for block in blocks:
        fields["content"].extend(block_to_version(block, version, additional))
    usage = data.get("usage")
    if usage:
        fields["usage_metadata"] = responses_usage(usage)
    return AIMessage(**fields)


def _annotation_to_lc(annotation: Mapping[str, Any]) -> dict[str, Any]:
    # pipes merges streamed blocks by "index", so a file citation's index is renamed (as
    # langchain-openai does).
    out = dict(annotation)
    if out.get("type") == "file_citation" and "index" in out:
        out["file_index"] = out.pop("index")
    return out


def _citation_v1(annotation: Mapping[str, Any]) -> dict[str, Any]:
    if annotation.get("type") == "url_citation":
        return {
            "type": "citation",
            "url": annotation.get("url"),
            "title": annotation.get("title"),
            "start_index": annotation.get("start_index"),
            "end_index": annotation.get("end_index"),
        }
    return {"type": "non_standard_annotation", "value": dict(annotation)}


def block_to_version(
    block: dict[str, Any], version: str, additional: dict[str, Any]
) -> list[dict[str, Any]]:
    """A responses/v1 block (whole or a streamed piece) as `version`'s content blocks.

    Possibly none: v0 moves reasoning and built-in tool items into `additional`
    (`"reasoning"`, `"tool_outputs"`) and function-call ids into its id map; v1 leaves
    function calls to `tool_calls` and gives a built-in tool item two blocks (the
    `server_tool_call` and its `server_tool_result`).
    """
    kind = block.get("type")
    if version == "responses/v1":
        return [block]
    if version == "v0":
        if kind == "reasoning":
            reasoning = {k: v for k, v in block.items() if k != "index"}
            previous = additional.get("reasoning")
            additional["reasoning"] = {**previous, **reasoning} if previous else reasoning
            return []
        if kind in BUILTIN_ITEMS:
            additional.setdefault("tool_outputs", []).append(
                {k: v for k, v in block.items() if k != "index"}
            )
            return []
        if kind == "function_call":
            if block.get("call_id") and block.get("id"):
                additional.setdefault(FUNCTION_CALL_IDS, {})[block["call_id"]] = block["id"]
            return []
        if kind == "refusal":
            return []  # in additional_kwargs["refusal"]
        if kind == "text":
            return [{k: v for k, v in block.items() if k != "id"}]
        return [block]
    # v1: LangChain's standard content blocks.
    index = {"index": block["index"]} if "index" in block else {}
    if kind == "text":
        out = {"type": "text", "text": block.get("text", ""), **index}
        if block.get("annotations"):
            out["annotations"] = [_citation_v1(a) for a in block["annotations"]]
        if block.get("id"):
            out["id"] = block["id"]
        return [out]
    if kind == "reasoning":
        out = {"type": "reasoning", **index}
        texts = [s.get("text", "") for s in block.get("summary") or () if isinstance(s, Mapping)]
        if texts or "reasoning" in block:
            out["reasoning"] = block.get("reasoning", "") + "\n\n".join(texts)
        if block.get("id"):
            out["id"] = block["id"]
        if block.get("encrypted_content"):
            out["encrypted_content"] = block["encrypted_content"]
        return [out]
    if kind == "function_call":
        return []  # the call is in tool_calls / tool_call_chunks
    if kind in BUILTIN_ITEMS:
        args = block.get("action") or {
            k: v for k, v in block.items() if k in ("arguments", "code", "queries", "server_label")
        }
        call = {
            "type": "server_tool_call",
            "name": str(kind).removesuffix("_call"),
            "id": block.get("id"),
            "args": args,
            # The item as it came, for the next turn (v1 blocks cannot hold all of it).
            "extras": {"item": {k: v for k, v in block.items() if k != "index"}},
            **index,
        }
        status = block.get("status")
        result = {
            "type": "server_tool_result",
            "tool_call_id": block.get("id"),
            "status": {"completed": "success", "failed": "error"}.get(str(status), status),
        }
        return [call, result]
    if kind == "refusal":
        return [
            {
                "type": "non_standard",
                "value": {"type": "refusal", "refusal": block.get("refusal", "")},
                **index,
            }
        ]
    return [
        {
            "type": "non_standard",
            "value": {k: v for k, v in block.items() if k != "index"},
            **index,
        }
    ]
