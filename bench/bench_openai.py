"""ChatOpenAI benchmarks (issue 4), against raw HTTP clients doing the same work in the same run.

One emulator process (``EmulatorProcess``: the server does not share the client's GIL) serves
every measurement. The raw clients send exactly the JSON body ChatOpenAI sends (captured once
from an in-process emulator) and get the same reply. Figures:

* ``ChatOpenAI.invoke`` vs a raw ``httpx.Client`` POST + ``json.loads`` (sequential, keep-alive):
  client-side overhead, budget <= 10 % or <= 50 us;
* ``abatch`` of 2,000 requests at ``max_concurrency=64`` vs one raw ``httpx2.AsyncClient`` and
  one raw ``httpx.AsyncClient`` (64 workers, 64 kept-alive connections): budget >= httpx2's
  throughput;
* streaming 5,000 chunks vs a raw SSE loop over ``httpx.Client.stream`` (``iter_lines`` +
  ``json.loads``): chunk rate >= 80 % of raw, first chunk within 1.2x of raw;
* the same invoke and streaming figures on the Responses API (``use_responses_api=True``
  against raw loops reading ``output[0].content[0].text`` and ``response.output_text.delta``
  events), with the same budgets;
* ``import pipes_openai`` (<= 150 ms), its resident memory (<= 1.5x a bare ``import httpx``),
  ``import pipes`` (<= 80 ms), ``import pydantic`` and ``import httpx`` for reference.

Rounds interleave pipes and raw so load on the shared machine hits both alike; the figures are
medians. Run: ``.venv/bin/python bench/bench_openai.py [--quick]``; writes
``bench/results/openai.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import httpx2
from _common import ROOT, bytecode_env, report, source_state
from bench_core import import_offenders

from pipes import AIMessageChunk
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator, EmulatorProcess

MODEL = "gpt-4o-mini"
API_KEY = "sk-bench"
PROMPT = "Translate 'I love programming.' to French"
STREAM_CHUNKS = 5_000
# The emulator echoes the last user message, one token per word: N words stream as N chunks.
STREAM_PROMPT = " ".join(["word"] * STREAM_CHUNKS)
SHORT_PROMPT = "Bonjour !"  # two tokens: "Bonjour", " !"
BATCH = 2_000
CONCURRENCY = 64


def _headers() -> dict[str, str]:
    # What ChatOpenAI sends besides httpx's own defaults.
    return {
        "content-type": "application/json",
        "accept": "application/json",
        "authorization": f"Bearer {API_KEY}",
    }


class Api:
    """What differs between Chat Completions and the Responses API in these measurements."""

    def __init__(self, name: str, path: str, responses: bool) -> None:
        self.name = name
        self.path = path
        self.responses = responses

    def llm(self, base_url: str) -> ChatOpenAI:
        return ChatOpenAI(
            model=MODEL, base_url=base_url, api_key=API_KEY, use_responses_api=self.responses
        )

    def text(self, reply: Any) -> Any:
        """The answer's text in a raw JSON reply."""
        if self.responses:
            return reply["output"][0]["content"][0]["text"]
        return reply["choices"][0]["message"]["content"]

    def is_delta(self, event: Any) -> bool:
        """Whether a raw stream event carries a piece of the answer's text."""
        if self.responses:
            return event.get("type") == "response.output_text.delta"
        choices = event.get("choices")
        return bool(choices and choices[0]["delta"].get("content"))

    def is_last(self, event: Any) -> bool:
        return self.responses and event.get("type") == "response.completed"


CHAT = Api("chat", "/chat/completions", responses=False)
RESPONSES = Api("responses", "/responses", responses=True)


def capture_bodies(api: Api = CHAT) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON bodies ChatOpenAI sends for an invoke and for a stream (via the emulator)."""
    with Emulator() as emulator:
        llm = api.llm(emulator.base_url)
        llm.invoke(PROMPT)
        for _ in llm.stream(STREAM_PROMPT):
            pass
        requests = emulator.requests
        return dict(requests[0].body), dict(requests[1].body)


def _interleaved(
    funcs: dict[str, Callable[[], object]], number: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Per-call wall and CPU (this thread) time of each function, median over ``rounds``.

    A warm-up batch first; then each round runs every function ``number`` times in turn.
    """
    wall: dict[str, list[float]] = {k: [] for k in funcs}
    cpu: dict[str, list[float]] = {k: [] for k in funcs}
    for func in funcs.values():
        for _ in range(max(20, number // 5)):
            func()
    for _ in range(rounds):
        for name, func in funcs.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(number):
                func()
            wall[name].append((time.perf_counter() - t0) / number)
            cpu[name].append((time.thread_time() - c0) / number)
    return {
        name: {
            "wall_us": statistics.median(wall[name]) * 1e6,
            "wall_best_us": min(wall[name]) * 1e6,
            "cpu_us": statistics.median(cpu[name]) * 1e6,
        }
        for name in funcs
    }


# -- invoke ----------------------------------------------------------------------------------


def bench_invoke(
    base_url: str, body: dict[str, Any], quick: bool, api: Api = CHAT
) -> dict[str, Any]:
    url = base_url + api.path
    headers = _headers()
    llm = api.llm(base_url)
    expected = llm.invoke(PROMPT).text
    with httpx.Client(timeout=60) as client, httpx2.Client(timeout=60) as client2:

        def raw_httpx() -> object:
            response = client.post(url, content=json.dumps(body).encode(), headers=headers)
            return api.text(json.loads(response.content))

        def raw_httpx2() -> object:
            response = client2.post(url, content=json.dumps(body).encode(), headers=headers)
            return api.text(json.loads(response.content))

        def pipes() -> object:
            return llm.invoke(PROMPT).text

        assert raw_httpx() == raw_httpx2() == expected == PROMPT
        return _interleaved(
            {"raw_httpx": raw_httpx, "raw_httpx2": raw_httpx2, "pipes": pipes},
            100 if quick else 300,
            3 if quick else 7,
        )


# -- abatch ----------------------------------------------------------------------------------


async def _raw_batch(
    post: Callable[[str, bytes, dict[str, str]], Awaitable[Any]],
    url: str,
    body: dict[str, Any],
    count: int,
) -> list[str]:
    """``count`` requests through ``post`` by CONCURRENCY workers (the leanest raw client)."""
    headers = _headers()
    results: list[str] = [""] * count
    todo: Iterator[int] = iter(range(count))

    async def worker() -> None:
        for index in todo:
            response = await post(url, json.dumps(body).encode(), headers)
            results[index] = json.loads(response.content)["choices"][0]["message"]["content"]

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return results


async def _abatch_figures(base_url: str, body: dict[str, Any], count: int, rounds: int) -> Any:
    url = base_url + "/chat/completions"
    llm = ChatOpenAI(model=MODEL, base_url=base_url, api_key=API_KEY)
    inputs = [PROMPT] * count
    # 64 kept-alive connections: httpx's default keeps only 20 alive, which would make the raw
    # clients reconnect on most requests at concurrency 64 and flatter pipes.
    limits1 = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    limits2 = httpx2.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with (
        httpx.AsyncClient(limits=limits1, timeout=60) as c1,
        httpx2.AsyncClient(limits=limits2, timeout=60) as c2,
    ):

        async def post1(u: str, content: bytes, headers: dict[str, str]) -> Any:
            return await c1.post(u, content=content, headers=headers)

        async def post2(u: str, content: bytes, headers: dict[str, str]) -> Any:
            return await c2.post(u, content=content, headers=headers)

        async def pipes_batch(n: int) -> list[str]:
            out = await llm.abatch(inputs[:n], {"max_concurrency": CONCURRENCY})
            return [m.content for m in out]  # type: ignore[misc]

        runs: dict[str, Callable[[int], Awaitable[list[str]]]] = {
            "raw_httpx2": lambda n: _raw_batch(post2, url, body, n),
            "pipes": pipes_batch,
            "raw_httpx": lambda n: _raw_batch(post1, url, body, n),
        }
        # Warm-up: every client opens its connections (and pipes its pools) once.
        for run in runs.values():
            assert await run(256) == [PROMPT] * 256
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
                "best_rps": max(r),
                "cpu_per_request_us": statistics.median(cpu[name]),
                "samples": r,
            }
            for name, r in rates.items()
        }


def bench_abatch(base_url: str, body: dict[str, Any], quick: bool) -> dict[str, Any]:
    count = 500 if quick else BATCH
    figures: dict[str, Any] = asyncio.run(_abatch_figures(base_url, body, count, 1 if quick else 3))
    figures["requests"] = count
    return figures


# -- streaming -------------------------------------------------------------------------------


def bench_stream(
    base_url: str, body: dict[str, Any], quick: bool, api: Api = CHAT
) -> dict[str, Any]:
    url = base_url + api.path
    headers = {**_headers(), "accept": "text/event-stream"}
    llm = api.llm(base_url)
    # A 2-token reply too: its first chunk shows the per-request cost of starting a stream,
    # which the 5,000-chunk stream's server-side start (echoing 25 kB) partly hides.
    key = "input" if api.responses else "messages"
    short_body = {**body, key: [{**body[key][0], "content": SHORT_PROMPT}]}

    with httpx.Client(timeout=60) as client:

        def raw(body: dict[str, Any]) -> tuple[float, float, int, float]:
            """A plain SSE loop: iter_lines, json.loads, the delta's content."""
            cpu = time.thread_time()
            start = time.perf_counter()
            first = 0.0
            count = 0
            with client.stream(
                "POST", url, content=json.dumps(body).encode(), headers=headers
            ) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if not first:
                        first = time.perf_counter() - start
                    if api.is_delta(event):
                        count += 1
                    elif api.is_last(event):
                        break
            return first, time.perf_counter() - start, count, time.thread_time() - cpu

        def pipes(prompt: str) -> tuple[float, float, int, float]:
            cpu = time.thread_time()
            start = time.perf_counter()
            first = 0.0
            count = 0
            for chunk in llm.stream(prompt):
                if not first:
                    first = time.perf_counter() - start
                if chunk.content:
                    count += 1
            return first, time.perf_counter() - start, count, time.thread_time() - cpu

        # A Responses stream has one content chunk more than deltas: the text's "done" block.
        extra = 1 if api.responses else 0
        for _ in range(2):  # warm-up
            assert raw(body)[2] == pipes(STREAM_PROMPT)[2] - extra == STREAM_CHUNKS
            assert raw(short_body)[2] == pipes(SHORT_PROMPT)[2] - extra == 2
        samples: dict[str, list[tuple[float, float, int, float]]] = {"raw": [], "pipes": []}
        short: dict[str, list[float]] = {"raw": [], "pipes": []}
        for _ in range(3 if quick else 21):
            samples["raw"].append(raw(body))
            samples["pipes"].append(pipes(STREAM_PROMPT))
            for _ in range(5):
                short["raw"].append(raw(short_body)[0])
                short["pipes"].append(pipes(SHORT_PROMPT)[0])
    out: dict[str, Any] = {}
    for name, runs in samples.items():
        out[name] = {
            "chunks_per_s": statistics.median(STREAM_CHUNKS / run[1] for run in runs),
            "first_chunk_us": statistics.median(run[0] for run in runs) * 1e6,
            "total_ms": statistics.median(run[1] for run in runs) * 1e3,
            "cpu_per_chunk_us": statistics.median(run[3] for run in runs) / STREAM_CHUNKS * 1e6,
            "short_first_chunk_us": statistics.median(short[name]) * 1e6,
        }
    # Diagnostic: one chunk object per event is most of what pipes adds to a raw SSE loop.
    construct: list[float] = []
    for _ in range(3 if quick else 11):
        c0 = time.thread_time()
        for _ in range(STREAM_CHUNKS):
            AIMessageChunk(content=" word", id="chatcmpl-emu00000001")
        construct.append((time.thread_time() - c0) / STREAM_CHUNKS * 1e6)
    out["chunk_construct_cpu_us"] = statistics.median(construct)
    out["rate_ratio"] = out["pipes"]["chunks_per_s"] / out["raw"]["chunks_per_s"]
    out["first_chunk_ratio"] = out["pipes"]["first_chunk_us"] / out["raw"]["first_chunk_us"]
    out["short_first_chunk_ratio"] = (
        out["pipes"]["short_first_chunk_us"] / out["raw"]["short_first_chunk_us"]
    )
    return out


# -- imports ---------------------------------------------------------------------------------

_IMPORT = """
import time
c, t = time.process_time(), time.perf_counter()
{statement}
wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(wall, cpu, rss / 1024)
"""


def fresh_import(statement: str, runs: int) -> dict[str, float]:
    """Median wall ms, CPU ms and resident MB of ``statement`` in ``runs`` fresh interpreters.

    Wall time is what ``_common.import_ms`` measures; CPU time is less disturbed by other
    processes; RSS is read from /proc after the import.
    """
    samples: list[list[float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT.format(statement=statement)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            # Bytecode caches on (this workplace sets PYTHONDONTWRITEBYTECODE; an installed
            # package has its bytecode compiled), kept out of the work tree.
            env=bytecode_env(),
        ).stdout
        samples.append([float(x) for x in out.split()])
    wall, cpu, rss = (statistics.median(column) for column in zip(*samples, strict=True))
    return {"ms": wall, "cpu_ms": cpu, "rss_mb": rss}


IMPORTS = {
    "pipes_openai": "import pipes_openai",
    "pipes": "import pipes",
    # pipes loads its pydantic-based parts on first use (PEP 562): what a chain's user pays.
    "pipes_chain": "from pipes import AIMessage, BaseChatModel, ChatPromptTemplate, "
    "StrOutputParser",
    "pydantic": "import pydantic; from pydantic import BaseModel",
    # The first model class also loads pydantic's schema machinery and its plugins (an
    # entry-point scan): the floor for any package that defines a pydantic model.
    "pydantic_model": "import pydantic; pydantic.create_model('M', x=(int, ...))",
    "httpx": "import httpx",
    "httpx_pydantic_model": "import httpx, pydantic; pydantic.create_model('M', x=(int, ...))",
    "bare": "pass",
}


def bench_imports(runs: int) -> dict[str, Any]:
    for statement in IMPORTS.values():
        fresh_import(statement, 1)  # writes the bytecode caches
    out: dict[str, Any] = {name: fresh_import(s, runs) for name, s in IMPORTS.items()}
    # What `import pipes_openai` spends its time on (bench_core's helper, same format).
    out["offenders"] = import_offenders("import pipes_openai")
    return out


def _responses_rows(invoke: dict[str, Any], stream: dict[str, Any]) -> list[dict[str, Any]]:
    """The Responses API rows: the Chat Completions budgets."""
    raw_us, pipes_us = invoke["raw_httpx"]["wall_us"], invoke["pipes"]["wall_us"]
    return [
        {
            "metric": "Responses API invoke: overhead over raw httpx POST+parse",
            "value": pipes_us - raw_us,
            "unit": "µs",
            "budget": max(50.0, 0.1 * raw_us),
            "note": f"wall, median: pipes {pipes_us:.0f} µs vs raw httpx {raw_us:.0f} µs "
            f"({(pipes_us / raw_us - 1) * 100:+.0f}%); CPU {invoke['pipes']['cpu_us']:.0f} vs "
            f"{invoke['raw_httpx']['cpu_us']:.0f} µs",
        },
        {
            "metric": f"Responses API stream {STREAM_CHUNKS:,} deltas: time per chunk vs raw SSE",
            "value": 1 / stream["rate_ratio"],
            "unit": "x",
            "budget": 1.25,
            "note": f"pipes {stream['pipes']['chunks_per_s'] / 1e3:.1f}k chunks/s = "
            f"{stream['rate_ratio'] * 100:.0f}% of raw {stream['raw']['chunks_per_s'] / 1e3:.1f}k"
            f" (budget >= 80%); client CPU {stream['pipes']['cpu_per_chunk_us']:.1f} vs "
            f"{stream['raw']['cpu_per_chunk_us']:.1f} µs/chunk",
        },
        {
            "metric": "    Responses API stream: time to first chunk vs raw SSE",
            "value": stream["first_chunk_ratio"],
            "unit": "x",
            "note": f"pipes {stream['pipes']['first_chunk_us']:.0f} µs vs raw "
            f"{stream['raw']['first_chunk_us']:.0f} µs",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = parser.parse_args()

    plain_body, stream_body = capture_bodies()
    r_plain_body, r_stream_body = capture_bodies(RESPONSES)
    with EmulatorProcess() as server:
        invoke = bench_invoke(server.base_url, plain_body, args.quick)
        abatch = bench_abatch(server.base_url, plain_body, args.quick)
        stream = bench_stream(server.base_url, stream_body, args.quick)
        r_invoke = bench_invoke(server.base_url, r_plain_body, args.quick, RESPONSES)
        r_stream = bench_stream(server.base_url, r_stream_body, args.quick, RESPONSES)
    imports = bench_imports(3 if args.quick else 7)

    raw_us, pipes_us = invoke["raw_httpx"]["wall_us"], invoke["pipes"]["wall_us"]
    raw_cpu, pipes_cpu = invoke["raw_httpx"]["cpu_us"], invoke["pipes"]["cpu_us"]
    rps = {k: abatch[k]["rps"] for k in ("pipes", "raw_httpx2", "raw_httpx")}
    rows: list[dict[str, Any]] = [
        {
            "metric": "ChatOpenAI.invoke: overhead over raw httpx POST+parse",
            "value": pipes_us - raw_us,
            "unit": "µs",
            "budget": max(50.0, 0.1 * raw_us),
            "note": f"wall, median: pipes {pipes_us:.0f} µs vs raw httpx {raw_us:.0f} µs "
            f"({(pipes_us / raw_us - 1) * 100:+.0f}%); budget = max(50 µs, 10%)",
        },
        {
            "metric": "    same, client CPU time per call",
            "value": pipes_cpu - raw_cpu,
            "unit": "µs",
            "budget": max(50.0, 0.1 * raw_cpu),
            "note": f"pipes {pipes_cpu:.0f} µs vs raw httpx {raw_cpu:.0f} µs of CPU "
            f"({(pipes_cpu / raw_cpu - 1) * 100:+.0f}%)",
        },
        {
            "metric": "    raw httpx2.Client POST+parse",
            "value": invoke["raw_httpx2"]["wall_us"],
            "unit": "µs",
            "note": f"CPU {invoke['raw_httpx2']['cpu_us']:.0f} µs",
        },
        {
            "metric": f"abatch {abatch['requests']:,} @ c{CONCURRENCY}: time vs raw httpx2",
            "value": rps["raw_httpx2"] / rps["pipes"],
            "unit": "x",
            "budget": 1.0,
            "note": f"pipes {rps['pipes']:.0f} req/s vs httpx2.AsyncClient "
            f"{rps['raw_httpx2']:.0f} req/s (budget: pipes req/s >= httpx2's)",
        },
        {
            "metric": "    abatch: pipes throughput",
            "value": rps["pipes"],
            "unit": "req/s",
            "note": f"raw httpx.AsyncClient {rps['raw_httpx']:.0f} req/s",
        },
        {
            "metric": "    abatch: client CPU per request vs raw httpx2",
            "value": abatch["pipes"]["cpu_per_request_us"]
            / abatch["raw_httpx2"]["cpu_per_request_us"],
            "unit": "x",
            "note": f"pipes {abatch['pipes']['cpu_per_request_us']:.0f} µs, httpx2 "
            f"{abatch['raw_httpx2']['cpu_per_request_us']:.0f} µs, httpx "
            f"{abatch['raw_httpx']['cpu_per_request_us']:.0f} µs (the client is CPU-bound)",
        },
        {
            "metric": f"stream {STREAM_CHUNKS:,} chunks: time per chunk vs raw SSE",
            "value": 1 / stream["rate_ratio"],
            "unit": "x",
            "budget": 1.25,
            "note": f"pipes {stream['pipes']['chunks_per_s'] / 1e3:.1f}k chunks/s = "
            f"{stream['rate_ratio'] * 100:.0f}% of raw {stream['raw']['chunks_per_s'] / 1e3:.1f}k"
            f" (budget >= 80%, i.e. <= 1.25x the time); client CPU "
            f"{stream['pipes']['cpu_per_chunk_us']:.1f} vs {stream['raw']['cpu_per_chunk_us']:.1f}"
            " µs/chunk",
        },
        {
            "metric": "    stream: AIMessageChunk(content=, id=) per event, CPU",
            "value": stream["chunk_construct_cpu_us"],
            "unit": "µs",
            "note": f"of pipes' {stream['pipes']['cpu_per_chunk_us']:.1f} µs/chunk; the raw loop "
            f"spends {stream['raw']['cpu_per_chunk_us']:.1f} µs/chunk in all",
        },
        {
            "metric": "stream: time to first chunk vs raw SSE",
            "value": stream["first_chunk_ratio"],
            "unit": "x",
            "budget": 1.2,
            "note": f"pipes {stream['pipes']['first_chunk_us']:.0f} µs vs raw "
            f"{stream['raw']['first_chunk_us']:.0f} µs",
        },
        {
            "metric": "    time to first chunk, 2-token reply, vs raw",
            "value": stream["short_first_chunk_ratio"],
            "unit": "x",
            "note": f"pipes {stream['pipes']['short_first_chunk_us']:.0f} µs vs raw "
            f"{stream['raw']['short_first_chunk_us']:.0f} µs",
        },
        *_responses_rows(r_invoke, r_stream),
        {
            "metric": "import pipes_openai (fresh process, median)",
            "value": imports["pipes_openai"]["ms"],
            "unit": "ms",
            "budget": 150,
            "note": f"CPU {imports['pipes_openai']['cpu_ms']:.0f} ms; import httpx alone "
            f"{imports['httpx']['ms']:.0f} ms (CPU {imports['httpx']['cpu_ms']:.0f})",
        },
        {
            "metric": "    import httpx, pydantic + one model (the dependencies' floor)",
            "value": imports["httpx_pydantic_model"]["ms"],
            "unit": "ms",
            "note": f"CPU {imports['httpx_pydantic_model']['cpu_ms']:.0f} ms; pipes_openai = "
            f"{imports['pipes_openai']['ms'] / imports['httpx_pydantic_model']['ms']:.2f}x this",
        },
        {
            "metric": "RSS after import pipes_openai vs import httpx",
            "value": imports["pipes_openai"]["rss_mb"] / imports["httpx"]["rss_mb"],
            "unit": "x",
            "budget": 1.5,
            "note": f"{imports['pipes_openai']['rss_mb']:.1f} MB vs "
            f"{imports['httpx']['rss_mb']:.1f} MB (bare interpreter "
            f"{imports['bare']['rss_mb']:.1f} MB; httpx + pydantic with one model "
            f"{imports['httpx_pydantic_model']['rss_mb']:.1f} MB)",
        },
        {
            "metric": "import pipes (fresh process, median)",
            "value": imports["pipes"]["ms"],
            "unit": "ms",
            "budget": 80,
            "note": f"CPU {imports['pipes']['cpu_ms']:.0f} ms; import pydantic alone "
            f"{imports['pydantic']['ms']:.0f} ms (CPU {imports['pydantic']['cpu_ms']:.0f}), with "
            f"one model {imports['pydantic_model']['ms']:.0f} ms (CPU "
            f"{imports['pydantic_model']['cpu_ms']:.0f})",
        },
        {
            "metric": "    from pipes import AIMessage, BaseChatModel, ChatPromptTemplate, ...",
            "value": imports["pipes_chain"]["ms"],
            "unit": "ms",
            "note": f"CPU {imports['pipes_chain']['cpu_ms']:.0f} ms: the lazily loaded parts "
            "a prompt | model | parser chain needs",
        },
    ]
    report(
        "openai",
        rows,
        invoke=invoke,
        abatch=abatch,
        stream=stream,
        responses_invoke=r_invoke,
        responses_stream=r_stream,
        imports=imports,
        quick=args.quick,
        source=source_state(),
    )
    print("\nslowest imports under `import pipes_openai` (cumulative ms, depth <= 2):")
    for row in imports["offenders"]:
        indent = "  " * (row["depth"] - 1)
        print(f"  {row['cumulative_ms']:8.1f}  {indent}{row['module']}")


if __name__ == "__main__":
    main()
