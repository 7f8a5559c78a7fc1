"""A loopback server answering every request with the bytes it is given, and a seeded
generator of hostile chat-completion answers (mutated JSON bodies and SSE streams).

Used by ``test_openai_fuzz.py``; ``python tests/openai/hostile_server.py SEED N`` runs the fuzz
loop and prints one JSON line (the test runs it in a child process with a time and memory cap,
since a client bug here could hang or blow up).
"""

from __future__ import annotations

import copy
import json
import random
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any


class HostileServer:
    """Answers each request on 127.0.0.1 with ``self.answer`` (raw HTTP bytes), then closes."""

    def __init__(self) -> None:
        self.answer = b""
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                head, body = data.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(body) < length:
                    body += conn.recv(65536)
                conn.sendall(self.answer)
            except OSError:
                pass

    def close(self) -> None:
        self._sock.close()


def http(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    return (
        f"HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def sse(events: list[Any]) -> bytes:
    text = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
    return http(200, text.encode(), "text/event-stream")


def chunk(**delta: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }


COMPLETION: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "hi",
                "tool_calls": [
                    {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            "finish_reason": "stop",
            "logprobs": {"content": [{"token": "hi", "logprob": -0.1, "top_logprobs": []}]},
        }
    ],
    "usage": {
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "total_tokens": 2,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
CHUNKS: list[dict[str, Any]] = [
    chunk(role="assistant", content=""),
    chunk(content="hi"),
    chunk(tool_calls=[{"index": 0, "id": "t1", "type": "function", "function": {"name": "f"}}]),
    chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"a": 1}'}}]),
    {**chunk(), "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    {**chunk(), "choices": [], "usage": COMPLETION["usage"]},
]
_ODD: list[Any] = [None, 0, -1, 1.5, "", "x", [], {}, [None], {"a": None}, True, 10**30]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    items: Any = obj.items() if isinstance(obj, dict) else ()
    if isinstance(obj, list):
        items = enumerate(obj)
    for key, value in items:
        yield from _paths(value, (*prefix, key))


def mutate(rng: random.Random, obj: Any) -> Any:
    """``obj`` with 1-3 members deleted or replaced by a value of the wrong type."""
    obj = copy.deepcopy(obj)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(obj) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = rng.choice(_ODD)
    return obj


def hostile_answer(rng: random.Random) -> tuple[bool, bytes]:
    """``(stream, raw HTTP answer)``: a completion or a stream with one mutated event."""
    if rng.random() < 0.5:
        return False, http(200, json.dumps(mutate(rng, COMPLETION)).encode())
    events = copy.deepcopy(CHUNKS)
    index = rng.randrange(len(events))
    events[index] = mutate(rng, events[index])
    return True, sse(events)


def fuzz(seed: int, count: int) -> dict[str, Any]:
    """Drive ``ChatOpenAI`` through ``count`` hostile answers; report what escaped untyped."""
    from pipes import PipesError
    from pipes_openai import ChatOpenAI

    rng = random.Random(seed)
    server = HostileServer()
    llm = ChatOpenAI(model="m", base_url=server.base_url, api_key="sk-x", max_retries=0, timeout=5)
    untyped: dict[str, str] = {}
    try:
        for _ in range(count):
            stream, server.answer = hostile_answer(rng)
            try:
                if stream:
                    for _ in llm.stream("hi"):
                        pass
                else:
                    llm.invoke("hi")
            except PipesError:
                pass
            except Exception as exc:  # what the test is looking for
                untyped.setdefault(f"{type(exc).__name__}: {exc}"[:150], repr(server.answer[-600:]))
    finally:
        server.close()
    return {"untyped": untyped}


if __name__ == "__main__":
    print(json.dumps(fuzz(int(sys.argv[1]), int(sys.argv[2]))))
