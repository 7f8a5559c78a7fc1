"""Chat-model base class, rate limiters and caches (re-exported from `pipes`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

# Each name loads its module on first use: a chat model's first call never loads the caches,
# the token limiter or init_chat_model's configurable model.
if TYPE_CHECKING:
    from ._base import BaseChatModel, LanguageModelInput
    from ._cache import BaseCache, InMemoryCache
    from ._cache_key import get_llm_cache, set_llm_cache
    from ._generate import report_choices
    from ._init import ConfigurableChatModel, init_chat_model, register_chat_model_provider
    from ._outputs import ChatGeneration, ChatGenerationChunk, Generation, LLMResult
    from ._rate_limiter import BaseRateLimiter, InMemoryRateLimiter, RateLimitTicket
    from ._sqlite_cache import SQLiteCache
    from ._streams import agenerate_from_stream, generate_from_stream
    from ._token_limiter import TokenRateLimiter
    from ._with_raw import StructuredOutputWithRaw


install_lazy_getattr(globals())

__all__ = [
    "BaseCache",
    "BaseChatModel",
    "BaseRateLimiter",
    "ChatGeneration",
    "ChatGenerationChunk",
    "ConfigurableChatModel",
    "Generation",
    "InMemoryCache",
    "InMemoryRateLimiter",
    "LLMResult",
    "LanguageModelInput",
    "RateLimitTicket",
    "SQLiteCache",
    "StructuredOutputWithRaw",
    "TokenRateLimiter",
    "agenerate_from_stream",
    "generate_from_stream",
    "get_llm_cache",
    "init_chat_model",
    "register_chat_model_provider",
    "report_choices",
    "set_llm_cache",
]
