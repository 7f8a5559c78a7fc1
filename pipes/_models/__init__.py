"""Chat-model base class, rate limiters and caches (re-exported from :mod:`pipes`)."""

from __future__ import annotations

from ._cache import BaseCache, InMemoryCache
from ._rate_limiter import BaseRateLimiter, InMemoryRateLimiter

__all__ = ["BaseCache", "BaseRateLimiter", "InMemoryCache", "InMemoryRateLimiter"]
