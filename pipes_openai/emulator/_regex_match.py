"""Whether a regular expression is found in a text, in time polynomial in the text's length.

The synthesizer checks each candidate string against the schema's `pattern`. `re.search`
backtracks, and a pattern such as `(a?){30}a{30}` or `^(a+)+(?=b)c` makes it run for hours
on a short string while holding the GIL: one request would wedge the whole server. Here the
set of positions a piece can reach is computed for all start positions at once (a bitset, one
bit per position), which is how a Thompson NFA runs: each piece is evaluated a bounded number
of times, whatever the pattern. Characters and anchors are judged by `re` itself (each piece
compiled alone, with its flags), so the answer is the one `re.search` would give.

Back-references, atomic groups and possessive repeats have no such evaluation (matching with
back-references is NP-hard); they are reported as unsupported, as is a check that would take
more than a fixed number of set operations.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

__all__ = ["PARSER_AVAILABLE", "Unsupported", "found", "parsed", "search"]

# Set operations one check may take: far more than any plausible pattern needs (a 10,000
# character candidate against a few nested repeats takes a few thousand), ~20 ms of CPU.
_MAX_STEPS = 20_000

try:  # the stdlib's parser and compiler are private: their absence must degrade cleanly
    _parser: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - a future Python may move them
    _parser = _compiler = None

# Whether this Python has the private parser and compiler the matcher and the generator read.
PARSER_AVAILABLE = _parser is not None and _compiler is not None


class Unsupported(Exception):
    """A construct (or a cost) the matcher does not play; the message says which."""


def search(tree: Any, flags: int, text: str) -> bool:
    """Whether `re.search` finds the parsed pattern `tree` (compiled with `flags`) in `text`."""
    if _compiler is None:  # pragma: no cover
        raise Unsupported("the regular expression compiler is not available on this Python")
    return _Matcher(text).seq(tree, (1 << (len(text) + 1)) - 1, flags) != 0


def found(pattern: str, text: str) -> bool:
    """`re.search(pattern, text) is not None`, without its backtracking.

    Raises:
        re.error: `pattern` is not a valid regular expression.
        Unsupported: see `search`.
    """
    if _parser is None:  # pragma: no cover
        raise Unsupported("the regular expression parser is not available on this Python")
    try:
        return search(*parsed(pattern), text)
    except RecursionError as exc:
        raise Unsupported("the pattern nests too deeply") from exc


@functools.lru_cache(maxsize=1024)  # a schema repeats its patterns; the trees are only read
def parsed(pattern: str) -> tuple[Any, int]:
    """`pattern`'s tree (`re._parser`'s) and its compiled flags (re.error: not a pattern)."""
    return _parser.parse(pattern), re.compile(pattern).flags


class _Matcher:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.steps = 0
        self.at_char: dict[str, int] = {}  # character -> the positions it sits at
        for i, c in enumerate(text):
            self.at_char[c] = self.at_char.get(c, 0) | (1 << i)
        self.masks: dict[tuple[str, Any, int], int] = {}  # (op, argument, flags) -> positions

    def step(self) -> None:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            raise Unsupported("the pattern is too costly to check")

    def seq(self, seq: Any, starts: int, flags: int) -> int:
        for op, av in seq:
            if not starts:
                break
            starts = self.item(str(op), op, av, starts, flags)
        return starts

    def item(self, name: str, op: Any, av: Any, starts: int, flags: int) -> int:
        self.step()
        if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return (starts & self.mask(op, av, flags, chars=True)) << 1
        if name == "AT":
            return starts & self.mask(op, av, flags, chars=False)
        if name == "SUBPATTERN":
            _group, add, remove, sub = av
            return self.seq(sub, starts, (flags | add) & ~remove)
        if name == "BRANCH":
            ends = 0
            for alt in av[1]:
                ends |= self.seq(alt, starts, flags)
            return ends
        if name in ("MAX_REPEAT", "MIN_REPEAT"):  # laziness changes the match, not its existence
            return self.repeat(av, starts, flags)
        if name in ("ASSERT", "ASSERT_NOT"):
            return self.lookaround(name == "ASSERT", av, starts, flags)
        raise Unsupported(f"{name.lower().replace('_', ' ')} cannot be checked")

    def repeat(self, av: Any, starts: int, flags: int) -> int:
        low, high, sub = av
        if len(sub) == 1 and str(sub[0][0]) in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return self.char_repeat(sub[0], low, high, starts, flags)
        current = starts
        for _ in range(low):
            following = self.seq(sub, current, flags)
            self.step()
            if following == current:  # a fixpoint (empty included): more copies change nothing
                break
            current = following
        reached = current
        # Once a copy adds no new position, no later copy can (each is the same function of
        # a subset of what was reached): at most n + 1 rounds whatever `high` says.
        copies = low
        while current and copies < high:
            current = self.seq(sub, current, flags) & ~reached
            reached |= current
            copies += 1
            self.step()
        return reached

    def char_repeat(self, piece: Any, low: int, high: int, starts: int, flags: int) -> int:
        """`c{low,high}` in O(log low) set operations (then one per copy past `low`, or a
        single carry-propagating addition when the repeat is unbounded)."""
        chars = self.mask(piece[0], piece[1], flags, chars=True)
        if low > self.n:
            return 0
        # The positions followed by `low` characters of the class, by doubling: `runs` holds
        # those followed by `done` of them, `power` those followed by `width` of them.
        runs, done, power, width, count = (1 << (self.n + 1)) - 1, 0, chars, 1, low
        while count:
            self.step()
            if count & 1:
                runs &= power >> done
                done += width
            power &= power >> width
            width *= 2
            count >>= 1
        reached = (starts & runs) << low
        if high - low >= self.n:
            # Unbounded: from each position on through its run of the class. The addition
            # carries a seed's bit through the run, flipping it and the position after it.
            seeds = reached & chars
            return reached | ((seeds + chars) ^ chars)
        current = reached
        for _ in range(high - low):
            self.step()
            current = ((current & chars) << 1) & ~reached
            if not current:
                break
            reached |= current
        return reached

    def lookaround(self, positive: bool, av: Any, starts: int, flags: int) -> int:
        direction, sub = av
        kept = 0
        position = starts
        while position:
            low = position & -position
            p = low.bit_length() - 1
            position ^= low
            if direction > 0:
                found = self.seq(sub, 1 << p, flags) != 0
            else:  # a lookbehind has a fixed width (re refuses any other)
                width = sub.getwidth()[0]
                found = p >= width and bool(self.seq(sub, 1 << (p - width), flags) & (1 << p))
            if found == positive:
                kept |= 1 << p
        return kept

    def mask(self, op: Any, av: Any, flags: int, *, chars: bool) -> int:
        """The positions a one-character piece matches at (or a zero-width anchor holds at)."""
        key = (str(op), id(av) if isinstance(av, list) else av, flags)
        if key not in self.masks:
            compiled = _piece(op, av, flags)
            mask = 0
            if chars:
                for c, at in self.at_char.items():
                    if compiled.fullmatch(c):
                        mask |= at
            else:
                for p in range(self.n + 1):
                    if compiled.match(self.text, p):
                        mask |= 1 << p
            self.masks[key] = mask
        return self.masks[key]


_PIECES: dict[tuple[str, str, int], re.Pattern[str]] = {}


def _piece(op: Any, av: Any, flags: int) -> re.Pattern[str]:
    """One character or anchor of a pattern compiled alone (shared: schemas repeat them)."""
    key = (str(op), repr(av), flags)
    compiled = _PIECES.get(key)
    if compiled is None:
        if len(_PIECES) >= 4096:  # bounded: a hostile stream of patterns cannot grow it
            _PIECES.clear()
        state = _parser.State()
        state.flags = flags
        compiled = _PIECES[key] = _compiler.compile(_parser.SubPattern(state, [(op, av)]), flags)
    return compiled
