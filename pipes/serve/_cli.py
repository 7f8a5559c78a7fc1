"""`pipes serve module:attribute [--host 127.0.0.1] [--port 8000] [--reload]`."""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Sequence
from typing import Any

from ._errors import ServeTargetError

__all__ = ["load_target", "main"]


def load_target(target: str) -> Any:
    """The ASGI app for `module:attribute`: a runnable (served with `create_app`) or an app.

    Raises [`ServeTargetError`][pipes.serve.ServeTargetError] naming what is wrong.
    """
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise ServeTargetError(f"expected module:attribute (e.g. myapp:chain), got {target!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # `pipes serve myapp:chain` from the app's folder
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ServeTargetError(
                f"no module named {module_name!r} (run from the folder that holds it, or "
                "set PYTHONPATH)"
            ) from exc
        raise
    from pipes import Runnable

    value: Any = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            servable = [
                name
                for name, item in sorted(vars(module).items())
                if not name.startswith("_") and _servable(item)
            ]
            raise ServeTargetError(
                f"module {module_name!r} has no attribute {attribute!r} (runnables and apps "
                f"in it: {', '.join(servable) or 'none'})"
            )
        value = getattr(value, part)

    if isinstance(value, Runnable):
        from ._app import create_app

        return create_app(value)
    if _servable(value):
        return value  # an ASGI app (create_app's, FastAPI's, ...)
    raise ServeTargetError(f"{target} is of type {type(value).__name__}, not a runnable or an app")


def _servable(value: Any) -> bool:
    from pipes import Runnable

    return isinstance(value, Runnable) or (
        callable(value) and not isinstance(value, type) and not inspect.isroutine(value)
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipes", description="pipes command line")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a runnable (or an ASGI app) over HTTP")
    serve.add_argument("target", help="module:attribute of a runnable or of an app")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)",
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any)")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pipes` console script."""
    args = _parser().parse_args(argv)
    try:
        import uvicorn
    except ImportError:
        print("pipes serve needs uvicorn: pip install 'pipes-llm[serve]'", file=sys.stderr)
        return 2
    try:
        app = load_target(args.target)  # fail fast with a clear message, also under --reload
    except ServeTargetError as exc:
        print(f"pipes serve: {exc}", file=sys.stderr)
        return 2
    if args.reload:
        # the reloader re-imports the target in a child process: hand it a factory path
        os.environ["PIPES_SERVE_TARGET"] = args.target
        uvicorn.run(
            "pipes.serve._cli:_reload_factory",
            factory=True,
            host=args.host,
            port=args.port,
            reload=True,
        )
    else:
        uvicorn.run(app, host=args.host, port=args.port, timeout_graceful_shutdown=30)
    return 0


def _reload_factory() -> Any:
    return load_target(os.environ["PIPES_SERVE_TARGET"])
