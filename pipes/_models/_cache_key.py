"""What a cached reply is keyed by, which cache a model uses, and the global cache
(`set_llm_cache`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretBytes, SecretStr

from pipes._core._credentials import is_credential_name

from ._cache import BaseCache

if TYPE_CHECKING:
    from pipes._messages import AIMessage, BaseMessage

__all__ = ["get_llm_cache", "set_llm_cache"]

_global_cache: BaseCache | None = None


def set_llm_cache(cache: BaseCache | None) -> None:
    """Set (or with `None` unset) the cache used by models whose `cache` is `None`/`True`.

    Example:
        ```python
        set_llm_cache(InMemoryCache())
        ```
    """
    global _global_cache
    _global_cache = cache


def get_llm_cache() -> BaseCache | None:
    """The global cache set with [`set_llm_cache`][pipes.set_llm_cache], if any."""
    return _global_cache


def resolve_cache(setting: BaseCache | bool | None, owner: object) -> BaseCache | None:
    """The cache `owner`, a model whose `cache` field is `setting`, uses: its own, the
    global one, or none (see `BaseChatModel.cache`)."""
    if setting is None:
        return _global_cache
    if setting is False:
        return None
    if isinstance(setting, BaseCache):
        return setting
    if setting is True and _global_cache is None:
        raise ValueError(
            f"{type(owner).__name__}(cache=True) needs a global cache: call "
            "pipes.set_llm_cache(InMemoryCache()) first, or pass cache=InMemoryCache()"
        )
    return _global_cache


def prompt_string(messages: list[BaseMessage]) -> str:
    """The cache key part naming the request: the messages as JSON."""
    return json.dumps([m.model_dump() for m in messages], sort_keys=True, default=repr)


def llm_string(
    model: BaseModel, provider: str, stop: list[str] | None, kwargs: Mapping[str, Any]
) -> str:
    """The cache key part naming the model: provider, class, parameters, stop, kwargs."""
    params = model.model_dump(exclude={"cache", "rate_limiter", "name"})
    for field in params:
        # Keys may end up in a shared, persistent cache: never store credentials there.
        if is_credential_name(field) and params[field] is not None:
            params[field] = "<redacted>"
    return json.dumps(
        {
            "provider": provider,
            "class": f"{type(model).__module__}.{type(model).__qualname__}",
            "params": params,
            "stop": stop,
            "kwargs": dict(kwargs),
        },
        sort_keys=True,
        default=_key_default,
    )


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _key_default(value: Any) -> Any:
    """JSON for cache-key values JSON cannot encode: stable across processes, no secrets."""
    if isinstance(value, SecretStr | SecretBytes):
        return "<redacted>"
    if isinstance(value, type):
        name = f"{value.__module__}.{value.__qualname__}"
        if issubclass(value, BaseModel):  # e.g. response_format=MyModel: the schema matters
            return {"model": name, "schema": value.model_json_schema()}
        return name
    if isinstance(value, BaseModel):
        return {"model": type(value).__qualname__, "fields": value.model_dump(mode="json")}
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if isinstance(value, set | frozenset):
        return sorted(map(repr, value))
    # repr() without memory addresses, so the key does not change from run to run.
    return _ADDRESS.sub("", repr(value))


class CachedCall:
    """One model call's place in its cache: the cache and the call's key, bound together."""

    __slots__ = ("cache", "llm_string", "prompt")

    def __init__(self, cache: BaseCache, prompt: str, llm_string: str) -> None:
        self.cache = cache
        self.prompt = prompt
        self.llm_string = llm_string

    def lookup(self) -> AIMessage | None:
        return self.cache.lookup(self.prompt, self.llm_string)

    async def alookup(self) -> AIMessage | None:
        return await self.cache.alookup(self.prompt, self.llm_string)

    def update(self, result: AIMessage) -> None:
        self.cache.update(self.prompt, self.llm_string, result)

    async def aupdate(self, result: AIMessage) -> None:
        await self.cache.aupdate(self.prompt, self.llm_string, result)
