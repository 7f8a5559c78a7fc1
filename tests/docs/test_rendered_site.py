"""The built site shows what the sources mean, not their markup: the API reference renders its
docstrings (no reST roles left as text), ChatOpenAI's reference lists its parameters, tables show
no escaping backslashes, and status marks need no emoji font.

Builds the whole site once (``mkdocs build --strict`` into a temporary directory).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Code (blocks and spans) is shown as written: a role inside an example is not a leftover.
_CODE = re.compile(r"<pre\b.*?</pre>|<code\b.*?</code>", re.S)
_TAG = re.compile(r"<[^>]+>")
LEFTOVERS = {
    "a reST role": re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj|ref|py:\w+):"),
    "a reST literal-block marker": re.compile(r"\w::(?:\s|$)"),
    "reST double backticks": re.compile(r"``"),
    "a reST table border": re.compile(r"={3,} +={3,}"),
    "a doctest prompt outside a code block": re.compile(r"&gt;&gt;&gt; "),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def _text_outside_code(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    # Only the article: the theme's own scripts and navigation are not the page's text.
    start, end = html.find("<article"), html.rfind("</article>")
    return _TAG.sub(" ", _CODE.sub(" ", html[start:end] if start >= 0 else html))


def _pages(site: Path, under: str = "") -> list[Path]:
    return sorted((site / under).rglob("index.html"))


def test_the_api_reference_shows_no_rest_markup(site: Path) -> None:
    found = []
    for page in _pages(site, "reference"):
        text = _text_outside_code(page)
        for what, pattern in LEFTOVERS.items():
            for match in pattern.finditer(text):
                context = " ".join(text[max(0, match.start() - 60) : match.end() + 40].split())
                found.append(f"{page.relative_to(site)}: {what}: ...{context}...")
    assert not found, f"{len(found)} leftovers, e.g.:\n" + "\n".join(found[:20])


def test_the_prose_pages_show_no_rest_markup(site: Path) -> None:
    # The hand-written pages are Markdown already; keep them so.
    found = [
        f"{page.relative_to(site)}: {what}"
        for page in _pages(site)
        if "reference" not in page.relative_to(site).parts
        for what, pattern in LEFTOVERS.items()
        if pattern.search(_text_outside_code(page))
    ]
    assert not found, found


def test_chatopenai_reference_lists_its_parameters(site: Path) -> None:
    html = (site / "reference" / "pipes_openai" / "index.html").read_text(encoding="utf-8")
    # Fields declared on the private base class and on BaseChatModel are ChatOpenAI's too.
    for field in ("model", "temperature", "max_tokens", "timeout", "api_key", "base_url", "cache"):
        assert f'id="pipes_openai.ChatOpenAI.{field}"' in html, f"ChatOpenAI.{field} is not listed"
        assert f'id="pipes_openai.AzureChatOpenAI.{field}"' in html


def test_pipes_reference_lists_the_lazily_loaded_names(site: Path) -> None:
    # Names a package loads on first use (pipes._lazy) are imported for type checkers only;
    # docs/hooks/griffe_lazy_exports.py makes them documented names (they were once missing).
    html = (site / "reference" / "pipes" / "index.html").read_text(encoding="utf-8")
    for name in ("Runnable", "RunnableLambda", "BaseChatModel", "PromptTemplate", "dumps"):
        assert f'id="pipes.{name}"' in html, f"pipes.{name} is not in the API reference"
    assert 'id="pipes.usage_tracker"' in html


def test_tables_show_no_escaping_backslashes(site: Path) -> None:
    for page in _pages(site):
        html = page.read_text(encoding="utf-8")
        assert "\\|" not in html, f"{page.relative_to(site)} shows a backslash before a |"


def test_status_marks_need_no_emoji_font(site: Path) -> None:
    for page in _pages(site):
        text = _text_outside_code(page)
        assert "✅" not in text, f"{page.relative_to(site)}: ✅ is drawn from an emoji font"
        assert "❌" not in text, f"{page.relative_to(site)}: ❌ is drawn from an emoji font"
    integrations = (site / "integrations" / "chatopenai" / "index.html").read_text()
    assert 'class="status-mark status-yes"' in integrations
