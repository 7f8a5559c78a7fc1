"""Scalar values for synthesized instances: plausible strings by name and format, and numbers.

`number` solves the numeric keywords of OpenAI's strict subset exactly (`minimum`,
`exclusiveMinimum`, `maximum`, `exclusiveMaximum`, `multipleOf`, for `integer` and `number`);
`FORMAT_STRINGS` holds valid samples of every string `format` the subset names.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

__all__ = ["FORMAT_STRINGS", "named_string", "number"]

# Lower-cased property-name fragments -> plausible string values (first match wins).
_NAMED_STRINGS: tuple[tuple[str, str], ...] = (
    ("email", "alice@example.com"),
    ("url", "https://example.com"),
    ("uri", "https://example.com"),
    ("website", "https://example.com"),
    ("phone", "+1-555-0100"),
    ("location", "San Francisco"),
    ("city", "San Francisco"),
    ("address", "1 Market St, San Francisco, CA"),
    ("country", "United States"),
    ("state", "CA"),
    ("zip", "94105"),
    ("postal", "94105"),
    ("language", "English"),
    ("unit", "celsius"),
    ("currency", "USD"),
    ("timezone", "America/Los_Angeles"),
    ("datetime", "2024-01-01T12:00:00Z"),
    ("timestamp", "2024-01-01T12:00:00Z"),
    ("date", "2024-01-01"),
    ("time", "12:00:00"),
    ("first_name", "Alice"),
    ("firstname", "Alice"),
    ("last_name", "Smith"),
    ("lastname", "Smith"),
    ("username", "alice"),
    ("name", "Alice"),
    ("title", "A short title"),
    ("setup", "Why did the chicken cross the road?"),
    ("punchline", "To get to the other side."),
    ("joke", "Why did the chicken cross the road? To get to the other side."),
    ("query", "example query"),
    ("question", "What is the answer?"),
    ("answer", "42"),
    ("summary", "A short summary."),
    ("description", "A short description."),
    ("reason", "Because it fits the request."),
    ("color", "blue"),
    ("colour", "blue"),
    ("id", "id_1"),
    ("text", "Hello"),
    ("content", "Hello"),
    ("message", "Hello"),
)

# Per format: samples that validate (RFC 3339, ISO 8601, RFC 5321/1123, RFC 4122...), the
# first the most plausible, the others of other lengths for minLength/maxLength/pattern.
FORMAT_STRINGS: dict[str, tuple[str, ...]] = {
    "date-time": ("2024-01-01T12:00:00Z", "2024-01-01T12:00:00.000000+00:00"),
    "date": ("2024-01-01",),
    "time": ("12:00:00Z", "12:00:00.000000+00:00"),
    "duration": ("P1D", "PT1H30M", "P1Y2M3DT4H5M6S"),
    "email": ("alice@example.com", "a@b.co", "alice.smith@mail.example.com"),
    "hostname": ("example.com", "a", "api.example.com"),
    "ipv4": ("192.0.2.1", "0.0.0.0", "203.0.113.254"),
    "ipv6": ("2001:db8::1", "::1", "2001:db8:0:0:0:0:0:1"),
    "uuid": ("00000000-0000-4000-8000-000000000000",),
    "uri": ("https://example.com", "https://example.com/a/b"),
    "url": ("https://example.com", "https://example.com/a/b"),
}

_NAMED_NUMBERS: tuple[tuple[str, float], ...] = (
    ("age", 30),
    ("year", 2024),
    ("month", 1),
    ("day", 1),
    ("hour", 12),
    ("temperature", 22),
    ("rating", 5),
    ("count", 1),
    ("quantity", 1),
    ("price", 9.99),
    ("score", 1),
    ("lat", 37.7749),
    ("lon", -122.4194),
    ("lng", -122.4194),
)


def named_string(name: str) -> str:
    lowered = name.lower()
    for fragment, candidate in _NAMED_STRINGS:
        if fragment in lowered:
            return candidate
    return name.replace("_", " ").strip() or "example"


def number(schema: dict[str, Any], name: str, *, integer: bool) -> int | float:
    """A plausible number inside the bounds and on the `multipleOf` grid (ValueError: none).

    The value is exact in decimal (what the API means) and also passes `jsonschema`'s float
    arithmetic (`0.3 / 0.1` is not an integer there, so 0.3 is skipped for 0.4).
    """
    lowered = name.lower()
    preferred = next((v for fragment, v in _NAMED_NUMBERS if fragment in lowered), 1)
    lo, lo_open = _bound(schema, "minimum", "exclusiveMinimum", lower=True)
    hi, hi_open = _bound(schema, "maximum", "exclusiveMaximum", lower=False)
    kind = "integer" if integer else "number"
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))):
        raise ValueError(f"no {kind} satisfies {_describe(schema)}.")
    multiple = _fraction(schema.get("multipleOf"))
    if multiple is not None and multiple <= 0:
        raise ValueError(f"'multipleOf' must be greater than 0, got {schema['multipleOf']}.")
    candidates: Iterable[Fraction]
    if multiple is None and lo is None and hi is None:
        return math.floor(preferred) if integer else preferred
    if integer or multiple is not None:
        # Integer multiples of p/q (lowest terms) are the multiples of p.
        unit = multiple if multiple is not None else Fraction(1)
        if integer:
            unit = Fraction(unit.numerator)
        k_lo = None if lo is None else math.floor(lo / unit) + 1
        if lo is not None and not lo_open and (lo / unit).denominator == 1:
            k_lo = int(lo / unit)
        k_hi = None if hi is None else math.ceil(hi / unit) - 1
        if hi is not None and not hi_open and (hi / unit).denominator == 1:
            k_hi = int(hi / unit)
        if k_lo is not None and k_hi is not None and k_lo > k_hi:
            raise ValueError(f"no {kind} satisfies {_describe(schema)}.")
        k = round(Fraction(preferred) / unit)
        k = max(k, k_lo) if k_lo is not None else k
        k = min(k, k_hi) if k_hi is not None else k
        steps = (*range(k, k + 64), *range(k - 1, k - 64, -1))
        candidates = (
            j * unit for j in steps if (k_lo is None or j >= k_lo) and (k_hi is None or j <= k_hi)
        )
    else:
        options = [Fraction(preferred)]
        if lo is not None:
            options += [lo, lo + 1]
        if hi is not None:
            options += [hi, hi - 1]
        if lo is not None and hi is not None:
            options.append((lo + hi) / 2)
        if lo is not None and lo_open:
            options.append(Fraction(math.nextafter(float(lo), math.inf)))
        candidates = [
            c
            for c in options
            if (lo is None or c > lo or (c == lo and not lo_open))
            and (hi is None or c < hi or (c == hi and not hi_open))
        ]
    exact: list[int | float] = []
    for c in candidates:
        try:
            value = int(c) if c.denominator == 1 else float(c)
        except OverflowError:
            continue
        if _as_jsonschema_checks(value, schema):
            return value
        exact.append(value)
    if exact:  # right in decimal, though jsonschema's float arithmetic disagrees
        return exact[0]
    raise ValueError(f"no {kind} that a double can hold satisfies {_describe(schema)}.")


def _describe(schema: dict[str, Any]) -> str:
    return ", ".join(
        f"'{key}' {schema[key]}"
        for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf")
        if key in schema
    )


def _fraction(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    return Fraction(value)


def _bound(
    schema: dict[str, Any], inclusive: str, exclusive: str, *, lower: bool
) -> tuple[Fraction | None, bool]:
    """The tighter of the inclusive and exclusive bound, and whether it is exclusive."""
    inc = _fraction(schema.get(inclusive))
    if schema.get(exclusive) is True:  # draft 4: a flag on the inclusive bound
        return inc, inc is not None
    exc = _fraction(schema.get(exclusive))
    if exc is None or (inc is not None and (inc > exc if lower else inc < exc)):
        return inc, False
    return exc, True


def _as_jsonschema_checks(value: int | float, schema: dict[str, Any]) -> bool:
    """The bound and multipleOf checks as `jsonschema` runs them, in float arithmetic."""
    checks = (
        ("minimum", operator.ge),
        ("exclusiveMinimum", operator.gt),
        ("maximum", operator.le),
        ("exclusiveMaximum", operator.lt),
    )
    for key, ok in checks:
        bound = schema.get(key)
        if isinstance(bound, int | float) and not isinstance(bound, bool) and not ok(value, bound):
            return False
    multiple = schema.get("multipleOf")
    if isinstance(multiple, float):
        try:
            quotient = value / multiple
            return int(quotient) == quotient
        except (OverflowError, ZeroDivisionError):
            return False
    if isinstance(multiple, int) and not isinstance(multiple, bool) and multiple:
        return value % multiple == 0
    return True
