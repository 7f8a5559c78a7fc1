"""The secrets a connection must never show, and the one place that scrubs them from text.

A server can echo a credential back in many spellings: verbatim, JSON-escaped (``\\u0073k-…``,
``\\/``), percent-encoded in an echoed URL, or mixed character by character. :class:`Secrets`
matches every such spelling of every registered value with one compiled pattern, so the error
paths scrub with a single ``re.sub`` however many secrets there are. Values can be added while
requests run (an Azure AD token provider returns a new token per request), and the object never
shows a value in its ``repr``.

Example:
    ```python
    secrets = Secrets(["sk-live-123"])
    secrets.scrub('{"error": "bad key \\\\u0073k-live-123"}')  # -> '{"error": "bad key ***"}'
    ```
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["REDACTED", "Secrets"]

REDACTED = "***"


def _hex(code: int, width: int) -> str:
    """``code`` in hex, each letter matching either case (the key itself stays case-sensitive)."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{width}x}")


def _char_pattern(char: str) -> str:
    """Every spelling of one character a server may use when it echoes it back."""
    code = ord(char)
    spellings = [re.escape(char)]
    if code < 0x10000:
        spellings.append(r"\\u" + _hex(code, 4))  # JSON escape
    if code < 0x80:
        spellings.append("%" + _hex(code, 2))  # percent-encoding in an echoed URL
    if char == "/":
        spellings.append(r"\\/")  # JSON's optional escape of the solidus
    return spellings[0] if len(spellings) == 1 else "(?:" + "|".join(spellings) + ")"


def _value_pattern(value: str) -> str:
    return "".join(_char_pattern(char) for char in value)


class Secrets:
    """A thread-safe set of secret values and a scrubber for all their spellings.

    Empty values are ignored. :meth:`scrub` replaces every occurrence with ``***``;
    :meth:`scrub_data` does the same inside parsed JSON (keys and string values, recursively).

    Example:
        ```python
        secrets = Secrets(["sk-abc"])
        secrets.add("azure-token")         # e.g. from a token provider, per request
        secrets.scrub("key sk-abc token azure-token")  # -> 'key *** token ***'
        ```
    """

    __slots__ = ("_lock", "_pattern", "_values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._values)} hidden>)"

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secrets, (self._values,))

    @property
    def values(self) -> tuple[str, ...]:
        """The registered values (for building credentials; never print them)."""
        return self._values

    def add(self, value: str | None) -> None:
        """Register ``value`` (a no-op for ``None``, ``""`` or a value already known)."""
        if not value or value in self._values:
            return
        with self._lock:
            if value in self._values:
                return
            # Longest first, so a secret that contains another is replaced whole.
            values = tuple(sorted((*self._values, value), key=len, reverse=True))
            self._pattern = re.compile("|".join(_value_pattern(v) for v in values))
            self._values = values

    def scrub(self, text: str) -> str:
        """``text`` with every spelling of every secret replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(REDACTED, text)

    def scrub_data(self, data: Any) -> Any:
        """A copy of parsed JSON (dicts, lists, strings) with secrets scrubbed everywhere."""
        if self._pattern is None:
            return data
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {self.scrub(str(k)): self.scrub_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.scrub_data(item) for item in data]
        return data
