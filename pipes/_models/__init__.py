"""Chat-model base class, rate limiters and caches (re-exported from :mod:`pipes`)."""

from __future__ import annotations

from ._base import (
    BaseChatModel,
    LanguageModelInput,
    agenerate_from_stream,
    generate_from_stream,
    get_llm_cache,
    set_llm_cache,
)
from ._cache import BaseCache, InMemoryCache
from ._rate_limiter import BaseRateLimiter, InMemoryRateLimiter
from ._with_raw import StructuredOutputWithRaw

__all__ = [
    "BaseCache",
    "BaseChatModel",
    "BaseRateLimiter",
    "InMemoryCache",
    "InMemoryRateLimiter",
    "LanguageModelInput",
    "StructuredOutputWithRaw",
    "agenerate_from_stream",
    "generate_from_stream",
    "get_llm_cache",
    "set_llm_cache",
]
