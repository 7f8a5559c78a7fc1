"""Run-event benchmark (issue 8): ``astream_events`` over ``prompt | fake model | parser``.

The fake model streams 1,000 chunks (``"x "`` * 500, split on whitespace as LangChain's
``GenericFakeChatModel`` does); one call yields ~3,000 events (model, parser and chain stream
events for each chunk, plus starts and ends). Figures, medians of interleaved repetitions:

* time per event: the whole ``astream_events`` call divided by the events it yields;
* added time per event: that call minus a plain ``astream`` of the same chain, per event (what
  observing costs over running);
* the same two figures for langchain-core, measured in the same session in its own virtualenv
  when one is given (``--langchain-python``, ``$LANGCHAIN_PYTHON`` or ``bench/.venv-langchain``);
  target: pipes at least 10x cheaper per event.

Run: ``.venv/bin/python bench/bench_events.py [--quick] [--langchain-python PATH]``; writes
``bench/results/events.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import BENCH_DIR, report, source_state

TEXT = "x " * 500  # 1,000 chunks

# The same measurement for both libraries: only the imports differ.
MEASURE = """
import asyncio, itertools, json, statistics, sys, time
{imports}
TEXT = {text!r}
prompt = ChatPromptTemplate.from_messages([("human", "{{q}}")])
model = GenericFakeChatModel(messages=itertools.cycle([AIMessage(TEXT)]))
chain = prompt | model | StrOutputParser()


async def events() -> int:
    count = 0
    async for _ in chain.astream_events({{"q": "hi"}}, version="v2"):
        count += 1
    return count


async def plain() -> int:
    count = 0
    async for _ in chain.astream({{"q": "hi"}}):
        count += 1
    return count


async def main(repeat: int) -> dict:
    count = await events()
    chunks = await plain()
    with_events, without = [], []
    for _ in range(repeat):
        t = time.perf_counter(); await events(); with_events.append(time.perf_counter() - t)
        t = time.perf_counter(); await plain(); without.append(time.perf_counter() - t)
    a, b = statistics.median(with_events), statistics.median(without)
    return {{"events": count, "chunks": chunks, "call_ms": a * 1e3, "plain_ms": b * 1e3,
            "per_event_us": a / count * 1e6, "added_per_event_us": (a - b) / count * 1e6}}


print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
"""

PIPES_IMPORTS = (
    "from pipes import AIMessage, ChatPromptTemplate, StrOutputParser\n"
    "from pipes.testing import GenericFakeChatModel"
)
LANGCHAIN_IMPORTS = (
    "from langchain_core.messages import AIMessage\n"
    "from langchain_core.prompts import ChatPromptTemplate\n"
    "from langchain_core.output_parsers import StrOutputParser\n"
    "from langchain_core.language_models import GenericFakeChatModel"
)


def _run(python: str, imports: str, repeat: int) -> dict[str, Any]:
    code = MEASURE.format(imports=imports, text=TEXT)
    env = {**os.environ, "PYTHONPATH": str(BENCH_DIR.parent)}
    out = subprocess.run(
        [python, "-c", code, str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=600,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _langchain_python(given: str | None) -> str | None:
    for candidate in (
        given,
        os.environ.get("LANGCHAIN_PYTHON"),
        str(BENCH_DIR / ".venv-langchain" / "bin" / "python"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--langchain-python")
    args = parser.parse_args()
    repeat = 3 if args.quick else 9
    langchain = _langchain_python(args.langchain_python)
    # Alternate the libraries, so a burst of load on the shared machine hits both alike.
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for _ in range(1 if args.quick else 3):
        ours.append(_run(sys.executable, PIPES_IMPORTS, repeat))
        if langchain:
            theirs.append(_run(langchain, LANGCHAIN_IMPORTS, repeat))
        time.sleep(0)

    def med(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    rows: list[dict[str, Any]] = [
        {
            "metric": "events per call",
            "value": ours[0]["events"],
            "unit": "events",
            "note": f"{ours[0]['chunks']} chunks out of the chain",
        },
        {"metric": "astream_events per event", "value": med(ours, "per_event_us"), "unit": "us"},
        {
            "metric": "added per event (vs astream)",
            "value": med(ours, "added_per_event_us"),
            "unit": "us",
        },
        {"metric": "astream_events call", "value": med(ours, "call_ms"), "unit": "ms"},
    ]
    if theirs:
        per_event = med(theirs, "per_event_us")
        rows += [
            {
                "metric": "langchain: events per call",
                "value": theirs[0]["events"],
                "unit": "events",
            },
            {"metric": "langchain: astream_events per event", "value": per_event, "unit": "us"},
            {
                "metric": "langchain: added per event",
                "value": med(theirs, "added_per_event_us"),
                "unit": "us",
            },
            {
                "metric": "langchain / pipes per event",
                "value": per_event / med(ours, "per_event_us"),
                "unit": "x",
                "note": "target >= 10",
            },
        ]
    report("events", rows, pipes=ours, langchain=theirs, source=source_state())


if __name__ == "__main__":
    main()
