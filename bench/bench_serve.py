"""pipes.serve: the client's overhead over raw httpx, and the server's throughput against a bare
Starlette route answering the same JSON.

    .venv/bin/python bench/bench_serve.py [--quick]

The server runs in a child process (uvicorn, one worker, loopback) so that it never shares the
GIL with the client being measured. It serves a trivial chain (`RunnableLambda(lambda x: x)`)
with `create_app` at `/chain`, and a bare Starlette route `/bare/invoke` that answers the same
`{"output": ..., "metadata": {...}}` JSON without pipes.

1. Client: `RemoteRunnable.invoke` vs a raw `httpx.Client.post(url, json=...).json()["output"]`
   to the same route, sequential, interleaved rounds, best round of each (wall time, and the
   client's CPU time, which other load disturbs less). Budget: overhead <= 10 %.
2. Server: requests/s at concurrency 32 from a raw asyncio HTTP/1.1 client (keep-alive, one
   connection per worker: far cheaper than the server), to `/chain/invoke` and to
   `/bare/invoke`. Budget (issue 13): served >= 0.8x bare, reported as bare/served <= 1.25.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, report, source_state

SERVER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from pipes import RunnableLambda
from pipes.serve import add_routes

async def bare(request):
    body = await request.json()
    metadata = {"run_id": "x", "feedback_tokens": []}
    return JSONResponse({"output": body["input"], "metadata": metadata})

app = Starlette(routes=[Route("/bare/invoke", bare, methods=["POST"])])
add_routes(app, RunnableLambda(lambda x: x), path="/chain")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""

BODY = json.dumps({"input": {"text": "Hello, how are you?"}, "config": {}, "kwargs": {}}).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server() -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # a benchmark may poll; tests never do
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not start within 30 s")


def client_overhead(url: str, calls: int, rounds: int) -> dict[str, float]:
    """Best-round microseconds per call of RemoteRunnable.invoke and of the raw httpx POST:
    wall time (`remote`, `raw`) and this process's CPU time (`remote_cpu`, `raw_cpu`: the
    client's own work, less disturbed by other load on a shared machine)."""
    import httpx

    from pipes.serve import RemoteRunnable

    remote = RemoteRunnable(url + "/chain")
    raw = httpx.Client()
    value = {"text": "Hello, how are you?"}
    payload = {"input": value, "config": {}, "kwargs": {}}

    def run_remote() -> None:
        for _ in range(calls):
            remote.invoke(value)

    def run_raw() -> None:
        for _ in range(calls):
            raw.post(url + "/chain/invoke", json=payload).json()["output"]

    best = dict.fromkeys(("remote", "raw", "remote_cpu", "raw_cpu"), float("inf"))
    run_remote()  # warm both connection pools
    run_raw()
    for _ in range(rounds):
        for name, func in (("remote", run_remote), ("raw", run_raw)):
            start, cpu = time.perf_counter(), time.process_time()
            func()
            best[name] = min(best[name], (time.perf_counter() - start) / calls * 1e6)
            cpu_us = (time.process_time() - cpu) / calls * 1e6
            best[name + "_cpu"] = min(best[name + "_cpu"], cpu_us)
    remote.close()
    raw.close()
    return best


def _request(port: int, path: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY


async def _worker(port: int, path: str, stop: float) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = _request(port, path)
    done = 0
    while time.monotonic() < stop:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = next(
            int(line.split(b":")[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        )
        await reader.readexactly(length)
        done += 1
    writer.close()
    return done


async def _throughput(port: int, path: str, seconds: float, concurrency: int) -> float:
    stop = time.monotonic() + seconds
    counts = await asyncio.gather(*(_worker(port, path, stop) for _ in range(concurrency)))
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    calls, rounds, seconds = (100, 3, 1.0) if args.quick else (200, 11, 3.0)
    process, port = _start_server()
    url = f"http://127.0.0.1:{port}"
    try:
        client = client_overhead(url, calls, rounds)
        served, bare = [], []
        for _ in range(2):  # interleaved, best of two: the machine is shared
            served.append(asyncio.run(_throughput(port, "/chain/invoke", seconds, 32)))
            bare.append(asyncio.run(_throughput(port, "/bare/invoke", seconds, 32)))
    finally:
        process.terminate()
        process.wait(10)
    overhead = (client["remote"] - client["raw"]) / client["raw"] * 100
    cpu_overhead = (client["remote_cpu"] - client["raw_cpu"]) / client["raw_cpu"] * 100
    ratio = max(bare) / max(served)
    rows = [
        {"metric": "RemoteRunnable.invoke", "value": client["remote"], "unit": "µs/call"},
        {"metric": "raw httpx POST + .json()", "value": client["raw"], "unit": "µs/call"},
        {
            "metric": "client overhead over raw httpx",
            "value": overhead,
            "unit": "%",
            "budget": 10,
            "note": "wall time, best round",
        },
        {
            "metric": "client CPU overhead over raw httpx",
            "value": cpu_overhead,
            "unit": "%",
            "note": f"{client['remote_cpu']:.0f} vs {client['raw_cpu']:.0f} µs CPU/call",
        },
        {"metric": "served chain /chain/invoke", "value": max(served), "unit": "req/s"},
        {"metric": "bare Starlette route", "value": max(bare), "unit": "req/s"},
        {
            "metric": "bare / served throughput",
            "value": ratio,
            "unit": "x",
            "budget": 1.25,
            "note": f"served = {1 / ratio:.2f}x bare (target >= 0.8x)",
        },
    ]
    report(
        "serve",
        rows,
        quick=args.quick,
        source=source_state(),
        served_rps=served,
        bare_rps=bare,
        concurrency=32,
        seconds=seconds,
    )


if __name__ == "__main__":
    main()
