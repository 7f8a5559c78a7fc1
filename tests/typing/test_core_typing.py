"""Static typing of the core: checked by `mypy --strict tests/typing` (and pyright), not run.

`# type: ignore[code]` marks lines that MUST be errors: with warn_unused_ignores (on under
--strict) the check fails if one of them stops being an error.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sized
from operator import itemgetter
from typing import Any, assert_type

from pipes._core import (
    Runnable,
    RunnableBinding,
    RunnableBranch,
    RunnableConfig,
    RunnableEach,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
    chain,
)


def f(x: int) -> str:
    return str(x)


def g(s: str) -> float:
    return float(s)


def h(y: float) -> bool:
    return y > 0


async def af(x: int) -> str:
    return str(x)


async def ag(s: str) -> float:
    return float(s)


def words(chunks: Iterator[str]) -> Iterator[list[str]]:
    for chunk in chunks:
        yield chunk.split()


async def awords(chunks: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    async for chunk in chunks:
        yield chunk.split()


def takes_int(x: int) -> int:
    return x


# -- lambdas and `|` --------------------------------------------------------------------

assert_type(RunnableLambda(f), RunnableLambda[int, str])
assert_type(RunnableLambda(af), RunnableLambda[int, str])
assert_type(RunnableLambda(f, afunc=af), RunnableLambda[int, str])

seq = RunnableLambda(f) | g
assert_type(seq, RunnableSequence[int, float])
as_runnable: Runnable[int, float] = seq
assert_type(seq.invoke(1), float)
assert_type(RunnableLambda(f) | g | h, RunnableSequence[int, bool])
assert_type(RunnableLambda(f) | RunnableLambda(g), RunnableSequence[int, float])

# Async functions are steps too: their result type is the awaited one.
assert_type(RunnableLambda(af) | ag, RunnableSequence[int, float])
assert_type(RunnableLambda(f) | ag, RunnableSequence[int, float])

# Generator functions are streaming steps.
assert_type(RunnableLambda(f) | words, RunnableSequence[int, list[str]])
assert_type(RunnableLambda(f) | awords, RunnableSequence[int, list[str]])
assert_type(RunnableGenerator(words), RunnableGenerator[str, list[str]])

# A step whose input does not match the previous output is an error.
RunnableLambda(f) | takes_int  # type: ignore[operator]
RunnableLambda(f) | RunnableLambda(takes_int)  # type: ignore[arg-type]
RunnableLambda(f).invoke("not an int")  # type: ignore[arg-type]

# `__ror__`: a plain function on the left.
assert_type(f | RunnableLambda(g), RunnableSequence[int, float])
assert_type(af | RunnableLambda(g), RunnableSequence[int, float])

# Dicts coerce to parallel maps on either side.
assert_type(RunnableLambda(f) | {"a": g, "b": len}, RunnableSequence[int, dict[str, Any]])
assert_type({"a": f, "b": f} | RunnableLambda(len), RunnableSequence[Any, int])
assert_type(RunnableParallel(a=f).invoke(1), dict[str, Any])


# itemgetter as a step.
def to_dict(x: int) -> dict[str, int]:
    return {"a": x}


assert_type(RunnableLambda(to_dict) | itemgetter("a"), RunnableSequence[int, Any])

# Parameters that cannot be inferred default to Any (PEP 696), never to Never.
assert_type(RunnableParallel(a=f), RunnableParallel[Any])
assert_type(RunnablePassthrough(), RunnablePassthrough[Any])
assert_type(RunnablePassthrough().invoke(1), Any)
assert_type(RunnableBranch((lambda x: True, f), f), RunnableBranch[Any, Any])
assert_type(RunnableSequence(f, g), RunnableSequence[Any, Any])
assert_type(RunnableLambda(lambda x: 1), RunnableLambda[Any, int])


def bare(runnable: Runnable) -> None:  # bare means Runnable[Any, Any]
    assert_type(runnable, Runnable[Any, Any])


# -- @chain ---------------------------------------------------------------------------


@chain
def count(text: str) -> int:
    return len(text)


@chain
async def acount(text: str) -> int:
    return len(text)


assert_type(count, RunnableLambda[str, int])
assert_type(acount, RunnableLambda[str, int])
assert_type(count | h, RunnableSequence[str, bool])

# -- wrappers keep the types ------------------------------------------------------------

r = RunnableLambda(f)
assert_type(r.bind(stop="x"), RunnableBinding[int, str])
assert_type(r.with_config(tags=["t"]), RunnableBinding[int, str])
assert_type(r.with_config({"tags": ["t"]}).invoke(1), str)
assert_type(r.with_retry(stop_after_attempt=2), RunnableRetry[int, str])
assert_type(r.with_fallbacks([RunnableLambda(af)]), RunnableWithFallbacks[int, str])
assert_type(r.map(), RunnableEach[int, str])
assert_type(r.map().invoke([1, 2]), list[str])
assert_type(r.with_name("n"), Runnable[int, str])
assert_type(r.pick("a"), RunnableSequence[int, Any])
assert_type(r.assign(x=len), RunnableSequence[int, dict[str, Any]])
assert_type(RunnablePassthrough[int](), RunnablePassthrough[int])
assert_type(r.with_retry() | g, RunnableSequence[int, float])
r.with_fallbacks([RunnableLambda(g)])  # type: ignore[arg-type]

# -- execution modes --------------------------------------------------------------------

assert_type(r.invoke(1), str)
assert_type(r.batch([1, 2]), list[str])
assert_type(r.stream(1), Iterator[str])
assert_type(r.transform(iter([1])), Iterator[str])
assert_type(r.batch_as_completed([1]), Iterator[tuple[int, str | Exception]])
config: RunnableConfig = {"tags": ["x"], "max_concurrency": 2}
assert_type(r.batch([1], config, return_exceptions=True), list[str])


async def modes() -> None:
    assert_type(await r.ainvoke(1), str)
    assert_type(await r.abatch([1, 2]), list[str])
    assert_type(r.astream(1), AsyncIterator[str])
    assert_type(r.abatch_as_completed([1]), AsyncIterator[tuple[int, str | Exception]])
    async for chunk in (r | g).astream(1):
        assert_type(chunk, float)


# -- a custom runnable --------------------------------------------------------------------


class Double(Runnable[int, int]):
    def invoke(self, input: int, config: RunnableConfig | None = None, **kwargs: Any) -> int:
        return input * 2


assert_type(Double() | f, RunnableSequence[int, str])
assert_type(Double() | Double(), RunnableSequence[int, int])
Double() | g  # type: ignore[operator]


def test_unknown_names_are_errors() -> None:
    # pipes loads its names on first use through a module __getattr__, which type checkers
    # would read as "any name exists": it is hidden from them, so a typo is caught statically
    # (the ignores below must be needed) as well as at run time.
    import pytest

    import pipes
    import pipes._core

    with pytest.raises(ImportError):
        from pipes import ChatPromptTemplte  # type: ignore[attr-defined]  # noqa: F401
    with pytest.raises(ImportError):
        from pipes._core import Runable  # type: ignore[attr-defined]  # noqa: F401
    with pytest.raises(AttributeError):
        pipes.RunnableLamda  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        pipes._core.Runable  # type: ignore[attr-defined]
    assert_type(pipes.RunnableLambda(len), RunnableLambda[Sized, int])
