"""The exception raised when a serialized document is refused (in the pipes tree)."""

from __future__ import annotations

from pipes._errors import PipesError

__all__ = ["LoadError", "refuse"]


class LoadError(PipesError, ValueError):
    """A serialized document cannot be loaded: an id that is not allow-listed, kwargs the class
    does not declare, a missing secret, a `not_implemented` object, nesting past the bound, or
    a value the class refuses. `path` locates the offending node (`$.kwargs.first`); the
    original exception, if any, is the `__cause__`."""

    def __init__(self, message: str, *, path: str = "$") -> None:
        super().__init__(message)
        self.path = path


def refuse(message: str, path: str) -> LoadError:
    """A `LoadError` at `path` (a helper so every refusal names where it happened)."""
    return LoadError(f"{message} (at {path})", path=path)
