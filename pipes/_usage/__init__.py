"""Token usage and its cost: running totals per model and per run name, priced from a table.

This layer sits above the messages (it adds up [`UsageMetadata`][pipes.UsageMetadata]) and
imports nothing above them:

```python
import pipes

with pipes.usage_tracker(prices={"gpt-4o": {"input": 2.5, "output": 10}}) as usage:
    chain.invoke({"topic": "otters"})
usage.total, usage.by_model, usage.cost_usd
```
"""

from __future__ import annotations

from ._prices import ModelPrice

__all__ = ["ModelPrice"]
