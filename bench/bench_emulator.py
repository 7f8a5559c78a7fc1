"""The emulator's own throughput, so that it is never the bottleneck of the client benchmarks.

    .venv/bin/python bench/bench_emulator.py [--quick]

The server runs in a child process (``EmulatorProcess``) and is driven over loopback by a raw
asyncio HTTP/1.1 client (keep-alive, one connection per worker): a client far cheaper than httpx,
so the figure is the server's capacity. Measured: small non-streaming requests per second at
concurrency 64, the same with 8 pipelined requests per write, and SSE chunks per second of one
long streamed reply. Budget: the server answers at least 2x what ``ChatOpenAI.abatch`` can send
(``bench_openai.py``, ~1,200 req/s on the reference 2-core machine), i.e. >= 2,500 req/s.

``--baseline DIR`` measures another checkout of the package too (e.g. the commit before a change,
extracted with ``git archive <commit> pipes pipes_openai | tar -x -C DIR``), interleaved with
this one in the same run, so that both figures see the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, report, source_state

BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello, how are you?"}]}
).encode()


def _request(port: int, body: bytes) -> bytes:
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
        "content-type: application/json\r\nauthorization: Bearer x\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length, chunked = 0, False
    for line in head.split(b"\r\n"):
        low = line.lower()
        if low.startswith(b"content-length:"):
            length = int(low.split(b":")[1])
        elif low.startswith(b"transfer-encoding:") and b"chunked" in low:
            chunked = True
    if not chunked:
        return await reader.readexactly(length)
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(out)
        out += await reader.readexactly(size + 2)
        del out[-2:]


async def nonstream_rps(port: int, total: int, concurrency: int, pipeline: int) -> float:
    """Requests per second: ``concurrency`` connections, ``pipeline`` requests per write."""
    request = _request(port, BODY) * pipeline
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while remaining > 0:
            remaining -= pipeline
            writer.write(request)
            for _ in range(pipeline):
                body = await _read_response(reader)
                assert body.startswith(b'{"id"'), body[:200]
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (total + (-remaining)) / (time.perf_counter() - start)


async def stream_cps(port: int, tokens: int) -> float:
    body = json.dumps(
        {
            "model": "gpt-4o-mini",
            "stream": True,
            "messages": [{"role": "user", "content": " word" * tokens}],
        }
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**24)
    start = time.perf_counter()
    writer.write(_request(port, body))
    data = await _read_response(reader)
    elapsed = time.perf_counter() - start
    writer.close()
    return data.count(b"data: ") / elapsed


@contextlib.contextmanager
def serving(tree: Path) -> Iterator[int]:
    """``python -m pipes_openai.emulator`` from the checkout ``tree``; yields its port."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "pipes_openai.emulator", "--port", "0"]
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, env=env)
    # --quiet: no access log line per request (older checkouts had none to turn off).
    command += ["--no-record-requests", *(["--quiet"] if "--quiet" in helped.stdout else [])]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        if not select.select([proc.stdout], [], [], 30)[0]:
            raise TimeoutError(f"the emulator from {tree} did not start within 30 s")
        line = proc.stdout.readline()
        yield int(line.split()[-1].split(":")[-1].split("/")[0])
    finally:
        proc.terminate()
        proc.wait(10)


def measure(tree: Path, total: int) -> dict[str, float]:
    with serving(tree) as port:
        asyncio.run(nonstream_rps(port, 1_000, 16, 1))  # warm-up
        return {
            "plain": asyncio.run(nonstream_rps(port, total, 64, 1)),
            "piped": asyncio.run(nonstream_rps(port, total, 64, 8)),
            "chunks": asyncio.run(stream_cps(port, 100_000)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (smoke run)")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure alongside")
    args = parser.parse_args()
    total = 4_000 if args.quick else 20_000
    runs = 1 if args.quick else 3
    trees = {"current": ROOT, **({"baseline": args.baseline} if args.baseline else {})}
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(runs):  # interleaved: both trees see the same machine load
        for name, tree in trees.items():
            samples[name].append(measure(tree, total))
    best = {
        name: {key: max(s[key] for s in runs_) for key in runs_[0]}
        for name, runs_ in samples.items()
    }
    plain, piped, chunks = (best["current"][key] for key in ("plain", "piped", "chunks"))
    rows: list[dict[str, Any]] = [
        {
            "metric": "emulator: small non-streaming requests, raw client @ c64",
            "value": plain,
            "unit": "req/s",
            "note": "budget is a floor: >= 2,500 req/s (2x ChatOpenAI.abatch)",
        },
        {
            "metric": "    same, 8 pipelined requests per write",
            "value": piped,
            "unit": "req/s",
        },
        {
            "metric": "emulator: one streamed reply of 100k tokens",
            "value": chunks,
            "unit": "SSE chunks/s",
        },
    ]
    if "baseline" in best:
        base = best["baseline"]
        rows += [
            {
                "metric": f"    baseline ({args.baseline}): non-streaming @ c64",
                "value": base["plain"],
                "unit": "req/s",
                "note": f"current / baseline = {plain / base['plain']:.2f}x",
            },
            {
                "metric": "    baseline: 8 pipelined requests per write",
                "value": base["piped"],
                "unit": "req/s",
            },
            {
                "metric": "    baseline: one streamed reply of 100k tokens",
                "value": base["chunks"],
                "unit": "SSE chunks/s",
            },
        ]
    report("emulator", rows, source=source_state(), requests=total, runs=runs, samples=samples)
    if plain < 2_500:
        print(f"NOT MET: {plain:,.0f} req/s < 2,500 req/s floor")


if __name__ == "__main__":
    main()
