"""The Responses API on the emulator's wire: requests read, responses and events rendered.

A `CreateResponse` body is checked (`validate_responses_request`) and seen as the Chat
Completions body the reply engine already answers (`chat_view`: input items as messages,
function tools, `text.format` as `response_format`, `max_output_tokens`, reasoning effort);
the engine's `Plan` is then rendered as a `response` object (`render_response_object`) and,
for `stream: true`, as the typed SSE events of OpenAI's Responses stream
(`render_response_events`). Nothing here does I/O.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from ._engine import Plan
from ._script import Reply
from ._validate import REASONING_MODEL_RE
from ._wire import ApiError, dumps, message_text, tokenize

__all__ = [
    "chat_view",
    "input_token_count",
    "render_response_events",
    "render_response_object",
    "responses_usage",
    "validate_responses_request",
]

# CreateResponse's top-level keys (from the official schema): anything else is a 400, as on
# OpenAI, so a client bug is caught rather than ignored.
_KNOWN_KEYS = frozenset(
    {
        "background",
        "context_management",
        "conversation",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "moderation",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
_INPUT_ROLES = ("user", "system", "developer", "assistant")
_ITEM_TYPES = frozenset(
    {
        "message",
        "function_call",
        "function_call_output",
        "reasoning",
        "item_reference",
        "web_search_call",
        "file_search_call",
        "computer_call",
        "computer_call_output",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "local_shell_call_output",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "mcp_approval_response",
        "custom_tool_call",
        "custom_tool_call_output",
        "compaction",
    }
)
_ENCRYPTED_PREFIX = "emu-enc:"


def _bad(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def validate_responses_request(body: Any) -> None:
    """Raise the API's 400 for a body `chat_view` cannot read (or OpenAI would reject)."""
    if not isinstance(body, dict):
        raise _bad(f"The request body must be a JSON object, got {type(body).__name__}.")
    unknown = sorted(set(body) - _KNOWN_KEYS)
    if unknown:
        raise _bad(
            f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter"
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad(
            "Missing required parameter: 'model'.", param="model", code="missing_required_parameter"
        )
    items = body.get("input")
    if items is None and not body.get("previous_response_id") and not body.get("prompt"):
        raise _bad(
            "Missing required parameter: 'input'.", param="input", code="missing_required_parameter"
        )
    if items is not None and not isinstance(items, str | list):
        raise _bad(
            f"Invalid type for 'input': expected a string or an array of items, but got "
            f"{type(items).__name__}.",
            param="input",
            code="invalid_type",
        )
    for i, item in enumerate(items if isinstance(items, list) else ()):
        _check_item(item, f"input[{i}]")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise _bad(
            "Invalid type for 'tools': expected an array.", param="tools", code="invalid_type"
        )
    names = []
    for i, tool in enumerate(tools or ()):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise _bad(f"Missing required parameter: 'tools[{i}].type'.", param=f"tools[{i}].type")
        if tool["type"] == "function":
            if "function" in tool:
                raise _bad(
                    f"Unknown parameter: 'tools[{i}].function'. The Responses API takes function "
                    "tools flat: {'type': 'function', 'name': ..., 'parameters': ...}.",
                    param=f"tools[{i}].function",
                    code="unknown_parameter",
                )
            if not isinstance(tool.get("name"), str):
                raise _bad(
                    f"Missing required parameter: 'tools[{i}].name'.", param=f"tools[{i}].name"
                )
            names.append(tool["name"])
    choice = body.get("tool_choice")
    if (
        isinstance(choice, dict)
        and choice.get("type") == "function"
        and ("function" in choice or choice.get("name") not in names)
    ):
        raise _bad(
            f"Invalid value for 'tool_choice': {choice!r} names no function tool of the "
            "request (the Responses API form is {'type': 'function', 'name': ...}).",
            param="tool_choice",
        )
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 16):
        raise _bad(
            f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16,"
            f" but got {limit!r} instead.",
            param="max_output_tokens",
            code="integer_below_min_value",
        )
    fmt = _object(body.get("text")).get("format")
    if (
        isinstance(fmt, dict)
        and fmt.get("type") == "json_schema"
        and (not isinstance(fmt.get("name"), str) or not isinstance(fmt.get("schema"), dict))
    ):
        raise _bad(
            "Missing required parameter: 'text.format.name' / 'text.format.schema'.",
            param="text.format",
        )
    effort = _object(body.get("reasoning")).get("effort")
    if effort not in (None, "none") and not REASONING_MODEL_RE.match(model):
        raise _bad(
            f"Unsupported parameter: 'reasoning.effort' is not supported with the {model} model.",
            param="reasoning.effort",
            code="unsupported_parameter",
        )


def _check_item(item: Any, param: str) -> None:
    if not isinstance(item, dict):
        raise _bad(f"Invalid type for '{param}': expected an object.", param=param)
    kind = item.get("type", "message" if "role" in item else None)
    if kind not in _ITEM_TYPES:
        raise _bad(
            f"Invalid value: '{kind}'. Supported values are input item types.",
            param=f"{param}.type",
        )
    if kind == "message":
        if item.get("role") not in _INPUT_ROLES:
            raise _bad(
                f"Invalid value: '{item.get('role')}'. Supported values are: 'user', "
                "'system', 'developer' and 'assistant'.",
                param=f"{param}.role",
            )
        content = item.get("content")
        if not isinstance(content, str | list):
            raise _bad(f"Missing required parameter: '{param}.content'.", param=f"{param}.content")
        for j, part in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(part, dict) or part.get("type") not in (
                "input_text",
                "input_image",
                "input_file",
                "input_audio",
                "output_text",
                "refusal",
            ):
                kind_of = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise _bad(
                    f"Invalid value: '{kind_of}'. Supported values are: 'input_text', "
                    "'input_image', 'input_file', 'output_text' and 'refusal'.",
                    param=f"{param}.content[{j}].type",
                )
    elif kind == "function_call":
        for key in ("call_id", "name", "arguments"):
            if not isinstance(item.get(key), str):
                raise _bad(f"Missing required parameter: '{param}.{key}'.", param=f"{param}.{key}")
    elif kind == "function_call_output":
        if not isinstance(item.get("call_id"), str) or "output" not in item:
            raise _bad(
                f"Missing required parameter: '{param}.call_id' / '{param}.output'.",
                param=param,
            )
    elif kind == "reasoning" and not isinstance(item.get("summary"), list):
        raise _bad(f"Missing required parameter: '{param}.summary'.", param=f"{param}.summary")


# -- the request as the reply engine sees it ---------------------------------------------------


def _chat_part(part: dict[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": str(part.get("text") or "")}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal") or "")}
    if kind == "input_image":
        return {"type": "image_url", "image_url": {"url": part.get("image_url") or ""}}
    return {"type": "file", "file": {}}


def _item_messages(item: dict[str, Any]) -> list[dict[str, Any]]:
    kind = item.get("type", "message")
    if kind == "message":
        content = item["content"]
        if isinstance(content, list):
            content = [_chat_part(p) for p in content]
        return [{"role": item["role"], "content": content}]
    if kind == "function_call":
        call = {
            "id": item["call_id"],
            "type": "function",
            "function": {"name": item["name"], "arguments": item["arguments"]},
        }
        return [{"role": "assistant", "content": None, "tool_calls": [call]}]
    if kind == "function_call_output":
        output = item["output"]
        text = (
            output
            if isinstance(output, str)
            else message_text([_chat_part(p) for p in output if isinstance(p, dict)])
        )
        return [{"role": "tool", "tool_call_id": item["call_id"], "content": text}]
    return []  # reasoning and built-in tool items carry nothing the echo answers


def chat_view(body: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The Chat Completions body the reply engine answers for a Responses request.

    `history` is the conversation of `previous_response_id` (its input and output, as chat
    messages); `instructions` are not carried over from it, as on OpenAI.
    """
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str):
        messages.append({"role": "system", "content": body["instructions"]})
    messages.extend(history)
    items = body.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
    else:
        for item in items or ():
            messages.extend(_item_messages(item))
    view: dict[str, Any] = {"model": body["model"], "messages": messages}
    tools = [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "parameters": t.get("parameters") or {"type": "object", "properties": {}},
                "strict": bool(t.get("strict")),
            },
        }
        for t in body.get("tools") or ()
        if t.get("type") == "function"
    ]
    if tools:
        view["tools"] = tools
        choice = body.get("tool_choice")
        if isinstance(choice, dict):
            view["tool_choice"] = (
                {"type": "function", "function": {"name": choice["name"]}}
                if choice.get("type") == "function"
                else "auto"
            )
        elif choice in ("none", "required", "auto"):
            view["tool_choice"] = choice
        if body.get("parallel_tool_calls") is False:
            view["parallel_tool_calls"] = False
    fmt = _object(body.get("text")).get("format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        view["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": fmt["name"],
                "schema": fmt["schema"],
                "strict": bool(fmt.get("strict")),
            },
        }
    elif isinstance(fmt, dict) and fmt.get("type") == "json_object":
        view["response_format"] = {"type": "json_object"}
    if isinstance(body.get("max_output_tokens"), int):
        view["max_completion_tokens"] = body["max_output_tokens"]
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort"):
        view["reasoning_effort"] = reasoning["effort"]
    if body.get("service_tier"):
        view["service_tier"] = body["service_tier"]
    return view


def input_token_count(view: dict[str, Any]) -> int:
    from ._engine import prompt_token_counts

    return prompt_token_counts(view)[0]


# -- the response object -----------------------------------------------------------------------


def responses_usage(chat_usage: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """The engine's Chat Completions usage in the Responses shape (with a scripted override)."""
    prompt = chat_usage.get("prompt_tokens_details") or {}
    completion = chat_usage.get("completion_tokens_details") or {}
    usage: dict[str, Any] = {
        "input_tokens": chat_usage["prompt_tokens"],
        "input_tokens_details": {
            "cached_tokens": prompt.get("cached_tokens", 0),
            "cache_write_tokens": 0,
        },
        "output_tokens": chat_usage["completion_tokens"],
        "output_tokens_details": {"reasoning_tokens": completion.get("reasoning_tokens", 0)},
        "total_tokens": chat_usage["total_tokens"],
    }
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(usage.get(key), dict):
            usage[key] = {**usage[key], **value}
        elif key in usage:
            usage[key] = value
    return usage


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _encrypted(item_id: str, summary: str) -> str:
    raw = json.dumps({"id": item_id, "summary": summary}).encode()
    return _ENCRYPTED_PREFIX + base64.b64encode(raw).decode()


def is_emulator_encrypted(value: Any) -> bool:
    """Whether `value` is encrypted reasoning this emulator produced (it decrypts its own)."""
    if not isinstance(value, str) or not value.startswith(_ENCRYPTED_PREFIX):
        return False
    try:
        json.loads(base64.b64decode(value[len(_ENCRYPTED_PREFIX) :], validate=True))
    except ValueError:
        return False
    return True


def render_response_object(
    plan: Plan, body: dict[str, Any], reply: Reply | None, *, user_text: str, seq: int
) -> dict[str, Any]:
    """The `response` object for `plan` (status `completed`, or `incomplete`)."""
    choice = plan.choices[0]
    output: list[dict[str, Any]] = []
    reasoning_opts = _object(body.get("reasoning"))
    summary_text = choice.reasoning
    if (
        summary_text is None
        and reasoning_opts.get("summary")
        and REASONING_MODEL_RE.match(str(body["model"]))
    ):
        summary_text = f"**Reading the request**\n\nThe user wrote: {user_text}"
    if summary_text is not None or REASONING_MODEL_RE.match(str(body["model"])):
        item_id = f"rs_emu{seq:010d}"
        reasoning: dict[str, Any] = {
            "type": "reasoning",
            "id": item_id,
            "summary": [{"type": "summary_text", "text": summary_text}] if summary_text else [],
        }
        if "reasoning.encrypted_content" in (body.get("include") or ()):
            reasoning["encrypted_content"] = _encrypted(item_id, summary_text or "")
        output.append(reasoning)
    if reply is not None:
        output.extend(json.loads(json.dumps(item)) for item in reply.output_items or ())
    parts: list[dict[str, Any]] = []
    if choice.content is not None and (choice.content or not choice.tool_calls):
        annotations = [dict(a) for a in (reply.annotations or ())] if reply is not None else []
        parts.append(
            {
                "type": "output_text",
                "text": choice.content,
                "annotations": annotations,
                "logprobs": [],
            }
        )
    if choice.refusal:
        parts.append({"type": "refusal", "refusal": choice.refusal})
    status = "completed"
    incomplete: dict[str, Any] | None = None
    if choice.finish_reason == "length":
        status, incomplete = "incomplete", {"reason": "max_output_tokens"}
    elif choice.finish_reason == "content_filter":
        status, incomplete = "incomplete", {"reason": "content_filter"}
    if parts:
        output.append(
            {
                "type": "message",
                "id": f"msg_emu{seq:010d}",
                "status": status,
                "role": "assistant",
                "content": parts,
            }
        )
    for i, (call_id, name, arguments) in enumerate(choice.tool_calls):
        output.append(
            {
                "type": "function_call",
                "id": f"fc_emu{seq:06d}x{i}",
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
                "status": "completed",
            }
        )
    text = _object(body.get("text"))
    response: dict[str, Any] = {
        "id": f"resp_emu{seq:010d}",
        "object": "response",
        "created_at": plan.created,
        "status": status,
        "completed_at": plan.created if status == "completed" else None,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": plan.model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {
            "effort": reasoning_opts.get("effort"),
            "summary": reasoning_opts.get("summary"),
        },
        "service_tier": plan.service_tier,
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {
            "format": text.get("format") or {"type": "text"},
            "verbosity": text.get("verbosity", "medium"),
        },
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "metadata": body.get("metadata") or {},
    }
    if isinstance(body.get("user"), str):
        response["user"] = body["user"]
    if plan.usage is not None:
        response["usage"] = responses_usage(plan.usage, reply.usage if reply else None)
    return response


def failed_response(response: dict[str, Any], message: str, code: str) -> dict[str, Any]:
    """`response` as it ends when the model fails mid-way (`response.failed`)."""
    failed = {**response, "status": "failed", "completed_at": None, "output": []}
    failed["error"] = {"code": code, "message": message}
    failed.pop("usage", None)
    return failed


# -- the stream ----------------------------------------------------------------------------------


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
    else:  # a built-in tool call: its progress, then the item with its results
        started = {**item, "status": "in_progress"} if "status" in item else item
        yield "response.output_item.added", {"output_index": index, "item": started}
        if kind in ("web_search_call", "file_search_call"):
            for step in ("in_progress", "searching", "completed"):
                yield f"response.{kind}.{step}", at
    yield "response.output_item.done", {"output_index": index, "item": item}


def history_messages(
    body: dict[str, Any], response: dict[str, Any], prior: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The conversation after `response` (for a later `previous_response_id`)."""
    view = chat_view({**body, "instructions": None}, prior)
    messages: list[dict[str, Any]] = view["messages"]
    for item in response["output"]:
        if item["type"] == "message":
            messages.append(
                {
                    "role": "assistant",
                    "content": message_text([_chat_part(p) for p in item["content"]]),
                }
            )
        else:
            messages.extend(_item_messages(item))
    return messages
