"""`Runnable.as_tool`: any runnable as a tool a model can call."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, create_model

from pipes._schema._errors import SchemaConversionError
from pipes._tools._base import BaseTool
from pipes._tools._simple import Tool
from pipes._tools._structured_tool import StructuredTool

if TYPE_CHECKING:
    from pipes._core import Runnable

__all__ = ["runnable_as_tool"]


def runnable_as_tool(
    runnable: Runnable[Any, Any],
    args_schema: type[BaseModel] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    arg_types: dict[str, type[Any]] | None = None,
) -> BaseTool:
    """The tool behind [`Runnable.as_tool`][pipes.Runnable.as_tool] (LangChain's rules).

    A runnable taking a string becomes a `Tool`; one taking a dict becomes a `StructuredTool`
    whose arguments are the dict's keys, described by `args_schema`, by `arg_types`
    (`{"a": int}`), or by the runnable's own input schema.
    """
    name = name or runnable.get_name()
    schema = args_schema.model_json_schema() if args_schema else runnable.get_input_jsonschema()
    # LangChain's default description: the input schema itself.
    description = description or f"Takes {schema}."
    if schema.get("type") == "string":

        def invoke_text(text: str) -> Any:
            return runnable.invoke(text)

        async def ainvoke_text(text: str) -> Any:
            return await runnable.ainvoke(text)

        return Tool(name=name, func=invoke_text, coroutine=ainvoke_text, description=description)

    def invoke(**kwargs: Any) -> Any:
        return runnable.invoke(kwargs)

    async def ainvoke(**kwargs: Any) -> Any:
        return await runnable.ainvoke(kwargs)

    arguments: type[BaseModel] | dict[str, Any]
    if args_schema is not None:
        arguments = args_schema
    elif arg_types is not None:
        arguments = create_model(name, **{key: (kind, ...) for key, kind in arg_types.items()})  # type: ignore[call-overload]
    elif schema.get("type") == "object" and schema.get("properties"):
        arguments = schema
    else:
        raise SchemaConversionError(
            f"as_tool(): {runnable.get_name()!r} takes {json.dumps(schema)}, so its arguments "
            "are unknown. A tool's input must be a string or a dict with typed keys: annotate "
            "the input (e.g. with a TypedDict), or pass arg_types={'a': int, ...} or "
            "args_schema=SomeModel to .as_tool()"
        )
    return StructuredTool(
        name=name, description=description, args_schema=arguments, func=invoke, coroutine=ainvoke
    )
