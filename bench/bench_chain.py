"""Chain benchmarks (issue 3): ``prompt | FakeChatModel | StrOutputParser()`` invoke and streaming.

Figures (median of several interleaved repetitions, after a warm-up):

* invoke of the notebook's translation chain (budget <= 25 us; LangChain ~580 us here), with
  its parts (prompt, model, parser) measured alone to show where the time goes;
* streaming N = 1,000 / 10,000 / 100,000 chunks through the chain: time per chunk (linear when
  it stays flat as N grows) and the overhead per chunk over iterating the fake model's own
  chunk generator (its provider contract, ``_stream``) — budget <= 5 us at 10,000.

Run: ``.venv/bin/python bench/bench_chain.py [--quick]``; writes ``bench/results/chain.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import report, source_state

from pipes import ChatPromptTemplate, StrOutputParser
from pipes.testing import FakeChatModel

INPUT = {
    "input_language": "English",
    "output_language": "French",
    "input": "I love programming.",
}
REPLY = "J'adore la programmation."
STREAM_SIZES = (1_000, 10_000, 100_000)


def _prompt() -> ChatPromptTemplate[Any]:
    return ChatPromptTemplate.from_messages(
        [
            (
                "system",
                "You are a helpful assistant that translates {input_language} to "
                "{output_language}.",
            ),
            ("human", "{input}"),
        ]
    )


def median_per_call(
    funcs: dict[str, Callable[[], object]], number: int, repeat: int
) -> dict[str, dict[str, float]]:
    """Microseconds per call of each function: median and best wall time, median CPU time.

    The functions are interleaved batch by batch, so a burst of load on the shared machine
    hits all of them alike; one untimed batch each first warms caches and the allocator. CPU
    time (this thread's) is what the call costs when the machine is busy with other work.
    """
    wall: dict[str, list[float]] = {name: [] for name in funcs}
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    for func in funcs.values():
        timeit.timeit(func, number=max(1, number // 5))
    for _ in range(repeat):
        for name, func in funcs.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(number):
                func()
            wall[name].append((time.perf_counter() - t0) / number * 1e6)
            cpu[name].append((time.thread_time() - c0) / number * 1e6)
    return {
        name: {
            "median": statistics.median(wall[name]),
            "best": min(wall[name]),
            "cpu": statistics.median(cpu[name]),
        }
        for name in funcs
    }


_REFERENCE_DOC = '{"id": "x", "choices": [{"index": 0, "delta": {"content": " w"}}], "n": [1, 2]}'


def _reference() -> object:
    """Fixed dict- and allocation-heavy work (~12 µs) timed beside the chain.

    This VM's speed swings by up to ~1.7x within seconds whatever the load average says
    (other tenants of the host); code like pipes' (dicts, small objects) swings with it. Its
    time tells how fast the machine was during this run; compare it between result files.
    """
    out = []
    for i in range(40):
        entry = {"k": i, "v": "x", "w": None}
        out.append(dict(entry, z=i))
    return out, json.loads(_REFERENCE_DOC)


def bench_invoke(quick: bool) -> dict[str, Any]:
    prompt = _prompt()
    model = FakeChatModel(responses=[REPLY], cycle=True)
    parser = StrOutputParser()
    chain = prompt | model | parser
    assert chain.invoke(INPUT) == REPLY
    value = prompt.invoke(INPUT)
    message = model.invoke(value)
    assert parser.invoke(message) == REPLY

    def invoke() -> object:
        return chain.invoke(INPUT)

    def parts() -> object:
        # The same three calls by hand: the sequence's own cost is the difference.
        return parser.invoke(model.invoke(prompt.invoke(INPUT)))

    number = 1_000 if quick else 2_000
    timed = median_per_call(
        {
            "chain": invoke,
            "parts_by_hand": parts,
            "prompt": lambda: prompt.invoke(INPUT),
            "model": lambda: model.invoke(value),
            "parser": lambda: parser.invoke(message),
            "reference": _reference,
        },
        number,
        # Many short batches: the median then sits between the bursts of other load.
        3 if quick else 15,
    )
    model.reset()  # the fake records every call; drop them
    return timed


def _drain(iterator: Iterator[Any]) -> int:
    count = 0
    for _ in iterator:
        count += 1
    return count


def bench_stream(quick: bool) -> dict[str, Any]:
    """Per-chunk times for each size: the chain, the model alone, the fake's own generator.

    Sizes and variants are interleaved within each repetition, so a burst of load on the
    shared machine cannot make one size look slower than another (the linearity figure).
    """
    prompt = _prompt()
    messages = prompt.invoke(INPUT).to_messages()
    models: dict[int, FakeChatModel] = {}
    funcs: dict[int, dict[str, Callable[[], int]]] = {}
    counts: dict[int, dict[str, int]] = {}
    for size in STREAM_SIZES:
        # One character per chunk (as LangChain's fakes stream), so N characters = N chunks.
        model = models[size] = FakeChatModel(responses=["x" * size], cycle=True, chunking="chars")
        chain = prompt | model | StrOutputParser()

        def raw(model: FakeChatModel = model) -> int:
            # The provider contract a chat model implements: what the fake produces itself.
            return _drain(model._stream(messages))

        def alone(model: FakeChatModel = model) -> int:
            return _drain(model.stream(messages))

        def through_chain(chain: Any = chain) -> int:
            return _drain(chain.stream(INPUT))

        pieces = list(chain.stream(INPUT))
        assert "".join(pieces) == "x" * size, "the chain must stream the whole reply"
        funcs[size] = {"raw": raw, "model": alone, "chain": through_chain}
        counts[size] = {"raw": raw(), "model": alone(), "chain": len(pieces)}
    repeat = 3 if quick else 7
    wall: dict[tuple[int, str], list[float]] = {}
    cpu: dict[tuple[int, str], list[float]] = {}
    for _ in range(repeat):
        for size in STREAM_SIZES:
            for name, func in funcs[size].items():
                gc.collect()  # not inside the timing: earlier garbage is not this run's
                c0, t0 = time.thread_time(), time.perf_counter()
                func()
                wall.setdefault((size, name), []).append(time.perf_counter() - t0)
                cpu.setdefault((size, name), []).append(time.thread_time() - c0)
            models[size].reset()  # the fake records every call; drop them
    out: dict[str, Any] = {}
    for size in STREAM_SIZES:
        figures: dict[str, float] = {}
        for name in ("raw", "model", "chain"):
            w, c = wall[size, name], cpu[size, name]
            figures[f"{name}_per_chunk_us"] = statistics.median(w) / size * 1e6
            figures[f"{name}_best_per_chunk_us"] = min(w) / size * 1e6
            figures[f"{name}_cpu_per_chunk_us"] = statistics.median(c) / size * 1e6
            figures[f"{name}_items"] = counts[size][name]
        for prefix, field in (("", "per_chunk_us"), ("cpu_", "cpu_per_chunk_us")):
            figures[f"{prefix}overhead_per_chunk_us"] = (
                figures[f"chain_{field}"] - figures[f"raw_{field}"]
            )
            figures[f"{prefix}model_overhead_per_chunk_us"] = (
                figures[f"model_{field}"] - figures[f"raw_{field}"]
            )
        figures["repeats"] = repeat
        out[str(size)] = figures
    smallest, largest = out[str(STREAM_SIZES[0])], out[str(STREAM_SIZES[-1])]
    out["linearity"] = largest["chain_per_chunk_us"] / smallest["chain_per_chunk_us"]
    out["linearity_cpu"] = largest["chain_cpu_per_chunk_us"] / smallest["chain_cpu_per_chunk_us"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = parser.parse_args()

    invoke = bench_invoke(args.quick)
    stream = bench_stream(args.quick)
    ten = stream["10000"]
    chain_us = invoke["chain"]["median"]
    rows: list[dict[str, Any]] = [
        {
            "metric": "prompt | fake | StrOutputParser invoke",
            "value": chain_us,
            "unit": "µs",
            "budget": 25,
            "note": f"wall median; best {invoke['chain']['best']:.1f} µs; LangChain ~580 µs",
        },
        {
            "metric": "    machine speed: reference work (fixed), median",
            "value": invoke["reference"]["median"],
            "unit": "µs",
            "note": f"best {invoke['reference']['best']:.1f} µs; chain = "
            f"{chain_us / invoke['reference']['median']:.2f}x the reference (compare runs by this)",
        },
        {
            "metric": "    same, CPU time per call",
            "value": invoke["chain"]["cpu"],
            "unit": "µs",
            "budget": 25,
            "note": "this thread's CPU: the cost without other processes' load",
        },
        {
            "metric": "    prompt.invoke alone",
            "value": invoke["prompt"]["median"],
            "unit": "µs",
        },
        {
            "metric": "    FakeChatModel.invoke(prompt value) alone",
            "value": invoke["model"]["median"],
            "unit": "µs",
        },
        {
            "metric": "    StrOutputParser.invoke(message) alone",
            "value": invoke["parser"]["median"],
            "unit": "µs",
        },
        {
            "metric": "    sequence cost over the 3 calls by hand",
            "value": chain_us - invoke["parts_by_hand"]["median"],
            "unit": "µs",
            "note": f"by hand {invoke['parts_by_hand']['median']:.1f} µs",
        },
        {
            "metric": "stream 10k chunks through the chain: overhead/chunk",
            "value": ten["overhead_per_chunk_us"],
            "unit": "µs",
            "budget": 5,
            "note": f"wall median: chain {ten['chain_per_chunk_us']:.2f} µs/chunk vs the "
            f"fake's own chunks {ten['raw_per_chunk_us']:.2f} µs/chunk",
        },
        {
            "metric": "    same, CPU time",
            "value": ten["cpu_overhead_per_chunk_us"],
            "unit": "µs",
            "budget": 5,
            "note": f"chain {ten['chain_cpu_per_chunk_us']:.2f} vs fake's own "
            f"{ten['raw_cpu_per_chunk_us']:.2f} µs/chunk of CPU",
        },
        {
            "metric": "    of which BaseChatModel.stream (model alone)",
            "value": ten["model_overhead_per_chunk_us"],
            "unit": "µs",
            "note": f"model.stream {ten['model_per_chunk_us']:.2f} µs/chunk",
        },
    ]
    for size in STREAM_SIZES:
        fig = stream[str(size)]
        rows.append(
            {
                "metric": f"    chain stream, {size:,} chunks: per chunk",
                "value": fig["chain_per_chunk_us"],
                "unit": "µs",
                "note": f"total {fig['chain_per_chunk_us'] * size / 1e3:.1f} ms; overhead "
                f"{fig['overhead_per_chunk_us']:.2f} µs/chunk; CPU "
                f"{fig['chain_cpu_per_chunk_us']:.2f} µs/chunk",
            }
        )
    rows.append(
        {
            "metric": "stream linearity: per-chunk 100k / per-chunk 1k",
            "value": stream["linearity"],
            "unit": "x",
            "budget": 1.5,
            "note": f"1.0 = perfectly linear; 1.5 is our bound for 'linear'; CPU time "
            f"{stream['linearity_cpu']:.2f}",
        }
    )
    report(
        "chain",
        rows,
        invoke=invoke,
        stream=stream,
        quick=args.quick,
        source=source_state(),
    )


if __name__ == "__main__":
    main()
