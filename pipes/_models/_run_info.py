"""What a chat model's run tells listeners: its messages, invocation params, LangChain's `ls_*`
metadata at the start; the [`LLMResult`][pipes.LLMResult] at the end.

Only computed for runs somebody listens to (the tracing layer calls the model's
`_trace_start` / `_trace_end` hooks for traced runs only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from pipes._core._credentials import is_credential_name
from pipes._messages import AIMessage

from ._input import convert_input
from ._outputs import generation_chunk, llm_result

if TYPE_CHECKING:
    from pipes._core import Run

__all__: list[str] = []


class _Model(Protocol):
    """What a run description needs of its chat model (`BaseChatModel` implements it)."""

    @property
    def provider_name(self) -> str: ...

    def get_name(self) -> str: ...


# Fields that are plumbing, not parameters of the request.
_NOT_PARAMS = frozenset({"cache", "rate_limiter", "name", "disable_streaming"})
_PLAIN = (str, int, float, bool)


def invocation_params(
    model: _Model, stop: list[str] | None, kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """LangChain's `invocation_params`: the model's set parameters (plain values only, never
    credentials), `_type`, `stop` and the call's keyword arguments."""
    params: dict[str, Any] = {}
    values = model.__dict__
    fields = type(model).model_fields if isinstance(model, BaseModel) else values
    for name in fields:
        if name in _NOT_PARAMS or is_credential_name(name):
            continue
        value = values.get(name)
        if isinstance(value, _PLAIN) or (
            isinstance(value, list | tuple) and all(isinstance(v, _PLAIN) for v in value)
        ):
            params[name] = value
    if "model" in params and "model_name" not in params:
        params["model_name"] = params["model"]
    params["_type"] = f"{model.provider_name}-chat"
    params["stop"] = stop
    params.update(kwargs)
    return params


def ls_params(model: _Model, params: Mapping[str, Any]) -> dict[str, Any]:
    """LangChain's `ls_*` run metadata (tracing back ends group runs by them)."""
    found: dict[str, Any] = {"ls_provider": model.provider_name, "ls_model_type": "chat"}
    name = params.get("model") or params.get("model_name")
    if name:
        found["ls_model_name"] = name
    for key, ls_key in (("temperature", "ls_temperature"), ("max_tokens", "ls_max_tokens")):
        if params.get(key) is not None:
            found[ls_key] = params[key]
    if params.get("stop"):
        found["ls_stop"] = params["stop"]
    return found


def trace_start(model: _Model, run: Run, input: Any, kwargs: dict[str, Any]) -> None:
    """Describe a starting chat-model run the way LangChain does."""
    try:
        messages = convert_input(input, model)
    except Exception:  # the call itself raises the proper error right after
        return
    stop = kwargs.get("stop")
    rest = {key: value for key, value in kwargs.items() if key != "stop"}
    params = invocation_params(model, stop, rest)
    run.inputs = {"messages": [messages]}
    run.extra["invocation_params"] = params
    run.extra["options"] = {"stop": stop}
    run.extra["generation_chunk"] = generation_chunk
    run.metadata.update(ls_params(model, params))


def trace_end(run: Run) -> None:
    """Add the `LLMResult` of a finished chat-model run."""
    output = run.outputs
    if isinstance(output, AIMessage):
        run.extra["llm_result"] = llm_result(output)
