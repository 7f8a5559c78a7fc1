"""A small, fast Server-Sent Events decoder for Chat Completions streams.

It works on raw byte chunks (``response.iter_bytes()``) rather than ``iter_lines()`` because
decoding every line to ``str`` first costs more than the JSON parse that follows. It follows the
WHATWG rules that matter for LLM servers: ``data:`` lines (with or without the space), events
separated by a blank line, multi-line ``data`` joined with ``\\n``, ``event:`` names (``error``),
``\\r\\n`` line endings, ``:`` comment/keep-alive lines and ``id``/``retry`` fields ignored.

Example::

    decoder = SSEDecoder()
    events = decoder.feed(b'data: {"a": 1}\\n\\ndata: [DO') + decoder.feed(b"NE]\\n\\n")
    assert events == [(None, b'{"a": 1}'), (None, b"[DONE]")]
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

__all__ = ["SSEDecoder", "aiter_sse", "iter_sse"]

SSEEvent = tuple[str | None, bytes]


class SSEDecoder:
    """Incremental decoder: feed byte chunks, get complete ``(event, data)`` pairs back.

    A trailing line without its newline is kept until the next chunk; an event whose blank
    separator never arrived is returned by :meth:`flush` (servers that end the body right after
    the last ``data:`` line), but an unterminated *line* is dropped there: it is a cut
    stream, and the caller notices the missing ``[DONE]``.
    """

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._event: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode one chunk; returns the events it completed (often one, sometimes none)."""
        if self._buffer:
            chunk = self._buffer + chunk
        hold_cr = False
        if b"\r" in chunk:
            # CRLF and lone CR are line ends too (rare in practice, so normalise per chunk). A CR
            # at the very end may be half of a CRLF split across chunks: keep it pending.
            if chunk[-1:] == b"\r":
                hold_cr = True
                chunk = chunk[:-1]
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        self._buffer = lines[-1] + b"\r" if hold_cr else lines[-1]
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
                self._event = line[6:].strip().decode("utf-8", "replace")
            # ":" comments (keep-alives), "id:" and "retry:" carry nothing we use.
        return out

    def flush(self) -> list[SSEEvent]:
        """End of body: return an event that lacked its blank-line separator, if any."""
        out = self.feed(b"\n") if self._buffer[-1:] == b"\r" else []
        self._buffer = b""
        if self._data:
            data, self._data = self._data, []
            event, self._event = self._event, None
            out.append((event, data[0] if len(data) == 1 else b"\n".join(data)))
        return out


def iter_sse(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Yield ``(event, data)`` pairs from a byte-chunk iterator (e.g. ``iter_bytes()``)."""
    decoder = SSEDecoder()
    feed = decoder.feed
    for chunk in chunks:
        yield from feed(chunk)
    yield from decoder.flush()


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Async twin of :func:`iter_sse` (e.g. over ``aiter_bytes()``)."""
    decoder = SSEDecoder()
    feed = decoder.feed
    async for chunk in chunks:
        for event in feed(chunk):
            yield event
    for event in decoder.flush():
        yield event
