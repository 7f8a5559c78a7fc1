"""`with_listeners` / `with_alisteners`: functions called when the bound runnable's own run
starts, ends or fails (LangChain's root listeners), as one more [`Listener`][pipes.Listener]."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from ._config import RunnableConfig
from ._listeners import Listener, Run

__all__: list[str] = []

RunListener: TypeAlias = Callable[[Run], None] | Callable[[Run, RunnableConfig], None]
"""A `with_listeners` function: of the run, or of the run and its config."""

AsyncRunListener: TypeAlias = (
    Callable[[Run], Awaitable[None]] | Callable[[Run, RunnableConfig], Awaitable[None]]
)
"""A `with_alisteners` function: a coroutine function of the run (and its config)."""


def _takes_config(fn: Callable[..., Any]) -> bool:
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


class RootListener(Listener):
    """Calls `on_start` / `on_end` / `on_error` for the runs of the runnable it is bound to
    (not for the runs nested in them). A coroutine a function returns is awaited like any
    async hook. Errors in the functions propagate, as in LangChain."""

    raise_error = True

    def __init__(
        self,
        on_start: Callable[..., Any] | None,
        on_end: Callable[..., Any] | None,
        on_error: Callable[..., Any] | None,
    ) -> None:
        self.functions = {
            hook: (fn, _takes_config(fn))
            for hook, fn in (("start", on_start), ("end", on_end), ("error", on_error))
            if fn is not None
        }

    def _call(self, hook: str, run: Run) -> Any:
        found = self.functions.get(hook)
        parent = run.parent
        if found is None or (parent is not None and self in parent.listeners):
            return None  # a nested run: this listener's runnable is an ancestor
        fn, takes_config = found
        if not takes_config:
            return fn(run)
        config: RunnableConfig = {
            "tags": run.tags,
            "metadata": run.metadata,
            "callbacks": list(run.listeners),
        }
        return fn(run, config)

    def on_start(self, run: Run) -> Any:
        return self._call("start", run)

    def on_end(self, run: Run) -> Any:
        return self._call("end", run)

    def on_error(self, run: Run) -> Any:
        return self._call("error", run)


def check_async(name: str, fn: Callable[..., Any] | None) -> None:
    """`with_alisteners` takes coroutine functions only (a sync one would never be awaited
    the way the caller expects)."""
    if fn is not None and not inspect.iscoroutinefunction(fn):
        raise TypeError(
            f"with_alisteners({name}=...) expects an async function (async def), got "
            f"{fn!r}; use with_listeners() for sync functions"
        )
