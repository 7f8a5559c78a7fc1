"""Response caches a chat model consults before calling its provider.

A model with `cache=` set looks the request up first; a hit returns the stored message
without calling the provider (and without taking a rate-limiter token):

```python
from pipes import InMemoryCache

model = ChatOpenAI(model="gpt-4o-mini", cache=InMemoryCache(maxsize=1000))
model.invoke("hi")   # calls the API
model.invoke("hi")   # served from the cache
```

The key is two strings, as in LangChain's `BaseCache`: `prompt` (the messages as JSON) and
`llm_string` (the provider name and parameters, `stop` and call kwargs as JSON), so a
LangChain-style cache backend ports over by renaming the import.
"""

from __future__ import annotations

import abc
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from ._shared import SharedState

if TYPE_CHECKING:
    from pipes._messages import AIMessage

__all__ = ["BaseCache", "InMemoryCache"]


class BaseCache(abc.ABC):
    """What a cache implements: `lookup`, `update` and `clear` (async variants optional).

    The async methods default to the sync ones, which suits in-memory caches; a cache doing
    I/O should override them.

    Example:
        ```python
        class DictCache(BaseCache):
            def __init__(self) -> None:
                self.data: dict[tuple[str, str], AIMessage] = {}

            def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
                return self.data.get((prompt, llm_string))

            def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
                self.data[(prompt, llm_string)] = return_val

            def clear(self) -> None:
                self.data.clear()
        ```
    """

    @abc.abstractmethod
    def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
        """The stored message for this key, or `None` on a miss."""

    @abc.abstractmethod
    def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
        """Store `return_val` under this key."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Drop every entry."""

    async def alookup(self, prompt: str, llm_string: str) -> AIMessage | None:
        """Async `lookup` (defaults to the sync one)."""
        return self.lookup(prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
        """Async `update` (defaults to the sync one)."""
        self.update(prompt, llm_string, return_val)

    async def aclear(self) -> None:
        """Async `clear` (defaults to the sync one)."""
        self.clear()


class InMemoryCache(SharedState, BaseCache):
    """A thread-safe in-process cache, least-recently-used eviction past `maxsize`.

    `maxsize=None` (the default) never evicts. Stored and returned messages are copies,
    so a caller mutating the message it got cannot change what the next hit returns.

    Example:
        ```python
        cache = InMemoryCache(maxsize=2)
        model = FakeChatModel(responses=["a", "b"], cache=cache)
        assert model.invoke("x").content == model.invoke("x").content == "a"
        ```
    """

    def __init__(self, maxsize: int | None = None) -> None:
        if maxsize is not None and maxsize <= 0:
            raise ValueError(f"maxsize must be a positive int or None (unbounded), got {maxsize!r}")
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[str, str], AIMessage] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryCache(maxsize={self.maxsize}, entries={len(self)})"

    def __len__(self) -> int:
        return len(self._data)

    def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
        key = (prompt, llm_string)
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
        return found.model_copy(deep=True)

    def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
        stored = return_val.model_copy(deep=True)
        key = (prompt, llm_string)
        with self._lock:
            self._data[key] = stored
            self._data.move_to_end(key)
            if self.maxsize is not None:
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
