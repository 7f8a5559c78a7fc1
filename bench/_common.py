"""Shared helpers for the ``bench_*.py`` scripts: timing, the printed table, the JSON file.

Each script is run as ``python bench/bench_<name>.py``; it prints a table and writes
``bench/results/<name>.json`` with :func:`report`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


def best_per_call(func: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Seconds per call: the best of ``repeat`` runs of ``number`` calls (least disturbed)."""
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


# Imports are measured the way users get them: with bytecode caches (pip compiles installed
# packages). This machine sets PYTHONDONTWRITEBYTECODE, which would make every fresh process
# compile the repository's sources again; the caches go to a private prefix instead of the tree.
_PYCACHE = Path(tempfile.gettempdir()) / "pipes-bench-pycache"


def bytecode_env() -> dict[str, str]:
    """The environment for fresh-process measurements: bytecode caches on, kept out of the tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    return env


def fresh_process_ms(code: str, *, python: str | None = None, runs: int = 7) -> float:
    """Median wall time in ms of running ``code`` (which prints ms) in fresh interpreters.

    One unmeasured run first writes the bytecode caches.
    """
    samples = []
    for attempt in range(runs + 1):
        out = subprocess.run(
            [python or sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=bytecode_env(),
        ).stdout
        if attempt:
            samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def import_ms(statement: str, *, python: str | None = None, runs: int = 7) -> float:
    """Median time of ``statement`` (an import) in fresh interpreters, in ms."""
    code = (
        "import time; t = time.perf_counter(); "
        f"{statement}; print((time.perf_counter() - t) * 1000)"
    )
    return fresh_process_ms(code, python=python, runs=runs)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def report(name: str, rows: list[dict[str, Any]], **extra: Any) -> Path:
    """Print ``rows`` as a table and write them (with ``extra``) to ``results/<name>.json``.

    A row has ``metric``, ``value``, ``unit`` and optionally ``budget`` and ``note``.
    """
    headers = ["metric", "value", "unit", "budget", "verdict", "note"]
    table = []
    for row in rows:
        budget = row.get("budget")
        verdict = "" if budget is None else ("met" if row["value"] <= budget else "NOT MET")
        row["verdict"] = verdict
        table.append(
            [
                row["metric"],
                f"{row['value']:.2f}",
                row["unit"],
                "" if budget is None else f"<= {budget:g}",
                verdict,
                row.get("note", ""),
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"name": name, "machine": machine(), "rows": rows, **extra}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path


def source_state() -> dict[str, Any]:
    """The commit measured, and uncommitted changes to the package code (others work here too)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", "pipes", "pipes_openai").splitlines(),
    }
