"""The `@tool` decorator and its overloads (every form LangChain's `@tool` accepts)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, overload

from pipes._tools._base import BaseTool
from pipes._tools._structured_tool import StructuredTool
from pipes._tools._types import ArgsSchema, ResponseFormat, ToolErrorHandler, ValidationErrorHandler

__all__ = ["tool"]


@overload
def tool(
    name_or_callable: Callable[..., Any],
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    handle_tool_error: ToolErrorHandler = False,
    handle_validation_error: ValidationErrorHandler = False,
) -> StructuredTool: ...
@overload
def tool(
    name_or_callable: str,
    runnable: Callable[..., Any],
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    handle_tool_error: ToolErrorHandler = False,
    handle_validation_error: ValidationErrorHandler = False,
) -> StructuredTool: ...
@overload
def tool(
    name_or_callable: str | None = None,
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    handle_tool_error: ToolErrorHandler = False,
    handle_validation_error: ValidationErrorHandler = False,
) -> Callable[[Callable[..., Any]], StructuredTool]: ...
def tool(
    name_or_callable: str | Callable[..., Any] | None = None,
    runnable: Callable[..., Any] | None = None,
    /,
    *,
    description: str | None = None,
    return_direct: bool = False,
    args_schema: ArgsSchema | None = None,
    infer_schema: bool = True,
    response_format: ResponseFormat = "content",
    parse_docstring: bool = False,
    error_on_invalid_docstring: bool = True,
    handle_tool_error: ToolErrorHandler = False,
    handle_validation_error: ValidationErrorHandler = False,
) -> StructuredTool | Callable[[Callable[..., Any]], StructuredTool]:
    """Make a tool from a function (sync or `async def`), LangChain's `@tool`.

    Forms: `@tool`, `@tool("name")`, `@tool(parse_docstring=True)`,
    `@tool("name", return_direct=True)`, `tool(func)`, `tool("name", func)`.
    See [`StructuredTool.from_function`][pipes.StructuredTool.from_function] for the options.

    Example:
        ```python
        @tool(parse_docstring=True)
        def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
            '''Get the current weather.

            Args:
                city: The city, e.g. "Paris".
                unit: Temperature unit.
            '''
            return f"22°{unit} in {city}"

        get_weather.invoke({"city": "Paris"})  # '22°C in Paris'
        ```
    """

    def make(func: Callable[..., Any], name: str | None) -> StructuredTool:
        if isinstance(func, BaseTool):
            raise TypeError(f"{func!r} is already a tool")
        if not callable(func):
            raise TypeError(f"@tool decorates functions, got {func!r}")
        is_async = inspect.iscoroutinefunction(func)
        return StructuredTool.from_function(
            func=None if is_async else func,
            coroutine=func if is_async else None,
            name=name,
            description=description,
            return_direct=return_direct,
            args_schema=args_schema,
            infer_schema=infer_schema,
            response_format=response_format,
            parse_docstring=parse_docstring,
            error_on_invalid_docstring=error_on_invalid_docstring,
            handle_tool_error=handle_tool_error,
            handle_validation_error=handle_validation_error,
        )

    if isinstance(name_or_callable, str):
        tool_name = name_or_callable
        if runnable is not None:
            return make(runnable, tool_name)
        return lambda func: make(func, tool_name)
    if name_or_callable is not None:
        return make(name_or_callable, None)
    return lambda func: make(func, None)
