"""A chain over a Ray dataset, under one rate limit shared by every worker.

    python cookbook/ray_batch_job.py [--rows N]

Starts a local Ray instance (2 CPUs), builds a dataset of product reviews (one of them broken on
purpose) and runs ``prompt | ChatOpenAI | StrOutputParser()`` over it with
``pipes.ray.map_dataset`` on two actors. Every actor's model holds the same
``SharedRateLimiter``, so together they stay under one requests/tokens-per-minute quota. Each
row comes back with an ``output`` and an ``error`` column: the broken row fails alone, the
others are answered. On the emulator the answers are the reviews echoed back.
"""

from __future__ import annotations

import argparse

import ray
from _backend import Emulator, run, section

from pipes import ChatPromptTemplate, RunnableLambda, StrOutputParser
from pipes.ray import SharedRateLimiter, map_dataset
from pipes_openai import ChatOpenAI

REVIEWS = [
    "Arrived quickly and works as described.",
    "The battery died after two days.",
    "Great value, I would buy it again.",
    "Too small for my needs.",
    "Exactly what the picture shows.",
]


def checked(row: dict[str, object]) -> dict[str, object]:
    if not row["review"]:
        raise ValueError(f"row {row['id']} has an empty review")
    return row


def main(emulator: Emulator | None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40)
    args = parser.parse_args()

    section("Starting a local Ray instance")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        rows = [{"id": i, "review": REVIEWS[i % len(REVIEWS)]} for i in range(args.rows)]
        rows[3]["review"] = ""  # fails on its own: see `checked` below
        dataset = ray.data.from_items(rows)

        section(f"Labelling {args.rows} reviews on 2 actors, one shared quota")
        limiter = SharedRateLimiter(requests_per_minute=3_000, tokens_per_minute=500_000)
        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", "Label the review positive or negative. Answer with one word."),
                ("human", "{review}"),
            ]
        )
        llm = ChatOpenAI(model="gpt-4o-mini", temperature=0, max_tokens=5, rate_limiter=limiter)
        chain = RunnableLambda(checked) | prompt | llm | StrOutputParser()
        labelled = map_dataset(chain, dataset, concurrency=2, max_concurrency=8)
        out = sorted(labelled.take_all(), key=lambda row: row["id"])

        failed = [row for row in out if row["error"] is not None]
        print(f"{len(out)} rows, {len(out) - len(failed)} answered, {len(failed)} failed")
        for row in out[:3]:
            print(f"  row {row['id']}: {row['output']}")
        for row in failed:
            print(f"  row {row['id']} failed: {row['error'].split(':')[0]}")
        requests, tokens = limiter.available
        print(f"shared quota left: {requests:.0f} requests, {tokens:.0f} tokens this minute")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    run(main)
