"""Opt-in batch progress: off by default, tqdm or a plain stderr line when on."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pipes import RunnableLambda, set_batch_progress
from pipes._core import _progress


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    _progress._enabled = None


@pytest.fixture
def no_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError


def _double(x: int) -> int:
    return x * 2


async def _adouble(x: int) -> int:
    return x * 2


def test_off_by_default_nothing_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PIPES_PROGRESS", raising=False)
    assert RunnableLambda(_double).batch([1, 2, 3]) == [2, 4, 6]
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("no_tqdm")
def test_a_plain_line_without_tqdm_ends_with_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    set_batch_progress()
    assert RunnableLambda(_double).batch(list(range(50))) == [x * 2 for x in range(50)]
    err = capsys.readouterr().err
    assert "pipes batch _double: 50/50 (100%)" in err


@pytest.mark.usefixtures("no_tqdm")
@pytest.mark.parametrize("mode", ["abatch", "abatch_limited", "abatch_sync", "as_completed"])
async def test_every_async_form_reports(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    set_batch_progress()
    inputs = list(range(20))
    if mode == "abatch":
        await RunnableLambda(_adouble).abatch(inputs)
    elif mode == "abatch_limited":
        await RunnableLambda(_adouble).abatch(inputs, {"max_concurrency": 3})
    elif mode == "abatch_sync":
        await RunnableLambda(_double).abatch(inputs)  # sync steps: worker threads
    else:
        [pair async for pair in RunnableLambda(_adouble).abatch_as_completed(inputs)]
    assert "20/20 (100%)" in capsys.readouterr().err


@pytest.mark.usefixtures("no_tqdm")
def test_failures_count_as_done(capsys: pytest.CaptureFixture[str]) -> None:
    set_batch_progress()

    def picky(x: int) -> int:
        if x % 2:
            raise ValueError(x)
        return x

    out = RunnableLambda(picky).batch(list(range(10)), return_exceptions=True)
    assert sum(isinstance(o, ValueError) for o in out) == 5
    assert "10/10 (100%)" in capsys.readouterr().err


def test_the_environment_switches_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPES_PROGRESS", "1")
    assert _progress.reporter(10, "x") is not None
    _progress._enabled = None
    monkeypatch.setenv("PIPES_PROGRESS", "0")
    assert _progress.reporter(10, "x") is None


def test_tqdm_gets_one_bar_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    bars: list[Any] = []

    class Bar:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs, self.n, self.closed = kwargs, 0, False
            bars.append(self)

        def update(self, n: int) -> None:
            self.n += n

        def close(self) -> None:
            self.closed = True

    fake = type(sys)("tqdm")
    fake.tqdm = Bar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", fake)
    set_batch_progress()
    RunnableLambda(_double).batch(list(range(7)))
    (bar,) = bars
    assert (bar.kwargs["total"], bar.n, bar.closed) == (7, 7, True)
    set_batch_progress(False)
    RunnableLambda(_double).batch(list(range(7)))
    assert len(bars) == 1
