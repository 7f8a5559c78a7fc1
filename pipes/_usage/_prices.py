"""Price tables: what a model's tokens cost, and which table entry a model name means."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NotRequired

from typing_extensions import TypedDict

if TYPE_CHECKING:
    from pipes._messages import UsageMetadata

__all__ = ["ModelPrice", "register_model_prices"]


class ModelPrice(TypedDict):
    """USD per million tokens of one model: `{"input": 2.5, "cached_input": 1.25, "output": 10}`.

    `cached_input` (prompt-cache hits) defaults to `input`; reasoning tokens are output tokens.
    """

    input: float
    output: float
    cached_input: NotRequired[float]


Prices = Mapping[str, ModelPrice]

_KEYS = ("input", "cached_input", "output")
# A dated snapshot of a base model: gpt-4o-2024-08-06, o3-mini-2025-01-31, gpt-4-0613.
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


def check_prices(prices: Mapping[str, Any]) -> dict[str, ModelPrice]:
    """A validated private copy of `prices` (later changes to the caller's table do not leak in).

    Raises `TypeError` / `ValueError` naming the model and key that is wrong.
    """
    if not isinstance(prices, Mapping):
        raise TypeError(
            f"prices must be a mapping of model name to ModelPrice, got {type(prices).__name__}; "
            'e.g. {"gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10}}.'
        )
    checked: dict[str, ModelPrice] = {}
    for model, price in prices.items():
        if not isinstance(model, str):
            raise TypeError(f"prices keys must be model names (str), got {model!r}.")
        if not isinstance(price, Mapping):
            raise TypeError(
                f"prices[{model!r}] must be a mapping with 'input' and 'output' (USD per million "
                f"tokens, optionally 'cached_input'), got {type(price).__name__}."
            )
        unknown = sorted(str(key) for key in price if key not in _KEYS)
        if unknown:
            raise ValueError(
                f"prices[{model!r}] has unknown keys {unknown}; the keys are 'input', "
                "'cached_input' and 'output' (USD per million tokens)."
            )
        entry: dict[str, float] = {}
        for key in _KEYS:
            if key not in price:
                if key == "cached_input":
                    continue
                raise ValueError(
                    f"prices[{model!r}] has no {key!r}; give USD per million {key} tokens."
                )
            value = price[key]
            if type(value) is bool or not isinstance(value, int | float):
                raise TypeError(
                    f"prices[{model!r}][{key!r}] must be a number (USD per million tokens), "
                    f"got {value!r}."
                )
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"prices[{model!r}][{key!r}] must be a finite number >= 0, got {value!r}."
                )
            entry[key] = float(value)
        checked[model] = entry  # type: ignore[assignment]  # keys checked above
    return checked


def find_price(model: str, prices: Prices) -> ModelPrice | None:
    """The entry for `model`: its own, else its base model's (`gpt-4o-2024-08-06` -> `gpt-4o`)."""
    price = prices.get(model)
    if price is None:
        base = _SNAPSHOT.sub("", model)
        if base != model:
            price = prices.get(base)
    return price


def usage_cost(usage: UsageMetadata, price: ModelPrice) -> float:
    """USD for `usage` at `price`: cache hits at `cached_input`, the rest of the input at
    `input`, all output (reasoning included) at `output`."""
    input_tokens = usage.get("input_tokens") or 0
    details: Mapping[str, Any] = usage.get("input_token_details") or {}
    # A provider cannot have more cache hits than prompt tokens; clamp so a bad report
    # never yields a negative charge.
    cached = min(details.get("cache_read") or 0, input_tokens)
    fresh = input_tokens - cached
    cached_rate = price.get("cached_input", price["input"])
    output_tokens = usage.get("output_tokens") or 0
    return (
        fresh * price["input"] + cached * cached_rate + output_tokens * price["output"]
    ) / 1_000_000


# The default prices of trackers made without a table: what providers registered on import.
_registry_lock = threading.Lock()
_registered: dict[str, ModelPrice] = {}


def register_model_prices(prices: Mapping[str, ModelPrice]) -> None:
    """Add default prices (USD per million tokens) for [`usage_tracker`][pipes.usage_tracker]
    calls that pass none; a provider package registers its table when imported
    (`pipes_openai` registers [`OPENAI_PRICES`][pipes_openai.OPENAI_PRICES]). A model
    registered again takes the newer price.

    Example:
        ```python
        register_model_prices({"my-model": {"input": 1.0, "output": 2.0}})
        ```
    """
    checked = check_prices(prices)
    with _registry_lock:
        _registered.update(checked)


def registered_prices() -> dict[str, ModelPrice]:
    """A copy of the prices registered so far."""
    with _registry_lock:
        return dict(_registered)
