"""LangChain's figures for the measurements of ``bench_core.py``, ``bench_chain.py`` and
``bench_openai.py``, so the docs can put them beside ours, measured in the same session.

Runs in its own virtualenv (LangChain never goes into the project's)::

    python3 -m venv bench/.venv-langchain
    bench/.venv-langchain/bin/pip install langchain-core langchain-openai
    bench/.venv-langchain/bin/python bench/langchain/bench_langchain.py [--quick]

It starts the project's emulator in a child process with the project's interpreter
(``.venv/bin/python -m pipes_openai.emulator``), the same server ``bench_openai.py`` uses, and
measures the raw clients (``httpx``, ``httpx2``) in the same run, so every ratio compares
LangChain with raw HTTP under the same load. Writes ``bench/results/langchain.json``.

Figures: the 10-step ``RunnableLambda`` sequence (overhead per step); ``prompt |
FakeListChatModel | StrOutputParser`` invoke; streaming 1,000 / 10,000 chunks through it
(overhead per chunk over the fake's own ``_stream``); ``ChatOpenAI.invoke`` vs a raw
``httpx.Client`` POST + parse; ``abatch`` of 2,000 at ``max_concurrency=64`` vs raw
``httpx2``/``httpx`` ``AsyncClient``; streaming 5,000 chunks vs a raw SSE loop (rate and first
chunk); ``import langchain_openai`` / ``langchain_core`` time and resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, for _common

import httpx
import httpx2
import langchain_core
import langchain_openai
from _common import ROOT, report, source_state
from langchain_core.language_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_openai import ChatOpenAI

MODEL = "gpt-4o-mini"
API_KEY = "sk-bench"
PROMPT = "Translate 'I love programming.' to French"
STREAM_CHUNKS = 5_000
STREAM_PROMPT = " ".join(["word"] * STREAM_CHUNKS)
BATCH = 2_000
CONCURRENCY = 64
CHAIN_INPUT = {
    "input_language": "English",
    "output_language": "French",
    "input": "I love programming.",
}
REPLY = "J'adore la programmation."
CHAIN_STREAM_SIZES = (1_000, 10_000)
# The request bodies bench_openai.py's raw clients send (what pipes' ChatOpenAI sends).
PLAIN_BODY: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}]}
STREAM_BODY: dict[str, Any] = {
    "model": MODEL,
    "messages": [{"role": "user", "content": STREAM_PROMPT}],
    "stream": True,
    "stream_options": {"include_usage": True},
}


def _headers() -> dict[str, str]:
    return {
        "content-type": "application/json",
        "accept": "application/json",
        "authorization": f"Bearer {API_KEY}",
    }


class Emulator:
    """The project's emulator in a child process of the project's interpreter."""

    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen(
            [python, "-m", "pipes_openai.emulator", "--port", "0", "--no-record-requests"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"the emulator ({python} -m pipes_openai.emulator) did not start")
        self.base_url = line.split()[-1]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def interleaved(
    funcs: dict[str, Callable[[], object]], number: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Per-call wall and CPU time (us) of each function, median over interleaved rounds."""
    wall: dict[str, list[float]] = {k: [] for k in funcs}
    cpu: dict[str, list[float]] = {k: [] for k in funcs}
    for func in funcs.values():
        for _ in range(max(5, number // 5)):
            func()
    for _ in range(rounds):
        for name, func in funcs.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(number):
                func()
            wall[name].append((time.perf_counter() - t0) / number * 1e6)
            cpu[name].append((time.thread_time() - c0) / number * 1e6)
    return {
        name: {
            "wall_us": statistics.median(wall[name]),
            "wall_best_us": min(wall[name]),
            "cpu_us": statistics.median(cpu[name]),
        }
        for name in funcs
    }


# -- core and chain -----------------------------------------------------------------------------


def bench_sequence(quick: bool) -> dict[str, float]:
    def make(i: int) -> Callable[[int], int]:
        def step(x: int) -> int:
            return x + i

        return step

    f = [make(i) for i in range(10)]
    sequence: Any = RunnableLambda(f[0])
    for g in f[1:]:
        sequence = sequence | g

    def direct() -> int:
        return f[9](f[8](f[7](f[6](f[5](f[4](f[3](f[2](f[1](f[0](1))))))))))

    assert sequence.invoke(1) == direct()
    timed = interleaved(
        {"sequence": lambda: sequence.invoke(1), "direct": direct},
        100 if quick else 300,
        3 if quick else 5,
    )
    return {
        "sequence_us": timed["sequence"]["wall_us"],
        "per_step_overhead_us": (timed["sequence"]["wall_us"] - timed["direct"]["wall_us"]) / 10,
        "per_step_overhead_cpu_us": (timed["sequence"]["cpu_us"] - timed["direct"]["cpu_us"]) / 10,
    }


def _prompt() -> ChatPromptTemplate:
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


def bench_chain_invoke(quick: bool) -> dict[str, dict[str, float]]:
    chain = _prompt() | FakeListChatModel(responses=[REPLY]) | StrOutputParser()
    assert chain.invoke(CHAIN_INPUT) == REPLY
    return interleaved(
        {"chain": lambda: chain.invoke(CHAIN_INPUT)}, 200 if quick else 500, 3 if quick else 7
    )


def _drain(iterator: Iterator[Any]) -> int:
    count = 0
    for _ in iterator:
        count += 1
    return count


def bench_chain_stream(quick: bool) -> dict[str, Any]:
    prompt = _prompt()
    out: dict[str, Any] = {}
    for size in CHAIN_STREAM_SIZES:
        # FakeListChatModel streams one character per chunk: N characters = N chunks.
        model = FakeListChatModel(responses=["x" * size])
        chain = prompt | model | StrOutputParser()
        messages = prompt.invoke(CHAIN_INPUT).to_messages()

        def raw(model: FakeListChatModel = model, messages: Any = messages) -> int:
            return _drain(model._stream(messages))

        def through_chain(chain: Any = chain) -> int:
            return _drain(chain.stream(CHAIN_INPUT))

        assert "".join(chain.stream(CHAIN_INPUT)) == "x" * size
        wall: dict[str, list[float]] = {"raw": [], "chain": []}
        cpu: dict[str, list[float]] = {"raw": [], "chain": []}
        funcs: dict[str, Callable[[], int]] = {"raw": raw, "chain": through_chain}
        for _ in range(2 if quick else 3):
            for name, func in funcs.items():
                gc.collect()
                c0, t0 = time.thread_time(), time.perf_counter()
                func()
                wall[name].append((time.perf_counter() - t0) / size * 1e6)
                cpu[name].append((time.thread_time() - c0) / size * 1e6)
        fig = {
            "chain_per_chunk_us": statistics.median(wall["chain"]),
            "raw_per_chunk_us": statistics.median(wall["raw"]),
            "chain_cpu_per_chunk_us": statistics.median(cpu["chain"]),
            "raw_cpu_per_chunk_us": statistics.median(cpu["raw"]),
        }
        fig["overhead_per_chunk_us"] = fig["chain_per_chunk_us"] - fig["raw_per_chunk_us"]
        fig["cpu_overhead_per_chunk_us"] = (
            fig["chain_cpu_per_chunk_us"] - fig["raw_cpu_per_chunk_us"]
        )
        out[str(size)] = fig
    return out


# -- ChatOpenAI ---------------------------------------------------------------------------------


def _llm(base_url: str) -> ChatOpenAI:
    # stream_usage=True: pipes asks for usage while streaming by default; same work both sides.
    return ChatOpenAI(model=MODEL, base_url=base_url, api_key=API_KEY, stream_usage=True)


def bench_openai_invoke(base_url: str, quick: bool) -> dict[str, dict[str, float]]:
    url = base_url + "/chat/completions"
    headers = _headers()
    llm = _llm(base_url)
    with httpx.Client(timeout=60) as client:

        def raw_httpx() -> object:
            response = client.post(url, content=json.dumps(PLAIN_BODY).encode(), headers=headers)
            return json.loads(response.content)["choices"][0]["message"]["content"]

        def langchain() -> object:
            return llm.invoke(PROMPT).content

        assert raw_httpx() == langchain() == PROMPT
        return interleaved(
            {"raw_httpx": raw_httpx, "langchain": langchain},
            50 if quick else 200,
            3 if quick else 5,
        )


async def _raw_batch(
    post: Callable[[str, bytes, dict[str, str]], Awaitable[Any]], url: str, count: int
) -> list[str]:
    headers = _headers()
    results = [""] * count
    todo = iter(range(count))

    async def worker() -> None:
        for index in todo:
            response = await post(url, json.dumps(PLAIN_BODY).encode(), headers)
            results[index] = json.loads(response.content)["choices"][0]["message"]["content"]

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return results


async def _abatch_figures(base_url: str, count: int, rounds: int) -> dict[str, Any]:
    url = base_url + "/chat/completions"
    llm = _llm(base_url)
    inputs = [PROMPT] * count
    # Only the httpx2 baseline (the budget's reference); bench_openai.py measures raw httpx too.
    limits2 = httpx2.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx2.AsyncClient(limits=limits2, timeout=60) as c2:

        async def post2(u: str, content: bytes, headers: dict[str, str]) -> Any:
            return await c2.post(u, content=content, headers=headers)

        async def langchain_batch(n: int) -> list[str]:
            out = await llm.abatch(inputs[:n], {"max_concurrency": CONCURRENCY})
            return [m.content for m in out]

        runs: dict[str, Callable[[int], Awaitable[list[str]]]] = {
            "raw_httpx2": lambda n: _raw_batch(post2, url, n),
            "langchain": langchain_batch,
        }
        for run in runs.values():
            assert await run(128) == [PROMPT] * 128
        rates: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(rounds):
            for name, run in runs.items():
                c0, start = time.thread_time(), time.perf_counter()
                results = await run(count)
                rates[name].append(count / (time.perf_counter() - start))
                # The client is CPU-bound here: its CPU per request is the steadier figure.
                cpu[name].append((time.thread_time() - c0) / count * 1e6)
                assert results == [PROMPT] * count
    return {
        name: {
            "rps": statistics.median(r),
            "cpu_per_request_us": statistics.median(cpu[name]),
            "samples": r,
        }
        for name, r in rates.items()
    }


def bench_openai_abatch(base_url: str, quick: bool) -> dict[str, Any]:
    count = 500 if quick else BATCH
    # Two rounds (LangChain needs ~10 s for each): the figure is their mean.
    figures = asyncio.run(_abatch_figures(base_url, count, 1 if quick else 2))
    figures["requests"] = count
    return figures


def bench_openai_stream(base_url: str, quick: bool) -> dict[str, Any]:
    url = base_url + "/chat/completions"
    headers = {**_headers(), "accept": "text/event-stream"}
    llm = _llm(base_url)
    with httpx.Client(timeout=60) as client:

        def raw() -> tuple[float, float, int]:
            start = time.perf_counter()
            first = 0.0
            count = 0
            content = json.dumps(STREAM_BODY).encode()
            with client.stream("POST", url, content=content, headers=headers) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if not first:
                        first = time.perf_counter() - start
                    choices = event.get("choices")
                    if choices and choices[0]["delta"].get("content"):
                        count += 1
            return first, time.perf_counter() - start, count

        def langchain() -> tuple[float, float, int]:
            start = time.perf_counter()
            first = 0.0
            count = 0
            for chunk in llm.stream(STREAM_PROMPT):
                if not first:
                    first = time.perf_counter() - start
                if chunk.content:
                    count += 1
            return first, time.perf_counter() - start, count

        for func in (raw, langchain):
            assert func()[2] == STREAM_CHUNKS
        samples: dict[str, list[tuple[float, float, int]]] = {"raw": [], "langchain": []}
        for _ in range(2 if quick else 5):
            samples["raw"].append(raw())
            samples["langchain"].append(langchain())
    out: dict[str, Any] = {}
    for name, runs in samples.items():
        out[name] = {
            "chunks_per_s": statistics.median(STREAM_CHUNKS / total for _, total, _ in runs),
            "first_chunk_us": statistics.median(first for first, _, _ in runs) * 1e6,
        }
    out["rate_ratio"] = out["langchain"]["chunks_per_s"] / out["raw"]["chunks_per_s"]
    out["first_chunk_ratio"] = out["langchain"]["first_chunk_us"] / out["raw"]["first_chunk_us"]
    return out


_IMPORT = """
import time
c, t = time.process_time(), time.perf_counter()
{statement}
wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(wall, cpu, rss / 1024)
"""

IMPORTS = {
    "langchain_openai": "import langchain_openai",
    "langchain_core": "import langchain_core.runnables, langchain_core.prompts, "
    "langchain_core.output_parsers, langchain_core.language_models",
    "httpx": "import httpx",
}


def fresh_import(statement: str, runs: int) -> dict[str, float]:
    """Median wall ms, CPU ms and resident MB of ``statement`` in fresh interpreters
    (as bench_openai.py measures pipes)."""
    samples: list[list[float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT.format(statement=statement)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        samples.append([float(x) for x in out.split()])
    wall, cpu, rss = (statistics.median(column) for column in zip(*samples, strict=True))
    return {"ms": wall, "cpu_ms": cpu, "rss_mb": rss}


def bench_imports(runs: int) -> dict[str, dict[str, float]]:
    # pip compiled the venv's bytecode at install time: no cache juggling needed here.
    for statement in IMPORTS.values():
        fresh_import(statement, 1)
    return {name: fresh_import(statement, runs) for name, statement in IMPORTS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument(
        "--emulator-python",
        default=str(ROOT / ".venv" / "bin" / "python"),
        help="the project's interpreter, to run pipes_openai.emulator",
    )
    args = parser.parse_args()
    quick = args.quick

    sequence = bench_sequence(quick)
    chain = bench_chain_invoke(quick)
    chain_stream = bench_chain_stream(quick)
    emulator = Emulator(args.emulator_python)
    try:
        invoke = bench_openai_invoke(emulator.base_url, quick)
        abatch = bench_openai_abatch(emulator.base_url, quick)
        stream = bench_openai_stream(emulator.base_url, quick)
    finally:
        emulator.close()
    imports = bench_imports(3 if quick else 5)

    lc, raw = invoke["langchain"], invoke["raw_httpx"]
    rps = {k: abatch[k]["rps"] for k in ("langchain", "raw_httpx2")}
    ten = chain_stream["10000"]
    rows: list[dict[str, Any]] = [
        {
            "metric": "10-step RunnableLambda sequence: overhead per step",
            "value": sequence["per_step_overhead_us"],
            "unit": "µs",
            "note": f"sequence {sequence['sequence_us']:.1f} µs; CPU "
            f"{sequence['per_step_overhead_cpu_us']:.1f} µs/step",
        },
        {
            "metric": "prompt | FakeListChatModel | StrOutputParser invoke",
            "value": chain["chain"]["wall_us"],
            "unit": "µs",
            "note": f"CPU {chain['chain']['cpu_us']:.0f} µs",
        },
        {
            "metric": "stream 10k chunks through the chain: overhead/chunk",
            "value": ten["overhead_per_chunk_us"],
            "unit": "µs",
            "note": f"chain {ten['chain_per_chunk_us']:.1f} vs the fake's own "
            f"{ten['raw_per_chunk_us']:.1f} µs/chunk; CPU overhead "
            f"{ten['cpu_overhead_per_chunk_us']:.1f} µs/chunk",
        },
        {
            "metric": "    chain stream, 1,000 chunks: per chunk",
            "value": chain_stream["1000"]["chain_per_chunk_us"],
            "unit": "µs",
        },
        {
            "metric": "ChatOpenAI.invoke: overhead over raw httpx POST+parse",
            "value": lc["wall_us"] - raw["wall_us"],
            "unit": "µs",
            "note": f"{lc['wall_us']:.0f} vs {raw['wall_us']:.0f} µs = "
            f"{lc['wall_us'] / raw['wall_us']:.1f}x; CPU {lc['cpu_us']:.0f} vs "
            f"{raw['cpu_us']:.0f} µs",
        },
        {
            "metric": f"abatch {abatch['requests']:,} @ c{CONCURRENCY}: throughput",
            "value": rps["langchain"],
            "unit": "req/s",
            "note": f"{rps['langchain'] / rps['raw_httpx2'] * 100:.0f}% of raw "
            f"httpx2.AsyncClient {rps['raw_httpx2']:.0f} req/s; client CPU "
            f"{abatch['langchain']['cpu_per_request_us']:.0f} vs "
            f"{abatch['raw_httpx2']['cpu_per_request_us']:.0f} µs/request",
        },
        {
            "metric": f"stream {STREAM_CHUNKS:,} chunks: rate vs raw SSE",
            "value": stream["rate_ratio"] * 100,
            "unit": "%",
            "note": f"{stream['langchain']['chunks_per_s'] / 1e3:.1f}k vs raw "
            f"{stream['raw']['chunks_per_s'] / 1e3:.1f}k chunks/s",
        },
        {
            "metric": "stream: time to first chunk vs raw SSE",
            "value": stream["first_chunk_ratio"],
            "unit": "x",
            "note": f"{stream['langchain']['first_chunk_us']:.0f} vs "
            f"{stream['raw']['first_chunk_us']:.0f} µs",
        },
        {
            "metric": "import langchain_openai (fresh process, median)",
            "value": imports["langchain_openai"]["ms"],
            "unit": "ms",
            "note": f"CPU {imports['langchain_openai']['cpu_ms']:.0f} ms; langchain_core "
            f"runnables+prompts+parsers+models {imports['langchain_core']['ms']:.0f} ms; httpx "
            f"{imports['httpx']['ms']:.0f} ms",
        },
        {
            "metric": "RSS after import langchain_openai vs import httpx",
            "value": imports["langchain_openai"]["rss_mb"] / imports["httpx"]["rss_mb"],
            "unit": "x",
            "note": f"{imports['langchain_openai']['rss_mb']:.1f} vs "
            f"{imports['httpx']['rss_mb']:.1f} MB",
        },
    ]
    report(
        "langchain",
        rows,
        versions={
            "langchain_core": langchain_core.__version__,
            "langchain_openai": getattr(langchain_openai, "__version__", "?"),
            "httpx": httpx.__version__,
            "httpx2": httpx2.__version__,
        },
        sequence=sequence,
        chain=chain,
        chain_stream=chain_stream,
        invoke=invoke,
        abatch=abatch,
        stream=stream,
        imports=imports,
        quick=quick,
        source=source_state(),
    )


if __name__ == "__main__":
    main()
