"""Folding stream chunks into one value."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any, TypeVar, cast

__all__ = ["AddableDict", "merge_chunks"]

T = TypeVar("T")


class AddableDict(dict[str, Any]):
    """A dict whose `+` merges keys, adding the values of keys present in both.

    Parallel maps stream these, so their chunks fold like any other.

    Example:
        ```python
        AddableDict(a="x") + AddableDict(a="y", b=1) == {"a": "xy", "b": 1}
        ```
    """

    def __add__(self, other: dict[str, Any]) -> AddableDict:
        merged = AddableDict(self)
        for key, value in other.items():
            if key in merged and merged[key] is not None and value is not None:
                merged[key] = merged[key] + value
            elif value is not None or key not in merged:
                merged[key] = value
        return merged

    def __radd__(self, other: dict[str, Any]) -> AddableDict:
        return AddableDict(other) + self


def merge_chunks(chunks: Sequence[T]) -> T:
    """Fold stream chunks into one value in linear time.

    Uses the chunk type's `merge_chunks` classmethod when it has one (message chunks do),
    joins strings, merges dicts key by key and otherwise adds with `+`.

    Example:
        ```python
        merge_chunks(["Hel", "lo"]) == "Hello"
        ```
    """
    if not chunks:
        raise ValueError("merge_chunks() needs at least one chunk")
    first = chunks[0]
    if len(chunks) == 1:
        return first
    merge = getattr(type(first), "merge_chunks", None)
    if merge is not None:
        return merge(chunks)  # type: ignore[no-any-return]
    if isinstance(first, str):
        return "".join(chunks)  # type: ignore[arg-type,return-value]
    if isinstance(first, dict):
        acc: dict[str, list[Any]] = {}
        for chunk in chunks:
            for key, value in chunk.items():  # type: ignore[attr-defined]
                if value is not None:
                    acc.setdefault(key, []).append(value)
                else:
                    acc.setdefault(key, [])
        return AddableDict(  # type: ignore[return-value]
            {key: (merge_chunks(values) if values else None) for key, values in acc.items()}
        )
    if isinstance(first, list):
        return [item for chunk in chunks for item in chunk]  # type: ignore[attr-defined,return-value]
    try:
        return functools.reduce(operator.add, cast(Sequence[Any], chunks))  # type: ignore[no-any-return]
    except TypeError:
        # Values that do not add (e.g. ints from a lambda step) stream as whole values: last wins.
        return chunks[-1]
