"""A dated default table of OpenAI chat models' prices, for `pipes.usage_tracker`.

USD per million tokens, standard processing tier (no Batch/Flex/Priority discounts, context
under the long-context threshold). `cached_input` is the rate of prompt-cache hits
(`usage_metadata["input_token_details"]["cache_read"]`); a model without one bills cached
tokens at its `input` rate. Reasoning tokens are part of `output_tokens` and bill at `output`.

Source: OpenAI's API pricing page (platform.openai.com/docs/pricing, now
developers.openai.com/api/docs/pricing) as reproduced by third-party price trackers in
2026 (deploybase.ai "OpenAI API Pricing 2026", March 2026; benchlm.ai "OpenAI API pricing";
morphllm.com "OpenAI API pricing", June 2026; LiteLLM's model cost map, synced 2026-05-27).
Where those disagreed on a cached rate, OpenAI's published ratio for the family was kept
(GPT-5 family: 10% of input; GPT-4.1 and o3/o4-mini: 25%; GPT-4o and o1/o3-mini: 50%).
Nothing is fetched at run time: prices change, so pass your own table to
`usage_tracker(prices=...)` when they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pipes import ModelPrice

__all__ = ["OPENAI_PRICES", "OPENAI_PRICES_DATE"]

OPENAI_PRICES_DATE = "2026-06-21"
"""The day [`OPENAI_PRICES`][pipes_openai.OPENAI_PRICES] was last checked against OpenAI's
pricing page (ISO 8601)."""


def _price(input: float, cached_input: float | None, output: float) -> ModelPrice:
    price: ModelPrice = {"input": input, "output": output}
    if cached_input is not None:
        price["cached_input"] = cached_input
    return price


_TABLE: dict[str, ModelPrice] = {
    # GPT-5 family (cached input at 10%; the pro models have no cached rate).
    "gpt-5.5": _price(5.00, 0.50, 30.00),
    "gpt-5.5-pro": _price(30.00, None, 180.00),
    "gpt-5.4": _price(2.50, 0.25, 15.00),
    "gpt-5.4-mini": _price(0.75, 0.075, 4.50),
    "gpt-5.4-nano": _price(0.20, 0.02, 1.25),
    "gpt-5.4-pro": _price(30.00, None, 180.00),
    "gpt-5.2": _price(1.75, 0.175, 14.00),
    "gpt-5.2-pro": _price(21.00, None, 168.00),
    "gpt-5.1": _price(1.25, 0.125, 10.00),
    "gpt-5": _price(1.25, 0.125, 10.00),
    "gpt-5-mini": _price(0.25, 0.025, 2.00),
    "gpt-5-nano": _price(0.05, 0.005, 0.40),
    "gpt-5-pro": _price(15.00, None, 120.00),
    # GPT-4.1 family (cached input at 25%).
    "gpt-4.1": _price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": _price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": _price(0.10, 0.025, 0.40),
    # GPT-4o family (cached input at 50%).
    "gpt-4o": _price(2.50, 1.25, 10.00),
    "gpt-4o-mini": _price(0.15, 0.075, 0.60),
    # o-series reasoning models.
    "o1": _price(15.00, 7.50, 60.00),
    "o3": _price(2.00, 0.50, 8.00),
    "o3-mini": _price(1.10, 0.55, 4.40),
    "o4-mini": _price(1.10, 0.275, 4.40),
}

OPENAI_PRICES: Mapping[str, ModelPrice] = MappingProxyType(_TABLE)
"""USD per million tokens (`input`, `cached_input`, `output`) of OpenAI's chat models, as of
[`OPENAI_PRICES_DATE`][pipes_openai.OPENAI_PRICES_DATE]; read-only. Keys are base model
names: a dated snapshot (`gpt-4o-2024-08-06`) is priced as its base (`gpt-4o`).

Example:
    ```python
    import pipes
    from pipes_openai import OPENAI_PRICES

    prices = {**OPENAI_PRICES, "my-finetune": {"input": 3.0, "output": 12.0}}
    with pipes.usage_tracker(prices=prices) as usage:
        ...
    usage.cost_usd
    ```
"""
