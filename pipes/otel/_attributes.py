"""Runs as OpenTelemetry GenAI semantic-convention attributes (pure: no OpenTelemetry import).

Names follow the GenAI semantic conventions as published on opentelemetry.io (semconv
v1.41, the `gen_ai.*` registry and "Semantic conventions for generative client AI spans"):
request attributes from a chat model's invocation params, response and usage attributes from
its final `AIMessage`, tool attributes, and, only when content capture is on, the messages
as the JSON `gen_ai.input.messages` / `gen_ai.output.messages` /
`gen_ai.system_instructions`. Only whitelisted params are read, so a credential in an
invocation-params dict can never become an attribute.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CAPTURE_CONTENT_ENV",
    "AttributeValue",
    "capture_content_enabled",
    "error_type",
    "input_message_attributes",
    "output_message_attributes",
    "provider_name",
    "request_attributes",
    "request_model",
    "response_attributes",
    "tool_attributes",
    "usage_attributes",
]

# What OpenTelemetry accepts as an attribute value (opentelemetry.util.types.AttributeValue).
AttributeValue = str | bool | int | float | Sequence[str] | Sequence[int] | Sequence[float]
Attributes = dict[str, AttributeValue]

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

# pipes' `provider_name` -> the semconv's well-known `gen_ai.provider.name` values.
_PROVIDERS = {
    "azure_openai": "azure.ai.openai",
    "azure": "azure.ai.openai",
    "bedrock": "aws.bedrock",
    "google_genai": "gcp.gemini",
    "vertexai": "gcp.vertex_ai",
    "mistralai": "mistral_ai",
}

# invocation-param key -> attribute, in the order they are looked up (first one set wins).
_REQUEST: tuple[tuple[tuple[str, ...], str], ...] = (
    (("temperature", "ls_temperature"), "gen_ai.request.temperature"),
    (("max_tokens", "max_completion_tokens", "ls_max_tokens"), "gen_ai.request.max_tokens"),
    (("top_p",), "gen_ai.request.top_p"),
    (("top_k",), "gen_ai.request.top_k"),
    (("seed",), "gen_ai.request.seed"),
    (("frequency_penalty",), "gen_ai.request.frequency_penalty"),
    (("presence_penalty",), "gen_ai.request.presence_penalty"),
)
_MODEL_KEYS = ("model", "model_name", "ls_model_name", "deployment_name", "azure_deployment")


def capture_content_enabled(capture_content: bool = False) -> bool:
    """Whether message content goes on spans: with `capture_content=True`, or when the
    `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` environment variable is `true` (an
    operator can turn capture on without a code change)."""
    if capture_content:
        return True
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() == "true"


def provider_name(provider: str | None) -> str | None:
    """`gen_ai.provider.name` for a pipes `provider_name` (`"openai"`, `"azure_openai"` ...)."""
    if not provider:
        return None
    return _PROVIDERS.get(provider, provider)


def _number(value: Any) -> int | float | None:
    kind = type(value)
    if kind is int or kind is float:  # the common case, without isinstance's cost
        return value  # type: ignore[no-any-return]
    if value is None or kind is bool or not isinstance(value, int | float):
        return None
    return value


def request_model(params: Mapping[str, Any]) -> str | None:
    """The requested model named by invocation params (`model`, `model_name`, ...)."""
    for key in _MODEL_KEYS:
        value = params.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def request_attributes(
    params: Mapping[str, Any], *, provider: str | None = None, operation: str = "chat"
) -> Attributes:
    """Request attributes of a chat call from its invocation params (LangChain's
    `invocation_params`, `ls_*` metadata keys accepted too); unset params are left out.

    Example:
        ```python
        request_attributes({"model": "gpt-4o", "temperature": 0.2}, provider="openai")
        # {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        #  "gen_ai.request.model": "gpt-4o", "gen_ai.request.temperature": 0.2}
        ```
    """
    attributes: Attributes = {"gen_ai.operation.name": operation}
    system = provider_name(provider or params.get("ls_provider"))
    if system:
        attributes["gen_ai.provider.name"] = system
    model = request_model(params)
    if model:
        attributes["gen_ai.request.model"] = model
    get = params.get
    for keys, name in _REQUEST:
        for key in keys:
            value = get(key)
            if value is not None and (value := _number(value)) is not None:
                attributes[name] = value
                break
    n = _number(params.get("n"))
    if n is not None and n != 1:
        attributes["gen_ai.request.choice.count"] = int(n)
    stop = params.get("stop", params.get("ls_stop"))
    if isinstance(stop, str):
        stop = [stop]
    if stop and isinstance(stop, list | tuple) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = list(stop)
    return attributes


def usage_attributes(usage: Mapping[str, Any] | None) -> Attributes:
    """`gen_ai.usage.*` from a [`UsageMetadata`][pipes.UsageMetadata] (details when non-zero)."""
    if not usage:
        return {}
    attributes: Attributes = {}
    for key, name in (
        ("input_tokens", "gen_ai.usage.input_tokens"),
        ("output_tokens", "gen_ai.usage.output_tokens"),
    ):
        value = _number(usage.get(key))
        if value is not None:
            attributes[name] = int(value)
    details: Mapping[str, Any] = usage.get("input_token_details") or {}
    for key, name in (
        ("cache_read", "gen_ai.usage.cache_read.input_tokens"),
        ("cache_creation", "gen_ai.usage.cache_creation.input_tokens"),
    ):
        value = _number(details.get(key))
        if value:
            attributes[name] = int(value)
    reasoning = _number((usage.get("output_token_details") or {}).get("reasoning"))
    if reasoning:
        attributes["gen_ai.usage.reasoning.output_tokens"] = int(reasoning)
    return attributes


def _finish_reasons(metadata: Mapping[str, Any]) -> list[str]:
    reason = metadata.get("finish_reason", metadata.get("stop_reason"))
    if isinstance(reason, str) and reason:
        return [reason]
    reasons = metadata.get("finish_reasons")
    if isinstance(reasons, Sequence) and not isinstance(reasons, str):
        return [r for r in reasons if isinstance(r, str)]
    return []


def response_attributes(message: Any) -> Attributes:
    """Response attributes of a chat call from its final `AIMessage`: id, model, finish
    reasons and token usage (whatever the provider reported)."""
    attributes: Attributes = {}
    metadata: Mapping[str, Any] = getattr(message, "response_metadata", None) or {}
    response_id = metadata.get("id") or getattr(message, "id", None)
    if isinstance(response_id, str) and response_id:
        attributes["gen_ai.response.id"] = response_id
    model = metadata.get("model_name", metadata.get("model"))
    if isinstance(model, str) and model:
        attributes["gen_ai.response.model"] = model
    reasons = _finish_reasons(metadata)
    if reasons:
        attributes["gen_ai.response.finish_reasons"] = reasons
    attributes.update(usage_attributes(getattr(message, "usage_metadata", None)))
    return attributes


def tool_attributes(
    name: str, *, call_id: str | None = None, description: str | None = None
) -> Attributes:
    """Attributes of an `execute_tool {name}` span."""
    attributes: Attributes = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.type": "function",
    }
    if call_id:
        attributes["gen_ai.tool.call.id"] = call_id
    if description:
        attributes["gen_ai.tool.description"] = description
    return attributes


def error_type(error: BaseException) -> str:
    """`error.type`: the exception's qualified class name (`pipes_openai.RateLimitError`)."""
    cls = type(error)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    # Report the public module of pipes' own exceptions, not their private home.
    public = module.split("._", 1)[0]
    return f"{public}.{cls.__qualname__}"


# -- content (only when capture is on) ------------------------------------------------------

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _json(value: Any) -> str:
    # default=str: content may hold objects JSON cannot encode; a span must still get text.
    return json.dumps(value, ensure_ascii=False, default=str)


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts: list[dict[str, Any]] = []
    for item in content or ():
        if isinstance(item, str):
            parts.append({"type": "text", "content": item})
        elif isinstance(item, Mapping):
            kind = item.get("type")
            if kind == "text":
                parts.append({"type": "text", "content": item.get("text", "")})
            elif kind == "image_url":
                url = item.get("image_url")
                url = url.get("url") if isinstance(url, Mapping) else url
                parts.append(_uri_part("image", url))
            elif kind in ("image", "audio", "file"):
                parts.append(_uri_part(str(kind), item.get("url") or item.get("source")))
            else:  # a provider's own part: kept whole, as the semconv's generic part
                parts.append({"type": str(kind), **{k: v for k, v in item.items() if k != "type"}})
    return parts


def _uri_part(modality: str, url: Any) -> dict[str, Any]:
    if isinstance(url, str) and not url.startswith("data:"):
        return {"type": "uri", "modality": modality, "uri": url}
    # Inline data (base64) would bloat every span and exporter batch: name it, do not copy it.
    return {"type": "blob", "modality": modality}


def _message(message: Any) -> dict[str, Any]:
    kind = getattr(message, "type", "")
    role = getattr(message, "role", None) if kind == "chat" else _ROLES.get(kind, kind)
    parts = _parts(getattr(message, "content", ""))
    for call in getattr(message, "tool_calls", None) or ():
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": call.get("name"),
                "arguments": call.get("args"),
            }
        )
    if kind == "tool":
        parts = [
            {
                "type": "tool_call_response",
                "id": getattr(message, "tool_call_id", None),
                "response": getattr(message, "content", ""),
            }
        ]
    return {"role": role, "parts": parts}


def input_message_attributes(messages: Sequence[Any]) -> Attributes:
    """`gen_ai.system_instructions` and `gen_ai.input.messages` (JSON) of a chat call."""
    system: list[dict[str, Any]] = []
    chat: list[dict[str, Any]] = []
    for message in messages:
        if getattr(message, "type", "") == "system":
            system.extend(_parts(getattr(message, "content", "")))
        else:
            chat.append(_message(message))
    attributes: Attributes = {"gen_ai.input.messages": _json(chat)}
    if system:
        attributes["gen_ai.system_instructions"] = _json(system)
    return attributes


def output_message_attributes(message: Any) -> Attributes:
    """`gen_ai.output.messages` (JSON) of a chat call's final message."""
    out = _message(message)
    reasons = _finish_reasons(getattr(message, "response_metadata", None) or {})
    out["finish_reason"] = reasons[0] if reasons else "stop"
    return {"gen_ai.output.messages": _json([out])}
