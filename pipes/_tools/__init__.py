"""Tools and function-calling schemas: ``@tool``, ``BaseTool``, ``convert_to_openai_tool``."""

from __future__ import annotations

from pipes._tools._base import BaseTool
from pipes._tools._convert import (
    ToolLike,
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
)
from pipes._tools._decorator import tool
from pipes._tools._errors import (
    InvalidDocstringError,
    SchemaConversionError,
    StrictSchemaError,
    ToolException,
    ToolInputError,
)
from pipes._tools._simple import Tool, render_text_description, render_text_description_and_args
from pipes._tools._structured_tool import StructuredTool
from pipes._tools._types import ArgsSchema, InjectedToolArg, InjectedToolCallId, ToolInput

__all__ = [
    "ArgsSchema",
    "BaseTool",
    "InjectedToolArg",
    "InjectedToolCallId",
    "InvalidDocstringError",
    "SchemaConversionError",
    "StrictSchemaError",
    "StructuredTool",
    "Tool",
    "ToolException",
    "ToolInput",
    "ToolInputError",
    "ToolLike",
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
    "render_text_description",
    "render_text_description_and_args",
    "tool",
]
