"""Running token-usage totals: overall, per model, per run name, and their cost in USD."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from pipes._messages import UsageMetadata, add_usage

from ._prices import ModelPrice, check_prices, find_price, usage_cost

__all__ = ["UNKNOWN_MODEL", "UsageTotals"]

UNKNOWN_MODEL = "unknown"
"""The `by_model` key of usage whose model nobody named (a fake model, a provider that does
not report one)."""

_EMPTY: UsageMetadata = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}


def _copy(usage: UsageMetadata) -> UsageMetadata:
    # Callers get their own dicts (details included): mutating one changes no total.
    copied: dict[str, Any] = dict(usage)
    for key in ("input_token_details", "output_token_details"):
        if key in copied:
            copied[key] = dict(copied[key])
    return copied  # type: ignore[return-value]


class UsageTotals:
    """Adds [`UsageMetadata`][pipes.UsageMetadata] up as it arrives, from any thread or task.

    Every reader returns a copy taken under the lock, so a total is never seen half-added.
    """

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices = check_prices(prices) if prices is not None else {}
        self._lock = threading.Lock()
        self._total: UsageMetadata = dict(_EMPTY)  # type: ignore[assignment]
        self._by_model: dict[str, UsageMetadata] = {}
        self._by_run_name: dict[str, UsageMetadata] = {}
        self._cost = 0.0
        self._unpriced: dict[str, None] = {}  # an ordered set: first seen first

    def add(self, usage: UsageMetadata, *, model: str | None, run_name: str | None) -> None:
        """Count `usage` of one model call; `model` prices it (`None`: an unknown model)."""
        model = model or UNKNOWN_MODEL
        price = find_price(model, self._prices)
        cost = usage_cost(usage, price) if price is not None else 0.0
        with self._lock:
            # All three sums first: add_usage rejects bad counts, and then nothing is counted.
            total = add_usage([self._total, usage])
            by_model = add_usage([self._by_model.get(model), usage])
            by_run = add_usage([self._by_run_name.get(run_name), usage]) if run_name else None
            assert total is not None
            assert by_model is not None
            self._total = total
            self._by_model[model] = by_model
            if run_name and by_run is not None:
                self._by_run_name[run_name] = by_run
            self._cost += cost
            if price is None:
                self._unpriced.setdefault(model)

    @property
    def total(self) -> UsageMetadata:
        """All usage added so far (zeros before the first call)."""
        with self._lock:
            return _copy(self._total)

    @property
    def by_model(self) -> dict[str, UsageMetadata]:
        """Usage per model name as the provider reported it (`gpt-4o-2024-08-06`)."""
        with self._lock:
            return {name: _copy(usage) for name, usage in self._by_model.items()}

    @property
    def by_run_name(self) -> dict[str, UsageMetadata]:
        """Usage per name of the chat-model run (its `run_name`, else the model's name)."""
        with self._lock:
            return {name: _copy(usage) for name, usage in self._by_run_name.items()}

    @property
    def cost_usd(self) -> float:
        """The cost of all usage of priced models, in USD."""
        with self._lock:
            return self._cost

    @property
    def unpriced_models(self) -> list[str]:
        """Models whose usage was counted but not priced (cost 0), in order of first use."""
        with self._lock:
            return list(self._unpriced)

    def __repr__(self) -> str:
        with self._lock:
            total = self._total
            return (
                f"{type(self).__name__}(input_tokens={total['input_tokens']}, "
                f"output_tokens={total['output_tokens']}, cost_usd={self._cost:.6f}, "
                f"models={list(self._by_model)})"
            )
