"""Exceptions raised while building JSON schemas (all in the pipes tree), and the one-line
summary of a pydantic validation error that parsers and tools put in their messages."""

from __future__ import annotations

import pydantic

from pipes._errors import PipesError

__all__ = [
    "InvalidDocstringError",
    "SchemaConversionError",
    "StrictSchemaError",
    "format_validation_error",
]


class SchemaConversionError(PipesError, ValueError):
    """An object cannot be turned into a tool / function schema."""


class StrictSchemaError(SchemaConversionError):
    """A schema uses something OpenAI strict mode cannot express; `path` locates it."""

    def __init__(self, message: str, *, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class InvalidDocstringError(SchemaConversionError):
    """A docstring does not follow the Google style that `parse_docstring=True` asks for."""


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
