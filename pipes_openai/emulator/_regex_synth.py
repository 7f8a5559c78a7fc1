"""A string that a regular expression finds, of a length inside given bounds.

Strict structured outputs honour a string's `pattern`; the emulator must answer with a string
that `jsonschema` accepts, i.e. one where `re.search(pattern, value)` succeeds. The pattern is
parsed with the standard library's own regex parser (`re._parser`, wrapped here because it is
private), so the generator and the validator agree on the syntax: literals, classes and their
negations, `\\d \\w \\s` and their negations, `.`, escapes, groups (capturing, non-capturing,
named), alternation, the quantifiers `? * + {m} {m,} {m,n}` (lazy too), anchors and
lookarounds (which the final check judges).

Generation is bounded: unbounded repetitions stretch only as far as a target length needs,
never past `MAX_LENGTH` characters, and a pattern whose shortest match is longer than that is
refused. Every candidate is checked before it is returned, with `re.search`'s answer but
not its backtracking (`._regex_match`: `(a?){30}a{30}` would hold the server for hours), so
what the generator cannot honour ends in a `ValueError` naming the pattern, never in a string
that fails validation; back-references, atomic groups and possessive repeats, which that
check cannot judge in polynomial time, are refused the same way.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from ._regex_match import PARSER_AVAILABLE, Unsupported, parsed, search

__all__ = ["MAX_LENGTH", "regex_instance"]

MAX_LENGTH = 10_000
_TARGETS = 48  # target lengths tried before padding; each try is linear in the pattern
_FALLBACK_ALPHABET = (
    string.ascii_lowercase + string.ascii_uppercase + string.digits + " _-.@:/,;!?#$%&*+=~"
    "\t\n'\"()[]{}<>^|\\`éß€中"
)
_CATEGORY_SAMPLE = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_WORD": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_NOT_SPACE": "a",
}


@functools.lru_cache(maxsize=1024)  # deterministic, and a schema repeats its patterns
def regex_instance(pattern: str, *, min_length: int = 0, max_length: int | None = None) -> str:
    """Return a string of `min_length..max_length` characters in which `pattern` is found.

    Raises:
        ValueError: the pattern is not a valid regular expression, or no string within the
            length bounds was found (too long, contradictory, or a construct the generator
            does not play); the message names the pattern.

    ```pycon
    >>> regex_instance(r"^[A-Z]{2}-\\d{3}$")
    'AA-000'
    ```
    """
    if not PARSER_AVAILABLE:  # pragma: no cover
        raise ValueError(f"cannot synthesize a string for 'pattern' {pattern!r} on this Python")
    try:
        tree, flags = parsed(pattern)  # cached: the matcher below reads the same tree
    except (re.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"'pattern' {pattern!r} is not a valid regular expression: {exc}") from exc
    upper = MAX_LENGTH if max_length is None else min(max_length, MAX_LENGTH)

    def fits(text: str) -> bool:
        # Not compiled.search: its backtracking can take hours on a short string (and holds
        # the GIL, so the whole server); search's bitsets are polynomial.
        if not min_length <= len(text) <= upper:
            return False
        try:
            return search(tree, flags, text)
        except (Unsupported, RecursionError) as exc:
            raise _unsupported(pattern, exc) from exc

    try:
        gen = _Gen(tree, flags)
        lo, hi = gen.width(gen.tree)
    except (Unsupported, RecursionError) as exc:
        raise _unsupported(pattern, exc) from exc
    if lo > MAX_LENGTH:
        raise ValueError(
            f"'pattern' {pattern!r} needs more than {MAX_LENGTH} characters, the longest string"
            " the emulator synthesizes."
        )
    start = max(lo, min(min_length, hi))
    candidates: list[str] = []
    for target in range(start, min(hi, upper) + 1)[:_TARGETS]:
        try:
            text = gen.generate(target)
        except Unsupported as exc:
            raise _unsupported(pattern, exc) from exc
        if fits(text):
            return text
        candidates.append(text)
    # An unanchored match can sit inside a longer string: pad it out to min_length.
    for text in candidates[:1]:
        pad = "x" * max(0, min_length - len(text))
        for padded in (text + pad, pad + text):
            if fits(padded):
                return padded
    raise ValueError(
        f"no string of {min_length} to {upper} characters was found for 'pattern' {pattern!r}"
        " (the pattern and the length bounds may contradict each other, or the pattern uses"
        " lookarounds or word boundaries, which the emulator does not synthesize)."
    )


def _unsupported(pattern: str, exc: BaseException) -> ValueError:
    return ValueError(f"the emulator cannot synthesize a string for 'pattern' {pattern!r}: {exc}")


class _Gen:
    """Length-directed generation over `re._parser`'s tree: `generate(n)` aims at n chars."""

    def __init__(self, tree: Any, flags: int) -> None:
        self.tree = tree
        self.flags = flags
        self.groups: dict[int, str] = {}
        self.group_widths: dict[int, tuple[int, int]] = {}
        self.memo: dict[int, tuple[int, int]] = {}

    def width(self, seq: Any) -> tuple[int, int]:
        """(shortest, longest) lengths `seq` can match, the longest capped at MAX_LENGTH + 1."""
        key = id(seq)
        if key not in self.memo:
            lo = hi = 0
            for op, av in seq:
                a, b = self.item_width(str(op), av)
                lo, hi = min(lo + a, MAX_LENGTH + 1), min(hi + b, MAX_LENGTH + 1)
            self.memo[key] = (lo, hi)
        return self.memo[key]

    def item_width(self, op: str, av: Any) -> tuple[int, int]:
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return 1, 1
        if op in ("AT", "ASSERT", "ASSERT_NOT"):
            return 0, 0
        if op == "SUBPATTERN":
            w = self.width(av[3])
            if av[0] is not None:
                self.group_widths[av[0]] = w
            return w
        if op == "ATOMIC_GROUP":
            return self.width(av)
        if op == "BRANCH":
            widths = [self.width(alt) for alt in av[1]]
            return min(w[0] for w in widths), max(w[1] for w in widths)
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            a, b = self.width(sub)
            return min(low * a, MAX_LENGTH + 1), min(high * b, MAX_LENGTH + 1)
        if op == "GROUPREF" and av in self.group_widths:
            return self.group_widths[av]
        raise Unsupported(f"{op.lower().replace('_', ' ')} is not supported")

    def generate(self, target: int) -> str:
        self.groups.clear()
        return self.seq(self.tree, target, self.flags)

    def seq(self, seq: Any, target: int, flags: int) -> str:
        widths = [self.item_width(str(op), av) for op, av in seq]
        rest = sum(w[0] for w in widths)  # what the items still to come need at least
        out: list[str] = []
        produced = 0
        for (op, av), (a, b) in zip(seq, widths, strict=True):
            rest -= a
            # All the length still wanted beyond the rest's minimum; an item that cannot hit
            # its aim exactly falls short, and the items after it make up the difference.
            aim = max(a, min(b, target - produced - rest))
            text = self.item(str(op), av, aim, flags)
            produced += len(text)
            out.append(text)
        return "".join(out)

    def item(self, op: str, av: Any, target: int, flags: int) -> str:
        if op == "LITERAL":
            return chr(av)
        if op in ("NOT_LITERAL", "IN", "ANY"):
            return self.char(op, av, flags)
        if op == "SUBPATTERN":
            group, add, remove, sub = av
            text = self.seq(sub, target, (flags | add) & ~remove)
            if group is not None:
                self.groups[group] = text
            return text
        if op == "ATOMIC_GROUP":
            return self.seq(av, target, flags)
        if op == "BRANCH":
            alts = av[1]
            widths = [self.width(alt) for alt in alts]
            best = min(
                range(len(alts)),
                key=lambda i: max(widths[i][0] - target, target - widths[i][1], 0),
            )
            return self.seq(alts[best], target, flags)
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            return self.repeat(av, target, flags)
        if op == "GROUPREF":
            return self.groups.get(av, "")
        return ""  # AT, ASSERT, ASSERT_NOT: zero width (the final check judges them)

    def repeat(self, av: Any, target: int, flags: int) -> str:
        low, high, sub = av
        a, b = self.width(sub)
        if b == 0:
            return self.seq(sub, 0, flags) if low else ""
        count = max(low, min(high, -(-target // b)))  # the fewest copies reaching the aim
        if count > low and count * a > target:
            count -= 1  # overshooting is worse than falling short: later items can fill
        # Copies that may be empty beyond the length wanted add nothing: a{0,1}{4294967295}.
        count = min(count, max(low, MAX_LENGTH // a) if a else max(1, target))
        extra = max(0, target - count * a)
        parts: list[str] = []
        for _ in range(count):
            text = self.seq(sub, a + min(extra, b - a), flags)
            extra = max(0, extra - (len(text) - a))
            parts.append(text)
        return "".join(parts)

    def char(self, op: str, av: Any, flags: int) -> str:
        fold = bool(flags & re.IGNORECASE)
        if op == "ANY":
            return "a"
        if op == "NOT_LITERAL":
            banned = {chr(av).lower(), chr(av).upper()} if fold else {chr(av)}
            return next(c for c in _FALLBACK_ALPHABET if c not in banned)
        items = list(av)
        negate = any(str(o) == "NEGATE" for o, _ in items)
        preferred: list[str] = []
        if not negate:
            for o, v in items:
                o = str(o)
                if o == "LITERAL":
                    preferred.append(chr(v))
                elif o == "RANGE":
                    preferred.append(chr(v[0]))
                elif o == "CATEGORY":
                    preferred.append(_CATEGORY_SAMPLE.get(str(v), "a"))
        for c in (*preferred, *_FALLBACK_ALPHABET):
            variants = {c, c.lower(), c.upper()} if fold else {c}
            if any(_in_set(v, items) for v in variants) != negate:
                return str(c)
        raise Unsupported("a character class that no sampled character satisfies")


def _in_set(ch: str, items: list[tuple[Any, Any]]) -> bool:
    """Whether `ch` is one of the class's members (NEGATE is the caller's business)."""
    code = ord(ch)
    for op, av in items:
        op = str(op)
        if op == "LITERAL" and code == av:
            return True
        if op == "RANGE" and av[0] <= code <= av[1]:
            return True
        if op == "CATEGORY" and _in_category(ch, str(av)):
            return True
    return False


def _in_category(ch: str, category: str) -> bool:
    negated = "_NOT_" in category
    base = category.replace("_NOT_", "_")
    if base == "CATEGORY_DIGIT":
        hit = ch.isdecimal()
    elif base == "CATEGORY_WORD":
        hit = ch.isalnum() or ch == "_"
    elif base == "CATEGORY_SPACE":
        hit = ch.isspace()
    else:
        raise Unsupported(f"the class category {category} is not supported")
    return hit != negated
