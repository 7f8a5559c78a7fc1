"""MkDocs hook: render benchmark results from ``bench/results/*.json`` into the docs.

A page line ``<!-- bench-table: core -->`` becomes a table of ``bench/results/core.json``, so
the figures on the site are always the ones the benchmark scripts wrote — never typed by hand.
When the file does not exist yet, the page says how to produce it instead.

Results format (written by ``bench/_common.py``)::

    {"name": "core", "machine": {"python", "platform", "cpus", "load_average", "when"},
     "rows": [{"metric", "value", "unit", "budget"?, "note"?, "verdict"?}, ...]}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
_MARKER = re.compile(r"^<!--\s*bench-table:\s*([\w.-]+)\s*-->\s*$", re.MULTILINE)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(text: Any) -> str:
    # Table cells cannot hold pipes or newlines.
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def render(name: str, results_dir: Path = RESULTS) -> str:
    """The Markdown for one results file (or how to produce it)."""
    path = results_dir / f"{name}.json"
    script = f"bench/bench_{name}.py"
    if not path.is_file():
        return (
            f'!!! note "No results yet for `{name}`"\n'
            f"    `bench/results/{name}.json` does not exist yet. Run "
            f"`.venv/bin/python {script}` to produce it; this page then shows its figures.\n"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    machine = data.get("machine", {})
    load = machine.get("load_average")
    load_text = ", ".join(f"{x:.1f}" for x in load) if isinstance(load, list) else "n/a"
    lines = [
        f"Measured {machine.get('when', '?')} on {machine.get('cpus', '?')} CPUs, Python "
        f"{machine.get('python', '?')} (load average {load_text}); "
        f"source: `bench/results/{name}.json`, written by `{script}`.",
        "",
        "| metric | value | budget | verdict | note |",
        "|--------|------:|-------:|---------|------|",
    ]
    for row in data.get("rows", []):
        unit = row.get("unit", "")
        metric = str(row.get("metric", ""))
        # Indented metrics are details of the row above.
        shown = f"&nbsp;&nbsp;&nbsp;{metric.strip()}" if metric.startswith(" ") else metric
        budget = row.get("budget")
        lines.append(
            f"| {_cell(shown)} | {_number(row.get('value'))} {_cell(unit)} | "
            f"{'' if budget is None else _number(budget) + ' ' + _cell(unit)} | "
            f"{_cell(row.get('verdict', ''))} | {_cell(row.get('note', ''))} |"
        )
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs hook: replace every bench-table marker of the page."""
    return _MARKER.sub(lambda match: render(match.group(1)), markdown)
