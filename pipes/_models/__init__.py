"""Chat-model base class, rate limiters and caches (re-exported from `pipes`)."""

from __future__ import annotations

from ._base import BaseChatModel, LanguageModelInput
from ._cache import BaseCache, InMemoryCache
from ._cache_key import get_llm_cache, set_llm_cache
from ._outputs import ChatGeneration, ChatGenerationChunk, Generation, LLMResult
from ._rate_limiter import BaseRateLimiter, InMemoryRateLimiter
from ._streams import agenerate_from_stream, generate_from_stream
from ._with_raw import StructuredOutputWithRaw

__all__ = [
    "BaseCache",
    "BaseChatModel",
    "BaseRateLimiter",
    "ChatGeneration",
    "ChatGenerationChunk",
    "Generation",
    "InMemoryCache",
    "InMemoryRateLimiter",
    "LLMResult",
    "LanguageModelInput",
    "StructuredOutputWithRaw",
    "agenerate_from_stream",
    "generate_from_stream",
    "get_llm_cache",
    "set_llm_cache",
]
