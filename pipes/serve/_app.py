"""`create_app` and `add_routes`: a runnable's routes on a Starlette (or any Starlette-based,
FastAPI included) app."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Route

from pipes import Runnable

from ._openai import openai_routes
from ._playground import Playground
from ._routes import langserve_routes
from ._served import Served

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_TIMEOUT", "add_routes", "create_app"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 300.0


def _prefix(path: str) -> str:
    if path and not path.startswith("/"):
        raise ValueError(f"path must be empty or start with '/', got {path!r} (try '/{path}')")
    return path.rstrip("/")


def add_routes(
    app: Starlette,
    runnable: Runnable[Any, Any],
    path: str = "/chain",
    *,
    name: str | None = None,
    api_key: str | SecretStr | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> None:
    """Serve `runnable` under `path` on `app`, with LangServe's routes and wire format.

    Routes: `POST {path}/invoke`, `/batch`, `/stream`, `/stream_events`; `GET
    {path}/input_schema`, `/output_schema`, `/config_schema`, `/openapi.json`,
    `/playground`; and the OpenAI-compatible `POST {path}/v1/chat/completions` and `GET
    {path}/v1/models`. Call it once per runnable to serve several from one app.

    Args:
        app: a Starlette app (a FastAPI app is one).
        runnable: what to serve (a function is wrapped like `|` does).
        path: the prefix of the routes: `""` or a path starting with `/`.
        name: the name shown in the playground, OpenAPI and `/v1/models` (default: the
            runnable's name).
        api_key: when set, every route but the playground needs `Authorization: Bearer <key>`
            or `x-api-key: <key>` (401 otherwise).
        max_body_bytes: larger request bodies are refused with 413.
        timeout: seconds one run (or one whole stream) may take; 504 after. `None`: no bound.

    Example:
        ```python
        from starlette.applications import Starlette
        from pipes.serve import add_routes

        app = Starlette()
        add_routes(app, translate, path="/translate")
        add_routes(app, summarize, path="/summarize", api_key="s3cret")
        ```
    """
    prefix = _prefix(path)
    served = Served(
        runnable, name=name, api_key=api_key, max_body_bytes=max_body_bytes, timeout=timeout
    )
    routes = {**langserve_routes(served, prefix), **openai_routes(served, prefix)}
    for route_path, (method, endpoint) in routes.items():
        app.router.routes.append(Route(route_path, endpoint, methods=[method]))
    page = Playground(served.name, prefix)
    app.router.routes.append(Route(f"{prefix}/playground", page, methods=["GET"]))


def create_app(
    runnable: Runnable[Any, Any],
    *,
    path: str = "",
    name: str | None = None,
    api_key: str | SecretStr | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Starlette:
    """A Starlette app serving `runnable` (see [`add_routes`][pipes.serve.add_routes] for the
    routes and arguments); mount it in any ASGI app, FastAPI included.

    Example:
        ```python
        from pipes.serve import create_app

        app = create_app(prompt | model | StrOutputParser(), name="translate")
        # uvicorn module:app   or   pipes serve module:app
        ```
    """
    app = Starlette()
    add_routes(
        app,
        runnable,
        path,
        name=name,
        api_key=api_key,
        max_body_bytes=max_body_bytes,
        timeout=timeout,
    )
    return app
