"""Request validation with the real API's messages, params and codes."""

from __future__ import annotations

import re
from typing import Any

from ._checks import bad as _bad
from ._checks import choose, missing, require_object, require_str, unsupported_value
from ._checks import type_error as _type_error
from ._limits import Limits
from ._validate_tools import validate_tooling
from ._wire import ApiError

__all__ = ["validate_request"]

# o1, o3, o4-mini, gpt-5...: reasoning models, with their own parameter rules.
REASONING_MODEL_RE = re.compile(r"^(?:ft:)?(?:o\d|gpt-5)(?!.*-chat)")
_ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_AUDIO_FORMATS = ("wav", "aac", "mp3", "flac", "opus", "pcm16")
_DEFAULT_LIMITS = Limits()


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
        raise missing("messages")
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

    validate_tooling(body)
    _validate_audio_output(body)


def _validate_audio_output(body: dict[str, Any]) -> None:
    """`modalities` and `audio`: audio output needs a voice and a format."""
    modalities = body.get("modalities")
    if modalities is None:
        return
    if not isinstance(modalities, list):
        raise _type_error("modalities", "an array", modalities)
    for i, modality in enumerate(modalities):
        choose(modality, ("text", "audio"), f"modalities[{i}]")
    if "audio" in modalities:
        audio = require_object(body, "audio", "")
        voice = audio.get("voice")
        if voice is None:
            raise missing("audio.voice")
        if isinstance(voice, dict):
            require_str(voice, "id", "audio.voice")
        elif not isinstance(voice, str):
            raise _type_error("audio.voice", "a string or an object", voice)
        fmt = choose(audio.get("format"), _AUDIO_FORMATS, "audio.format")
        if body.get("stream") and fmt != "pcm16":
            raise unsupported_value(
                "audio.format",
                f"does not support '{fmt}' when stream=true. Supported values are: 'pcm16'.",
            )


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


def _unanswered(pending: dict[str, int]) -> ApiError:
    return _bad(
        "An assistant message with 'tool_calls' must be followed by tool messages responding"
        " to each 'tool_call_id'. The following tool_call_ids did not have response"
        f" messages: {', '.join(pending)}",
        f"messages.[{next(iter(pending.values()))}].role",
    )


def _validate_messages(messages: list[Any], reject_null_content: bool) -> None:
    pending: dict[str, int] = {}  # tool_call_id -> index of the assistant message
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise _type_error(f"messages[{i}]", "an object", msg)
        if msg.get("role") is None:
            raise missing(f"messages[{i}].role")
        role = choose(msg["role"], _ROLES, f"messages[{i}].role")
        if role != "tool" and pending:
            raise _unanswered(pending)
        content = msg.get("content")
        if role == "assistant":
            _validate_assistant(msg, i, pending, reject_null_content)
        elif role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                raise missing(f"messages[{i}].tool_call_id")
            if pending.pop(call_id, None) is None:
                raise _bad(
                    "Invalid parameter: messages with role 'tool' must be a response to a"
                    f" preceeding message with 'tool_calls' (no pending tool call has id"
                    f" {call_id!r}).",
                    f"messages.[{i}].role",
                )
        elif content is None and role != "function":
            raise missing(f"messages[{i}].content")
        if content is not None and not isinstance(content, str | list):
            raise _type_error(f"messages[{i}].content", "a string or an array", content)
        if isinstance(content, list):
            _validate_parts(content, f"messages[{i}].content")
    if pending:
        raise _unanswered(pending)


def _validate_assistant(
    msg: dict[str, Any], i: int, pending: dict[str, int], reject_null_content: bool
) -> None:
    """An assistant turn: its tool calls (function or custom) become pending, and it says
    something (content, tool calls, a legacy function call, a refusal or an audio reply)."""
    content = msg.get("content")
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
            where = f"messages[{i}].tool_calls[{j}]"
            if not isinstance(call, dict) or not isinstance(call.get("id"), str):
                raise missing(f"{where}.id")
            kind = choose(call.get("type", "function"), ("function", "custom"), f"{where}.type")
            spec = call.get(kind)
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise missing(f"{where}.{kind}.name")
            pending[call["id"]] = i
    elif content is None and not any(msg.get(k) for k in ("function_call", "refusal", "audio")):
        # The API's words for an assistant turn that says nothing (code null).
        raise _bad(
            "Invalid value for 'content': expected a string, got null.",
            f"messages.[{i}].content",
        )


_PART_TYPES = ("text", "image_url", "input_audio", "refusal", "file")


def _validate_parts(parts: list[Any], param: str) -> None:
    """Content parts: text, images (http(s) or data URLs, `detail`), audio (wav/mp3), files."""
    for j, part in enumerate(parts):
        where = f"{param}[{j}]"
        if not isinstance(part, dict):
            raise _type_error(where, "an object", part)
        kind = choose(part.get("type"), _PART_TYPES, f"{where}.type")
        if kind in ("text", "refusal"):
            require_str(part, kind, where)
        elif kind == "image_url":
            image = require_object(part, "image_url", where)
            url = require_str(image, "url", f"{where}.image_url")
            if not url.startswith(("http://", "https://", "data:image/")):
                raise _bad(
                    f"Invalid '{where}.image_url.url'. Expected a valid URL (http(s) or a"
                    " base64 data:image/... URL), but got a value with an invalid format.",
                    f"{where}.image_url.url",
                    "invalid_value",
                )
            if image.get("detail") is not None:
                choose(image["detail"], ("auto", "low", "high"), f"{where}.image_url.detail")
        elif kind == "input_audio":
            audio = require_object(part, "input_audio", where)
            require_str(audio, "data", f"{where}.input_audio")
            fmt = require_str(audio, "format", f"{where}.input_audio")
            choose(fmt, ("wav", "mp3"), f"{where}.input_audio.format")
