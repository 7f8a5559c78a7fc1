"""The Chat Completions request body: messages on the wire, parameters, call keywords.

`build_body` turns a model's parameters and one call (messages, `stop`, keywords from
`bind`/`invoke`) into the JSON body; `ENCODER` writes it compactly.

Example:
    ```python
    body = build_body(llm, [HumanMessage("hi")], None, {"temperature": 0}, stream=False)
    ENCODER.encode(body).encode()  # the bytes to POST
    ```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from pipes_openai._pipes import BaseMessage
from pipes_openai._wire import is_o_series, is_reasoning_model, messages_to_wire

if TYPE_CHECKING:
    from pipes_openai._base import BaseChatOpenAI

__all__ = [
    "ENCODER",
    "add_call_keywords",
    "build_body",
    "json_schema_format",
    "pydantic_response_format",
]

# One encoder for the process: json.dumps() with options builds a new encoder per call.
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# Parameters copied from fields to the request body when set (None means "server default").
_BODY_FIELDS = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "n",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "reasoning_effort",
    "service_tier",
)
# Call keywords that steer pipes_openai and never reach the request body.
_LOCAL_KWARGS = frozenset({"stream", "stream_usage"})


def _max_tokens_key(llm: BaseChatOpenAI, model: str) -> str:
    if llm.max_tokens_param is not None:
        return llm.max_tokens_param
    if is_reasoning_model(model) or llm._targets_openai():
        return "max_completion_tokens"
    return "max_tokens"


def build_body(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """The JSON body of one call: fields, `model_kwargs`, the call's keywords, `extra_body`."""
    model = kwargs.get("model") or llm.model
    body: dict[str, Any] = {
        "model": model,
        "messages": messages_to_wire(
            messages,
            system_role="developer" if is_o_series(model) else "system",
            null_content=llm.null_tool_call_content,
            reasoning=llm.reasoning_in_history,
        ),
    }
    values = llm.__dict__
    for name in _BODY_FIELDS:
        value = values[name]
        if value is not None:
            body[name] = value
    if llm.max_tokens is not None:
        body[_max_tokens_key(llm, model)] = llm.max_tokens
    stop_value = stop if stop is not None else llm.stop
    if stop_value:
        body["stop"] = stop_value
    add_call_keywords(llm, body, kwargs, _LOCAL_KWARGS)
    if "max_tokens" in body and llm.max_tokens_param != "max_tokens":
        # A call's max_tokens= goes under the name the target expects too.
        key = _max_tokens_key(llm, model)
        if key != "max_tokens":
            body[key] = body.pop("max_tokens")
    response_format = body.get("response_format")
    if isinstance(response_format, type) and issubclass(response_format, BaseModel):
        body["response_format"] = pydantic_response_format(response_format)
    if stream:
        body["stream"] = True
        if kwargs.get("stream_usage", llm.stream_usage) and llm._stream_options_ok:
            body["stream_options"] = {"include_usage": True}
    else:
        body.pop("stream", None)
        body.pop("stream_options", None)
    if llm.extra_body:
        body.update(llm.extra_body)
    return body


def add_call_keywords(
    llm: BaseChatOpenAI, body: dict[str, Any], kwargs: Mapping[str, Any], local: frozenset[str]
) -> None:
    """`model_kwargs`, then the call's keywords (those set, but not the `local` ones that
    steer pipes_openai), over `body`: what a call passes wins over the model's fields."""
    if llm.model_kwargs:
        body.update(llm.model_kwargs)
    for key, value in kwargs.items():
        if value is not None and key not in local:
            body[key] = value


def pydantic_response_format(model: type[BaseModel]) -> dict[str, Any]:
    from pipes import convert_to_openai_tool

    return json_schema_format(convert_to_openai_tool(model, strict=True), strict=True)


def json_schema_format(tool: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    """The `response_format` asking for JSON that fits `tool`'s parameters (an OpenAI tool,
    as `convert_to_openai_tool` makes it), under its name and description."""
    function = tool["function"]
    json_schema: dict[str, Any] = {
        "name": function["name"],
        "schema": function.get("parameters", {}),
        "strict": strict,
    }
    if function.get("description"):
        json_schema["description"] = function["description"]
    return {"type": "json_schema", "json_schema": json_schema}
