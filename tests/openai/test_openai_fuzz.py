"""ChatOpenAI against a hostile loopback server: mutated JSON bodies and SSE events.

Whatever the server sends, a call ends with the project's typed errors (``PipesError``), never
a bare ``KeyError``/``TypeError``/``AttributeError`` or a pydantic ``ValidationError``, and
never hangs. Found by driving ``ChatOpenAI`` the way an unlucky user's proxy would.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_server import COMPLETION, HostileServer, chunk, http, sse

from pipes_openai import ChatOpenAI, ResponseProtocolError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    hostile = HostileServer()
    yield hostile
    hostile.close()


@pytest.fixture
def llm(server: HostileServer) -> ChatOpenAI:
    return ChatOpenAI(model="m", base_url=server.base_url, api_key="sk-x", max_retries=0, timeout=5)


def _usage_details_not_an_object() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(COMPLETION))
    body["usage"]["prompt_tokens_details"] = 5  # AttributeError: 'int' ... 'get'
    return body


def test_tool_call_arguments_that_are_not_text_are_an_invalid_tool_call(
    server: HostileServer, llm: ChatOpenAI
) -> None:
    # Fixed in pipes/_messages/_tool_calls.py: was AttributeError: 'list' ... 'strip'.
    body = json.loads(json.dumps(COMPLETION))
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = ["x"]
    server.answer = http(200, json.dumps(body).encode())
    message = llm.invoke("hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["error"] == (
        "arguments must be JSON text or an object, got list"
    )


def test_a_malformed_completion_is_a_protocol_error(server: HostileServer, llm: ChatOpenAI) -> None:
    server.answer = http(200, json.dumps(_usage_details_not_an_object()).encode())
    with pytest.raises(ResponseProtocolError):
        llm.invoke("hi")


@pytest.mark.parametrize(
    "event",
    [
        {**chunk(), "choices": ["x"]},  # AttributeError: 'str' ... 'get'
        chunk(tool_calls=1.5),  # TypeError: 'float' object is not iterable
        chunk(tool_calls=[5]),  # AttributeError: 'int' ... 'get'
        chunk(tool_calls=[{"index": 0, "id": {}, "function": {"name": "f"}}]),  # pydantic
        chunk(tool_calls=[{"index": 1.5, "function": {"name": "f"}}]),  # pydantic
    ],
)
def test_a_malformed_stream_event_is_a_protocol_error(
    server: HostileServer, llm: ChatOpenAI, event: dict[str, Any]
) -> None:
    server.answer = sse([chunk(role="assistant", content=""), event])
    with pytest.raises(ResponseProtocolError):
        for _ in llm.stream("hi"):
            pass


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_seeded_fuzz_escapes_only_typed_errors() -> None:
    # 300 mutated answers (seeded), in a child process capped in CPU, memory and wall time.
    done = subprocess.run(
        [sys.executable, str(HERE / "hostile_server.py"), "1", "300"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_capped,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    untyped = json.loads(done.stdout.splitlines()[-1])["untyped"]
    assert untyped == {}, json.dumps(untyped, indent=1)[:4000]
