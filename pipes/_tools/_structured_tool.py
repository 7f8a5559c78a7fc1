"""`StructuredTool`: a tool made from a function, a coroutine function or both."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pipes._core import run_in_thread
from pipes._errors import NotImplementedInvokeError
from pipes._schema._docstring import without_args_section
from pipes._schema._function_schema import args_model_from_function, callable_name
from pipes._tools._base import BaseTool, check_functions
from pipes._tools._types import (
    ArgsSchema,
    ResponseFormat,
    ToolErrorHandler,
    ValidationErrorHandler,
    _config_params,
)

__all__ = ["StructuredTool"]


class StructuredTool(BaseTool):
    """A tool made from a function (sync, async or both), usually via [`tool`][pipes.tool].

    Example:
        ```python
        def search(query: str) -> str: ...
        async def asearch(query: str) -> str: ...

        search_tool = StructuredTool.from_function(search, coroutine=asearch,
                                                   description="Search the web.")
        ```
    """

    def __init__(
        self,
        *,
        name: str,
        description: str = "",
        args_schema: ArgsSchema,
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        return_direct: bool = False,
        response_format: ResponseFormat = "content",
        handle_tool_error: ToolErrorHandler = False,
        handle_validation_error: ValidationErrorHandler = False,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        check_functions("StructuredTool", name, func, coroutine)
        self.func = func
        self.coroutine = coroutine
        super().__init__(
            name=name,
            description=description,
            args_schema=args_schema,
            return_direct=return_direct,
            response_format=response_format,
            handle_tool_error=handle_tool_error,
            handle_validation_error=handle_validation_error,
            metadata=metadata,
            tags=tags,
        )

    def _target(self) -> Callable[..., Any]:
        target = self.func if self.func is not None else self.coroutine
        assert target is not None  # checked in __init__
        return target

    def _split(self, func: Callable[..., Any], kwargs: dict[str, Any]) -> list[Any]:
        """Move positional-only parameters (`def f(x, /)`) out of `kwargs`, in order."""
        key = f"posonly:{id(func)}"
        names: list[str] | None = self._cache.get(key)
        if names is None:
            try:
                parameters = list(inspect.signature(func).parameters.values())
            except (TypeError, ValueError):  # builtins without a signature
                parameters = []
            names = [p.name for p in parameters if p.kind is p.POSITIONAL_ONLY]
            self._cache[key] = names
        positional: list[Any] = []
        for name in names:
            if name not in kwargs:
                break
            positional.append(kwargs.pop(name))
        return positional

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        if self.func is None:
            raise NotImplementedInvokeError(
                f"tool {self.name!r} is async-only (made from an `async def` function): use "
                "`await tool.ainvoke(...)`, or give it a sync func too "
                "(StructuredTool.from_function(func, coroutine=...))"
            )
        return self.func(*args, *self._split(self.func, kwargs), **kwargs)

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        if self.coroutine is not None:
            return await self.coroutine(*args, *self._split(self.coroutine, kwargs), **kwargs)
        return await run_in_thread(self._run, *args, **kwargs)

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
        description: str | None = None,
        return_direct: bool = False,
        args_schema: ArgsSchema | None = None,
        infer_schema: bool = True,
        *,
        response_format: ResponseFormat = "content",
        parse_docstring: bool = False,
        error_on_invalid_docstring: bool = True,
        handle_tool_error: ToolErrorHandler = False,
        handle_validation_error: ValidationErrorHandler = False,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> StructuredTool:
        """Make a tool from a function and/or a coroutine function.

        The name defaults to the function's, the description to its docstring without its
        Google-style `Args:` section, whose entries become the argument descriptions (no
        flag needed, unlike LangChain). `parse_docstring=True` keeps LangChain's meaning:
        the description is the docstring's summary only, and with
        `error_on_invalid_docstring` (the default) a docstring missing an `Args:` section
        or documenting unknown arguments raises. The argument schema is inferred from the
        signature. A parameter annotated `RunnableConfig` receives the run's config.

        Example:
            ```python
            StructuredTool.from_function(multiply, name="mul", return_direct=True)
            ```
        """
        source = func if func is not None else coroutine
        if source is None:
            raise TypeError("StructuredTool.from_function needs func=..., coroutine=... or both")
        if func is not None and inspect.iscoroutinefunction(func):
            if coroutine is not None:
                raise TypeError(
                    f"StructuredTool.from_function: func {callable_name(func)!r} is async; "
                    "pass it as coroutine=..."
                )
            func, coroutine = None, func
            source = func if func is not None else coroutine
        assert source is not None
        tool_name = name or callable_name(source)
        schema: ArgsSchema
        if args_schema is not None:
            schema = args_schema
            summary = ""
        elif infer_schema:
            # Argument descriptions always come from a Google-style `Args:` section;
            # parse_docstring=True (LangChain's opt-in) adds its strictness and its
            # summary-only description.
            schema, summary = args_model_from_function(
                source,
                model_name=tool_name,
                parse_docstring=True,
                error_on_invalid_docstring=parse_docstring and error_on_invalid_docstring,
                exclude=_config_params(source),
            )
        else:
            raise TypeError(
                f"tool {tool_name!r}: infer_schema=False needs an explicit args_schema=..."
            )
        if description is None:
            doc = inspect.getdoc(source)
            if parse_docstring and args_schema is None:
                description = summary
            elif doc:
                description = without_args_section(doc)
            elif isinstance(schema, type) and schema.__doc__ and args_schema is not None:
                description = inspect.cleandoc(schema.__doc__)
            elif isinstance(schema, Mapping) and isinstance(schema.get("description"), str):
                description = schema["description"]
        if not description:
            raise ValueError(
                f"tool {tool_name!r} has no description: give the function a docstring or pass "
                "description=... (the model reads it to decide when to call the tool)"
            )
        return cls(
            name=tool_name,
            description=description,
            args_schema=schema,
            func=func,
            coroutine=coroutine,
            return_direct=return_direct,
            response_format=response_format,
            handle_tool_error=handle_tool_error,
            handle_validation_error=handle_validation_error,
            metadata=metadata,
            tags=tags,
        )
