"""Tools and function-calling schemas: ``@tool``, ``BaseTool``, ``convert_to_openai_tool``."""

from __future__ import annotations

from pipes._tools._base import (
    ArgsSchema,
    BaseTool,
    InjectedToolArg,
    InjectedToolCallId,
    StructuredTool,
    ToolInput,
    tool,
)
from pipes._tools._convert import (
    ToolLike,
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
)
from pipes._tools._errors import (
    InvalidDocstringError,
    SchemaConversionError,
    StrictSchemaError,
    ToolException,
    ToolInputError,
)

__all__ = [
    "ArgsSchema",
    "BaseTool",
    "InjectedToolArg",
    "InjectedToolCallId",
    "InvalidDocstringError",
    "SchemaConversionError",
    "StrictSchemaError",
    "StructuredTool",
    "ToolException",
    "ToolInput",
    "ToolInputError",
    "ToolLike",
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
    "tool",
]
