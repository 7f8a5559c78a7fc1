"""Responses API wire format: pipes messages to `input` items, a `response` to an `AIMessage`.

Pure functions (no HTTP), the Responses counterpart of `pipes_openai._wire`:

```python
body = {"model": "o4-mini", "input": messages_to_input([HumanMessage("hi")])}
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
  its text, `tool_call`, `server_tool_call` / `server_tool_result`).

Every version round-trips: reasoning items (ids, summaries, encrypted content) and built-in
tool items of an `AIMessage` are sent back as input items on the next turn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pipes_openai._errors import ResponseProtocolError
from pipes_openai._pipes import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    MessageConversionError,
    PipesError,
    SystemMessage,
    ToolMessage,
    UsageMetadata,
    parse_openai_tool_calls,
)
from pipes_openai._wire import _source_type, content_to_wire

__all__ = [
    "BUILTIN_ITEMS",
    "OUTPUT_VERSIONS",
    "block_to_version",
    "messages_to_input",
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
_ROUND_TRIP = BUILTIN_ITEMS | {"function_call", "custom_tool_call"}
_FUNCTION_CALL_IDS = "__openai_function_call_ids__"  # langchain-openai's v0 key


def _fail(what: str, fix: str) -> MessageConversionError:
    return MessageConversionError(f"OpenAI Responses API: {what}. {fix}")


# -- messages -> input items -----------------------------------------------------------------


def _user_part(part: Mapping[str, Any]) -> dict[str, Any]:
    """A Chat Completions user part (from `content_to_wire`) in its Responses shape."""
    kind = part.get("type")
    if kind == "text":
        return {"type": "input_text", "text": part.get("text", "")}
    if kind == "image_url":
        image = part["image_url"]
        out: dict[str, Any] = {"type": "input_image", "image_url": image.get("url")}
        out["detail"] = image.get("detail") or "auto"
        return out
    if kind == "file":
        return {"type": "input_file", **part["file"]}
    if kind == "input_audio":
        raise _fail(
            "audio input is not accepted by the Responses API",
            "Use use_responses_api=False (Chat Completions with an audio model) for audio.",
        )
    return dict(part)  # already a Responses part (input_text, input_image, input_file ...)


def _input_content(message: BaseMessage, role: str) -> str | list[dict[str, Any]]:
    content = message.content
    if isinstance(content, str):
        return content
    if role == "user":
        parts: list[dict[str, Any]] = []
        for part in content:
            if isinstance(part, Mapping) and part.get("type") in ("image", "file"):
                kind, source = part["type"], _source_type(part)
                if kind == "image" and source == "id":
                    # Chat Completions cannot reference an image by file id; Responses can.
                    parts.append({"type": "input_image", "file_id": part["id"], "detail": "auto"})
                    continue
                if kind == "file" and source == "url" and "file" not in part:
                    parts.append({"type": "input_file", "file_url": part["url"]})
                    continue
            parts.extend(_user_part(p) for p in _as_list(content_to_wire([part], role=role)))
        return parts
    wire = content_to_wire(content, role=role)
    if isinstance(wire, str):
        return wire
    return [{"type": "input_text", "text": p.get("text", "")} for p in wire]


def _as_list(wire: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": wire}] if isinstance(wire, str) else wire


def _tool_output(message: ToolMessage) -> str | list[dict[str, Any]]:
    content = message.content
    if isinstance(content, str):
        return content
    if all(
        isinstance(p, Mapping)
        and p.get("type")
        in ("text", "image", "image_url", "file", "input_text", "input_image", "input_file")
        for p in content
    ):
        return [_user_part(p) for p in _as_list(content_to_wire(content, role="user"))]
    return json.dumps(list(content), ensure_ascii=False, default=str)


def _strip_index(block: Mapping[str, Any]) -> dict[str, Any]:
    # Streaming merges blocks by "index"; the API does not know the key.
    out = {k: v for k, v in block.items() if k != "index"}
    summary = out.get("summary")
    if isinstance(summary, list):
        out["summary"] = [
            {k: v for k, v in s.items() if k != "index"} if isinstance(s, Mapping) else s
            for s in summary
        ]
    return out


def _reasoning_item(block: Mapping[str, Any], store: bool | None) -> dict[str, Any] | None:
    """A reasoning block (responses/v1, v0 or v1 form) as an input item, or `None`."""
    extras = block.get("extras")
    if not isinstance(extras, Mapping):
        extras = {}
    encrypted = block.get("encrypted_content") or extras.get("encrypted_content")
    item_id = block.get("id")
    if not item_id or (store is False and not encrypted):
        # Without stored state the server can only resolve reasoning it can decrypt.
        return None
    if "summary" in block:
        item = _strip_index(block)
        item["type"] = "reasoning"
        item.pop("status", None)
        return item
    text = block.get("reasoning")
    item = {
        "type": "reasoning",
        "id": item_id,
        "summary": [{"type": "summary_text", "text": text}] if text else [],
    }
    if encrypted:
        item["encrypted_content"] = encrypted
    return item


def _assistant_items(message: AIMessage, store: bool | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    sent_calls: set[str] = set()

    def text_item(part: dict[str, Any], item_id: Any) -> None:
        if item_id and item_id in by_id:
            by_id[item_id]["content"].append(part)
            return
        if store is not False and isinstance(item_id, str) and item_id.startswith("msg_"):
            # The output message as it came (the official schema's OutputMessage).
            if part["type"] == "output_text":
                part["logprobs"] = []
            item = {
                "type": "message",
                "role": "assistant",
                "id": item_id,
                "status": "completed",
                "content": [part],
            }
            by_id[item_id] = item
            items.append(item)
            return
        # Without an id the server can resolve: plain text (annotations and the refusal
        # mark have no place in an input message).
        text = part.get("text") if part["type"] == "output_text" else part.get("refusal")
        items.append({"type": "message", "role": "assistant", "content": text or ""})

    reasoning = message.additional_kwargs.get("reasoning")  # v0
    if isinstance(reasoning, Mapping):
        item = _reasoning_item({"type": "reasoning", **reasoning}, store)
        if item is not None:
            items.append(item)
    for output in message.additional_kwargs.get("tool_outputs") or ():  # v0
        if isinstance(output, Mapping):
            items.append(_strip_index(output))
    content = message.content
    if isinstance(content, str):
        if content:
            text_item({"type": "output_text", "text": content, "annotations": []}, None)
    else:
        for block in content:
            if isinstance(block, str):
                if block:
                    text_item({"type": "output_text", "text": block, "annotations": []}, None)
                continue
            kind = block.get("type")
            if kind in ("text", "output_text"):
                annotations = [_annotation_from_lc(a) for a in block.get("annotations") or () if a]
                part = {
                    "type": "output_text",
                    "text": block.get("text") or "",
                    "annotations": [a for a in annotations if a is not None],
                }
                text_item(part, block.get("id"))
            elif kind == "refusal":
                text_item({"type": "refusal", "refusal": block.get("refusal", "")}, block.get("id"))
            elif kind == "reasoning":
                item = _reasoning_item(block, store)
                if item is not None:
                    items.append(item)
            elif kind in _ROUND_TRIP:
                item = _strip_index(block)
                if kind == "function_call":
                    sent_calls.add(str(item.get("call_id")))
                if kind == "image_generation_call" and store is not False and item.get("id"):
                    # The server has the image: refer to it rather than send it back.
                    item = {"type": "item_reference", "id": item["id"]}
                items.append(item)
            elif kind == "server_tool_call":  # v1: the original item rides in extras
                extras = block.get("extras")
                if isinstance(extras, Mapping) and isinstance(extras.get("item"), Mapping):
                    items.append(_strip_index(extras["item"]))
            # Other blocks (v1 tool_call / server_tool_result, other providers' blocks) are
            # carried by tool_calls or by the item above.
    call_ids = message.additional_kwargs.get(_FUNCTION_CALL_IDS) or {}
    for call in message.tool_calls:
        if call["id"] in sent_calls:
            continue
        item = {
            "type": "function_call",
            "call_id": call["id"] or f"call_{len(items)}",
            "name": call["name"],
            "arguments": json.dumps(call["args"], ensure_ascii=False),
        }
        if call["id"] in call_ids:
            item["id"] = call_ids[call["id"]]
        items.append(item)
    for bad in message.invalid_tool_calls:
        if bad["id"] in sent_calls:
            continue
        items.append(
            {
                "type": "function_call",
                "call_id": bad["id"] or f"call_invalid_{len(items)}",
                "name": bad["name"] or "",
                "arguments": bad["args"] or "",
            }
        )
    return items


def _annotation_from_lc(annotation: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = annotation.get("type")
    if kind == "citation":  # v1 standard citation back to the API's url_citation
        if not annotation.get("url"):
            return None
        return {
            "type": "url_citation",
            "url": annotation["url"],
            "title": annotation.get("title") or "",
            "start_index": annotation.get("start_index", 0),
            "end_index": annotation.get("end_index", 0),
        }
    if kind == "non_standard_annotation":
        value = annotation.get("value")
        return dict(value) if isinstance(value, Mapping) else None
    out = dict(annotation)
    if kind == "file_citation" and "file_index" in out:
        out["index"] = out.pop("file_index")
    return out


def _message_items(message: BaseMessage, system_role: str, store: bool | None) -> list[Any]:
    if isinstance(message, AIMessage):
        return _assistant_items(message, store)
    if isinstance(message, HumanMessage):
        role = "user"
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__") or system_role
    elif isinstance(message, ToolMessage):
        return [
            {
                "type": "function_call_output",
                "call_id": message.tool_call_id,
                "output": _tool_output(message),
            }
        ]
    elif isinstance(message, ChatMessage):
        role = system_role if message.role == "system" else message.role
        if role not in ("user", "system", "developer"):
            raise _fail(
                f"a ChatMessage with role {message.role!r} has no Responses input form",
                "Use role 'user', 'system' or 'developer', or an AIMessage/ToolMessage.",
            )
    else:
        raise _fail(
            f"cannot send a {type(message).__name__} (type {message.type!r})",
            "Use HumanMessage, AIMessage, SystemMessage, ToolMessage or ChatMessage.",
        )
    content = _input_content(message, "user" if role == "user" else "system")
    if isinstance(content, list) and not content:
        return []
    return [{"type": "message", "role": role, "content": content}]


def messages_to_input(
    messages: Sequence[BaseMessage], *, system_role: str = "system", store: bool | None = None
) -> list[dict[str, Any]]:
    """A conversation as Responses `input` items.

    Assistant messages become `message` items (text, refusals), `function_call` items and
    the reasoning / built-in tool items they carry; with `store=False` reasoning is sent back
    only when it has `encrypted_content` and message ids are left out (the server keeps
    nothing to resolve them against). Tool messages become `function_call_output` items.
    """
    if not messages:
        raise _fail("there are no messages to send", "Pass at least one message.")
    items: list[dict[str, Any]] = []
    for message in messages:
        items.extend(_message_items(message, system_role, store))
    return items


# -- response -> AIMessage ---------------------------------------------------------------------


def _count(value: Any) -> int:
    if type(value) is int:
        return value
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def responses_usage(usage: Mapping[str, Any]) -> UsageMetadata:
    """Responses `usage` to `usage_metadata` (cached and reasoning tokens included)."""
    input_tokens = _count(usage.get("input_tokens"))
    output_tokens = _count(usage.get("output_tokens"))
    result: UsageMetadata = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": _count(usage.get("total_tokens")) or input_tokens + output_tokens,
    }
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens")
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    if cached is not None:
        result["input_token_details"] = {"cache_read": _count(cached)}
    if reasoning is not None:
        result["output_token_details"] = {"reasoning": _count(reasoning)}
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
_MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)


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
    except _MALFORMED as error:
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
                additional.setdefault(_FUNCTION_CALL_IDS, {})[block["call_id"]] = block["id"]
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
