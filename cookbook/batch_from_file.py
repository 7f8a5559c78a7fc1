"""Batch over a file of inputs, with a concurrency limit and a progress bar.

    python cookbook/batch_from_file.py [INPUT_FILE] [--max-concurrency N]

Translates every line of the file (default: ``cookbook/data/sentences.txt``).
``batch_as_completed`` yields each result as soon as it is ready — which drives the progress
bar — while ``config["max_concurrency"]`` caps the requests in flight; the results are then
printed in input order. Failures are kept per line (``return_exceptions=True``) instead of
aborting the whole batch. Uses tqdm for the bar when it is installed, a plain counter otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _backend import DATA, Emulator, Reply, run, say, section

from pipes import ChatPromptTemplate, StrOutputParser
from pipes_openai import ChatOpenAI


class _Counter:
    """A minimal stand-in for tqdm: one line per finished item."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n = total, desc, 0

    def update(self, n: int = 1) -> None:
        self.n += n
        print(f"{self.desc}: {self.n}/{self.total}", file=sys.stderr)

    def close(self) -> None:
        pass


def progress_bar(total: int, desc: str) -> Any:
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:  # tqdm is a dev dependency: degrade to a counter
        return _Counter(total, desc)
    return tqdm(total=total, desc=desc, unit="line")


def translate_all(lines: list[str], max_concurrency: int) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, translation or exception)`` as each line finishes."""
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Translate the user's sentence to French. Answer with the translation."),
            ("human", "{sentence}"),
        ]
    )
    chain = prompt | ChatOpenAI(model="gpt-4o-mini", temperature=0) | StrOutputParser()
    yield from chain.batch_as_completed(
        [{"sentence": line} for line in lines],
        {"max_concurrency": max_concurrency},
        return_exceptions=True,
    )


def main(emulator: Emulator | None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=DATA / "sentences.txt")
    parser.add_argument("--max-concurrency", type=int, default=4)
    args = parser.parse_args()

    lines = [line.strip() for line in args.input.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    section(f"Translating {len(lines)} lines, at most {args.max_concurrency} at a time")
    # On the emulator, each reply is an echo that takes 50 ms, so the bar visibly moves.
    say(emulator, *[Reply(delay=0.05)] * len(lines))

    results: list[Any] = [None] * len(lines)
    bar = progress_bar(len(lines), "translated")
    for index, result in translate_all(lines, args.max_concurrency):
        results[index] = result
        bar.update(1)
    bar.close()

    failures = 0
    for line, result in zip(lines, results, strict=True):
        if isinstance(result, Exception):
            failures += 1
            print(f"FAILED  {line!r}: {type(result).__name__}: {result}")
        else:
            print(f"{line}\n    -> {result}")
    print(f"\n{len(lines) - failures} translated, {failures} failed")
    if failures:
        raise RuntimeError(f"{failures} line(s) failed")


if __name__ == "__main__":
    run(main)
