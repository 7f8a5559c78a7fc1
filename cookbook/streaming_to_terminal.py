"""Stream a chain to a terminal, token by token — sync and async.

    python cookbook/streaming_to_terminal.py

``prompt | llm | StrOutputParser()`` streams end to end: every step passes chunks on as they
arrive, so the first token reaches the terminal while the model is still writing.
"""

from __future__ import annotations

import asyncio
import sys
import time

from _backend import Emulator, Reply, run, say, section

from pipes import ChatPromptTemplate, StrOutputParser
from pipes_openai import ChatOpenAI

POEM = "Tokens fall like rain,\neach one printed as it lands —\nthe answer grows here."


def main(emulator: Emulator | None) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You write haiku."), ("human", "Write a haiku about {topic}.")]
    )
    chain = prompt | ChatOpenAI(model="gpt-4o-mini") | StrOutputParser()

    section("stream(): tokens as they arrive")
    # On the emulator, a scripted poem streamed slowly, so you can watch it arrive.
    say(emulator, Reply(POEM, chunk_delay=0.02))
    started = time.perf_counter()
    first_token_after: float | None = None
    pieces = []
    for token in chain.stream({"topic": "streaming"}):
        if first_token_after is None and token:
            first_token_after = time.perf_counter() - started
        pieces.append(token)
        sys.stdout.write(token)
        sys.stdout.flush()
    total = time.perf_counter() - started
    first = first_token_after or 0.0
    print(f"\n\n{len(pieces)} chunks; first after {first:.2f} s, all after {total:.2f} s")
    assert len(pieces) > 1, "the chain did not stream"

    section("astream(): the same, from async code")
    say(emulator, Reply(POEM, chunk_delay=0.01))

    async def stream_async() -> int:
        count = 0
        async for token in chain.astream({"topic": "async streaming"}):
            sys.stdout.write(token)
            sys.stdout.flush()
            count += 1
        return count

    count = asyncio.run(stream_async())
    print(f"\n\n{count} chunks")
    assert count > 1, "the chain did not stream asynchronously"


if __name__ == "__main__":
    run(main)
