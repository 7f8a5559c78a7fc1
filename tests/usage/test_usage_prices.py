"""Price tables: validation, snapshot names, and what a call costs."""

from __future__ import annotations

from typing import Any

import pytest

from pipes._usage._prices import check_prices, find_price, usage_cost
from pipes_openai import OPENAI_PRICES, OPENAI_PRICES_DATE

GPT_4O: Any = {"input": 2.5, "cached_input": 1.25, "output": 10}


def test_snapshot_names_fall_back_to_their_base_model() -> None:
    prices = check_prices({"gpt-4o": GPT_4O, "gpt-4o-mini": {"input": 0.15, "output": 0.6}})
    assert find_price("gpt-4o", prices) == GPT_4O
    assert find_price("gpt-4o-2024-08-06", prices) == GPT_4O
    assert find_price("gpt-4o-mini-2024-07-18", prices) == {"input": 0.15, "output": 0.6}
    assert find_price("gpt-4-0613", {"gpt-4": GPT_4O}) == GPT_4O


def test_an_exact_entry_wins_over_the_base_model() -> None:
    dated = {"input": 5.0, "output": 15.0}
    prices = check_prices({"gpt-4o": GPT_4O, "gpt-4o-2024-05-13": dated})
    assert find_price("gpt-4o-2024-05-13", prices) == dated


@pytest.mark.parametrize("model", ["gpt-4o-audio", "ft:gpt-4o-mini:org::abc", "my-model", ""])
def test_other_names_are_not_priced(model: str) -> None:
    assert find_price(model, check_prices({"gpt-4o": GPT_4O, "gpt-4o-mini": GPT_4O})) is None


def test_cost_bills_cache_hits_at_the_cached_rate_and_reasoning_as_output() -> None:
    usage: Any = {
        "input_tokens": 1_000_000,
        "output_tokens": 2_000_000,
        "total_tokens": 3_000_000,
        "input_token_details": {"cache_read": 400_000},
        "output_token_details": {"reasoning": 1_500_000},
    }
    # 600k fresh * 2.5 + 400k cached * 1.25 + 2M output * 10, per million
    assert usage_cost(usage, GPT_4O) == pytest.approx(1.5 + 0.5 + 20.0)


def test_cached_tokens_cost_the_input_rate_without_a_cached_price() -> None:
    usage: Any = {
        "input_tokens": 100,
        "output_tokens": 0,
        "total_tokens": 100,
        "input_token_details": {"cache_read": 100},
    }
    assert usage_cost(usage, {"input": 2.0, "output": 8.0}) == pytest.approx(200 / 1e6)


def test_more_cache_hits_than_input_never_cost_less_than_nothing() -> None:
    usage: Any = {
        "input_tokens": 10,
        "output_tokens": 0,
        "total_tokens": 10,
        "input_token_details": {"cache_read": 50},
    }
    assert usage_cost(usage, GPT_4O) == pytest.approx(10 * 1.25 / 1e6)


@pytest.mark.parametrize(
    ("prices", "error", "words"),
    [
        ([("gpt-4o", GPT_4O)], TypeError, "must be a mapping"),
        ({1: GPT_4O}, TypeError, "model names"),
        ({"gpt-4o": 2.5}, TypeError, "prices['gpt-4o'] must be a mapping"),
        ({"gpt-4o": {"input": 1}}, ValueError, "has no 'output'"),
        ({"gpt-4o": {"input": 1, "output": 2, "cache": 1}}, ValueError, "unknown keys ['cache']"),
        ({"gpt-4o": {"input": "1", "output": 2}}, TypeError, "['input'] must be a number"),
        ({"gpt-4o": {"input": True, "output": 2}}, TypeError, "must be a number"),
        ({"gpt-4o": {"input": -1, "output": 2}}, ValueError, "finite number >= 0"),
        ({"gpt-4o": {"input": 1, "output": float("nan")}}, ValueError, "['output']"),
    ],
)
def test_bad_price_tables_say_what_is_wrong(prices: Any, error: type, words: str) -> None:
    with pytest.raises(error, match=None) as caught:
        check_prices(prices)
    assert words in str(caught.value)


def test_the_checked_table_is_a_private_copy() -> None:
    mine: Any = {"gpt-4o": dict(GPT_4O)}
    checked = check_prices(mine)
    mine["gpt-4o"]["input"] = 0
    assert checked["gpt-4o"]["input"] == 2.5


def test_the_openai_table_is_valid_dated_and_read_only() -> None:
    assert check_prices(OPENAI_PRICES) == dict(OPENAI_PRICES)
    assert OPENAI_PRICES_DATE[:4] == "2026"
    for model in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini", "gpt-5"):
        assert model in OPENAI_PRICES
    assert OPENAI_PRICES["gpt-4o"] == GPT_4O
    with pytest.raises(TypeError):
        OPENAI_PRICES["gpt-4o"] = GPT_4O  # type: ignore[index]
    # Every cached rate is a discount on the input rate.
    for model, price in OPENAI_PRICES.items():
        assert price.get("cached_input", price["input"]) <= price["input"], model
