"""Finding and parsing JSON in model text: fences, surrounding prose, partial documents.

Models wrap JSON in ```json fences and chatty sentences, and stream it a few characters at a
time. ``parse_json_markdown`` parses a complete reply; ``PartialJsonStream`` follows a stream
and reports each more complete value, doing as little re-parsing as it can::

    parse_json_markdown('Sure!\\n```json\\n{"a": 1}\\n```')   # {'a': 1}

    stream = PartialJsonStream()
    stream.feed('{"name": "Ad')   # (True, {'name': 'Ad'})
    stream.feed('a"}')            # (True, {'name': 'Ada'})
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import from_json

__all__ = ["PartialJsonStream", "parse_json_markdown", "parse_partial_json"]

_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings are fine
_FENCE = "```"
_MAX_STARTS = 64  # candidate '{' / '[' positions tried before giving up on a reply


def _next_start(text: str, begin: int) -> int:
    """Index of the first ``{`` or ``[`` at or after ``begin``, or -1."""
    brace = text.find("{", begin)
    bracket = text.find("[", begin)
    if brace < 0:
        return bracket
    if bracket < 0:
        return brace
    return min(brace, bracket)


def _candidate(text: str, start: int) -> str:
    """The JSON text from ``start``, cut at a closing fence if one follows."""
    end = text.find(_FENCE, start)
    return text[start:] if end < 0 else text[start:end]


def _strip_fences(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(_FENCE):
        newline = stripped.find("\n")
        stripped = stripped[newline + 1 :] if newline >= 0 else stripped[3:]
        end = stripped.find(_FENCE)
        if end >= 0:
            stripped = stripped[:end]
    return stripped.strip()


def _escape_controls(text: str) -> str:
    """Escape raw control characters inside JSON strings (models emit literal newlines).

    Slow path, used only after a parse failed on exactly that.
    """
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            elif char < " ":
                char = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\u{ord(char):04x}")
        elif char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


_FAILED: Any = object()


def _partial(candidate: str) -> Any:
    """Best-effort parse of a JSON prefix (open strings included), or ``_FAILED``."""
    try:
        return from_json(candidate, allow_partial="trailing-strings")
    except ValueError as exc:
        if "control character" not in str(exc):
            return _FAILED
    try:
        return from_json(_escape_controls(candidate), allow_partial="trailing-strings")
    except ValueError:
        return _FAILED


def parse_partial_json(text: str) -> Any:
    """Parse a possibly truncated JSON document (``'{"a": [1, "x'`` → ``{'a': [1, 'x']}``).

    Raises ``ValueError`` when the text is not a JSON prefix.
    """
    value = _partial(text)
    if value is _FAILED:
        raise ValueError(f"not a JSON document or prefix: {text[:80]!r}")
    return value


def parse_json_markdown(text: str) -> Any:
    """Parse the JSON value in a model reply: fenced or bare, with prose around it.

    The first ``{`` / ``[`` that starts a complete JSON document wins; a reply that is just a
    scalar (``42``, ``"yes"``, ``true``) parses too. Raises ``ValueError`` when there is no
    JSON.
    """
    start = _next_start(text, 0)
    attempts = 0
    while start >= 0 and attempts < _MAX_STARTS:
        try:
            return _DECODER.raw_decode(_candidate(text, start))[0]
        except ValueError:
            attempts += 1
            start = _next_start(text, start + 1)
    return json.loads(_strip_fences(text), strict=False)


class PartialJsonStream:
    """Follows JSON text arriving in pieces; ``feed`` returns ``(changed, value)``.

    Work it skips: nothing is parsed before the JSON starts, for empty or whitespace-only
    pieces (a later piece or ``finish`` catches up), or once the document is complete; only
    a piece that can close the document (``}`` / ``]``) pays for a full parse to detect that.
    """

    __slots__ = ("_broken", "_done", "_last", "_parsed_once", "_scan_from", "_start", "text")

    def __init__(self) -> None:
        self.text = ""
        self._start = -1
        self._scan_from = 0
        self._done = False
        self._broken = False
        self._parsed_once = False
        self._last: Any = _FAILED

    def feed(self, piece: str) -> tuple[bool, Any]:
        if not piece:
            return False, None
        self.text += piece
        if self._done or self._broken:
            return False, None
        text = self.text
        if self._start < 0:
            self._start = _next_start(text, self._scan_from)
            if self._start < 0:
                self._scan_from = len(text)
                return False, None
        elif piece.isspace():
            return False, None
        while True:
            candidate = _candidate(text, self._start)
            value: Any = _FAILED
            if "}" in piece or "]" in piece:
                try:
                    value = from_json(candidate)
                    self._done = True
                except ValueError:
                    value = _FAILED
            if value is _FAILED:
                value = _partial(candidate)
            if value is not _FAILED:
                break
            if self._parsed_once:
                # The JSON we were following broke: stop; finish() reports the error.
                self._broken = True
                return False, None
            # Prose with a stray brace before the JSON: try the next opening.
            self._start = _next_start(text, self._start + 1)
            if self._start < 0:
                self._scan_from = len(text)
                return False, None
        self._parsed_once = True
        if value == self._last and self._last is not _FAILED:
            return False, None
        self._last = value
        return True, value

    def finish(self) -> tuple[bool, Any]:
        """Parse the whole text strictly; raises ``ValueError`` when it holds no JSON."""
        value = parse_json_markdown(self.text)
        if self._last is not _FAILED and value == self._last:
            return False, value
        self._last = value
        return True, value
