"""Finding and parsing JSON in model text: fences, surrounding prose, partial documents.

Models wrap JSON in `` ```json `` fences and chatty sentences, and stream it a few characters at a
time. `parse_json_markdown` parses a complete reply; `PartialJsonStream` follows a stream
and reports each more complete value, doing as little re-parsing as it can:

```python
parse_json_markdown('Sure!\\n```json\\n{"a": 1}\\n```')   # {'a': 1}

stream = PartialJsonStream()
stream.feed('{"name": "Ad')   # (True, {'name': 'Ad'})
stream.feed('a"}')            # (True, {'name': 'Ada'})
```
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic_core import from_json

__all__ = ["PartialJsonStream", "parse_json_markdown", "parse_partial_json"]

_DECODER = json.JSONDecoder(strict=False)  # strict=False: raw newlines inside strings are fine
_FENCE = "```"
_MAX_STARTS = 64  # candidate '{' / '[' positions tried before giving up on a reply


def _next_start(text: str, begin: int) -> int:
    """Index of the first `{` or `[` at or after `begin`, or -1."""
    brace = text.find("{", begin)
    bracket = text.find("[", begin)
    if brace < 0:
        return bracket
    if bracket < 0:
        return brace
    return min(brace, bracket)


def _fence_body(text: str) -> int:
    """Where the first fenced block's content starts (after its `` ```json `` line), else -1."""
    fence = text.find(_FENCE)
    if fence < 0:
        return -1
    newline = text.find("\n", fence)
    return newline + 1 if newline >= 0 else -1


def _candidate(text: str, start: int) -> str:
    """The JSON text from `start`, cut at a closing fence if one follows."""
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
    """Best-effort parse of a JSON prefix (open strings included), or `_FAILED`."""
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
    """Parse a possibly truncated JSON document (`'{"a": [1, "x'` → `{'a': [1, 'x']}`).

    Raises `ValueError` when the text is not a JSON prefix.
    """
    value = _partial(text)
    if value is _FAILED:
        raise ValueError(f"not a JSON document or prefix: {text[:80]!r}")
    return value


def parse_json_markdown(text: str) -> Any:
    """Parse the JSON value in a model reply: fenced or bare, with prose around it.

    Fenced content wins over brackets in the prose before the fence; otherwise the first
    `{` / `[` that starts a complete JSON document does. A reply that is just a scalar
    (`42`, `"yes"`, `true`), fenced or not, parses too. Raises `ValueError` when
    there is no JSON.
    """
    body = _fence_body(text)
    if body > 0:
        try:
            # The fence holds exactly one document (a scalar included: prose may precede it).
            return json.loads(_candidate(text, body), strict=False)
        except ValueError:
            pass
        start = _next_start(text, body)
        if start >= 0:
            try:
                return _DECODER.raw_decode(_candidate(text, start))[0]
            except ValueError:
                pass
    else:
        try:
            # The reply is exactly one document: a string holding brackets stays a string.
            return json.loads(text, strict=False)
        except ValueError:
            pass
    start = _next_start(text, 0)
    attempts = 0
    while start >= 0 and attempts < _MAX_STARTS:
        try:
            return _DECODER.raw_decode(_candidate(text, start))[0]
        except ValueError:
            attempts += 1
            start = _next_start(text, start + 1)
    return json.loads(_strip_fences(text), strict=False)


class _Broken(Exception):
    """The text being scanned is not (a prefix of) valid JSON."""


_TOKENS = re.compile(r'[\\"{}\[\],:]')
_NON_SPACE = re.compile(r"\S")
_NOTHING: Any = object()


class _Frame:
    """An open object or array: its completed members and where the current one starts."""

    __slots__ = ("colon", "is_object", "items", "key", "pending", "pending_end", "seg")

    def __init__(self, is_object: bool, seg: int) -> None:
        self.is_object = is_object
        self.items: Any = {} if is_object else []
        self.seg = seg  # start of the current member / element text
        self.colon = -1  # position of the current member's ':' (objects)
        self.key: str | None = None
        self.pending: Any = _NOTHING  # a nested container that closed in this segment
        self.pending_end = -1


def _complete_scalar(segment: str) -> Any:
    try:
        return from_json(segment)
    except ValueError as exc:
        if "control character" in str(exc):
            try:
                return from_json(_escape_controls(segment))
            except ValueError:
                pass
    raise _Broken(segment)


class PartialJsonStream:
    """Follows JSON text arriving in pieces; `feed` returns `(changed, value)`.

    Each character is scanned once (string- and escape-aware) to track the open objects and
    arrays; a member or element is parsed once, when it completes, and kept. A partial
    value is then the kept members plus the one still being written, so a long document
    costs time linear in its length instead of a full re-parse per piece. Nothing is parsed
    before the JSON starts, for whitespace-only pieces (a later piece or `finish` catches
    up), or after the document is complete. Successive values share their completed
    sub-values; `finish` returns a freshly parsed one.
    """

    __slots__ = (
        "_attempts",
        "_body",
        "_body_seen",
        "_broken",
        "_done",
        "_fence",
        "_fence_seen",
        "_in_string",
        "_last",
        "_root",
        "_scan_from",
        "_scanned",
        "_skip",
        "_stack",
        "_start",
        "_yielded",
        "text",
    )

    def __init__(self) -> None:
        self.text = ""
        self._start = -1  # where the JSON we follow begins
        self._scan_from = 0  # where to look for a start
        self._attempts = 0
        self._done = False
        self._broken = False
        self._yielded = False
        self._last: Any = _NOTHING
        # The first fence and where its content starts, found once: searching the whole
        # text on every piece made a long reply without JSON quadratic.
        self._fence = self._body = -1
        self._fence_seen = self._body_seen = 0  # how far each search has looked
        self._reset()

    def _reset(self) -> None:
        self._stack: list[_Frame] = []
        self._scanned = self._start
        self._in_string = False
        self._skip = -1  # index of a character escaped by a backslash (skipped)
        self._root: Any = _NOTHING

    def feed(self, piece: str) -> tuple[bool, Any]:
        if not piece:
            return False, None
        # Drop our reference first so `+=` can grow the string in place (amortised O(1)).
        text = self.text
        self.text = ""
        text += piece
        self.text = text
        if self._done or self._broken:
            return False, None
        if self._start < 0:
            if not self._find_start():
                return False, None
        elif piece.isspace() and not self._in_string:
            self._scan(text)  # keep the scanner in step; the value cannot have changed
            return False, None
        while True:
            try:
                self._scan(text)
                value = self._snapshot(text)
                break
            except _Broken:
                self._attempts += 1
                if self._yielded or self._attempts >= _MAX_STARTS:
                    # The JSON we were following broke: stop; finish() reports the error.
                    self._broken = True
                    return False, None
                # Prose with a stray brace before the JSON: follow the next opening instead.
                self._scan_from = self._start + 1
                if not self._find_start():
                    return False, None
        if value is _NOTHING or (self._last is not _NOTHING and value == self._last):
            return False, None
        self._last = value
        self._yielded = True
        return True, value

    def _first_fence(self, text: str) -> int:
        """Where the text's first fence is (-1: none yet); each character is searched once."""
        if self._fence < 0:
            self._fence = text.find(_FENCE, max(0, self._fence_seen - len(_FENCE) + 1))
            self._fence_seen = len(text)
        return self._fence

    def _fence_content(self, text: str) -> int:
        """Where the first fence's content starts (after its `` ```json `` line), -1 until then."""
        if self._body < 0:
            newline = text.find("\n", max(self._fence, self._body_seen))
            self._body_seen = len(text)
            if newline >= 0:
                self._body = newline + 1
        return self._body

    def _find_start(self) -> bool:
        text = self.text
        start = _next_start(text, self._scan_from)
        begin = 0
        fence = self._first_fence(text)
        end = start if start >= 0 else len(text)
        if 0 <= fence <= end - len(_FENCE) and self._attempts == 0:
            # A fence before the first bracket: the JSON is its content, once its line is in.
            begin = self._fence_content(text)
            if begin < 0:
                self._scan_from = len(text)  # brackets on the fence line are not the JSON
                return False
            start = _next_start(text, max(begin, self._scan_from))
        if self._attempts == 0:
            first = _NON_SPACE.search(text, begin)
            if first is not None and text[first.start()] == '"':
                # A JSON string document: its brackets are text, not JSON to follow (that
                # reported {} for '"{"'). Nothing to stream; finish() parses it.
                self._done = True
                return False
        self._start = start
        if self._start < 0:
            self._scan_from = len(self.text)
            return False
        self._reset()
        return True

    def _scan(self, text: str) -> None:
        stack = self._stack
        skip = self._skip
        in_string = self._in_string
        for match in _TOKENS.finditer(text, self._scanned):
            pos = match.start()
            if pos == skip:
                continue
            char = text[pos]
            if in_string:
                if char == "\\":
                    skip = pos + 1
                elif char == '"':
                    in_string = False
                continue
            if char == '"':
                in_string = True
                continue
            if char == "{" or char == "[":
                if stack:
                    self._before_nested(stack[-1], text, pos)
                elif pos != self._start:
                    raise _Broken(text[pos:])
                stack.append(_Frame(char == "{", pos + 1))
            elif char == "}" or char == "]":
                if not stack or stack[-1].is_object != (char == "}"):
                    raise _Broken(text[pos:])
                frame = stack.pop()
                self._end_member(frame, text, pos, closing=True)
                if stack:
                    stack[-1].pending = frame.items
                    stack[-1].pending_end = pos + 1
                else:
                    self._root = frame.items
                    self._done = True
                    break
            elif char == ",":
                if not stack:
                    raise _Broken(text[pos:])
                frame = stack[-1]
                self._end_member(frame, text, pos, closing=False)
                frame.seg, frame.colon, frame.key = pos + 1, -1, None
                frame.pending, frame.pending_end = _NOTHING, -1
            elif char == ":":
                if not stack:
                    raise _Broken(text[pos:])
                frame = stack[-1]
                if not frame.is_object or frame.colon >= 0 or frame.pending is not _NOTHING:
                    raise _Broken(text[pos:])
                key = _complete_scalar(text[frame.seg : pos].strip())
                if not isinstance(key, str):
                    raise _Broken(text[pos:])
                frame.key, frame.colon = key, pos
            else:  # a backslash outside a string
                raise _Broken(text[pos:])
        self._scanned = len(text)
        self._skip = skip
        self._in_string = in_string

    @staticmethod
    def _before_nested(frame: _Frame, text: str, pos: int) -> None:
        """A container opens inside `frame`: it must be where a value goes."""
        begin = frame.colon + 1 if frame.is_object else frame.seg
        if (frame.is_object and frame.colon < 0) or frame.pending is not _NOTHING:
            raise _Broken(text[pos:])
        if text[begin:pos].strip():
            raise _Broken(text[pos:])

    @staticmethod
    def _end_member(frame: _Frame, text: str, pos: int, *, closing: bool) -> None:
        """The current member / element ends at `pos` (a `,` or the closing bracket)."""
        if frame.pending is not _NOTHING:
            if text[frame.pending_end : pos].strip():
                raise _Broken(text[pos:])
            value = frame.pending
        elif frame.is_object and frame.colon < 0:
            # No value started: fine only for "{}" ("{"a": 1,}" and "{"a"}" are not JSON).
            if closing and not frame.items and not text[frame.seg : pos].strip():
                return
            raise _Broken(text[pos:])
        else:
            begin = frame.colon + 1 if frame.is_object else frame.seg
            segment = text[begin:pos].strip()
            if not segment:
                if closing and not frame.items and not frame.is_object:
                    return  # "[]"
                raise _Broken(text[pos:])
            value = _complete_scalar(segment)
        if frame.is_object:
            frame.items[frame.key] = value
        else:
            frame.items.append(value)

    def _snapshot(self, text: str) -> Any:
        """The value so far: completed members plus the partial one, outermost first."""
        if self._root is not _NOTHING:
            return self._root
        stack = self._stack
        if not stack:
            return _NOTHING
        child: Any = _NOTHING
        for depth in range(len(stack) - 1, -1, -1):
            frame = stack[depth]
            items: Any = dict(frame.items) if frame.is_object else list(frame.items)
            current = child
            if current is _NOTHING:
                current = frame.pending
            if (
                current is _NOTHING
                and depth == len(stack) - 1
                and not (frame.is_object and frame.colon < 0)  # a key is still being written
            ):
                begin = frame.colon + 1 if frame.is_object else frame.seg
                segment = text[begin:]
                fence = segment.find(_FENCE)
                # lstrip only: trailing spaces may belong to a string still being written.
                segment = (segment if fence < 0 else segment[:fence]).lstrip()
                if segment:
                    # Parsed inside "[" so a partial number or literal is read exactly as the
                    # same text inside a whole partial document would be.
                    wrapped = _partial("[" + segment)
                    current = wrapped[0] if isinstance(wrapped, list) and wrapped else _NOTHING
            if current is not _NOTHING:
                if not frame.is_object:
                    items.append(current)
                elif frame.colon >= 0:
                    items[frame.key] = current
            child = items
        return child

    def finish(self) -> tuple[bool, Any]:
        """Parse the whole text strictly; raises `ValueError` when it holds no JSON."""
        value = parse_json_markdown(self.text)
        if self._last is not _NOTHING and value == self._last:
            return False, value
        self._last = value
        return True, value
