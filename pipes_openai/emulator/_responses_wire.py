"""The Responses API on the emulator's wire: requests read, response objects rendered.

A checked `CreateResponse` body (`._responses_validate`) is seen as the Chat Completions body
the reply engine already answers (`chat_view`: input items as messages, function tools,
`text.format` as `response_format`, `max_output_tokens`, reasoning effort); the engine's `Plan`
is then rendered as a `response` object (`render_response_object`), streamed by
`._responses_events`. Nothing here does I/O.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ._engine import Plan
from ._responses_validate import as_object
from ._script import Reply
from ._validate import REASONING_MODEL_RE
from ._wire import message_text

__all__ = [
    "chat_view",
    "failed_response",
    "history_messages",
    "input_token_count",
    "is_emulator_encrypted",
    "render_response_object",
    "responses_usage",
]

_ENCRYPTED_PREFIX = "emu-enc:"


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


# A Responses call item -> the Chat Completions tool type it becomes, and the key holding what
# the call was given (a function's JSON arguments, a custom tool's free-form input).
_CALL_ITEMS = {"function_call": ("function", "arguments"), "custom_tool_call": ("custom", "input")}


def _item_messages(item: dict[str, Any]) -> list[dict[str, Any]]:
    kind = item.get("type") or ("message" if "role" in item else "item_reference")
    if kind == "message":
        content = item["content"]
        if isinstance(content, list):
            content = [_chat_part(p) for p in content]
        return [{"role": item["role"], "content": content}]
    if kind in _CALL_ITEMS:
        tool_type, payload_key = _CALL_ITEMS[kind]
        call = {
            "id": item["call_id"],
            "type": tool_type,
            tool_type: {"name": item["name"], payload_key: item[payload_key]},
        }
        return [{"role": "assistant", "content": None, "tool_calls": [call]}]
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item["output"]
        text = (
            output
            if isinstance(output, str)
            else message_text([_chat_part(p) for p in output if isinstance(p, dict)])
        )
        return [{"role": "tool", "tool_call_id": item["call_id"], "content": text}]
    return []  # reasoning and built-in tool items carry nothing the echo answers


_CALLABLE = ("function", "custom")  # the tools the emulator calls; built-in ones it never does


def _chat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A Responses (flat) function or custom tool as a Chat Completions tool."""
    if tool["type"] == "custom":
        return {"type": "custom", "custom": {"name": tool["name"]}}
    return {
        "type": "function",
        "function": {
            "name": tool["name"],
            "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
            "strict": bool(tool.get("strict")),
        },
    }


def _chat_tool_choice(choice: Any) -> Any:
    """A Responses `tool_choice` in Chat Completions form (built-in tools: `"auto"`)."""
    if choice in ("none", "required"):
        return choice
    if not isinstance(choice, dict):
        return "auto"
    if choice.get("type") in _CALLABLE:
        return {"type": choice["type"], choice["type"]: {"name": choice["name"]}}
    if choice.get("type") == "allowed_tools":
        refs = [
            {"type": ref["type"], ref["type"]: {"name": ref.get("name")}}
            for ref in choice.get("tools") or ()
            if ref.get("type") in _CALLABLE
        ]
        return {"type": "allowed_tools", "allowed_tools": {"mode": choice["mode"], "tools": refs}}
    return "auto"


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
    tools = [_chat_tool(t) for t in body.get("tools") or () if t.get("type") in _CALLABLE]
    if tools:
        view["tools"] = tools
        view["tool_choice"] = _chat_tool_choice(body.get("tool_choice"))
        if body.get("parallel_tool_calls") is False:
            view["parallel_tool_calls"] = False
    fmt = as_object(body.get("text")).get("format")
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
    reasoning_opts = as_object(body.get("reasoning"))
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
        if call_id in choice.custom_ids:
            output.append(
                {
                    "type": "custom_tool_call",
                    "id": f"ctc_emu{seq:06d}x{i}",
                    "call_id": call_id,
                    "name": name,
                    "input": arguments,
                }
            )
            continue
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
    text = as_object(body.get("text"))
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
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
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
        "tool_choice": body.get("tool_choice") or "auto",
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
