"""The SSE decoder: framing, chunk boundaries anywhere, CRLF, comments, multi-line data."""

from __future__ import annotations

import pytest

from pipes_openai._sse import SSEDecoder, iter_sse

STREAM = (
    b": keep-alive\n\n"
    b'data: {"a":1}\n\n'
    b"event: error\n"
    b'data: {"error":{"message":"boom"}}\n\n'
    b"data:nospace\n\n"
    b"id: 7\nretry: 100\n"
    b"data: line1\ndata: line2\n\n"
    b"data: [DONE]\n\n"
)
EXPECTED = [
    (None, b'{"a":1}'),
    ("error", b'{"error":{"message":"boom"}}'),
    (None, b"nospace"),
    (None, b"line1\nline2"),
    (None, b"[DONE]"),
]


def test_whole_stream() -> None:
    assert list(iter_sse([STREAM])) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13, 64])
def test_any_chunking(size: int) -> None:
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert list(iter_sse(chunks)) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 4, 9, 1000])
def test_crlf_and_cr_line_ends_split_anywhere(size: int) -> None:
    crlf = STREAM.replace(b"\n", b"\r\n")
    chunks = [crlf[i : i + size] for i in range(0, len(crlf), size)]
    assert list(iter_sse(chunks)) == EXPECTED
    cr = STREAM.replace(b"\n", b"\r")
    chunks = [cr[i : i + size] for i in range(0, len(cr), size)]
    assert list(iter_sse(chunks)) == EXPECTED


def test_missing_final_blank_line_is_flushed_but_cut_line_is_dropped() -> None:
    assert list(iter_sse([b'data: {"a":1}\n\ndata: [DONE]\n'])) == [
        (None, b'{"a":1}'),
        (None, b"[DONE]"),
    ]
    # A line cut in the middle (no newline) is a broken stream, not an event.
    assert list(iter_sse([b'data: {"a":1}\n\ndata: {"b":'])) == [(None, b'{"a":1}')]


def test_decoder_incremental_returns_only_complete_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"x"') == []
    assert decoder.feed(b": 2}\n") == []
    assert decoder.feed(b"\n") == [(None, b'{"x": 2}')]
    assert decoder.flush() == []
