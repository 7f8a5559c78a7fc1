"""Resource limits for rendering jinja2 and mustache templates, and the per-render budget.

A template from an untrusted place must not be able to exhaust the machine that renders it:
loops multiply work, string operations multiply memory, recursion multiplies both. Every
render gets a `Budget` built from the active [`TemplateLimits`][pipes.TemplateLimits]; the engines
charge it for each loop iteration, call, filter and operator (bigger values cost more), and
stop with [`UnsafeTemplateError`][pipes.UnsafeTemplateError] when a limit is reached. The counters
are deterministic; a CPU-time check at budget checkpoints is only the last resort for work the
counters under-estimate.

f-string templates need none of this: their output is linear in the template and the values.

Example:
    ```python
    with template_limits(max_output_length=10_000_000):
        prompt.invoke({"documents": huge_list})  # this render may produce up to 10M characters
    ```
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, Final

__all__ = [
    "Budget",
    "LimitExceeded",
    "TemplateLimits",
    "current_limits",
    "line_and_column",
    "set_template_limits",
    "template_limits",
    "text_size",
]

#: Characters (or items) of a value that cost one more operation; see ``max_operations``.
CHARS_PER_OPERATION: Final = 100
# The CPU clock is read every this many operations (reading it costs ~0.5 µs).
_CLOCK_EVERY: Final = 128


@dataclass(frozen=True, slots=True)
class TemplateLimits:
    """Bounds on what rendering one jinja2 or mustache template may do.

    * `max_output_length` — characters in the rendered text, and in any single string or
      list an operation produces (`'a' * n`, `join`, `replace`, a macro's output...).
    * `max_operations` — loop iterations, calls, filters, tests, comparison operands,
      operators and mustache section items (plus one per variable or text in the section); an
      operation on a value of *n* characters or items costs `1 + n // 100`, so the total
      work of a render is bounded, not just the step count.
    * `max_depth` — nesting of macro calls, recursive loops and mustache sections.
    * `max_cpu_seconds` — CPU time of the rendering thread, checked every 128 operations:
      a last resort for work the counters under-estimate.

    Example:
        ```python
        limits = TemplateLimits(max_operations=1_000_000)
        with template_limits(limits):
            prompt.invoke(values)
        ```
    """

    max_output_length: int = 2_000_000
    max_operations: int = 100_000
    max_depth: int = 32
    max_cpu_seconds: float = 0.5

    def __post_init__(self) -> None:
        for name in ("max_output_length", "max_operations", "max_depth"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"TemplateLimits.{name} must be a positive int, got {value!r}.")
        seconds = self.max_cpu_seconds
        if not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(
                f"TemplateLimits.max_cpu_seconds must be a positive number, got {seconds!r}."
            )


_default = TemplateLimits()
_active: ContextVar[TemplateLimits | None] = ContextVar("pipes_template_limits", default=None)


def current_limits() -> TemplateLimits:
    """The limits renders use here: the innermost [`template_limits`][pipes.template_limits],
    else the default."""
    return _active.get() or _default


def set_template_limits(limits: TemplateLimits) -> TemplateLimits:
    """Set the process-wide default limits; return the previous default.

    Example:
        ```python
        set_template_limits(TemplateLimits(max_output_length=8_000_000))
        ```
    """
    global _default
    if not isinstance(limits, TemplateLimits):
        raise TypeError(f"Expected TemplateLimits, got {type(limits).__name__}.")
    previous, _default = _default, limits
    return previous


@contextmanager
def template_limits(limits: TemplateLimits | None = None, /, **changes: Any) -> Iterator[None]:
    """Use other limits for the renders inside the `with` block (context-local).

    Pass a [`TemplateLimits`][pipes.TemplateLimits], or field names to change from the current
    limits.

    Example:
        ```python
        with template_limits(max_operations=1_000_000):
            prompt.invoke(values)
        ```
    """
    base = limits if limits is not None else current_limits()
    token = _active.set(replace(base, **changes) if changes else base)
    try:
        yield
    finally:
        _active.reset(token)


class LimitExceeded(Exception):
    """Raised by `Budget`; the engines turn it into a positioned UnsafeTemplateError."""


class Budget:
    """What one render may still spend. Not thread-safe: one budget per render."""

    __slots__ = ("_checkpoint", "_started", "depth", "left", "limits")

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.left = limits.max_operations
        self.depth = 0
        self._checkpoint = max(self.left - _CLOCK_EVERY, 0)
        self._started: float | None = None  # read lazily: most renders never get that far

    def charge(self, cost: int = 1) -> None:
        """Spend `cost` operations."""
        self.left -= cost
        if self.left < self._checkpoint:
            self._check()

    def charge_size(self, size: int) -> None:
        """Spend for an operation on (or producing) `size` characters or items."""
        if size > self.limits.max_output_length:
            raise LimitExceeded(
                f"an operation would produce or process {size} characters or items, more than "
                f"max_output_length={self.limits.max_output_length}"
            )
        self.charge(1 + size // CHARS_PER_OPERATION)

    def check_size(self, size: int, what: str) -> None:
        """Refuse, before doing it, an operation that would produce `size` characters."""
        if size > self.limits.max_output_length:
            raise LimitExceeded(
                f"{what} would produce more than max_output_length="
                f"{self.limits.max_output_length} characters or items"
            )

    def enter(self) -> None:
        """One level deeper (a macro call, a recursive loop, a mustache section)."""
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self.depth -= 1
            raise LimitExceeded(
                f"macro calls, recursive loops or sections nest deeper than "
                f"max_depth={self.limits.max_depth}"
            )

    def leave(self) -> None:
        self.depth -= 1

    def _check(self) -> None:
        if self.left < 0:
            raise LimitExceeded(
                f"rendering needs more than max_operations={self.limits.max_operations} "
                "operations (loop iterations, calls, filters; large values cost more)"
            )
        now = time.thread_time()
        if self._started is None:
            self._started = now
        elif now - self._started > self.limits.max_cpu_seconds:
            raise LimitExceeded(
                f"rendering used more than max_cpu_seconds={self.limits.max_cpu_seconds} "
                "seconds of CPU time"
            )
        self._checkpoint = max(self.left - _CLOCK_EVERY, 0)


def text_size(value: Any, limit: int) -> int:
    """A lower bound on `len(str(value))`, computed without building the text.

    Strings count their length; lists, tuples, sets and dicts count their items (each item
    costs at least two characters in the text: the item and ", ") recursively. The walk stops
    as soon as the count passes `limit`, so it is cheap on values that are too big. Other
    objects count as 0: their `__str__` belongs to whoever supplied the data.
    """
    if type(value) is str:
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        if len(stack) > limit:  # a self-referencing value would keep growing the stack
            return limit + 1
    return total


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of `offset` in `source`."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1
