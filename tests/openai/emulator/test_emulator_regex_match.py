"""The synthesizer's pattern check: re.search's answer, in polynomial time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes_openai.emulator._regex_match import Unsupported, search

from .helpers import assert_synthesis_ends

_PARSER: Any = __import__("re._parser").__dict__["_parser"]

# Small pieces whose nesting stays shallow: the reference, re.search, must stay fast itself.
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "[ab]",
        "[^a]",
        ".",
        r"\d",
        r"\w",
        r"\s",
        "(?i:A)",
        "x",
        "\n",
        "a*",
        "b+",
        "a?",
        "[ab]{2}",
        "a{0,3}",
        "\\w*?",
        r"\b",
        r"\B",
        "^",
        "$",
        r"\A",
        r"\Z",
        "(?=a)",
        "(?!b)",
        "(?<=a)",
        "(?<!b)",
        "(?:a|bb)",
        "(?:ab|a)?",
        "(a|b){1,2}",
    ]
)
_PATTERNS = st.tuples(
    st.sampled_from(["", "(?m)", "(?s)", "(?i)"]), st.lists(_PIECES, min_size=1, max_size=5)
).map(lambda t: t[0] + "".join(t[1]))


@settings(derandomize=True, max_examples=400, deadline=None)
@given(_PATTERNS, st.lists(st.text("ab x1\nA_", max_size=8), min_size=1, max_size=4))
def test_search_agrees_with_re(pattern: str, texts: list[str]) -> None:
    compiled = re.compile(pattern)
    tree = _PARSER.parse(pattern)
    for text in texts:
        assert search(tree, compiled.flags, text) == bool(compiled.search(text)), (pattern, text)


@pytest.mark.parametrize("pattern", [r"(a)\1", "a++", "(?>a)"])
def test_constructs_without_a_polynomial_check_are_reported(pattern: str) -> None:
    with pytest.raises(Unsupported, match="cannot be checked"):
        search(_PARSER.parse(pattern), re.compile(pattern).flags, "aa")


# Patterns on which re.search backtracks for hours over a candidate of a few dozen characters
# (and holds the GIL: the emulator's whole event loop). The child is capped in CPU time, so a
# regression fails here instead of wedging the runner.
REDOS: list[Any] = [
    {"type": "string", "pattern": pattern}
    for pattern in (r"(a?){30}a{30}", r"^(a+)+(?=b)c$", r"(a|a)+(?!)x", r"(?:(?:a|b)*)*c(?=d)")
]
# The plausible value for the name (a sentence) is tried against the pattern first.
REDOS.append(
    {
        "type": "object",
        "properties": {"joke": {"type": "string", "pattern": r"^((\w|\s)+)+$"}},
        "required": ["joke"],
        "additionalProperties": False,
    }
)


def test_catastrophic_patterns_end_quickly() -> None:
    assert_synthesis_ends(REDOS, cpu_seconds=10)
