"""The incremental partial-JSON stream agrees with re-parsing every prefix with pydantic_core.

Reference semantics: after each piece, the value is
``pydantic_core.from_json(prefix, allow_partial="trailing-strings")``; the stream must yield
exactly when that value changes (whitespace-only pieces may be caught up later).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from pydantic_core import from_json

from pipes._parsers._json_text import PartialJsonStream


def _random_scalar(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randint(-(10**6), 10**6)
    if kind == 1:
        return round(rng.uniform(-1e3, 1e3), rng.randrange(5))
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.choice([1e-7, -2.5e10, 0, -0.5])
    alphabet = 'ab c"\\/\n\t{}[],:é漢🙂'
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(4) if depth < 4 else 3
    if kind == 0:
        return {
            "".join(rng.choice('kéy_"\\:{') for _ in range(rng.randrange(1, 6))): _random_value(
                rng, depth + 1
            )
            for _ in range(rng.randrange(5))
        }
    if kind == 1:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return _random_scalar(rng)


def _chunks(text: str, rng: random.Random) -> list[str]:
    out, i = [], 0
    while i < len(text):
        size = rng.randrange(1, 8)
        out.append(text[i : i + size])
        i += size
    return out


def _reference(prefix: str) -> Any:
    try:
        return from_json(prefix, allow_partial="trailing-strings")
    except ValueError:
        return None


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_reparsing_every_prefix(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        value = {"root": _random_value(rng)} if rng.random() < 0.7 else [_random_value(rng)]
        indent = rng.choice([None, 2])
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=indent)
        stream = PartialJsonStream()
        prefix = ""
        last: Any = None
        for piece in _chunks(text, rng):
            prefix += piece
            changed, got = stream.feed(piece)
            expected = _reference(prefix)
            if changed:
                assert got == expected, (text, prefix)
                last = got
            elif not piece.isspace() and expected is not None:
                assert expected == last, (text, prefix)
        assert stream.finish()[1] == value
