"""Composites stream their children's chunks (no silent single-chunk fallback): counted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from pipes._core import (
    Runnable,
    RunnableBranch,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    chain,
)

CHUNKS = ["a", "b", "c"]


def _words(chunks: Iterator[Any]) -> Iterator[str]:
    for _ in chunks:
        yield from CHUNKS


async def _awords(chunks: AsyncIterator[Any]) -> AsyncIterator[str]:
    async for _ in chunks:
        for word in CHUNKS:
            yield word


def _streamer() -> Runnable[Any, str]:
    return RunnableGenerator(_words, _awords, name="words")


class _Flaky(Runnable[Any, Any]):
    """Fails its first call, then streams."""

    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return "".join(self.stream(input, config))

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Iterator[Any]:
        self.calls += 1
        if self.calls == 1:
            raise ValueError("first call fails")
        yield from CHUNKS

    async def astream(self, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        for chunk in self.stream(input, config):
            yield chunk


def _failing(x: Any) -> Any:
    raise ValueError("no")


async def _async_route(x: Any) -> Runnable[Any, str]:
    return _streamer()


@chain
def _routed(x: Any) -> Runnable[Any, str]:
    return _streamer()


CASES: dict[str, tuple[Callable[[], Runnable[Any, Any]], int]] = {
    "lambda returning a runnable": (lambda: RunnableLambda(lambda x: _streamer()), 3),
    "@chain returning a runnable": (lambda: _routed, 3),
    "lambda returning a runnable, last step": (
        lambda: RunnableLambda(lambda x: x) | RunnableLambda(lambda x: _streamer()),
        3,
    ),
    "lambda returning a runnable before a streaming step": (
        lambda: RunnableLambda(lambda x: _streamer()) | _streamer(),
        9,
    ),
    "branch": (lambda: RunnableBranch((lambda x: True, _streamer()), _streamer()), 3),
    "branch default": (lambda: RunnableBranch((lambda x: False, _streamer()), _streamer()), 3),
    "fallbacks": (lambda: RunnableLambda(_failing).with_fallbacks([_streamer()]), 3),
    "retry": (lambda: _Flaky().with_retry(stop_after_attempt=2, initial_wait=0), 3),
    "parallel": (lambda: RunnableParallel(x=_streamer(), y=_streamer()), 6),
    "assign": (lambda: RunnablePassthrough.assign(x=RunnableLambda(lambda d: _streamer())), 4),
}


@pytest.mark.parametrize("name", CASES)
def test_stream_yields_every_child_chunk(name: str) -> None:
    make, expected = CASES[name]
    assert len(list(make().stream({"q": 1}))) == expected


@pytest.mark.parametrize("name", CASES)
async def test_astream_yields_every_child_chunk(name: str) -> None:
    make, expected = CASES[name]
    assert len([chunk async for chunk in make().astream({"q": 1})]) == expected


async def test_async_function_returning_a_runnable_streams() -> None:
    chunks = [chunk async for chunk in RunnableLambda(_async_route).astream(1)]
    assert chunks == CHUNKS


def test_lambda_stream_output_folds_to_invoke_output() -> None:
    routed = RunnableLambda(lambda x: _streamer())
    assert "".join(routed.stream(1)) == routed.invoke(1) == "abc"
