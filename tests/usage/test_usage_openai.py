"""usage_tracker() with ChatOpenAI on the emulator (loopback HTTP): OpenAI's prices by default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipes import usage_tracker
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator, Reply

KEY = "sk-test-SECRET-0123456789abcdef"
USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 30,
    "total_tokens": 150,
    "prompt_tokens_details": {"cached_tokens": 100},
    "completion_tokens_details": {"reasoning_tokens": 10},
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        emulator.reset()
        yield emulator


def _llm(emu: Emulator) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o", base_url=emu.base_url, api_key=KEY, max_retries=0)


async def test_usage_and_cost_across_calls(emu: Emulator) -> None:
    emu.script(*[Reply("ok", usage=USAGE, model="gpt-4o-2024-08-06") for _ in range(4)])
    llm = _llm(emu)
    with usage_tracker() as usage:  # pipes_openai registered OPENAI_PRICES
        llm.invoke("a")
        list(llm.stream("b"))
        await llm.abatch(["c", "d"])
    assert usage.total == {
        "input_tokens": 480,
        "output_tokens": 120,
        "total_tokens": 600,
        "input_token_details": {"audio": 0, "cache_read": 400},
        "output_token_details": {"audio": 0, "reasoning": 40},
    }
    assert list(usage.by_model) == ["gpt-4o-2024-08-06"]
    assert usage.by_run_name == {"ChatOpenAI": usage.total}
    # 80 fresh * 2.5 + 400 cached * 1.25 + 120 output * 10 per million
    assert usage.cost_usd == pytest.approx((80 * 2.5 + 400 * 1.25 + 120 * 10) / 1e6)
