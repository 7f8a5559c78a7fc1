from __future__ import annotations

import pytest

from pipes._schema._docstring import parse_google_docstring
from pipes._schema._errors import InvalidDocstringError

DOC = """Search the web.

Longer explanation
over two lines.

Args:
    query: What to look for.
    limit (int, optional): How many results
        to return at most.
    *tags: Labels.

Returns:
    The results.

Raises:
    ValueError: when query is empty.
"""


def test_summary_and_args() -> None:
    summary, args = parse_google_docstring(DOC)
    assert summary == "Search the web. Longer explanation over two lines."
    assert args == {
        "query": "What to look for.",
        "limit": "How many results to return at most.",
        "tags": "Labels.",
    }


def test_raises_section_is_not_read_as_args() -> None:
    _, args = parse_google_docstring(DOC)
    assert "ValueError" not in args


def test_args_after_returns_still_found() -> None:
    doc = "Do it.\n\nReturns:\n    x\n\nArgs:\n    a: the a\n"
    assert parse_google_docstring(doc) == ("Do it.", {"a": "the a"})


def test_no_docstring() -> None:
    assert parse_google_docstring(None) == ("", {})
    assert parse_google_docstring("   ") == ("", {})


def test_summary_only() -> None:
    assert parse_google_docstring("Just this.") == ("Just this.", {})


def test_colon_inside_description_is_a_continuation() -> None:
    doc = "S.\n\nArgs:\n    url: Where to go\n        e.g. http://x: y\n    b: B.\n"
    _, args = parse_google_docstring(doc)
    assert args == {"url": "Where to go e.g. http://x: y", "b": "B."}


def test_strict_requires_args_section() -> None:
    with pytest.raises(InvalidDocstringError, match=r"'Args:' section.*\['x'\]"):
        parse_google_docstring("Summary only.", args=["x"], error_on_invalid=True, owner="f")


def test_strict_requires_a_docstring() -> None:
    with pytest.raises(InvalidDocstringError, match="no docstring"):
        parse_google_docstring(None, args=["x"], error_on_invalid=True)


def test_strict_rejects_unknown_documented_arg() -> None:
    doc = "S.\n\nArgs:\n    x: X.\n    y: Y.\n"
    with pytest.raises(InvalidDocstringError, match=r"\['y'\]"):
        parse_google_docstring(doc, args=["x"], error_on_invalid=True)


def test_strict_accepts_no_args_function_without_args_section() -> None:
    assert parse_google_docstring("S.", args=[], error_on_invalid=True) == ("S.", {})


def test_invalid_docstring_error_is_value_error() -> None:
    assert issubclass(InvalidDocstringError, ValueError)
