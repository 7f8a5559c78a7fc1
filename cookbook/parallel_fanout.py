"""Parallel fan-out: one input, several chains at once, with ``RunnableParallel``.

    python cookbook/parallel_fanout.py

A dict of runnables in a chain (or ``RunnableParallel(...)``) runs every branch on the same
input — in worker threads for ``invoke``, concurrently on the event loop for ``ainvoke`` — and
returns a dict. Three model calls cost about as much time as the slowest one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from _backend import Emulator, Reply, run, say, section

from pipes import (
    ChatPromptTemplate,
    CommaSeparatedListOutputParser,
    Listener,
    Run,
    RunnableParallel,
    RunnablePassthrough,
    StrOutputParser,
)
from pipes_openai import ChatOpenAI

ARTICLE = (
    "pipes composes LLM applications from typed, streaming, async-first runnables. "
    "It keeps LCEL's ergonomics but costs microseconds per step, and its OpenAI provider "
    "ships an emulator for tests."
)
DELAY = 0.5  # seconds each emulated model call takes


class InFlight(Listener):
    """Counts model calls running at the same time (listeners see every nested run)."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def on_start(self, run: Run) -> None:
        if run.run_type == "chat_model":
            with self._lock:
                self.now += 1
                self.peak = max(self.peak, self.now)

    def on_end(self, run: Run) -> None:
        if run.run_type == "chat_model":
            with self._lock:
                self.now -= 1

    on_error = on_end


def build_fanout(llm: ChatOpenAI) -> RunnableParallel[dict[str, str]]:
    def ask(instruction: str) -> ChatPromptTemplate[dict[str, Any]]:
        return ChatPromptTemplate.from_messages([("system", instruction), ("human", "{text}")])

    return RunnableParallel(
        summary=ask("Summarize the text in one sentence.") | llm | StrOutputParser(),
        french=ask("Translate the text to French.") | llm | StrOutputParser(),
        keywords=ask("List five keywords, comma separated.")
        | llm
        | CommaSeparatedListOutputParser(),
        original=RunnablePassthrough() | (lambda inputs: inputs["text"]),
    )


def main(emulator: Emulator | None) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
    fanout = build_fanout(llm)

    section("invoke(): three model calls in parallel threads")
    # Identical slow replies (an echo after DELAY s), so it does not matter which branch's
    # request the emulator sees first.
    say(emulator, *[Reply(delay=DELAY)] * 3)
    in_flight = InFlight()
    started = time.perf_counter()
    result = fanout.invoke({"text": ARTICLE}, {"callbacks": [in_flight]})
    elapsed = time.perf_counter() - started
    for key, value in result.items():
        print(f"{key:>9}: {str(value)[:90]}")
    print(f"took {elapsed:.2f} s for 3 calls; at most {in_flight.peak} model calls at once")
    assert set(result) == {"summary", "french", "keywords", "original"}
    if emulator is not None:  # each emulated call takes DELAY s, so all three must overlap
        assert in_flight.peak == 3, "the three model calls did not overlap"

    section("ainvoke(): the same branches, concurrently on the event loop")
    say(emulator, *[Reply(delay=DELAY)] * 3)
    in_flight = InFlight()
    started = time.perf_counter()
    result = asyncio.run(fanout.ainvoke({"text": ARTICLE}, {"callbacks": [in_flight]}))
    elapsed = time.perf_counter() - started
    print(f"took {elapsed:.2f} s for 3 calls; at most {in_flight.peak} at once")
    print(f"keys: {sorted(result)}")
    if emulator is not None:  # each emulated call takes DELAY s, so all three must overlap
        assert in_flight.peak == 3, "the three model calls did not overlap"


if __name__ == "__main__":
    run(main)
