"""MkDocs hook: render benchmark results from ``bench/results/*.json`` into the docs.

A page line ``<!-- bench-table: core -->`` becomes a table of ``bench/results/core.json``, and
``<!-- bench-compare -->`` a table putting our figures beside LangChain's
(``bench/results/langchain.json``), so the figures on the site are always the ones the benchmark
scripts wrote — never typed by hand. When a file does not exist yet, the page says how to
produce it instead; results of a ``--quick`` smoke run are flagged as such.

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
_COMPARE = re.compile(r"^<!--\s*bench-compare\s*-->\s*$", re.MULTILINE)

# (what, (our results file, words in our metric), words in LangChain's metric). A metric matches
# when it contains every word, so "500 @ c64" vs "2,000 @ c64" runs both match.
COMPARISONS: list[tuple[str, tuple[str, tuple[str, ...]], tuple[str, ...]]] = [
    (
        "10-step sequence of lambdas: overhead per step",
        ("core", ("10-step", "overhead per step")),
        ("10-step", "overhead per step"),
    ),
    (
        "`prompt | fake model | StrOutputParser` invoke",
        ("chain", ("StrOutputParser invoke",)),
        ("StrOutputParser invoke",),
    ),
    (
        "streaming 10k chunks through that chain: overhead per chunk",
        ("chain", ("stream 10k", "overhead")),
        ("stream 10k", "overhead"),
    ),
    (
        "`ChatOpenAI.invoke`: overhead over a raw httpx POST + parse",
        ("openai", ("ChatOpenAI.invoke", "overhead")),
        ("ChatOpenAI.invoke", "overhead"),
    ),
    ("`abatch` at concurrency 64: throughput", ("openai", ("abatch", "throughput")), ("abatch",)),
    (
        "streaming 5,000 chunks: chunk rate as % of a raw SSE loop's",
        ("openai", ("stream 5,000",)),
        ("stream 5,000",),
    ),
    (
        "time to the first streamed chunk, compared with raw SSE",
        ("openai", ("first chunk",)),
        ("first chunk",),
    ),
    (
        "`import` of the OpenAI provider",
        ("openai", ("import pipes_openai",)),
        ("import langchain_openai",),
    ),
    ("memory after that import, compared with `import httpx`", ("openai", ("RSS",)), ("RSS",)),
]


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
    # Table cells cannot hold newlines, nor pipes outside code spans (Markdown's table syntax
    # leaves pipes inside backticks alone, and would show an escaping backslash there).
    parts = str(text).replace("\n", " ").split("`")
    return "`".join(p if i % 2 else p.replace("|", "\\|") for i, p in enumerate(parts)).strip()


def script_for(name: str) -> str:
    """The script that writes ``bench/results/<name>.json``."""
    nested = f"bench/{name}/bench_{name}.py"
    return nested if (ROOT / nested).is_file() else f"bench/bench_{name}.py"


def _load(name: str, results_dir: Path) -> dict[str, Any] | None:
    path = results_dir / f"{name}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _quick_warning(names: list[str]) -> str:
    return (
        f'!!! warning "Smoke-run figures"\n    `{", ".join(names)}` come from a `--quick` run: '
        "fewer repetitions and smaller inputs. Indicative only; a full run replaces them.\n\n"
    )


def render(name: str, results_dir: Path = RESULTS) -> str:
    """The Markdown for one results file (or how to produce it)."""
    path = results_dir / f"{name}.json"
    script = script_for(name)
    if not path.is_file():
        return (
            f'!!! note "No results yet for `{name}`"\n'
            f"    `bench/results/{name}.json` does not exist yet. Run "
            f"`.venv/bin/python {script}` to produce it; this page then shows its figures.\n"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    machine = data.get("machine", {})
    warning = _quick_warning([f"{name}.json"]) if data.get("quick") else ""
    load = machine.get("load_average")
    load_text = ", ".join(f"{x:.1f}" for x in load) if isinstance(load, list) else "n/a"
    lines = [
        warning + f"Measured {machine.get('when', '?')} on {machine.get('cpus', '?')} CPUs, Python "
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


def _find(data: dict[str, Any] | None, words: tuple[str, ...]) -> tuple[Any, str] | str:
    """``(value, unit)`` of the first row whose metric contains every word, else why not."""
    if data is None:
        return "not measured yet"
    for row in data.get("rows", []):
        metric = str(row.get("metric", ""))
        if all(word in metric for word in words):
            return row.get("value"), str(row.get("unit", ""))
    return "not measured"


def _show(found: tuple[Any, str] | str) -> str:
    if isinstance(found, str):
        return found
    value, unit = found
    return f"{_number(value)} {unit}".strip()


def _same_units(
    ours: tuple[Any, str] | str, theirs: tuple[Any, str] | str
) -> tuple[tuple[Any, str] | str, tuple[Any, str] | str]:
    # A time ratio ("1.17 x" the raw loop's time per chunk) is a rate of 100/1.17 % of the raw
    # loop's: say it the way the other column does.
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        if ours[1] == "x" and theirs[1] == "%" and isinstance(ours[0], int | float) and ours[0]:
            return (100 / ours[0], "%"), theirs
        if ours[1] == "%" and theirs[1] == "x" and isinstance(theirs[0], int | float) and theirs[0]:
            return ours, (100 / theirs[0], "%")
    return ours, theirs


def render_comparison(results_dir: Path = RESULTS) -> str:
    """Our figures beside LangChain's, with when each file was measured."""
    theirs = _load("langchain", results_dir)
    ours = {name: _load(name, results_dir) for name in {c[1][0] for c in COMPARISONS}}
    lines = [
        "| measurement | pipes | LangChain |",
        "|-------------|------:|----------:|",
    ]
    for what, (file, words), their_words in COMPARISONS:
        mine, other = _same_units(_find(ours[file], words), _find(theirs, their_words))
        lines.append(f"| {_cell(what)} | {_cell(_show(mine))} | {_cell(_show(other))} |")
    sources = []
    quick = []
    for name, data in sorted({**ours, "langchain": theirs}.items()):
        if data is None:
            sources.append(f"`{name}.json` missing (run `{script_for(name)}`)")
            continue
        sources.append(f"`{name}.json` {data.get('machine', {}).get('when', '?')}")
        if data.get("quick"):
            quick.append(f"{name}.json")
    note = "\nMeasured: " + "; ".join(sources) + ". Details and notes in the tables below.\n"
    return (_quick_warning(quick) if quick else "") + "\n".join(lines) + "\n" + note


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs hook: replace the page's bench-table and bench-compare markers."""
    markdown = _COMPARE.sub(lambda match: render_comparison(), markdown)
    return _MARKER.sub(lambda match: render(match.group(1)), markdown)
