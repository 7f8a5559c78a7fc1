"""The docs build hooks: benchmark tables from bench/results/*.json, visible no-run notes."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_tables", ROOT / "docs" / "hooks" / "bench_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_is_rendered_from_the_results_file(tmp_path: Path) -> None:
    (tmp_path / "demo.json").write_text(
        json.dumps(
            {
                "name": "demo",
                "machine": {
                    "python": "3.11.7",
                    "cpus": 2,
                    "load_average": [0.5, 0.4, 0.3],
                    "when": "2026-01-01T00:00:00Z",
                },
                "rows": [
                    {
                        "metric": "(a) overhead | per step",
                        "value": 1.234,
                        "unit": "µs",
                        "budget": 3,
                        "note": "n",
                        "verdict": "met",
                    },
                    {"metric": "    detail", "value": 1234.5, "unit": "ms"},
                ],
            }
        )
    )
    text = _hook().render("demo", tmp_path)
    assert "on 2 CPUs, Python 3.11.7 (load average 0.5, 0.4, 0.3)" in text
    assert "| (a) overhead \\| per step | 1.23 µs | 3 µs | met | n |" in text
    assert "| &nbsp;&nbsp;&nbsp;detail | 1,234 ms |  |  |  |" in text


def test_missing_results_say_how_to_produce_them(tmp_path: Path) -> None:
    text = _hook().render("nothing", tmp_path)
    assert "No results yet" in text
    assert "bench/bench_nothing.py" in text


def test_markers_are_replaced_and_other_text_kept(tmp_path: Path) -> None:
    hook = _hook()
    page = "# Perf\n\n<!-- bench-table: core -->\n\ntext after\n"
    out = hook.on_page_markdown(page, page=None, config=None, files=None)
    assert "bench-table" not in out
    assert out.startswith("# Perf\n\n")
    assert out.endswith("\ntext after\n")


def test_performance_page_only_names_existing_bench_scripts() -> None:
    page = (ROOT / "docs" / "performance.md").read_text()
    names = re.findall(r"<!--\s*bench-table:\s*([\w.-]+)\s*-->", page)
    assert names
    hook = _hook()
    for name in names:
        assert (ROOT / hook.script_for(name)).is_file(), f"no {hook.script_for(name)}"


def test_comparison_puts_figures_side_by_side_in_the_same_units(tmp_path: Path) -> None:
    def write(name: str, rows: list[dict[str, object]], quick: bool = False) -> None:
        data = {"name": name, "machine": {"when": f"{name}-time"}, "rows": rows, "quick": quick}
        (tmp_path / f"{name}.json").write_text(json.dumps(data))

    write(
        "core", [{"metric": "(a) 10-step sequence: overhead per step", "value": 0.5, "unit": "µs"}]
    )
    write("openai", [{"metric": "stream 5,000 chunks: time vs raw", "value": 1.25, "unit": "x"}])
    write("langchain", [{"metric": "stream 5,000 chunks: rate", "value": 3.3, "unit": "%"}], True)
    text = _hook().render_comparison(tmp_path)
    assert "| 10-step sequence of lambdas: overhead per step | 0.50 µs | not measured |" in text
    assert "| 80.0 % | 3.30 % |" in text  # 1.25x the time is 80 % of the rate
    assert "`chain.json` missing" in text
    assert "Smoke-run figures" in text


def test_no_run_markers_become_visible_notes() -> None:
    spec = importlib.util.spec_from_file_location(
        "doc_markers", ROOT / "docs" / "hooks" / "doc_markers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = "Intro\n\n<!-- no-run: needs a real key -->\n```python\nx = 1\n```\n"
    out = module.on_page_markdown(page, page=None, config=None, files=None)
    assert "<!--" not in out
    assert "*Not run as part of this page: needs a real key.*\n\n```python\nx = 1\n```" in out


def _status_marks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "status_marks", ROOT / "docs" / "hooks" / "status_marks.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_status_marks_become_icons_outside_code() -> None:
    html = "<td>✅</td><td>❌</td><pre><code>print('✅')</code></pre><p><code>❌</code></p>"
    out = _status_marks().replace_marks(html)
    assert out.count('class="status-mark status-yes"') == 1
    assert out.count('class="status-mark status-no"') == 1
    assert "<pre><code>print('✅')</code></pre>" in out  # code is shown as written
    assert "<code>❌</code>" in out
    assert 'aria-label="yes"' in out  # the meaning survives for screen readers
