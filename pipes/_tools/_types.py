"""What tools take and how they are configured: input and schema types, error-handler types,
the injected-argument markers, and the helpers `BaseTool` and `StructuredTool` share."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeAlias, Union, get_args, get_origin

from pydantic import BaseModel

from pipes._core import RunnableConfig
from pipes._messages import ToolCall
from pipes._tools._errors import ToolException, ToolInputError

__all__ = [
    "ArgsSchema",
    "InjectedToolArg",
    "InjectedToolCallId",
    "ResponseFormat",
    "ToolErrorHandler",
    "ToolInput",
    "ValidationErrorHandler",
]

ToolInput: TypeAlias = str | dict[str, Any] | ToolCall
"""What a tool accepts: its arguments (a dict, or a string for one-argument tools) or a call."""
ArgsSchema: TypeAlias = type[BaseModel] | dict[str, Any]
ToolErrorHandler: TypeAlias = (
    bool
    | str
    | Callable[[ToolException], str]
    | type[Exception]
    | tuple[type[Exception], ...]
    | None
)
ValidationErrorHandler: TypeAlias = bool | str | Callable[[ToolInputError], str] | None
ResponseFormat: TypeAlias = Literal["content", "content_and_artifact"]


_SCHEMA_INPUTS = frozenset({"args_schema", "name", "func", "coroutine"})


class InjectedToolArg:
    """Marks an argument the caller supplies at run time, hidden from the model.

    `def f(query: str, user_id: Annotated[str, InjectedToolArg]) -> str: ...` — the
    model sees only `query`; `tool.invoke({"query": "x", "user_id": "u1"})` passes both.
    """


class InjectedToolCallId(InjectedToolArg):
    """Marks an argument that receives the id of the tool call being answered.

    `def f(x: int, call_id: Annotated[str, InjectedToolCallId]) -> ToolMessage: ...`
    """


def _is_injected(metadata: Any, kind: type[InjectedToolArg] = InjectedToolArg) -> bool:
    return (isinstance(metadata, type) and issubclass(metadata, kind)) or isinstance(metadata, kind)


def _unwrap_optional(hint: Any) -> Any:
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    if get_origin(hint) in (Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return hint


def _config_params(func: Callable[..., Any]) -> tuple[str, ...]:
    """Parameters annotated with `RunnableConfig`: pipes passes the run's config there."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # unresolvable hints are reported when the schema is built
        return ()
    return tuple(name for name, hint in hints.items() if _unwrap_optional(hint) is RunnableConfig)


def _stringify(content: Any) -> Any:
    """Tool output as message content: text and content-part lists as is, the rest as JSON.

    LangChain does the same: `{"temp": 21}` reaches the model as `{"temp": 21}`, not as
    Python's `{'temp': 21}`.
    """
    if isinstance(content, str):
        return content
    if type(content) is int:
        return str(content)  # what json.dumps gives, without its overhead
    # A list of content parts (images ...) stays a list; a list of plain strings does not, or
    # the model would read ["a", "b"] as the text "ab".
    if (
        isinstance(content, list)
        and content
        and all(isinstance(part, dict) and isinstance(part.get("type"), str) for part in content)
    ):
        return content
    if isinstance(content, BaseModel):
        return content.model_dump_json()
    try:
        return json.dumps(content, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(content)
