"""MkDocs hook: make the doc-example runner's ``no-run`` markers visible to readers.

``<!-- no-run: needs a real OPENAI_API_KEY -->`` before a code block is an HTML comment, which
readers would never see; the site shows it as a short note instead, so nobody mistakes an
unchecked example for a checked one. (The runner reads the Markdown source, not this output.)
"""

from __future__ import annotations

import re
from typing import Any

_NO_RUN = re.compile(r"^(?P<indent>[ \t]*)<!--\s*no-run\s*:\s*(?P<reason>.*?)\s*-->[ \t]*$", re.M)


def note_for(reason: str) -> str:
    """The note shown for a block the test suite does not run."""
    return f"*Not run as part of this page: {reason.rstrip('.')}.*"


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace each no-run marker by a visible note (a paragraph before the code block)."""
    return _NO_RUN.sub(lambda m: f"{m.group('indent')}{note_for(m.group('reason'))}\n", markdown)
