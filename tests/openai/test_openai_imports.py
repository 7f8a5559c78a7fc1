"""What `import pipes_openai` and a first chat completion load: only what that call needs.

A cold start (`bench/bench_cold_start.py`: import, construct, one `invoke`) pays for every
module it imports and every pydantic validator it builds; each entry says why it stays out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipes_openai.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]

# module -> why a first sync chat completion must not load it
NOT_LOADED = {
    "asyncio": "the event loop: a sync call never needs it",
    "sqlite3": "SQLiteCache only",
    "difflib": "close-match hints for unknown keywords (an error path)",
    "importlib.metadata": "pydantic's plugin scan, run when a first validator is built",
    "pydantic.plugin._loader": "the same scan",
    "pipes_openai.emulator": "the test server",
    "pipes_openai._azure": "AzureChatOpenAI (loaded on first use)",
    "pipes_openai._embeddings": "the embeddings (loaded on first use)",
    "pipes_openai._tools": "bind_tools",
    "pipes_openai._structured": "with_structured_output",
    "pipes_openai._responses_stream": "streaming from the Responses API",
    "pipes._tools": "the tools layer",
    "pipes._parsers": "the output parsers",
    "pipes._prompts": "the prompt templates",
    "pipes._schema": "JSON-schema building for tools",
}

_PROBE = """
import json, sys
from pipes_openai import ChatOpenAI
after_import = sorted(sys.modules)
llm = ChatOpenAI(model="gpt-4o-mini", base_url=sys.argv[1], api_key="sk-test", temperature=0)
if sys.argv[2] == "async":
    import asyncio

    reply = asyncio.run(llm.ainvoke("hi")).content
else:
    reply = llm.invoke("hi").content
print(json.dumps({
    "after_import": after_import,
    "after_call": sorted(sys.modules),
    "validator_built": ChatOpenAI.__pydantic_complete__,
    "reply": reply,
}))
"""


def _probe(base_url: str, mode: str = "sync") -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, base_url, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_import_and_first_call_load_only_what_the_call_needs() -> None:
    with Emulator() as server:
        server.script("Bonjour")
        result = _probe(server.base_url)
    assert result["reply"] == "Bonjour"
    for stage in ("after_import", "after_call"):
        loaded = set(result[stage])  # type: ignore[call-overload]
        wrongly = {name: why for name, why in NOT_LOADED.items() if name in loaded}
        assert not wrongly, f"{stage} loaded modules a first call does not need: {wrongly}"
    # The HTTP stack loads with the first request, not the import: httpcore's pools, without
    # httpx (~20 ms more) on the default path (pipes_openai._httpcore).
    assert "httpcore" not in set(result["after_import"])  # type: ignore[call-overload]
    assert "httpcore" in set(result["after_call"])  # type: ignore[call-overload]
    assert "httpx" not in set(result["after_call"])  # type: ignore[call-overload]
    # Plain constructor values skip building ChatOpenAI's validator (pipes._models._fast_init).
    assert result["validator_built"] is False


def test_a_first_async_call_loads_httpcore_but_not_httpx() -> None:
    with Emulator() as server:
        server.script("Bonjour")
        result = _probe(server.base_url, "async")
    assert result["reply"] == "Bonjour"
    assert "httpcore" in set(result["after_call"])  # type: ignore[call-overload]
    assert "httpx" not in set(result["after_call"])  # type: ignore[call-overload]
