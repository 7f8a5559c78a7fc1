"""A small, fast, bounded Server-Sent Events decoder for Chat Completions streams.

It works on raw byte chunks (`response.iter_raw()`) rather than `iter_lines()` because
decoding every line to `str` first costs more than the JSON parse that follows. It follows the
WHATWG rules that matter for LLM servers: `data:` lines (with or without the space), events
separated by a blank line, multi-line `data` joined with `\\n`, `event:` names (`error`),
`\\r\\n` and lone `\\r` line endings, `:` comment/keep-alive lines and `id`/`retry` fields
ignored.

Its cost is linear in the bytes fed however they are split: a line without its end is kept as a
list of pieces and joined once when the end arrives (re-joining the whole buffer per chunk made
an 8 MB line fed in small pieces quadratic). A line, or the data of one event, longer than
`limit` bytes raises `EventTooLarge` instead of growing without bound.

Example:
    ```python
    decoder = SSEDecoder()
    events = decoder.feed(b'data: {"a": 1}\\n\\ndata: [DO') + decoder.feed(b"NE]\\n\\n")
    assert events == [(None, b'{"a": 1}'), (None, b"[DONE]")]
    ```
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipes_openai._limits import DEFAULT_EVENT_LIMIT

__all__ = ["DEFAULT_EVENT_LIMIT", "EventTooLarge", "SSEDecoder", "iter_sse"]

SSEEvent = tuple[str | None, bytes]


# `event:` lines seen -> their decoded names (bounded: a server inventing names costs a decode).
_NAMES: dict[bytes, str] = {}
_MAX_NAMES = 256


class EventTooLarge(ValueError):
    """A line or an event's data grew past the decoder's `limit` (`size` bytes so far)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"an SSE line or event reached {size} bytes, over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class SSEDecoder:
    """Incremental decoder: feed byte chunks, get complete `(event, data)` pairs back.

    A trailing line without its newline is kept until the next chunk; an event whose blank
    separator never arrived is returned by `flush` (servers that end the body right after
    the last `data:` line), but an unterminated *line* is dropped there: it is a cut
    stream, and the caller notices the missing `[DONE]`.

    Example:
        ```python
        decoder = SSEDecoder(limit=1024)
        decoder.feed(b"data: x\\n") + decoder.feed(b"\\n")  # [(None, b"x")]
        ```
    """

    __slots__ = (
        "_counted",
        "_counted_in",
        "_data",
        "_event",
        "_limit",
        "_pending",
        "_pending_size",
        "_size",
    )

    def __init__(self, limit: int = DEFAULT_EVENT_LIMIT) -> None:
        # The unterminated tail of the stream, in pieces (joined once, when its line ends). A
        # piece ending in "\r" is only ever the last one: it may be half of a split "\r\n".
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._data: list[bytes] = []
        # The bytes of the event in progress: self._size counts the first self._counted items
        # of the list self._counted_in (each event gets a new list).
        self._counted_in: list[bytes] | None = None
        self._counted = 0
        self._size = 0
        self._event: str | None = None
        self._limit = limit

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode one chunk; returns the events it completed (often one, sometimes none)."""
        pending = self._pending
        if pending:
            if b"\n" not in chunk and b"\r" not in chunk and pending[-1][-1:] != b"\r":
                # Still inside one long line: keep the piece, join nothing (linear cost).
                pending.append(chunk)
                self._pending_size += len(chunk)
                if self._pending_size > self._limit:
                    raise EventTooLarge(self._pending_size, self._limit)
                return []
            pending.append(chunk)
            chunk = b"".join(pending)
            pending.clear()
        hold_cr = False
        if b"\r" in chunk:
            # CRLF and lone CR are line ends too (rare in practice, so normalise per chunk). A CR
            # at the very end may be half of a CRLF split across chunks: keep it pending.
            if chunk[-1:] == b"\r":
                hold_cr = True
                chunk = chunk[:-1]
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        tail = lines[-1]
        self._pending_size = len(tail)
        if tail or hold_cr:
            pending.append(tail + b"\r" if hold_cr else tail)
            if len(tail) > self._limit:
                raise EventTooLarge(len(tail), self._limit)
        out: list[SSEEvent] = []
        data = self._data
        for index in range(len(lines) - 1):
            line = lines[index]
            if not line:
                if data:
                    out.append((self._event, data[0] if len(data) == 1 else b"\n".join(data)))
                    data = self._data = []
                self._event = None
            elif line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line[:6] == b"event:":
                # Named events (the Responses API names every one): a handful of names, each
                # decoded once.
                name = _NAMES.get(line)
                if name is None:
                    name = line[6:].strip().decode("utf-8", "replace")
                    if len(_NAMES) < _MAX_NAMES:
                        _NAMES[line] = name
                self._event = name
            # ":" comments (keep-alives), "id:" and "retry:" carry nothing we use.
        if data:
            # An event continues past this chunk: count only what is new (linear), off the
            # per-token path, where each event ends within its chunk.
            if data is not self._counted_in:
                self._counted_in = data
                self._counted = self._size = 0
            size = self._size
            for index in range(self._counted, len(data)):
                size += len(data[index])
            self._counted = len(data)
            self._size = size
            if size > self._limit:
                raise EventTooLarge(size, self._limit)
        return out

    def flush(self) -> list[SSEEvent]:
        """End of body: return an event that lacked its blank-line separator, if any."""
        out = self.feed(b"\n") if self._pending and self._pending[-1][-1:] == b"\r" else []
        self._pending.clear()
        self._pending_size = 0
        if self._data:
            data, self._data = self._data, []
            event, self._event = self._event, None
            out.append((event, data[0] if len(data) == 1 else b"\n".join(data)))
        return out


def iter_sse(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Yield `(event, data)` pairs from a byte-chunk iterator (e.g. `iter_bytes()`)."""
    decoder = SSEDecoder()
    feed = decoder.feed
    for chunk in chunks:
        yield from feed(chunk)
    yield from decoder.flush()
