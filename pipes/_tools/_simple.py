"""`Tool`: LangChain's classic one-string-input tool, and text renderings of tools."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pipes._core import run_in_thread
from pipes._errors import NotImplementedInvokeError
from pipes._tools._base import BaseTool, check_functions
from pipes._tools._errors import ToolInputError
from pipes._tools._types import ArgsSchema, ToolErrorHandler, ValidationErrorHandler

__all__ = ["Tool", "render_text_description", "render_text_description_and_args"]

# LangChain's schema for single-input tools; models trained on its transcripts send "__arg1".
_SINGLE_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {"__arg1": {"type": "string"}},
    "required": ["__arg1"],
}


class Tool(BaseTool):
    """A tool whose function takes one string (LangChain's `Tool`).

    Example:
        ```python
        search = Tool(name="search", func=lambda q: f"results for {q}",
                      description="Search the web. Input: the query.")
        search.invoke("cats")                 # 'results for cats'
        search.invoke({"__arg1": "cats"})     # the same, as a model calls it
        ```
    """

    def __init__(
        self,
        name: str,
        func: Callable[[str], Any] | None,
        description: str,
        *,
        coroutine: Callable[[str], Awaitable[Any]] | None = None,
        return_direct: bool = False,
        args_schema: ArgsSchema | None = None,
        handle_tool_error: ToolErrorHandler = False,
        handle_validation_error: ValidationErrorHandler = False,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        check_functions("Tool", name, func, coroutine)
        self.func = func
        self.coroutine = coroutine
        super().__init__(
            name=name,
            description=description,
            args_schema=args_schema if args_schema is not None else dict(_SINGLE_INPUT),
            return_direct=return_direct,
            handle_tool_error=handle_tool_error,
            handle_validation_error=handle_validation_error,
            metadata=metadata,
            tags=tags,
        )

    @classmethod
    def from_function(
        cls,
        func: Callable[[str], Any] | None,
        name: str,
        description: str,
        *,
        coroutine: Callable[[str], Awaitable[Any]] | None = None,
        return_direct: bool = False,
        **kwargs: Any,
    ) -> Tool:
        """LangChain's spelling: `Tool.from_function(func, name, description)`."""
        return cls(
            name, func, description, coroutine=coroutine, return_direct=return_direct, **kwargs
        )

    def _validate(self, args: dict[str, Any]) -> dict[str, Any]:
        if self._args_model() is not None:  # an explicit pydantic args_schema
            return super()._validate(args)
        if len(args) != 1:
            raise ToolInputError(
                f"tool {self.name!r} takes a single string input, got the arguments "
                f"{sorted(args)}; call it with a string or {{'__arg1': ...}}",
                tool_name=self.name,
                tool_input=args,
                schema=self.get_input_schema(),
            )
        return {"tool_input": next(iter(args.values()))}

    def _single_arg(self, text: str) -> str:
        return "__arg1"

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        if self.func is None:
            raise NotImplementedInvokeError(
                f"tool {self.name!r} is async-only: use `await tool.ainvoke(...)`"
            )
        if "tool_input" in kwargs and len(kwargs) == 1:
            return self.func(kwargs["tool_input"])
        return self.func(*args, **kwargs)

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        if self.coroutine is None:
            return await run_in_thread(self._run, *args, **kwargs)
        if "tool_input" in kwargs and len(kwargs) == 1:
            return await self.coroutine(kwargs["tool_input"])
        return await self.coroutine(*args, **kwargs)


def render_text_description(tools: Sequence[BaseTool]) -> str:
    """One `name: description` line per tool, for ReAct-style prompts.

    Example:
        ```python
        render_text_description([search, multiply])
        # 'search: Search the web.\\nmultiply: Multiply two integers.'
        ```
    """
    return "\n".join(f"{t.name}: {t.description}" for t in tools)


def render_text_description_and_args(tools: Sequence[BaseTool]) -> str:
    """Like [`render_text_description`][pipes.render_text_description], with each tool's argument
    schemas."""
    return "\n".join(f"{t.name}: {t.description}, args: {t.args}" for t in tools)
