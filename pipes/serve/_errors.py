"""The exceptions of `pipes.serve`: what a [`RemoteRunnable`][pipes.serve.RemoteRunnable] raises
when the server answers with an error, and what `pipes serve` raises for a bad target.

```text
RemoteRunnableError(PipesError, RuntimeError)        the server answered an error (any status)
├── RemoteInputError(RemoteRunnableError, ValueError)           422 / 413 / 400: bad input
└── RemoteAuthenticationError(RemoteRunnableError, PermissionError)   401: wrong or no API key
ServeTargetError(PipesError, ValueError)             `module:attribute` that is not a runnable
```
"""

from __future__ import annotations

from pipes import PipesError

__all__ = [
    "RemoteAuthenticationError",
    "RemoteInputError",
    "RemoteRunnableError",
    "ServeTargetError",
]


class RemoteRunnableError(PipesError, RuntimeError):
    """The server answered with an error; `status_code`, `error_type` and `message` are its own.

    `error_type` is the name of the exception raised on the server (e.g. `"ValueError"`), or
    what the server called the failure (`"ValidationError"`, `"Unauthorized"`).

    Example:
        ```python
        try:
            remote.invoke({"topic": "cats"})
        except RemoteRunnableError as exc:
            print(exc.status_code, exc.error_type, exc.message)
        ```
    """

    def __init__(self, message: str, *, status_code: int, error_type: str, url: str) -> None:
        super().__init__(f"{url} answered {status_code} {error_type}: {message}")
        self.message = message
        self.status_code = status_code
        self.error_type = error_type
        self.url = url


class RemoteInputError(RemoteRunnableError, ValueError):
    """The server rejected the request itself (422 invalid input, 413 too large, 400)."""


class RemoteAuthenticationError(RemoteRunnableError, PermissionError):
    """The server wants an API key it did not get (401): pass `headers={"x-api-key": ...}`."""


class ServeTargetError(PipesError, ValueError):
    """`pipes serve module:attribute` names something that cannot be served."""
