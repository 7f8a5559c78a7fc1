"""Turning callables, generator functions and dicts into runnables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import InvalidRunnableError
from ._runnable import Runnable

__all__ = ["coerce_to_runnable"]


def _describe(obj: Any) -> str:
    text = repr(obj)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} (type {type(obj).__name__})"


def coerce_to_runnable(thing: Any, *, position: str = "a step") -> Runnable[Any, Any]:
    """Return `thing` as a runnable: runnables as they are, callables as `RunnableLambda`,
    (async) generator functions as `RunnableGenerator`, dicts as `RunnableParallel`.

    Example:
        ```python
        coerce_to_runnable(len).invoke("abc")  # 3
        ```
    """
    if isinstance(thing, Runnable):
        return thing
    if isinstance(thing, Mapping):
        from ._parallel import RunnableParallel

        return RunnableParallel(thing)
    import inspect

    if inspect.isasyncgenfunction(thing) or inspect.isgeneratorfunction(thing):
        from ._lambda import RunnableGenerator

        return RunnableGenerator(thing)
    if callable(thing):
        from ._lambda import RunnableLambda

        return RunnableLambda(thing)
    raise InvalidRunnableError(
        f"cannot use {_describe(thing)} as {position}: expected a Runnable, a function, "
        "an async function, a generator function, or a dict of those (a parallel map)"
    )
