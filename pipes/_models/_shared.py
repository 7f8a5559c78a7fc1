"""What the in-memory caches and limiters share: they are shared state by design.

Copies of a model (`model_copy(deep=True)`, `copy.deepcopy`) share its cache's entries and its
limiter's budget, and a lock cannot be copied anyway; pickled (to a worker process) the state
travels and the lock is made anew there.
"""

from __future__ import annotations

import threading
from typing import Any, Self

__all__ = ["SharedState"]


class SharedState:
    """A mixin: copies are the object itself; pickling drops `_lock` and makes a new one."""

    _lock: threading.Lock

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
