"""Token usage and its cost: running totals per model and per run name, priced from a table.

This layer sits above the messages and the runnable core (it listens to chat-model runs and
adds up their [`UsageMetadata`][pipes.UsageMetadata]) and imports nothing else:

```python
import pipes

with pipes.usage_tracker(prices={"gpt-4o": {"input": 2.5, "output": 10}}) as usage:
    chain.invoke({"topic": "otters"})
usage.total, usage.by_model, usage.cost_usd
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

# Each name loads its module on first use: a provider registering its prices loads the price
# table only, not the tracker.
if TYPE_CHECKING:
    from ._prices import ModelPrice, register_model_prices
    from ._tracker import (
        UsageMetadataCallbackHandler,
        UsageTracker,
        get_usage_metadata_callback,
        usage_tracker,
    )


install_lazy_getattr(globals())

__all__ = [
    "ModelPrice",
    "UsageMetadataCallbackHandler",
    "UsageTracker",
    "get_usage_metadata_callback",
    "register_model_prices",
    "usage_tracker",
]
