"""Shared set-up for the cookbook scripts: the real OpenAI API, or the bundled emulator.

Every script does::

    from _backend import backend, run

    def main(emulator: Emulator | None) -> None:
        llm = ChatOpenAI(model="gpt-4o-mini")   # reads OPENAI_API_KEY / OPENAI_BASE_URL
        ...

    if __name__ == "__main__":
        run(main)

With ``OPENAI_API_KEY`` set, ``emulator`` is ``None`` and the scripts call the real API. Without
it, :func:`backend` starts an in-process :class:`~pipes_openai.emulator.Emulator` on a loopback
port, points ``OPENAI_BASE_URL`` at it and says so on screen. :func:`run` turns any failure
into a message and exit status 1, so CI notices.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

__all__ = ["DATA", "Emulator", "Fault", "Reply", "ToolCall", "backend", "run", "say", "section"]

#: The cookbook's small input files.
DATA = Path(__file__).resolve().parent / "data"

_BANNER_LINES = (
    "No OPENAI_API_KEY: running against the bundled OpenAI-compatible EMULATOR",
    "at {url}",
    "The emulator is not a model. It echoes your last message back, plays the",
    "replies this script scripted for it, and synthesizes tool arguments and JSON",
    "from the schemas you send. The shapes are real; the answers are not.",
    "Set OPENAI_API_KEY to run this script against the real OpenAI API.",
)


def _banner(url: str) -> str:
    width = max(len(line.format(url=url)) for line in _BANNER_LINES)
    rule = "+" + "-" * (width + 2) + "+"
    body = [f"| {line.format(url=url):<{width}} |" for line in _BANNER_LINES]
    return "\n".join([rule, *body, rule])


def section(title: str) -> None:
    """Print a section header."""
    print(f"\n=== {title} {'=' * max(3, 74 - len(title))}")


def say(emulator: Emulator | None, *replies: str | Reply | ToolCall | Fault) -> None:
    """Queue replies for the next requests when running on the emulator (no-op on the real API).

    Scripts use this to make the emulator answer like a model would (a translation instead of
    an echo); the real API answers for itself.
    """
    if emulator is not None:
        emulator.script(*replies)


@contextmanager
def backend() -> Iterator[Emulator | None]:
    """The real API when ``OPENAI_API_KEY`` is set, else a running emulator (yielded)."""
    if os.environ.get("OPENAI_API_KEY"):
        base_url = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
        if base_url:  # the key may belong to a gateway or a local server, not to OpenAI
            print(f"Using the OpenAI-compatible server at {base_url} (OPENAI_BASE_URL is set).")
        else:
            print("Using the real OpenAI API (OPENAI_API_KEY is set).")
        yield None
        return
    with Emulator() as emulator:
        print(_banner(emulator.base_url))
        # ChatOpenAI() reads these, exactly as it would read your real settings.
        settings = {
            "OPENAI_BASE_URL": emulator.base_url,
            "OPENAI_API_KEY": "sk-emulator-not-a-real-key",
        }
        saved = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        try:
            yield emulator
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def run(main: Callable[[Emulator | None], None], *, offline: bool = False) -> None:
    """Run ``main`` with a backend; print any failure and exit 1 (0 on success).

    ``offline=True``: no backend at all (``main`` gets ``None``), for scripts that bring their
    own servers and must never call the real API.
    """
    try:
        if offline:
            main(None)
        else:
            with backend() as emulator:
                main(emulator)
                if emulator is not None and emulator.pending:
                    raise RuntimeError(
                        f"{emulator.pending} scripted emulator replies were never used: the "
                        "script made fewer model calls than it planned"
                    )
    except Exception:
        print("\nFAILED:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    print("\nDone.")
