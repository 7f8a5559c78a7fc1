"""Exceptions raised by tools and schema conversion (all in the pipes tree)."""

from __future__ import annotations

from typing import Any

import pydantic

from pipes._errors import PipesError, ToolException

__all__ = [
    "format_validation_error",
    "InvalidDocstringError",
    "SchemaConversionError",
    "StrictSchemaError",
    "ToolException",
    "ToolInputError",
]


class SchemaConversionError(PipesError, ValueError):
    """An object cannot be turned into a tool / function schema."""


class StrictSchemaError(SchemaConversionError):
    """A schema uses something OpenAI strict mode cannot express; ``path`` locates it."""

    def __init__(self, message: str, *, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class InvalidDocstringError(SchemaConversionError):
    """A docstring does not follow the Google style that ``parse_docstring=True`` asks for."""


class ToolInputError(PipesError, ValueError):
    """A tool was called with arguments that do not match its schema.

    ``tool_name``, ``tool_input`` (what was passed) and ``schema`` (the JSON schema of the
    arguments) are kept for error handlers; the pydantic error is the ``__cause__``.
    """

    def __init__(
        self, message: str, *, tool_name: str, tool_input: Any, schema: dict[str, Any]
    ) -> None:
        super().__init__(message)
        self.tool_name = tool_name
        self.tool_input = tool_input
        self.schema = schema

    def errors(self) -> list[Any]:
        """pydantic's error list (as ``ValidationError.errors()``), for LangChain handlers."""
        cause = self.__cause__
        if isinstance(cause, pydantic.ValidationError):
            return list(cause.errors(include_url=False))
        return []


def format_validation_error(exc: pydantic.ValidationError) -> str:
    """One ``  - field: problem (got value)`` line per error, without pydantic's URLs."""
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(the value)"
        if error["type"] == "missing":
            lines.append(f"  - {where}: missing (required)")
            continue
        got = repr(error.get("input"))
        if len(got) > 80:
            got = got[:77] + "..."
        lines.append(f"  - {where}: {error['msg']} (got {got})")
    return "\n".join(lines)
