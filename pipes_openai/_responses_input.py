"""Responses API requests: a conversation as `input` items.

Pure functions (no HTTP), the Responses counterpart of `pipes_openai._wire.messages_to_wire`.
Assistant messages of every output version (see `pipes_openai._responses_wire`) go back with
their reasoning and built-in tool items, so multi-turn reasoning works with `store=False`.

Example:
    ```python
    body = {"model": "o4-mini", "input": messages_to_input([HumanMessage("hi")])}
    ```
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pipes_openai._pipes import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    MessageConversionError,
    SystemMessage,
    ToolMessage,
)
from pipes_openai._responses_wire import FUNCTION_CALL_IDS, ROUND_TRIP_ITEMS
from pipes_openai._wire import content_to_wire, source_type

__all__ = ["messages_to_input"]


def _fail(what: str, fix: str) -> MessageConversionError:
    return MessageConversionError(f"OpenAI Responses API: {what}. {fix}")


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
                kind, source = part["type"], source_type(part)
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
            elif kind in ROUND_TRIP_ITEMS:
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
    call_ids = message.additional_kwargs.get(FUNCTION_CALL_IDS) or {}
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
