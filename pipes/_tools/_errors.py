"""Exceptions raised by tools (all in the pipes tree).

Schema conversion errors (`SchemaConversionError` and its subclasses) live with the schema
builder, in `pipes._schema._errors`; `ToolException` is in the root tree, `pipes._errors`.
"""

from __future__ import annotations

from typing import Any

import pydantic

from pipes._errors import PipesError, ToolException

__all__ = ["ToolException", "ToolInputError"]


class ToolInputError(PipesError, ValueError):
    """A tool was called with arguments that do not match its schema.

    `tool_name`, `tool_input` (what was passed) and `schema` (the JSON schema of the
    arguments) are kept for error handlers; the pydantic error is the `__cause__`.
    """

    def __init__(
        self, message: str, *, tool_name: str, tool_input: Any, schema: dict[str, Any]
    ) -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.tool_input = tool_input
        self.schema = schema

    def errors(self) -> list[Any]:
        """pydantic's error list (as `ValidationError.errors()`), for LangChain handlers."""
        cause = self.__cause__
        if isinstance(cause, pydantic.ValidationError):
            return list(cause.errors(include_url=False))
        return []
