"""Which Responses API requests the emulator answers: `CreateResponse` bodies checked as
OpenAI checks them, with the API's 400 (`param`, `code`) for the rest."""

from __future__ import annotations

from typing import Any

from ._checks import array_too_long, missing, require_str, type_error
from ._checks import bad as _bad
from ._validate import REASONING_MODEL_RE
from ._validate_tools import (
    MAX_TOOLS,
    check_custom_format,
    check_strict_parameters,
    strict_schema_problem,
)

__all__ = ["as_object", "validate_responses_request"]


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
        "compaction_trigger",
        "tool_search_call",
        "tool_search_output",
        "additional_tools",
        "shell_call",
        "shell_call_output",
        "apply_patch_call",
        "apply_patch_call_output",
        "program",
        "program_output",
    }
)


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
        raise missing("model")
    items = body.get("input")
    if items is None and not body.get("previous_response_id") and not body.get("prompt"):
        raise missing("input")
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
    if tools and (too_long := array_too_long("tools", tools, MAX_TOOLS)):
        raise too_long
    names: set[tuple[str, str]] = set()  # (type, name) of the function and custom tools
    for i, tool in enumerate(tools or ()):
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise missing(f"tools[{i}].type")
        if tool["type"] in ("function", "custom"):
            if tool["type"] in tool:
                raise _bad(
                    f"Unknown parameter: 'tools[{i}].{tool['type']}'. The Responses API takes"
                    f" {tool['type']} tools flat: {{'type': '{tool['type']}', 'name': ...}}.",
                    param=f"tools[{i}].{tool['type']}",
                    code="unknown_parameter",
                )
            names.add((tool["type"], require_str(tool, "name", f"tools[{i}]")))
            if tool["type"] == "custom":
                check_custom_format(tool.get("format"), f"tools[{i}].format")
            elif tool.get("strict") is True:
                check_strict_parameters(
                    tool.get("parameters"), tool["name"], f"tools[{i}].parameters"
                )
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        named = [choice] if choice.get("type") in ("function", "custom") else []
        if choice.get("type") == "allowed_tools":
            named = [
                t for t in choice.get("tools") or () if t.get("type") in ("function", "custom")
            ]
        for ref in named:
            if ref["type"] in ref or (ref["type"], ref.get("name")) not in names:
                raise _bad(
                    f"Invalid value for 'tool_choice': {ref!r} names no {ref['type']} tool of"
                    " the request (the Responses API form is {'type': '" + ref["type"] + "',"
                    " 'name': ...}).",
                    param="tool_choice",
                )
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        raise type_error("max_output_tokens", "an integer", limit)
    if limit is not None and limit < 16:
        raise _bad(
            f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16,"
            f" but got {limit!r} instead.",
            param="max_output_tokens",
            code="integer_below_min_value",
        )
    fmt = as_object(body.get("text")).get("format")
    if (
        isinstance(fmt, dict)
        and fmt.get("type") == "json_schema"
        and (not isinstance(fmt.get("name"), str) or not isinstance(fmt.get("schema"), dict))
    ):
        raise _bad(
            "Missing required parameter: 'text.format.name' / 'text.format.schema'.",
            param="text.format",
        )
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and fmt.get("strict") is True:
        problem = strict_schema_problem(fmt["schema"])
        if problem:
            raise _bad(
                f"Invalid schema for response_format '{fmt['name']}': {problem}",
                param="text.format.schema",
            )
    effort = as_object(body.get("reasoning")).get("effort")
    if effort not in (None, "none") and not REASONING_MODEL_RE.match(model):
        raise _bad(
            f"Unsupported parameter: 'reasoning.effort' is not supported with the {model} model.",
            param="reasoning.effort",
            code="unsupported_parameter",
        )


def _check_item(item: Any, param: str) -> None:
    if not isinstance(item, dict):
        raise _bad(f"Invalid type for '{param}': expected an object.", param=param)
    kind = item.get("type") or ("message" if "role" in item else None)
    if kind is None and isinstance(item.get("id"), str):
        kind = "item_reference"  # an ItemReferenceParam may leave out its type
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


def as_object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (optional nested settings)."""
    return value if isinstance(value, dict) else {}
