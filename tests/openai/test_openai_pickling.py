"""Chains travel: pickled (plain `pickle` and `cloudpickle`), they run in another process.

What the user configured travels (the model's settings, its key, a cache's entries); what a
process owns (HTTP pools, locks, the tracing plan's raw methods) is made anew on arrival. The
key travels inside the pickle only — the user's own worker needs it — and never in a repr.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
from conftest import KEY

from pipes import (
    ChatPromptTemplate,
    InMemoryCache,
    InMemoryRateLimiter,
    JsonOutputParser,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    StrOutputParser,
)
from pipes.testing import FakeChatModel
from pipes_openai import AzureChatOpenAI, ChatOpenAI
from pipes_openai.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
PICKLERS = [pytest.param(pickle, id="pickle"), pytest.param(cloudpickle, id="cloudpickle")]


def _shout(text: str) -> str:
    return text.upper()


def _chain(base_url: str, last: Any = _shout) -> Any:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{question}")])
    llm = ChatOpenAI(model="gpt-4o-mini", api_key=KEY, base_url=base_url, max_retries=1)
    return prompt | llm.with_retry(stop_after_attempt=2) | StrOutputParser() | last


@pytest.mark.parametrize("pickler", PICKLERS)
def test_a_used_chain_round_trips_and_runs(pickler: Any, emu: Emulator) -> None:
    chain = _chain(emu.base_url)
    emu.script("first")
    assert chain.invoke({"question": "q"}) == "FIRST"  # pools, plan and locks now exist
    copy = pickler.loads(pickler.dumps(chain))
    emu.script("second")
    assert copy.invoke({"question": "q"}) == "SECOND"


@pytest.mark.parametrize("pickler", PICKLERS)
async def test_a_chain_used_on_an_event_loop_round_trips(pickler: Any, emu: Emulator) -> None:
    chain = _chain(emu.base_url)
    emu.script("first")
    assert await chain.ainvoke({"question": "q"}) == "FIRST"
    copy = pickler.loads(pickler.dumps(chain))
    emu.script("second", "third")
    assert await copy.ainvoke({"question": "q"}) == "SECOND"
    assert copy.invoke({"question": "q"}) == "THIRD"


@pytest.mark.parametrize("pickler", PICKLERS)
def test_composites_fakes_caches_and_limiters_round_trip(pickler: Any) -> None:
    cache = InMemoryCache()
    fake = FakeChatModel(
        responses=['{"a": 1}', '{"a": 2}'],
        cache=cache,
        rate_limiter=InMemoryRateLimiter(requests_per_second=1000, max_bucket_size=10),
    )
    chain = RunnableParallel(
        parsed=fake | JsonOutputParser(),
        echo=RunnablePassthrough(),
        upper=RunnableLambda(_shout),
    ) | RunnablePassthrough.assign(n=RunnableLambda(lambda d: d["parsed"]["a"]))
    assert chain.invoke("x")["n"] == 1
    if pickler is pickle:
        # A lambda defined in a function is only reachable by cloudpickle (as with LangChain).
        with pytest.raises((pickle.PicklingError, AttributeError)):
            pickler.dumps(chain)
        return
    copy = pickler.loads(pickler.dumps(chain))
    assert copy.invoke("x") == {"parsed": {"a": 1}, "echo": "x", "upper": "X", "n": 1}  # cached
    assert copy.invoke("y")["n"] == 2  # the script position travelled: the next response


def test_the_key_travels_in_the_pickle_and_never_in_a_repr() -> None:
    llm = AzureChatOpenAI(
        azure_deployment="d",
        api_key=KEY,
        azure_endpoint="https://example.openai.azure.com",
        api_version="2024-10-21",
    )
    copy = pickle.loads(pickle.dumps(llm))
    assert KEY not in repr(copy)
    assert copy.api_key is not None
    assert copy.api_key.get_secret_value() == KEY


def test_a_pickled_chain_runs_in_a_fresh_process(emu: Emulator, tmp_path: Path) -> None:
    blob = tmp_path / "chain.pkl"
    # The worker cannot import this test module: its last step travels by value.
    chain = _chain(emu.base_url, last=lambda text: text.upper())
    blob.write_bytes(cloudpickle.dumps(chain))
    emu.script("from the worker")
    script = textwrap.dedent(
        f"""
        import pickle, sys
        chain = pickle.loads(open({str(blob)!r}, "rb").read())
        sys.stdout.write(chain.invoke({{"question": "q"}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "FROM THE WORKER"
    assert KEY not in done.stderr
    assert [r.path for r in emu.requests] == ["/v1/chat/completions"]
