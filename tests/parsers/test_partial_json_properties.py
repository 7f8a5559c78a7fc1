"""Property tests for partial JSON: every prefix of any document, any split of a stream.

What the parsers promise (``pipes/_parsers/_json_text.py``): a prefix parses to a value or
raises ``ValueError`` (nothing else); the value of a prefix is a partial form of the final
value (completed members equal, the member being written a prefix of its final form); the
whole document parses to ``json.loads`` of it; a stream reports values in that sense and
ends on the final value.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes._errors import OutputParserException
from pipes._parsers import JsonOutputParser
from pipes._parsers._json_text import PartialJsonStream, parse_partial_json

SETTINGS = settings(derandomize=True, max_examples=200, deadline=None)

_strings = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    _strings,
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_strings, inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _documents(draw: st.DrawFn) -> tuple[Any, str]:
    value = draw(_json)
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2])),
        separators=draw(st.sampled_from([None, (",", ":")])),
    )
    return value, text


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _partial_of(partial: Any, final: Any) -> bool:
    """Whether ``partial`` is what a prefix of ``final``'s JSON text may parse to.

    Containers: all members but the last one equal, the last a partial form; strings: a
    prefix; numbers: any number (``12`` is a prefix of ``123``, ``1`` of ``1.5``); other
    scalars: equal.
    """
    if isinstance(final, dict):
        if not isinstance(partial, dict) or not partial.keys() <= final.keys():
            return False
        keys = list(partial)
        if keys != [k for k in final if k in partial]:
            return False  # members arrive in document order
        done = all(partial[k] == final[k] for k in keys[:-1])
        return done and (not keys or _partial_of(partial[keys[-1]], final[keys[-1]]))
    if isinstance(final, list):
        if not isinstance(partial, list) or len(partial) > len(final):
            return False
        if not partial:
            return True
        last = len(partial) - 1
        return partial[:last] == final[:last] and _partial_of(partial[last], final[last])
    if isinstance(final, str):
        return isinstance(partial, str) and final.startswith(partial)
    if _is_number(final):
        return _is_number(partial)
    return partial is final or (partial == final and type(partial) is type(final))


@SETTINGS
@given(_documents())
def test_every_prefix_parses_to_a_partial_value_or_a_value_error(doc: tuple[Any, str]) -> None:
    value, text = doc
    for end in range(len(text)):
        try:
            partial = parse_partial_json(text[:end])
        except ValueError:
            continue  # the typed failure: e.g. "" or a cut literal such as "tr"
        assert _partial_of(partial, value), (text[:end], partial)
    assert parse_partial_json(text) == json.loads(text)


@SETTINGS
@given(st.text(alphabet='{}[]",:\\ 0123456789.-+eEtrunlfasx\n\u00e9', max_size=40))
def test_any_text_gives_a_value_or_a_value_error(text: str) -> None:
    try:
        parse_partial_json(text)
    except ValueError:
        pass
    stream = PartialJsonStream()
    for char in text:
        stream.feed(char)  # never raises: a broken document just stops reporting
    try:
        stream.finish()
    except ValueError:
        pass


@st.composite
def _pieces(draw: st.DrawFn, text: str) -> list[str]:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=12)))
    bounds = [0, *[c for c in cuts if c < len(text)], len(text)]
    return [text[i:j] for i, j in itertools.pairwise(bounds) if j > i]


@SETTINGS
@given(_documents(), st.data())
def test_stream_reports_partial_values_and_finishes_on_the_value(
    doc: tuple[Any, str], data: st.DataObject
) -> None:
    value, text = doc
    stream = PartialJsonStream()
    seen: list[Any] = []
    for piece in data.draw(_pieces(text)):
        changed, got = stream.feed(piece)
        if changed:
            assert _partial_of(got, value), (got, value)
            assert not seen or got != seen[-1]  # "changed" means a different value
            seen.append(got)
    assert stream.finish()[1] == json.loads(text)


@SETTINGS
@given(_documents(), st.data(), st.booleans())
def test_json_output_parser_stream_ends_on_the_final_value(
    doc: tuple[Any, str], data: st.DataObject, fenced: bool
) -> None:
    value, text = doc
    if fenced:
        text = f"Here it is:\n```json\n{text}\n```\n"
    pieces = data.draw(_pieces(text))
    outputs = list(JsonOutputParser().transform(iter(pieces)))
    assert outputs, "a parsed stream yields at least the final value"
    assert outputs[-1] == json.loads(text.split("```json\n")[-1].split("\n```")[0])
    for partial in outputs:
        assert _partial_of(partial, value), (partial, value)
    assert all(a != b for a, b in itertools.pairwise(outputs))


@SETTINGS
@given(st.text(alphabet='{}[]",:x \n`', max_size=30))
def test_json_output_parser_fails_only_with_its_typed_error(text: str) -> None:
    try:
        list(JsonOutputParser().transform(iter(text)))
    except OutputParserException:
        pass


def test_partial_of_rejects_what_it_should() -> None:
    # The oracle itself must be able to fail, or the properties above prove nothing.
    assert not _partial_of({"b": 1}, {"a": 1})
    assert not _partial_of([[1], 2], [[2], 3, 4])
    assert not _partial_of("ax", "ab")
    assert not _partial_of(True, False)
    assert not _partial_of(1, "1")
    with pytest.raises(ValueError):
        parse_partial_json("}")
