"""Throughput check of the emulator from a separate process (not collected by pytest).

    .venv/bin/python tests/openai/emulator/loadgen.py [--requests 20000] [--concurrency 64]

Starts the emulator in a child process (``EmulatorProcess``) and measures:
- non-streaming req/s with a raw asyncio HTTP/1.1 client (keep-alive, ``--concurrency``
  connections) — the server's capacity, since httpx itself tops out far lower;
- non-streaming req/s with httpx.AsyncClient (one pool of ``--concurrency`` connections);
- streaming SSE chunks/s for one long streamed reply, read raw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from pipes_openai.emulator import EmulatorProcess

BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello, how are you?"}]}
).encode()


def _request(host: str, port: int, body: bytes) -> bytes:
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}:{port}\r\n"
        f"content-type: application/json\r\nauthorization: Bearer x\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _read_response(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    chunked = False
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


async def raw_nonstream(host: str, port: int, total: int, concurrency: int) -> float:
    request = _request(host, port, BODY)
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection(host, port)
        while remaining > 0:
            remaining -= 1
            writer.write(request)
            body = await _read_response(reader)
            assert body.startswith(b'{"id"'), body[:200]
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - start)


async def httpx_nonstream(base_url: str, total: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
        sem = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with sem:
                r = await client.post("/chat/completions", content=BODY)
                r.json()

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(total)))
        return total / (time.perf_counter() - start)


async def raw_stream(host: str, port: int, tokens: int) -> tuple[float, int]:
    content = " word" * tokens
    body = json.dumps(
        {
            "model": "gpt-4o-mini",
            "stream": True,
            "messages": [{"role": "user", "content": content}],
        }
    ).encode()
    reader, writer = await asyncio.open_connection(host, port, limit=2**24)
    start = time.perf_counter()
    writer.write(_request(host, port, body))
    data = await _read_response(reader)
    elapsed = time.perf_counter() - start
    chunks = data.count(b"data: ")
    writer.close()
    return chunks / elapsed, chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--stream-tokens", type=int, default=100000)
    args = parser.parse_args()
    with EmulatorProcess() as server:
        base_url = server.base_url
        host, port = base_url.split("//")[1].split("/")[0].split(":")
        rps = asyncio.run(raw_nonstream(host, int(port), args.requests, args.concurrency))
        print(f"raw client, non-streaming: {rps:,.0f} req/s (concurrency {args.concurrency})")
        rps = asyncio.run(httpx_nonstream(base_url, args.requests // 4, args.concurrency))
        print(
            f"httpx.AsyncClient, non-streaming: {rps:,.0f} req/s (concurrency {args.concurrency})"
        )
        cps, n = asyncio.run(raw_stream(host, int(port), args.stream_tokens))
        print(f"raw client, streaming: {cps:,.0f} SSE chunks/s ({n:,} chunks)")


if __name__ == "__main__":
    main()
