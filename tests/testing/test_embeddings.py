"""The deterministic fake embeddings: stable, unit norm, related texts closer."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes.testing import DeterministicFakeEmbedding, FakeEmbeddings, hashed_embedding


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=1, max_value=300))
def test_every_vector_is_unit_norm_and_stable(text: str, size: int) -> None:
    vector = hashed_embedding(text, size)
    assert len(vector) == size
    assert math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-9)
    assert hashed_embedding(text, size) == vector


def test_the_same_across_processes() -> None:
    # No hash(): PYTHONHASHSEED must not change the vectors.
    code = "from pipes.testing import hashed_embedding; print(hashed_embedding('cats purr', 8))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=60,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{hashed_embedding('cats purr', 8)}\n"}


def test_related_texts_are_closer_than_unrelated_ones() -> None:
    model = DeterministicFakeEmbedding(size=256)
    cats, kitten, stocks = model.embed_documents(
        ["The cat purrs on the sofa.", "A purring cat sleeps on a sofa.", "Stock markets fell."]
    )
    assert _cos(cats, kitten) > _cos(cats, stocks) + 0.3


def test_fake_embeddings_is_the_same_model_under_langchains_other_name() -> None:
    assert FakeEmbeddings(size=16).embed_query("x") == DeterministicFakeEmbedding(
        size=16
    ).embed_query("x")


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        DeterministicFakeEmbedding(size=0)
    with pytest.raises(ValueError, match="positive number of dimensions"):
        hashed_embedding("x", 0)
