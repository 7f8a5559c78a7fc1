"""Cosine similarity, top-k and maximal marginal relevance for the in-memory store.

The pure-Python path is the reference. numpy, when importable, only finds the candidates
faster: it scores every row in float32, keeps the rows that could be in the top `k` given
float32's rounding (a margin far wider than its error), and those few are scored again by
the pure path. So both paths return the same documents in the same order with bit-identical
scores; ties are broken by insertion order in both.

Example:
    ```python
    rows = [Row([1.0, 0.0]), Row([0.6, 0.8])]
    top_k(rows, [1.0, 0.0], 1, use_numpy=False)  # [(0, 1.0)]
    ```
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from operator import mul
from typing import Any

__all__ = ["Matrix", "Row", "cosine", "dot", "mmr", "norm", "numpy_or_none", "top_k"]

# Float32 scores of unit vectors are within ~1e-6 of the exact ones; rows within this margin
# of the k-th best are re-scored exactly, so no row is lost or gained by rounding.
_MARGIN = 1e-4


def _dot_fallback(a: Sequence[float], b: Sequence[float]) -> float:
    total: float = sum(map(mul, a, b))
    return total


dot: Callable[[Sequence[float], Sequence[float]], float] = getattr(math, "sumprod", _dot_fallback)
"""The dot product (`math.sumprod` on Python 3.12+)."""


def norm(vector: Sequence[float]) -> float:
    return math.sqrt(dot(vector, vector))


class Row:
    """A stored vector (compact `array('d')`) with its norm, computed once."""

    __slots__ = ("norm", "vector")

    def __init__(self, vector: Sequence[float]) -> None:
        self.vector = array("d", vector)
        self.norm = norm(self.vector)


def cosine(query: Sequence[float], query_norm: float, row: Row) -> float:
    """Cosine similarity; 0.0 when either vector is all zeros (LangChain's convention)."""
    if query_norm == 0.0 or row.norm == 0.0:
        return 0.0
    return dot(query, row.vector) / (query_norm * row.norm)


def numpy_or_none() -> Any:
    """The numpy module, or None when it is not installed."""
    try:
        import numpy  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return numpy


class Matrix:
    """The rows as one float32 matrix of unit vectors (the numpy path's cache)."""

    __slots__ = ("data",)

    def __init__(self, np: Any, rows: Sequence[Row]) -> None:
        data = np.array([row.vector for row in rows], dtype=np.float32)
        norms = np.array([row.norm if row.norm else 1.0 for row in rows], dtype=np.float32)
        self.data: Any = data / norms[:, None]  # a numpy.ndarray (numpy is optional)


def top_k(
    rows: Sequence[Row],
    query: Sequence[float],
    k: int,
    *,
    matrix: Matrix | None = None,
    np: Any = None,
    allowed: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """The `k` rows most similar to `query`: `(index, cosine)`, best first.

    `allowed` restricts the search to those indexes (a metadata filter's survivors); with
    `matrix` (and numpy as `np`) candidates are found on the matrix first.
    """
    if k <= 0 or not rows:
        return []
    query = array("d", query)
    query_norm = norm(query)
    if matrix is not None and np is not None:
        candidates = _candidates(np, matrix, query, query_norm, k, allowed)
    else:
        candidates = range(len(rows)) if allowed is None else allowed
    scored = [(i, cosine(query, query_norm, rows[i])) for i in candidates]
    # Best first, insertion order among equals (a stable sort on the score alone).
    scored.sort(key=lambda item: item[1], reverse=True)
    return scored[:k]


def _candidates(
    np: Any,
    matrix: Matrix,
    query: array[float],
    query_norm: float,
    k: int,
    allowed: Sequence[int] | None,
) -> Sequence[int]:
    if query_norm == 0.0 or len(allowed if allowed is not None else matrix.data) <= k:
        return range(matrix.data.shape[0]) if allowed is None else allowed
    scores = matrix.data @ np.asarray(query, dtype=np.float32)
    scores /= np.float32(query_norm)
    if allowed is not None:  # the filter's survivors: their scores only (no matrix copy)
        index = np.asarray(allowed, dtype=np.intp)
        scores = scores[index]
    count = scores.shape[0]
    kth = np.partition(scores, count - k)[count - k]
    picked = np.flatnonzero(scores >= kth - _MARGIN)
    if allowed is not None:
        return index[picked].tolist()  # type: ignore[no-any-return]
    return picked.tolist()  # type: ignore[no-any-return]


def mmr(
    query: Sequence[float],
    candidates: Sequence[Row],
    k: int,
    lambda_mult: float,
) -> list[int]:
    """Maximal marginal relevance: indexes into `candidates`, in the order chosen.

    Each step picks the candidate maximising `lambda_mult * sim(query, c) - (1 - lambda_mult)
    * max(sim(c, chosen))` (LangChain's algorithm: the first pick is the most similar).
    """
    if k <= 0 or not candidates:
        return []
    query_norm = norm(query)
    relevance = [cosine(query, query_norm, row) for row in candidates]
    chosen = [max(range(len(candidates)), key=relevance.__getitem__)]
    redundancy = [cosine(row.vector, row.norm, candidates[chosen[0]]) for row in candidates]
    while len(chosen) < min(k, len(candidates)):
        best, best_score = -1, -math.inf
        for i, row_relevance in enumerate(relevance):
            if i in chosen:
                continue
            score = lambda_mult * row_relevance - (1 - lambda_mult) * redundancy[i]
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
        picked = candidates[best]
        for i, row in enumerate(candidates):
            similarity = cosine(row.vector, row.norm, picked)
            if similarity > redundancy[i]:
                redundancy[i] = similarity
    return chosen
