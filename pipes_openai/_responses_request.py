"""The Responses API request: when a call goes there, and its JSON body.

`uses_responses_api` decides per call as langchain-openai does (`use_responses_api=None`);
`build_responses_body` maps the model's parameters and the call's keywords (Chat Completions
spellings included: `max_tokens`, function tools, `tool_choice`, `response_format`) to a
`CreateResponse` body.

Example:
    ```python
    if uses_responses_api(llm, kwargs):
        body = build_responses_body(llm, messages, None, kwargs, stream=False)
    ```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from pipes_openai._errors import OpenAIConfigurationError
from pipes_openai._pipes import AIMessage, BaseMessage
from pipes_openai._request import add_call_keywords, pydantic_response_format
from pipes_openai._wire import is_o_series

if TYPE_CHECKING:
    from pipes_openai._base import BaseChatOpenAI

__all__ = ["build_responses_body", "is_builtin_tool", "output_version", "uses_responses_api"]

# Call keywords that exist only on the Responses API (langchain-openai's list).
_RESPONSES_ONLY = frozenset(
    {"context_management", "include", "previous_response_id", "reasoning", "text", "truncation"}
)
# Fields copied to the body when set.
_BODY_FIELDS = (
    "temperature",
    "top_p",
    "top_logprobs",
    "service_tier",
    "include",
    "store",
    "truncation",
    "prompt_cache_key",
    "prompt_cache_retention",
    "context_management",
)
# Fields with no Responses API form: set, they fail the call with a clear error rather than
# being dropped (`stop` is dropped, as langchain-openai does, and documented).
_CHAT_ONLY_FIELDS = ("n", "seed", "presence_penalty", "frequency_penalty", "logit_bias")
# Call keywords that steer pipes_openai (or belong to Chat Completions only) and never reach
# a Responses body.
_LOCAL_KWARGS = frozenset({"stream", "stream_usage", "stop", "strict"})


# Models served only by the Responses API (langchain-openai's list, plus OpenAI's o-series
# pro and deep-research models).
_RESPONSES_ONLY_MODEL = re.compile(
    r"^(gpt-5(\.\d+)?-pro|gpt-5\.6-sol|o1-pro|o3-pro|o3-deep-research|o4-mini-deep-research"
    r"|computer-use)|codex"
)


def is_builtin_tool(tool: Any) -> bool:
    """A built-in (server-side) tool dict such as `{"type": "web_search"}`."""
    return isinstance(tool, Mapping) and "type" in tool and tool["type"] != "function"


def uses_responses_api(llm: BaseChatOpenAI, kwargs: Mapping[str, Any]) -> bool:
    """Whether this call goes to the Responses API (see `use_responses_api`)."""
    forced = llm.use_responses_api
    if forced is not None:
        return forced
    values = llm.__dict__
    if (
        values["output_version"] == "responses/v1"
        or values["reasoning"] is not None
        or values["include"] is not None
        or values["truncation"] is not None
        or values["context_management"] is not None
        or values["use_previous_response_id"]
    ):
        return True
    model = str(kwargs.get("model") or values["model"]).rsplit("/", 1)[-1].lower()
    if _RESPONSES_ONLY_MODEL.search(model):
        return True
    if not kwargs and not llm.model_kwargs:
        return False  # the common case: a plain call
    for source in (kwargs, llm.model_kwargs):
        if _RESPONSES_ONLY.intersection(source):
            return True
        tools = source.get("tools")
        if tools and (
            any(is_builtin_tool(tool) for tool in tools)
            # gpt-6 takes tools on the Responses API only (as langchain-openai routes it).
            or model.startswith("gpt-6")
        ):
            return True
    return False


def output_version(llm: BaseChatOpenAI) -> str:
    return llm.output_version or "responses/v1"


def _since_last_response(messages: list[BaseMessage]) -> tuple[list[BaseMessage], str | None]:
    """The messages after the last Responses reply, and that reply's id."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, AIMessage):
            response_id = message.response_metadata.get("id") or message.id
            if isinstance(response_id, str) and response_id.startswith("resp_"):
                return messages[i + 1 :], response_id
    return messages, None


def _tool(tool: Any) -> Any:
    # Chat Completions' {"type": "function", "function": {...}} -> Responses' flat form.
    if isinstance(tool, Mapping) and tool.get("type") == "function" and "function" in tool:
        extra = {k: v for k, v in tool.items() if k not in ("type", "function")}
        flat = {"type": "function", **tool["function"], **extra}
        # Both keys are required (nullable) in the official schema; null leaves the choice to
        # the server, as langchain-openai's omission does.
        flat.setdefault("parameters", None)
        flat.setdefault("strict", None)
        return flat
    return tool


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and choice.get("type") == "function" and "function" in choice:
        return {"type": "function", **choice["function"]}
    return choice


def _text_format(response_format: Any) -> dict[str, Any] | None:
    """`response_format` (Chat Completions) as the Responses API's `text.format`."""
    if isinstance(response_format, type) and issubclass(response_format, BaseModel):
        response_format = pydantic_response_format(response_format)
    if not isinstance(response_format, Mapping):
        return None
    kind = response_format.get("type")
    if kind == "json_schema" and isinstance(response_format.get("json_schema"), Mapping):
        return {"type": "json_schema", **response_format["json_schema"]}
    return dict(response_format)  # {"type": "json_object"} / {"type": "text"} / flat form


def build_responses_body(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """The `CreateResponse` body of one call: fields, `model_kwargs`, keywords, `extra_body`.

    `stop` has no Responses form and is not sent (as in langchain-openai).
    """
    model = kwargs.get("model") or llm.model
    values = llm.__dict__
    for name in _CHAT_ONLY_FIELDS:
        if values[name] is not None and not (name == "n" and values[name] == 1):
            raise OpenAIConfigurationError(
                f"{type(llm).__name__}({name}={values[name]!r}) has no Responses API form, and "
                "this call goes to the Responses API. Unset it, or pass use_responses_api=False "
                "to use Chat Completions."
            )
    body: dict[str, Any] = {"model": model}
    if llm.logprobs:
        # The Responses API returns log-probabilities when asked through `include`.
        body["include"] = ["message.output_text.logprobs"]
    for name in _BODY_FIELDS:
        value = values[name]
        if value is not None:
            body[name] = value if name != "include" else [*body.get("include", ()), *value]
    if llm.max_tokens is not None:
        body["max_output_tokens"] = llm.max_tokens
    if llm.reasoning is not None:
        body["reasoning"] = dict(llm.reasoning)
    elif llm.reasoning_effort is not None:
        body["reasoning"] = {"effort": llm.reasoning_effort}
    if llm.verbosity is not None:
        body["text"] = {"verbosity": llm.verbosity}
    add_call_keywords(llm, body, kwargs, _LOCAL_KWARGS)
    for legacy in ("max_tokens", "max_completion_tokens"):
        if legacy in body:
            body["max_output_tokens"] = body.pop(legacy)
    effort = body.pop("reasoning_effort", None)
    if effort is not None and "reasoning" not in body:
        body["reasoning"] = {"effort": effort}
    if "verbosity" in body:
        body["text"] = {**(body.get("text") or {}), "verbosity": body.pop("verbosity")}
    if body.get("tools"):
        body["tools"] = [_tool(tool) for tool in body["tools"]]
    if "tool_choice" in body:
        body["tool_choice"] = _tool_choice(body["tool_choice"])
    response_format = body.pop("response_format", None)
    if response_format is not None:
        text_format = _text_format(response_format)
        if text_format is not None:
            body["text"] = {**(body.get("text") or {}), "format": text_format}
    to_send = messages
    if llm.use_previous_response_id and "previous_response_id" not in body:
        to_send, previous = _since_last_response(messages)
        if previous is not None:
            body["previous_response_id"] = previous
    from pipes_openai._responses_input import messages_to_input  # loaded on first use

    body["input"] = (
        messages_to_input(
            to_send,
            system_role="developer" if is_o_series(model) else "system",
            store=body.get("store"),
        )
        if to_send
        else []
    )
    if stream:
        body["stream"] = True
    else:
        body.pop("stream_options", None)  # streams only (`include_obfuscation`)
    if llm.extra_body:
        body.update(llm.extra_body)
    return body
