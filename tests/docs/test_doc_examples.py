"""Every python example in ``docs/`` runs, in page order, so the docs cannot drift from the code.

Each page runs in a fresh namespace, in a temporary working directory, with ``OPENAI_API_KEY``
and ``OPENAI_BASE_URL`` pointing at an in-process emulator — so the ChatOpenAI examples run
exactly as written, with no network. See ``tests/docs/_runner.py`` for the markers.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipes_openai.emulator import Emulator

from ._checkers import PYRIGHT, pyright_unavailable
from ._runner import DocExampleError, parse_page, run_page

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


def _rel(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def _has_examples(path: Path) -> bool:
    try:
        blocks = parse_page(path.read_text(encoding="utf-8"))
    except DocExampleError:
        return True  # let the page's test report the malformed marker
    return any(b.kind in ("run", "setup") for b in blocks)


@pytest.fixture(scope="module")
def doc_emulator() -> Iterator[Emulator]:
    # The pages' examples stand for OpenAI and for other servers (DeepSeek, vLLM...): any
    # model id is served.
    with Emulator(any_model=True) as emulator:
        yield emulator


@pytest.mark.parametrize("page", [p for p in PAGES if _has_examples(p)], ids=_rel)
def test_page_examples_run(
    page: Path, doc_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    doc_emulator.reset()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-emulator")
    monkeypatch.setenv("OPENAI_BASE_URL", doc_emulator.base_url)
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "AZURE_OPENAI_")) and name not in (
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
        ):
            monkeypatch.delenv(name)
    # Hidden setup blocks may set environment variables through monkeypatch, so they are undone.
    run_page(page, {"doc_emulator": doc_emulator, "doc_setenv": monkeypatch.setenv})
    # A page that leaves scripted replies unused says something it did not show.
    assert doc_emulator.pending == 0, (
        f"{_rel(page)} queued {doc_emulator.pending} emulator replies it never used"
    )


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_page_markers_are_well_formed(page: Path) -> None:
    # parse_page raises on a no-run marker without a reason, an orphan output block, etc.
    parse_page(page.read_text(encoding="utf-8"))


_COOKBOOK_REF = re.compile(r"cookbook/[\w./-]+\.(?:py|txt|json|jsonl)")


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_cookbook_files_named_by_the_docs_exist(page: Path) -> None:
    missing = sorted(
        {ref for ref in _COOKBOOK_REF.findall(page.read_text()) if not (ROOT / ref).is_file()}
    )
    assert not missing, f"{_rel(page)} names cookbook files that do not exist: {missing}"


def _blocks_of_kind(kind: str) -> list[tuple[Path, int]]:
    found = []
    for page in PAGES:
        try:
            blocks = parse_page(page.read_text(encoding="utf-8"))
        except DocExampleError:
            continue  # reported by test_page_markers_are_well_formed
        for block in blocks:
            if block.kind == kind:
                found.append((page, block.line))
    return found


def _id(value: object) -> str:
    return _rel(value) if isinstance(value, Path) else str(value)


def _checker_output(command: list[str], example: Path) -> str:
    # Run from the repository root so the checker uses the project's configuration.
    proc = subprocess.run(
        [*command, str(example)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    # Paths become the file name, as the page prints them; pyright indents with no-break spaces.
    text = re.sub(r"^\s*\S*example\.py:", "example.py:", proc.stdout, flags=re.M)
    return "\n".join(line.replace("\xa0", " ").rstrip() for line in text.splitlines()).strip()


@pytest.mark.parametrize(("page", "line"), _blocks_of_kind("typecheck"), ids=_id)
def test_typecheck_examples(page: Path, line: int, tmp_path: Path) -> None:
    """A ``<!-- typecheck -->`` block gets exactly the verdicts the page prints."""
    block = next(b for b in parse_page(page.read_text()) if b.line == line)
    example = tmp_path / "example.py"
    example.write_text(block.code)
    assert block.expected_output is not None, f"{_rel(page)}:{line}: add mypy's output block"
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--hide-error-context"]
    got = _checker_output([*mypy, "--no-color-output", "--no-pretty"], example)
    assert got == block.expected_output.strip(), (
        f"{_rel(page)}:{line}: mypy's verdict differs from the page\n--- page ---\n"
        f"{block.expected_output}--- mypy ---\n{got}"
    )
    if block.pyright_output is not None:
        reason = pyright_unavailable()
        if reason:
            pytest.skip(reason)
        got = _checker_output([str(PYRIGHT)], example)
        # pyright prints the file name on a line of its own first; the page leaves it out.
        got = "\n".join(
            line for line in got.splitlines() if not line.strip().endswith("example.py")
        )
        assert got == block.pyright_output.strip(), (
            f"{_rel(page)}:{line}: pyright's verdict differs from the page\n--- page ---\n"
            f"{block.pyright_output}--- pyright ---\n{got}"
        )


@pytest.mark.slow
@pytest.mark.parametrize(("page", "line"), _blocks_of_kind("pytest"), ids=_id)
def test_pytest_examples(page: Path, line: int, tmp_path: Path) -> None:
    """A ``<!-- pytest -->`` block is a test module that passes, with the emulator plugin on."""
    block = next(b for b in parse_page(page.read_text()) if b.line == line)
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["pipes_openai.emulator.pytest_plugin"]\n'
    )
    (tmp_path / "test_example.py").write_text(block.code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{_rel(page)}:{line}: the test module failed\n{proc.stdout}"
    assert " passed" in proc.stdout


_IMPORT = re.compile(r"from (pipes(?:_openai)?(?:\.[\w.]+)?) import ([\w, ]+)")


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_every_import_the_docs_mention_exists(page: Path) -> None:
    """Also the imports in prose and tables (the migration page's mapping), not only code."""
    missing = []
    for module_name, names in _IMPORT.findall(page.read_text(encoding="utf-8")):
        module = importlib.import_module(module_name)
        for name in (n.strip() for n in names.split(",")):
            if name and not hasattr(module, name):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"{_rel(page)} mentions imports that do not exist: {sorted(set(missing))}"
