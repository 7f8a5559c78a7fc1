"""Both search paths: pure Python, and numpy (when importable)."""

from __future__ import annotations

import importlib.util

import pytest

HAS_NUMPY = importlib.util.find_spec("numpy") is not None


@pytest.fixture(
    params=[
        False,
        pytest.param(True, marks=pytest.mark.skipif(not HAS_NUMPY, reason="numpy not installed")),
    ],
    ids=["pure", "numpy"],
)
def use_numpy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    value: bool = request.param
    if value:
        # The numpy path even for the handful of vectors of these tests.
        monkeypatch.setattr("pipes._vectorstores._in_memory._NUMPY_MIN_ROWS", 1)
    return value
