"""Run configuration and its propagation through context variables.

A config passed to `invoke` reaches every nested runnable — also inside user functions,
worker threads and asyncio tasks — because the runnable that receives it publishes it in a
context variable for the duration of the call. `ensure_config()` reads it back.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ._listeners import Handlers

if TYPE_CHECKING:
    from ._listeners import Listener

__all__ = ["RunnableConfig", "ensure_config", "get_config", "merge_configs"]

DEFAULT_RECURSION_LIMIT = 25


class RunnableConfig(TypedDict, total=False):
    """Options for one run, propagated to nested runnables.

    Example:
        ```python
        chain.invoke(x, {"tags": ["prod"], "max_concurrency": 4, "callbacks": [MyListener()]})
        ```
    """

    tags: list[str]
    metadata: dict[str, Any]
    run_name: str
    max_concurrency: int | None
    recursion_limit: int
    configurable: dict[str, Any]
    callbacks: Sequence[Listener]


_current_config: contextvars.ContextVar[RunnableConfig | None] = contextvars.ContextVar(
    "pipes_config", default=None
)


def ensure_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """Return `config`, else the config of the enclosing run, else an empty one.

    Example:
        ```python
        def my_step(x: int) -> int:
            tags = ensure_config().get("tags", [])  # sees the caller's config
            return x
        ```
    """
    if config is not None:
        return config
    current = _current_config.get()
    return current if current is not None else {}


def get_config() -> RunnableConfig:
    """The config of the enclosing run (an empty config outside any run).

    Example:
        ```python
        def step(x: str) -> str:
            user = get_config().get("metadata", {}).get("user")
            return f"{user}: {x}"
        ```
    """
    current = _current_config.get()
    return current if current is not None else {}


def merge_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """Merge configs left to right: tags and callbacks concatenate, dicts merge, rest override."""
    merged: dict[str, Any] = {}
    for config in configs:
        if not config:
            continue
        for key, value in cast(dict[str, Any], config).items():
            if key == "callbacks" and key in merged:
                # A traced run's callbacks also name the run (the children's parent): keep it.
                parent = getattr(value, "parent", None) or getattr(merged[key], "parent", None)
                listeners = [*merged[key], *(v for v in value if v not in merged[key])]
                merged[key] = Handlers(listeners, parent) if parent is not None else listeners
            elif key == "tags" and key in merged:
                merged[key] = [*merged[key], *(v for v in value if v not in merged[key])]
            elif key in ("metadata", "configurable") and key in merged:
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged  # type: ignore[return-value]
