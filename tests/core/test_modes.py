"""Every execution mode of every primitive gives the same answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from pipes._core import (
    Runnable,
    RunnableAssign,
    RunnableBranch,
    RunnableConfig,
    RunnableEach,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableSequence,
    chain,
    merge_chunks,
)


def _upper_chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        for char in chunk:
            yield char.upper()


async def _aupper_chars(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        for char in chunk:
            yield char.upper()


async def _ainc(x: int) -> int:
    return x + 1


class Add(Runnable[int, int]):
    """Invoke-only, with a keyword argument (for bind)."""

    def invoke(
        self, input: int, config: RunnableConfig | None = None, *, n: int = 1, **kw: Any
    ) -> int:
        return input + n


def _fail(x: Any) -> Any:
    raise ValueError("primary failed")


@chain
def _doubled(x: int) -> int:
    return x * 2


CASES: dict[str, Callable[[], tuple[Runnable[Any, Any], Any, Any]]] = {
    "lambda": lambda: (RunnableLambda(lambda x: x + 1), 1, 2),
    "lambda-sync-and-async": lambda: (RunnableLambda(lambda x: x + 1, afunc=_ainc), 1, 2),
    "generator": lambda: (RunnableGenerator(_upper_chars), "ab", "AB"),
    "generator-sync-and-async": lambda: (
        RunnableGenerator(_upper_chars, _aupper_chars),
        "ab",
        "AB",
    ),
    "sequence": lambda: (RunnableLambda(lambda x: x + 1) | (lambda x: x * 10), 1, 20),
    "streaming-sequence": lambda: (
        RunnableLambda(lambda s: s + "c") | _upper_chars | RunnablePassthrough(),
        "ab",
        "ABC",
    ),
    "parallel": lambda: (
        RunnableParallel(a=lambda x: x + 1, b=lambda x: x * 2),
        3,
        {"a": 4, "b": 6},
    ),
    "parallel-one-branch": lambda: (RunnableParallel(a=lambda x: x + 1), 3, {"a": 4}),
    "passthrough": lambda: (RunnablePassthrough(), "x", "x"),
    "assign": lambda: (
        RunnablePassthrough.assign(y=lambda d: d["x"] + 1),
        {"x": 1},
        {"x": 1, "y": 2},
    ),
    "pick-one": lambda: (RunnablePick("x"), {"x": 1, "y": 2}, 1),
    "pick-many": lambda: (RunnablePick(["x", "y"]), {"x": 1, "y": 2, "z": 3}, {"x": 1, "y": 2}),
    "branch": lambda: (
        RunnableBranch((lambda x: x > 0, lambda x: "pos"), lambda x: "neg"),
        1,
        "pos",
    ),
    "branch-default": lambda: (
        RunnableBranch((lambda x: x > 0, lambda x: "pos"), lambda x: "neg"),
        -1,
        "neg",
    ),
    "bind": lambda: (Add().bind(n=5), 1, 6),
    "with_config": lambda: (RunnableLambda(lambda x: x + 1).with_config(tags=["t"]), 1, 2),
    "map": lambda: (RunnableLambda(lambda x: x + 1).map(), [1, 2], [2, 3]),
    "each": lambda: (RunnableEach(Add()), [1, 2], [2, 3]),
    "retry": lambda: (RunnableLambda(lambda x: x + 1).with_retry(), 1, 2),
    "fallbacks": lambda: (
        RunnableLambda(_fail).with_fallbacks([RunnableLambda(lambda x: x + 1)]),
        1,
        2,
    ),
    "chain-decorator": lambda: (_doubled, 4, 8),
    "custom-invoke-only": lambda: (Add(), 1, 2),
    "assign-method": lambda: (
        RunnableLambda(lambda x: {"x": x}).assign(y=lambda d: d["x"] * 2),
        2,
        {"x": 2, "y": 4},
    ),
    "pick-method": lambda: (RunnableLambda(lambda x: {"x": x, "y": 0}).pick("x"), 7, 7),
    "assign-class": lambda: (RunnableAssign(z=lambda d: 0), {"a": 1}, {"a": 1, "z": 0}),
}

pytestmark = pytest.mark.parametrize("case", list(CASES))


def _build(case: str) -> tuple[Runnable[Any, Any], Any, Any]:
    return CASES[case]()


def test_invoke(case: str) -> None:
    runnable, input, expected = _build(case)
    assert runnable.invoke(input) == expected


async def test_ainvoke(case: str) -> None:
    runnable, input, expected = _build(case)
    assert await runnable.ainvoke(input) == expected


def test_batch(case: str) -> None:
    runnable, input, expected = _build(case)
    assert runnable.batch([input, input, input]) == [expected] * 3


async def test_abatch(case: str) -> None:
    runnable, input, expected = _build(case)
    assert await runnable.abatch([input, input, input]) == [expected] * 3


def test_batch_as_completed(case: str) -> None:
    runnable, input, expected = _build(case)
    pairs = sorted(runnable.batch_as_completed([input, input]))
    assert pairs == [(0, expected), (1, expected)]


async def test_abatch_as_completed(case: str) -> None:
    runnable, input, expected = _build(case)
    pairs = sorted([pair async for pair in runnable.abatch_as_completed([input, input])])
    assert pairs == [(0, expected), (1, expected)]


def test_stream(case: str) -> None:
    runnable, input, expected = _build(case)
    chunks = list(runnable.stream(input))
    assert chunks
    assert merge_chunks(chunks) == expected


async def test_astream(case: str) -> None:
    runnable, input, expected = _build(case)
    chunks = [chunk async for chunk in runnable.astream(input)]
    assert chunks
    assert merge_chunks(chunks) == expected


def test_transform(case: str) -> None:
    runnable, input, expected = _build(case)
    assert merge_chunks(list(runnable.transform(iter([input])))) == expected
    assert list(runnable.transform(iter([]))) == []


async def test_atransform(case: str) -> None:
    runnable, input, expected = _build(case)

    async def one() -> AsyncIterator[Any]:
        yield input

    async def none() -> AsyncIterator[Any]:
        return
        yield

    assert merge_chunks([c async for c in runnable.atransform(one())]) == expected
    assert [c async for c in runnable.atransform(none())] == []


def test_is_sequence_or_runnable(case: str) -> None:
    runnable, _, _ = _build(case)
    assert isinstance(runnable, Runnable)
    assert runnable.get_name()
    if case == "sequence":
        assert isinstance(runnable, RunnableSequence)
