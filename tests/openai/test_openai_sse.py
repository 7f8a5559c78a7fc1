"""The SSE decoder: framing, chunk boundaries anywhere, CRLF, comments, multi-line data."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_openai._sse import EventTooLarge, SSEDecoder, iter_sse

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


# -- properties ------------------------------------------------------------------------------

_PAYLOAD = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
_NAME = st.sampled_from([None, "error", "message"])
_EVENT = st.tuples(_NAME, st.lists(_PAYLOAD, min_size=1, max_size=4))
_EVENTS = st.lists(_EVENT, max_size=8)
_ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])


def _render(events: list[tuple[str | None, list[bytes]]], end: bytes, comments: bool) -> bytes:
    out = []
    for name, lines in events:
        if comments:
            out.append(b": keep-alive" + end + b"id: 1" + end)
        if name is not None:
            out.append(b"event: " + name.encode() + end)
        out.extend(b"data: " + line + end for line in lines)
        out.append(end)
    return b"".join(out)


def _expected(events: list[tuple[str | None, list[bytes]]]) -> list[tuple[str | None, bytes]]:
    return [(name, b"\n".join(lines)) for name, lines in events]


def _split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    bounds = [0, *points, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_EVENTS, _ENDINGS, st.booleans(), st.lists(st.integers(min_value=0), max_size=30))
def test_any_split_decodes_like_the_whole(
    events: list[tuple[str | None, list[bytes]]], end: bytes, comments: bool, cuts: list[int]
) -> None:
    stream = _render(events, end, comments)
    whole = list(iter_sse([stream]))
    assert whole == _expected(events)
    assert list(iter_sse(_split(stream, cuts))) == whole


@settings(derandomize=True, max_examples=100, deadline=None)
@given(_EVENTS, st.lists(_ENDINGS, min_size=1, max_size=5), st.integers(1, 7))
def test_mixed_line_endings_and_fixed_size_chunks(
    events: list[tuple[str | None, list[bytes]]], endings: list[bytes], size: int
) -> None:
    # Each event may use its own line ending (servers behind proxies do mix them).
    stream = b"".join(
        _render([event], endings[index % len(endings)], False) for index, event in enumerate(events)
    )
    chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
    assert list(iter_sse(chunks)) == _expected(events)


@settings(derandomize=True, max_examples=50, deadline=None)
@given(st.integers(1, 64), st.integers(65, 4096))
def test_lines_and_events_over_the_limit_raise(size: int, limit: int) -> None:
    def feed_all(pieces: list[bytes]) -> None:
        decoder = SSEDecoder(limit=limit)
        for piece in pieces:
            decoder.feed(piece)

    count = limit // size + 2
    with pytest.raises(EventTooLarge) as info:
        feed_all([b"x" * size] * count)  # one line that never ends
    assert info.value.limit == limit
    with pytest.raises(EventTooLarge):
        feed_all([b"data: " + b"y" * size + b"\n"] * count)  # one event that never ends


def test_an_event_at_the_limit_passes() -> None:
    decoder = SSEDecoder(limit=10)
    assert decoder.feed(b"data: 0123456789\n\n") == [(None, b"0123456789")]


_LINEAR = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pipes_openai._sse import SSEDecoder
decoder = SSEDecoder(limit=64 << 20)
piece = b"x" * 1024
started = time.process_time()
decoder.feed(b"data: ")
for _ in range(16 * 1024):  # a 16 MB line in 1 KB pieces
    assert decoder.feed(piece) == []
events = decoder.feed(b"\\n\\n")
assert len(events) == 1 and len(events[0][1]) == 16 << 20
print(time.process_time() - started)
"""


def test_a_long_line_in_small_pieces_costs_linear_time() -> None:
    # Re-joining the buffer per chunk made this quadratic (minutes for 16 MB); linear, it
    # takes milliseconds. A child process with CPU, memory and wall caps keeps a regression
    # from wedging the runner; the bound is 100x the linear cost, not a tight timing.
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LINEAR],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("feeding a 16 MB line in 1 KB pieces did not finish within 60 s")
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 5.0, done.stdout


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=40), st.integers(1, 5))
def test_an_event_is_measured_across_chunks_and_events(sizes: list[int], events: int) -> None:
    # Events that each span several chunks: every byte of the one in progress counts once.
    limit = max(sizes) * len(sizes) + len(sizes) - 1  # exactly one event's data
    decoder = SSEDecoder(limit=limit)
    for _ in range(events):
        for size in sizes:
            assert decoder.feed(b"data: " + b"z" * size + b"\n") == []
        assert len(decoder.feed(b"\n")) == 1
    over = SSEDecoder(limit=sum(sizes) - 1)
    with pytest.raises(EventTooLarge):  # noqa: PT012 (whichever feed crosses the limit raises)
        for size in sizes:
            over.feed(b"data: " + b"z" * size + b"\n")


def test_the_size_of_a_new_event_starts_from_zero_after_one_spanning_chunks() -> None:
    decoder = SSEDecoder(limit=10)
    assert decoder.feed(b"data: a\n") == []  # an event left open at the end of a chunk ...
    assert decoder.feed(b"\n") == [(None, b"a")]  # ... and ended by the next
    assert decoder.feed(b"data: " + b"x" * 8 + b"\n") == []  # 8 bytes: counted in full
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: yyy\n")  # 11 > 10
