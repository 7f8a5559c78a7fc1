"""Running usage totals: per model, per run name, cost, and adding from many threads."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from pipes import MessageMergeError
from pipes._usage._totals import UNKNOWN_MODEL, UsageTotals

PRICES: Any = {"gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10}}


def _usage(i: int, o: int, *, cached: int = 0, reasoning: int = 0) -> Any:
    usage: dict[str, Any] = {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}
    if cached:
        usage["input_token_details"] = {"cache_read": cached}
    if reasoning:
        usage["output_token_details"] = {"reasoning": reasoning}
    return usage


def test_totals_start_at_zero() -> None:
    totals = UsageTotals()
    assert totals.total == {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    assert totals.by_model == {}
    assert totals.by_run_name == {}
    assert totals.cost_usd == 0.0
    assert totals.unpriced_models == []


def test_usage_adds_up_per_model_and_per_run_name_with_details() -> None:
    totals = UsageTotals(PRICES)
    totals.add(_usage(100, 20, cached=40), model="gpt-4o-2024-08-06", run_name="writer")
    totals.add(_usage(10, 5, reasoning=3), model="gpt-4o-2024-08-06", run_name="critic")
    totals.add(_usage(1, 1), model="my-model", run_name="writer")
    assert totals.total == {
        "input_tokens": 111,
        "output_tokens": 26,
        "total_tokens": 137,
        "input_token_details": {"cache_read": 40},
        "output_token_details": {"reasoning": 3},
    }
    assert totals.by_model["gpt-4o-2024-08-06"]["input_tokens"] == 110
    assert totals.by_model["my-model"] == _usage(1, 1)
    assert totals.by_run_name["writer"] == {
        "input_tokens": 101,
        "output_tokens": 21,
        "total_tokens": 122,
        "input_token_details": {"cache_read": 40},
    }
    assert totals.by_run_name["critic"]["output_token_details"] == {"reasoning": 3}
    # (60 + 10) fresh * 2.5 + 40 cached * 1.25 + 25 output * 10, per million
    assert totals.cost_usd == pytest.approx((70 * 2.5 + 40 * 1.25 + 25 * 10) / 1e6)
    assert totals.unpriced_models == ["my-model"]


def test_a_call_without_a_model_or_run_name_is_still_counted() -> None:
    totals = UsageTotals(PRICES)
    totals.add(_usage(3, 4), model=None, run_name=None)
    assert totals.total["total_tokens"] == 7
    assert totals.by_model == {UNKNOWN_MODEL: _usage(3, 4)}
    assert totals.by_run_name == {}
    assert totals.unpriced_models == [UNKNOWN_MODEL]


def test_readers_get_copies() -> None:
    totals = UsageTotals()
    totals.add(_usage(1, 1, cached=1), model="m", run_name="r")
    got = totals.total
    got["input_tokens"] = 99
    got["input_token_details"]["cache_read"] = 99
    totals.by_model["m"]["input_tokens"] = 99
    assert totals.total == _usage(1, 1, cached=1)
    assert totals.by_model["m"] == _usage(1, 1, cached=1)


def test_bad_usage_raises_and_counts_nothing() -> None:
    totals = UsageTotals()
    bad: Any = {**_usage(1, 1), "input_token_details": {"cache_read": "many"}}
    with pytest.raises(MessageMergeError, match="cache_read"):
        totals.add(bad, model="m", run_name="r")
    assert totals.total["input_tokens"] == 0
    assert totals.by_model == {}


def test_threads_lose_no_usage() -> None:
    totals = UsageTotals(PRICES)
    start = threading.Barrier(8)

    def work(n: int) -> None:
        start.wait()
        for _ in range(500):
            totals.add(_usage(2, 1, cached=1), model="gpt-4o", run_name=f"t{n % 2}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert totals.total == _usage(8000, 4000, cached=4000)
    assert totals.by_run_name["t0"]["input_tokens"] == totals.by_run_name["t1"]["input_tokens"]
    assert totals.cost_usd == pytest.approx(4000 * (2.5 + 1.25 + 10) / 1e6)


async def test_tasks_lose_no_usage() -> None:
    totals = UsageTotals()

    async def work() -> None:
        for _ in range(100):
            totals.add(_usage(1, 1), model="m", run_name="r")
            await asyncio.sleep(0)  # interleave the tasks

    await asyncio.gather(*(work() for _ in range(10)))
    assert totals.total == _usage(1000, 1000)


def test_repr_shows_counts_not_contents() -> None:
    totals = UsageTotals(PRICES)
    totals.add(_usage(1, 2), model="gpt-4o", run_name="r")
    assert repr(totals) == (
        "UsageTotals(input_tokens=1, output_tokens=2, cost_usd=0.000023, models=['gpt-4o'])"
    )
