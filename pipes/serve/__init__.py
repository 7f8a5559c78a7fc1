"""Serve any runnable over HTTP, and call one that is served.

* [`create_app`][pipes.serve.create_app] / [`add_routes`][pipes.serve.add_routes] — a
  Starlette app with LangServe's routes and wire format (`/invoke`, `/batch`, `/stream`,
  `/stream_events`, the schemas, `/openapi.json`, `/playground`) and an OpenAI-compatible
  `/v1/chat/completions`;
* [`RemoteRunnable`][pipes.serve.RemoteRunnable] — the client: a runnable whose methods call
  the server;
* `pipes serve module:attribute` (or `python -m pipes.serve`) — run it with uvicorn.

The server needs the `serve` extra (`pip install 'pipes-llm[serve]'`: Starlette and uvicorn),
loaded only when a server name is used; the client needs only httpx.

Example:
    ```python
    from pipes.serve import RemoteRunnable, create_app

    app = create_app(prompt | model | StrOutputParser(), name="translate")
    # elsewhere, with the app running (pipes serve myapp:app):
    RemoteRunnable("http://127.0.0.1:8000").invoke({"text": "Hello"})
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._client import RemoteRunnable
from ._errors import (
    RemoteAuthenticationError,
    RemoteInputError,
    RemoteRunnableError,
    ServeTargetError,
)

if TYPE_CHECKING:
    from ._app import add_routes, create_app

__all__ = [
    "RemoteAuthenticationError",
    "RemoteInputError",
    "RemoteRunnable",
    "RemoteRunnableError",
    "ServeTargetError",
    "add_routes",
    "create_app",
]


if not TYPE_CHECKING:  # type checkers read the imports above: an unknown name stays an error

    def __getattr__(name: str) -> Any:
        # The server half needs Starlette (the `serve` extra): load it only when asked for.
        if name in ("add_routes", "create_app"):
            try:
                from . import _app
            except ImportError as exc:
                raise ImportError(
                    f"pipes.serve.{name} needs Starlette and uvicorn: "
                    "pip install 'pipes-llm[serve]'"
                ) from exc
            return getattr(_app, name)
        raise AttributeError(f"module 'pipes.serve' has no attribute {name!r}")
