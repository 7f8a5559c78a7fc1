"""Chains over Ray Data on a real local Ray instance, against the emulator over loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import ray

from pipes import ChatPromptTemplate, RunnableLambda, SQLiteCache, StrOutputParser
from pipes.ray import RunnableMapper, SharedRateLimiter, map_dataset
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator

pytestmark = pytest.mark.usefixtures("ray_instance")

PROMPT = ChatPromptTemplate.from_messages([("system", "Repeat the question."), ("human", "{q}")])


def _chain(emulator: Emulator, **model: Any) -> Any:
    llm = ChatOpenAI(model="gpt-4o-mini", api_key="sk-ray", base_url=emulator.base_url, **model)
    return PROMPT | llm | StrOutputParser()


def _chat_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/chat/completions"))


def test_two_thousand_rows_through_a_chat_chain_each_output_on_its_row(
    emulator: Emulator,
) -> None:
    emulator.reset()
    ds = ray.data.from_items([{"id": i, "q": f"question number {i}"} for i in range(2000)])
    rows = map_dataset(_chain(emulator), ds, input_key="q", concurrency=2).take_all()
    assert len(rows) == 2000
    # The emulator echoes the last user message: each answer names its own row.
    assert all(row["output"] == f"question number {row['id']}" for row in rows)
    assert all(row["error"] is None for row in rows)
    assert _chat_requests(emulator) == 2000


def test_failing_rows_land_in_the_error_column_and_the_rest_go_on(emulator: Emulator) -> None:
    def picky(row: dict[str, Any]) -> dict[str, Any]:
        if row["id"] % 7 == 0:
            raise ValueError(f"row {row['id']} is not wanted")
        return {"q": f"keep {row['id']}"}

    ds = ray.data.from_items([{"id": i} for i in range(100)])
    rows = map_dataset(RunnableLambda(picky) | _chain(emulator), ds, concurrency=1).take_all()
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == 100
    for i, row in by_id.items():
        if i % 7 == 0:
            assert row["output"] is None
            assert row["error"] == f"ValueError: row {i} is not wanted"
        else:
            assert row["output"] == f"keep {i}"
            assert row["error"] is None


def test_a_restarted_job_with_a_disk_cache_sends_only_the_unfinished_rows(
    emulator: Emulator, tmp_path: Path
) -> None:
    chain = _chain(emulator, cache=SQLiteCache(tmp_path / "job.db"))
    items = [{"q": f"row {i}"} for i in range(300)]
    emulator.reset()
    # The first run stops after 120 rows (here: it was only given them).
    first = map_dataset(chain, ray.data.from_items(items[:120]), input_key="q").take_all()
    assert _chat_requests(emulator) == 120
    emulator.reset()
    again = map_dataset(chain, ray.data.from_items(items), input_key="q").take_all()
    assert _chat_requests(emulator) == 180  # the finished 120 came from the cache
    sent = {r.body["messages"][-1]["content"] for r in emulator.requests}
    assert sent == {f"row {i}" for i in range(120, 300)}
    assert sorted(row["output"] for row in again) == sorted(item["q"] for item in items)
    assert len(first) == 120


def test_the_mapper_class_under_map_batches_keeps_row_order(emulator: Emulator) -> None:
    ds = ray.data.from_items([{"q": f"q{i}"} for i in range(50)])
    out = ds.map_batches(
        RunnableMapper,
        fn_constructor_kwargs={"runnable": _chain(emulator), "input_key": "q"},
        compute=ray.data.ActorPoolStrategy(size=1),
        batch_size=10,
        batch_format="pandas",
    ).take_all()
    assert [row["output"] for row in out] == [f"q{i}" for i in range(50)]


def test_a_shared_limiter_is_one_budget_for_every_actor() -> None:
    limiter = SharedRateLimiter(requests_per_minute=60)  # a full minute's budget: 60 requests

    @ray.remote(num_cpus=0)
    def take(limiter: SharedRateLimiter, n: int) -> int:
        return sum(limiter.acquire(blocking=False) for _ in range(n))

    taken = ray.get([take.remote(limiter, 40), take.remote(limiter, 40)])
    assert sum(taken) == 60  # 80 asked, in two processes: only the one budget was handed out
    assert limiter.acquire(blocking=False) is False
    requests, tokens = limiter.available
    assert tokens is None
    assert requests is not None
    assert requests < 1


def test_a_shared_token_limiter_counts_a_chat_models_tokens(emulator: Emulator) -> None:
    # max_tokens within gpt-4o-mini's 16,384 output tokens (the emulator refuses more, as the
    # API does), and a large share of the budget: an unsettled call would show.
    limiter = SharedRateLimiter(tokens_per_minute=40_000)
    chain = _chain(emulator, rate_limiter=limiter, max_tokens=16_000)
    ds = ray.data.from_items([{"q": f"tokens {i}"} for i in range(3)])
    rows = map_dataset(chain, ds, input_key="q", concurrency=1).take_all()
    assert [row["error"] for row in rows] == [None, None, None]
    # From this process, whose calls reach the actor in order: the 16,000 tokens reserved
    # for max_tokens come back when the call settles with the few it used.
    assert chain.invoke({"q": "how many tokens?"}) == "how many tokens?"
    _, left = limiter.available
    assert left is not None
    assert left > 39_000  # unsettled, it would be about 24,000 (+ what refilled meanwhile)


def test_bad_arguments_say_what_to_pass() -> None:
    with pytest.raises(TypeError, match="needs a pipes Runnable"):
        RunnableMapper(lambda x: x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="output_key and error_key must differ"):
        RunnableMapper(RunnableLambda(str), output_key="x", error_key="x")
    with pytest.raises(ValueError, match="needs requests_per_minute=, tokens_per_minute="):
        SharedRateLimiter()
    mapper = RunnableMapper(RunnableLambda(str), input_key="missing")
    with pytest.raises(KeyError, match="input_key 'missing' is not a column"):
        mapper({"q": ["a"]})
