"""Request validation with the real API's messages, params and codes."""

from __future__ import annotations

import re
from typing import Any

from ._limits import Limits
from ._wire import ApiError

__all__ = ["validate_request"]

# o1, o3, o4-mini, gpt-5...: reasoning models, with their own parameter rules.
REASONING_MODEL_RE = re.compile(r"^(?:ft:)?(?:o\d|gpt-5)(?!.*-chat)")
_ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_RESPONSE_FORMATS = ("text", "json_object", "json_schema")
_DEFAULT_LIMITS = Limits()


def _bad(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, type="invalid_request_error", param=param, code=code)


def _type_error(param: str, expected: str, value: Any) -> ApiError:
    return _bad(
        f"Invalid type for '{param}': expected {expected}, but got {_json_type(value)} instead.",
        param,
        "invalid_type",
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _check_number(
    body: dict[str, Any], key: str, lo: float, hi: float, *, integer: bool = False
) -> None:
    value = body.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error(key, "an integer" if integer else "a number", value)
    if integer and not isinstance(value, int):
        raise _type_error(key, "an integer", value)
    if value < lo:
        raise _bad(
            f"Invalid '{key}': value {value} is below the minimum of {lo:g}.",
            key,
            "integer_below_min_value" if integer else "decimal_below_min_value",
        )
    if value > hi:
        raise _bad(
            f"Invalid '{key}': value {value} is above the maximum of {hi:g}.",
            key,
            "integer_above_max_value" if integer else "decimal_above_max_value",
        )


def validate_request(
    body: Any,
    *,
    reject_null_content: bool,
    reject_stream_options: bool,
    limits: Limits | None = None,
) -> None:
    """Raise `ApiError` (400) for a request the real API (or `limits`) would refuse."""
    limits = limits or _DEFAULT_LIMITS
    if not isinstance(body, dict):
        raise _bad(
            "We could not parse the JSON body of your request: expected a JSON object."
            ' (HINT: send a JSON object such as {"model": ..., "messages": [...]}.)'
        )
    if "model" not in body or body["model"] in (None, ""):
        raise _bad(
            'You must provide a model parameter (e.g. "model": "gpt-4o-mini").',
            "model",
            "missing_required_parameter",
        )
    if not isinstance(body["model"], str):
        raise _type_error("model", "a string", body["model"])
    if "messages" not in body:
        raise _bad(
            "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
        )
    messages = body["messages"]
    if not isinstance(messages, list):
        raise _type_error("messages", "an array", messages)
    if not messages:
        raise _bad(
            "Invalid 'messages': empty array. Expected an array with minimum length 1,"
            " but got an empty array instead.",
            "messages",
            "empty_array",
        )
    _validate_messages(messages, reject_null_content)

    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _type_error("stream", "a boolean", stream)
    if body.get("stream_options") is not None:
        if reject_stream_options:
            # Old vLLM surfaced pydantic's error list; keep its shape inside the message.
            raise _bad(
                "Unrecognized request argument supplied: stream_options ([{'type':"
                " 'extra_forbidden', 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs are"
                " not permitted'}])",
                "stream_options",
            )
        if not stream:
            raise _bad(
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                "stream_options",
                "invalid_value",
            )
        if not isinstance(body["stream_options"], dict):
            raise _type_error("stream_options", "an object", body["stream_options"])

    _check_model_parameters(body)
    _check_number(body, "temperature", 0, 2)
    _check_number(body, "top_p", 0, 1)
    _check_number(body, "presence_penalty", -2, 2)
    _check_number(body, "frequency_penalty", -2, 2)
    _check_number(body, "n", 1, limits.max_n, integer=True)
    _check_number(body, "max_tokens", 1, limits.max_tokens, integer=True)
    _check_number(body, "max_completion_tokens", 1, limits.max_tokens, integer=True)
    _check_number(body, "top_logprobs", 0, limits.max_top_logprobs, integer=True)
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        raise _bad(
            "Invalid value for 'top_logprobs': 'logprobs' must be set to true when"
            " 'top_logprobs' is used.",
            "top_logprobs",
            "invalid_value",
        )
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _type_error("seed", "an integer", seed)
    stop = body.get("stop")
    if stop is not None:
        if isinstance(stop, list):
            if len(stop) > 4 or not all(isinstance(s, str) for s in stop):
                raise _bad(
                    "Invalid 'stop': expected a string or an array of at most 4 strings.",
                    "stop",
                    "invalid_value",
                )
        elif not isinstance(stop, str):
            raise _type_error("stop", "a string or an array of strings", stop)

    names = _validate_tools(body.get("tools"))
    _validate_tool_choice(body.get("tool_choice"), names)
    _validate_response_format(body.get("response_format"), messages)


def _unsupported_parameter(name: str) -> ApiError:
    return _bad(
        f"Unsupported parameter: '{name}' is not supported with this model."
        + (" Use 'max_completion_tokens' instead." if name == "max_tokens" else ""),
        name,
        "unsupported_parameter",
    )


def _check_model_parameters(body: dict[str, Any]) -> None:
    """Reasoning models refuse `max_tokens` and sampling knobs; others refuse reasoning ones."""
    if REASONING_MODEL_RE.match(body["model"]):
        if body.get("max_tokens") is not None:
            raise _unsupported_parameter("max_tokens")
        for key in ("temperature", "top_p"):
            value = body.get(key)
            if value is not None and value != 1:
                raise _bad(
                    f"Unsupported value: '{key}' does not support {value} with this model. Only"
                    " the default (1) value is supported.",
                    key,
                    "unsupported_value",
                )
    elif body.get("reasoning_effort") is not None:
        raise _unsupported_parameter("reasoning_effort")


def _validate_messages(messages: list[Any], reject_null_content: bool) -> None:
    pending_ids: dict[str, int] = {}  # tool_call_id -> index of the assistant message
    open_assistant: int | None = None
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise _type_error(f"messages[{i}]", "an object", msg)
        role = msg.get("role")
        if role is None:
            raise _bad(
                f"Missing required parameter: 'messages[{i}].role'.",
                f"messages[{i}].role",
                "missing_required_parameter",
            )
        if role not in _ROLES:
            supported = ", ".join(f"'{r}'" for r in _ROLES[:-1]) + f", and '{_ROLES[-1]}'"
            raise _bad(
                f"Invalid value: '{role}'. Supported values are: {supported}.",
                f"messages[{i}].role",
                "invalid_value",
            )
        if role != "tool" and pending_ids:
            missing = ", ".join(pending_ids)
            raise _bad(
                "An assistant message with 'tool_calls' must be followed by tool messages"
                " responding to each 'tool_call_id'. The following tool_call_ids did not have"
                f" response messages: {missing}",
                f"messages.[{open_assistant}].role",
            )
        content = msg.get("content")
        if role == "assistant":
            tool_calls = msg.get("tool_calls")
            if tool_calls:
                if not isinstance(tool_calls, list):
                    raise _type_error(f"messages[{i}].tool_calls", "an array", tool_calls)
                if reject_null_content and content is None:
                    # llama.cpp-style servers: content must be a string even beside tool calls.
                    raise _bad(
                        f"Invalid 'messages[{i}].content': expected a string, got null"
                        ' (this server rejects null content beside tool_calls; send "").',
                        f"messages[{i}].content",
                        "invalid_type",
                    )
                for j, call in enumerate(tool_calls):
                    if not isinstance(call, dict) or not isinstance(call.get("id"), str):
                        raise _bad(
                            f"Missing required parameter: 'messages[{i}].tool_calls[{j}].id'.",
                            f"messages[{i}].tool_calls[{j}].id",
                            "missing_required_parameter",
                        )
                    fn = call.get("function")
                    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                        raise _bad(
                            "Missing required parameter:"
                            f" 'messages[{i}].tool_calls[{j}].function.name'.",
                            f"messages[{i}].tool_calls[{j}].function.name",
                            "missing_required_parameter",
                        )
                    pending_ids[call["id"]] = i
                open_assistant = i
            elif content is None and msg.get("function_call") is None and not msg.get("refusal"):
                raise _bad(
                    f"Invalid value for 'messages[{i}].content': expected a string or an array"
                    " of content parts when the assistant message has no tool_calls.",
                    f"messages[{i}].content",
                    "invalid_value",
                )
        elif role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                raise _bad(
                    f"Missing required parameter: 'messages[{i}].tool_call_id'.",
                    f"messages[{i}].tool_call_id",
                    "missing_required_parameter",
                )
            if call_id not in pending_ids:
                raise _bad(
                    "Invalid parameter: messages with role 'tool' must be a response to a"
                    f" preceeding message with 'tool_calls' (no pending tool call has id"
                    f" {call_id!r}).",
                    f"messages.[{i}].role",
                )
            del pending_ids[call_id]
        else:
            if content is None and role != "function":
                raise _bad(
                    f"Missing required parameter: 'messages[{i}].content'.",
                    f"messages[{i}].content",
                    "missing_required_parameter",
                )
        if content is not None and not isinstance(content, str | list):
            raise _type_error(f"messages[{i}].content", "a string or an array", content)
        if isinstance(content, list):
            _validate_parts(content, f"messages[{i}].content")
    if pending_ids:
        missing = ", ".join(pending_ids)
        raise _bad(
            "An assistant message with 'tool_calls' must be followed by tool messages responding"
            " to each 'tool_call_id'. The following tool_call_ids did not have response"
            f" messages: {missing}",
            f"messages.[{open_assistant}].role",
        )


_PART_TYPES = ("text", "image_url", "input_audio", "refusal", "file")


def _supported(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def _require_str(part: dict[str, Any], key: str, param: str) -> str:
    value = part.get(key)
    if value is None:
        raise _bad(
            f"Missing required parameter: '{param}.{key}'.",
            f"{param}.{key}",
            "missing_required_parameter",
        )
    if not isinstance(value, str):
        raise _type_error(f"{param}.{key}", "a string", value)
    return value


def _validate_parts(parts: list[Any], param: str) -> None:
    """Content parts: text, images (http(s) or data URLs, `detail`), audio (wav/mp3), files."""
    for j, part in enumerate(parts):
        where = f"{param}[{j}]"
        if not isinstance(part, dict):
            raise _type_error(where, "an object", part)
        kind = part.get("type")
        if kind not in _PART_TYPES:
            raise _bad(
                f"Invalid value: '{kind}'. Supported values are: {_supported(_PART_TYPES)}.",
                f"{where}.type",
                "invalid_value",
            )
        if kind == "text":
            _require_str(part, "text", where)
        elif kind == "refusal":
            _require_str(part, "refusal", where)
        elif kind == "image_url":
            image = part.get("image_url")
            if not isinstance(image, dict):
                raise _bad(
                    f"Missing required parameter: '{where}.image_url'.",
                    f"{where}.image_url",
                    "missing_required_parameter",
                )
            url = _require_str(image, "url", f"{where}.image_url")
            if not url.startswith(("http://", "https://", "data:image/")):
                raise _bad(
                    f"Invalid '{where}.image_url.url'. Expected a valid URL (http(s) or a"
                    " base64 data:image/... URL), but got a value with an invalid format.",
                    f"{where}.image_url.url",
                    "invalid_value",
                )
            detail = image.get("detail")
            if detail is not None and detail not in ("auto", "low", "high"):
                raise _bad(
                    f"Invalid value: '{detail}'. Supported values are: 'auto', 'low', and 'high'.",
                    f"{where}.image_url.detail",
                    "invalid_value",
                )
        elif kind == "input_audio":
            audio = part.get("input_audio")
            if not isinstance(audio, dict):
                raise _bad(
                    f"Missing required parameter: '{where}.input_audio'.",
                    f"{where}.input_audio",
                    "missing_required_parameter",
                )
            _require_str(audio, "data", f"{where}.input_audio")
            fmt = _require_str(audio, "format", f"{where}.input_audio")
            if fmt not in ("wav", "mp3"):
                raise _bad(
                    f"Invalid value: '{fmt}'. Supported values are: 'wav' and 'mp3'.",
                    f"{where}.input_audio.format",
                    "invalid_value",
                )


def _validate_tools(tools: Any) -> list[str]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _type_error("tools", "an array", tools)
    names: list[str] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _type_error(f"tools[{i}]", "an object", tool)
        if tool.get("type") != "function":
            raise _bad(
                f"Invalid value: '{tool.get('type')}'. Supported values are: 'function'.",
                f"tools[{i}].type",
                "invalid_value",
            )
        fn = tool.get("function")
        if not isinstance(fn, dict) or "name" not in fn:
            raise _bad(
                f"Missing required parameter: 'tools[{i}].function.name'.",
                f"tools[{i}].function.name",
                "missing_required_parameter",
            )
        name = fn["name"]
        if not isinstance(name, str) or not _TOOL_NAME_RE.match(name):
            raise _bad(
                f"Invalid 'tools[{i}].function.name': string does not match pattern. Expected a"
                " string that matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).",
                f"tools[{i}].function.name",
                "invalid_value",
            )
        params = fn.get("parameters")
        if params is not None and not isinstance(params, dict):
            raise _type_error(f"tools[{i}].function.parameters", "an object", params)
        if fn.get("strict") is True:
            problem = _strict_problem(params or {"type": "object", "properties": {}})
            if problem:
                raise _bad(
                    f"Invalid schema for function '{name}': {problem}",
                    f"tools[{i}].function.parameters",
                    "invalid_function_parameters",
                )
        names.append(name)
    return names


def _validate_tool_choice(choice: Any, names: list[str]) -> None:
    if choice is None:
        return
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise _bad(
                f"Invalid value: '{choice}'. Supported values are: 'none', 'auto', and 'required'.",
                "tool_choice",
                "invalid_value",
            )
        if choice == "required" and not names:
            raise _bad(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools'"
                " are specified.",
                "tool_choice",
            )
        return
    if not isinstance(choice, dict):
        raise _type_error("tool_choice", "a string or an object", choice)
    fn = choice.get("function")
    name = fn.get("name") if isinstance(fn, dict) else None
    if choice.get("type") != "function" or not isinstance(name, str):
        raise _bad(
            'Invalid \'tool_choice\': expected {"type": "function", "function": {"name": ...}}.',
            "tool_choice",
            "invalid_value",
        )
    if name not in names:
        raise _bad(
            f"Invalid value for 'tool_choice': function {name!r} was named but is not in"
            f" 'tools' ({', '.join(names) or 'no tools were sent'}).",
            "tool_choice",
        )


def _validate_response_format(fmt: Any, messages: list[Any]) -> None:
    if fmt is None:
        return
    if not isinstance(fmt, dict):
        raise _type_error("response_format", "an object", fmt)
    kind = fmt.get("type")
    if kind not in _RESPONSE_FORMATS:
        raise _bad(
            f"Invalid value: '{kind}'. Supported values are: 'text', 'json_object', and"
            " 'json_schema'.",
            "response_format.type",
            "invalid_value",
        )
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise _bad(
                "Missing required parameter: 'response_format.json_schema.name'.",
                "response_format.json_schema.name",
                "missing_required_parameter",
            )
        schema = spec.get("schema")
        if schema is not None and not isinstance(schema, dict):
            raise _type_error("response_format.json_schema.schema", "an object", schema)
        if spec.get("strict") is True and isinstance(schema, dict):
            prefix = f"Invalid schema for response_format '{spec['name']}': "
            if schema.get("type") != "object":
                raise _bad(
                    prefix + "schema must be a JSON Schema of 'type: \"object\"', got"
                    f" 'type: \"{schema.get('type')}\"'.",
                    "response_format",
                )
            problem = _strict_problem(schema)
            if problem:
                raise _bad(prefix + problem, "response_format")
    elif kind == "json_object":
        # The real API insists that the prompt asks for JSON in JSON mode.
        from ._wire import message_text

        if not any(
            "json" in message_text(m.get("content")).lower()
            for m in messages
            if isinstance(m, dict)
        ):
            raise _bad(
                "'messages' must contain the word 'json' in some form, to use 'response_format'"
                " of type 'json_object'.",
                "messages",
            )


def _strict_problem(node: Any, path: tuple[str, ...] = ()) -> str | None:
    """Why `node` breaks OpenAI's strict-mode schema rules, in the API's words (or None).

    Strict mode wants every object to set `additionalProperties: false` and to list every
    property in `required`; the walk covers properties, items, anyOf and $defs.
    """
    if isinstance(node, list):
        for i, item in enumerate(node):
            problem = _strict_problem(item, (*path, str(i)))
            if problem:
                return problem
        return None
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if is_object or "properties" in node:
        if node.get("additionalProperties") is not False:
            return (
                f"In context={path!r}, 'additionalProperties' is required to be supplied and to"
                " be false."
            )
        props = node.get("properties") or {}
        required = node.get("required") or []
        missing = [key for key in props if key not in required]
        if missing:
            return (
                f"In context={path!r}, 'required' is required to be supplied and to be an array"
                f" including every key in properties. Missing '{missing[0]}'."
            )
        for key, sub in props.items():
            problem = _strict_problem(sub, (*path, "properties", key))
            if problem:
                return problem
    for key in ("items", "anyOf", "prefixItems"):
        if key in node:
            problem = _strict_problem(node[key], (*path, key))
            if problem:
                return problem
    for key in ("$defs", "definitions"):
        defs = node.get(key)
        if isinstance(defs, dict):
            for name, sub in defs.items():
                problem = _strict_problem(sub, (*path, key, name))
                if problem:
                    return problem
    return None
