"""Four Ray actors under one quota: the shared limiter vs a limiter per process (issue 12).

An in-process emulator enforces a tokens-per-minute and requests-per-minute limit (429s with
`retry-after`, `x-ratelimit-*` headers); a local Ray instance (`num_cpus=4`) runs
`prompt | ChatOpenAI | parser` over the rows with `map_dataset(concurrency=4)`, twice:

- every actor's model holds one `SharedRateLimiter` (the budget in one Ray actor);
- every actor's model holds its own `TokenRateLimiter` with the same limits (what one gets
  without a shared limit: four processes, each believing it owns the quota).

Reported: the share of requests answered 429, and how much of what the server could have
admitted in that time (a full budget plus its refill) was used.

    python bench/bench_scaleout.py [--rows 3000] [--tpm 60000]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import ray
from _common import report

from pipes import BaseRateLimiter, ChatPromptTemplate, StrOutputParser, TokenRateLimiter
from pipes.ray import SharedRateLimiter, map_dataset
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator

PROMPT = ChatPromptTemplate.from_messages([("human", "{q}")])


def _job(emu: Emulator, rows: int, limiter: BaseRateLimiter) -> dict[str, Any]:
    emu.reset()
    limits = emu.rate_limits
    assert limits is not None
    refused_before, charged_before = limits.refused, limits.charged_tokens
    llm = ChatOpenAI(
        model="gpt-4o-mini",
        api_key="sk-bench",
        base_url=emu.base_url,
        max_tokens=16,
        max_retries=6,
        rate_limiter=limiter,
    )
    chain = PROMPT | llm | StrOutputParser()
    ds = ray.data.from_items([{"q": f"row {i} of the job, a short question"} for i in range(rows)])
    started = time.monotonic()
    out = map_dataset(chain, ds, input_key="q", concurrency=4, max_concurrency=8).take_all()
    elapsed = time.monotonic() - started
    refused = limits.refused - refused_before
    charged = limits.charged_tokens - charged_before
    answered = sum(1 for row in out if row["error"] is None)
    return {
        "elapsed": elapsed,
        "refused": refused,
        "requests": answered + refused,
        "charged": charged,
        "failed_rows": rows - answered,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--tpm", type=int, default=60_000)
    parser.add_argument("--rpm", type=int, default=6_000)
    args = parser.parse_args()
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    results = {}
    try:
        for label, make in (
            (
                "shared",
                lambda: SharedRateLimiter(requests_per_minute=args.rpm, tokens_per_minute=args.tpm),
            ),
            (
                "per process",
                lambda: TokenRateLimiter(requests_per_minute=args.rpm, tokens_per_minute=args.tpm),
            ),
        ):
            # A fresh server per run: both start from a full quota, as a new minute would.
            with Emulator(rpm=args.rpm, tpm=args.tpm, record_requests=False) as emu:
                results[label] = _job(emu, args.rows, make())
    finally:
        ray.shutdown()
    rows = []
    for label, r in results.items():
        admissible = args.tpm * (1 + r["elapsed"] / 60)  # a full budget plus its refill
        unused = 100 * (1 - r["charged"] / admissible)
        rate = 100 * r["refused"] / max(1, r["requests"])
        rows.append(
            {
                "metric": f"{label}: requests answered 429",
                "value": rate,
                "unit": "%",
                **({"budget": 1} if label == "shared" else {}),
                "note": f"{r['refused']} of {r['requests']}; {r['failed_rows']} rows failed",
            }
        )
        rows.append(
            {
                "metric": f"{label}: token limit left unused",
                "value": unused,
                "unit": "%",
                **({"budget": 10} if label == "shared" else {}),
                "note": (
                    f"{r['charged']} tokens in {r['elapsed']:.1f} s of a possible "
                    f"{admissible:.0f} (TPM {args.tpm}: a full budget + its refill)"
                ),
            }
        )
    report("scaleout", rows, rows_per_job=args.rows, tpm=args.tpm, rpm=args.rpm, actors=4)


if __name__ == "__main__":
    main()
