"""MkDocs hook: the ✅ / ❌ status marks of the docs' tables become inline SVG icons.

Those two characters are emoji: a machine without an emoji font (many Linux desktops, headless
browsers) draws them as empty boxes. The page sources keep the characters (they read well as
plain Markdown); the built pages show an icon that needs no font, with the meaning in its
``aria-label`` and ``title``. Code blocks are left alone.
"""

from __future__ import annotations

import re
from typing import Any

# Material Design Icons "check" and "close" (Apache-2.0), the set mkdocs-material ships.
_ICONS = {
    "✅": ("yes", "M21 7 9 19l-5.5-5.5 1.41-1.41L9 16.17 19.59 5.59 21 7Z"),
    "❌": (
        "no",
        "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 "
        "17.59 19 19 17.59 13.41 12 19 6.41Z",
    ),
}
_MARK = re.compile("|".join(map(re.escape, _ICONS)))
# Code is shown as written: split the page into code and everything else.
_CODE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.S)


def _icon(match: re.Match[str]) -> str:
    meaning, path = _ICONS[match.group(0)]
    return (
        f'<span class="status-mark status-{meaning}" role="img" aria-label="{meaning}" '
        f'title="{meaning}"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="{path}"/></svg>'
        "</span>"
    )


def replace_marks(html: str) -> str:
    """``html`` with every status mark outside code replaced by its icon."""
    parts = _CODE.split(html)
    return "".join(part if i % 2 else _MARK.sub(_icon, part) for i, part in enumerate(parts))


def on_page_content(html: str, **kwargs: Any) -> str:
    return replace_marks(html)
