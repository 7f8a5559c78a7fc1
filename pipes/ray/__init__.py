"""Run chains over Ray Data datasets, under one rate limit shared by every worker
(extra `pipes-llm[ray]`).

`import pipes` never imports this package nor Ray.

Example:
    ```python
    import ray
    from pipes.ray import SharedRateLimiter, map_dataset

    limiter = SharedRateLimiter(requests_per_minute=5_000, tokens_per_minute=2_000_000)
    chain = prompt | ChatOpenAI(model="gpt-4o-mini", rate_limiter=limiter) | StrOutputParser()
    ds = ray.data.from_items([{"question": q} for q in questions])
    answered = map_dataset(chain, ds, concurrency=4)  # columns: question, output, error
    ```
"""

from __future__ import annotations

from pipes._errors import missing_extra

try:
    import ray  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise missing_extra("pipes.ray", "Ray Data", "ray", "'ray[data]'") from error

from ._dataset import map_dataset
from ._limiter import SharedRateLimiter
from ._mapper import RunnableMapper

__all__ = ["RunnableMapper", "SharedRateLimiter", "map_dataset"]
