"""Tools: `@tool`, `BaseTool`, `StructuredTool` and their text descriptions.

The function-calling schemas they produce (`convert_to_openai_tool` and its errors) are built
one layer down, in `pipes._schema`.
"""

from __future__ import annotations

from pipes._tools._base import BaseTool
from pipes._tools._decorator import tool
from pipes._tools._errors import ToolException, ToolInputError
from pipes._tools._simple import Tool, render_text_description, render_text_description_and_args
from pipes._tools._structured_tool import StructuredTool
from pipes._tools._types import ArgsSchema, InjectedToolArg, InjectedToolCallId, ToolInput

__all__ = [
    "ArgsSchema",
    "BaseTool",
    "InjectedToolArg",
    "InjectedToolCallId",
    "StructuredTool",
    "Tool",
    "ToolException",
    "ToolInput",
    "ToolInputError",
    "render_text_description",
    "render_text_description_and_args",
    "tool",
]
