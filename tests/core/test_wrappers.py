"""retry, fallbacks, branch, pick/assign, bind/with_config, map and @chain."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from operator import itemgetter
from typing import Any

import pytest

import pipes._core._attempt as attempt_module
from pipes._core import (
    Runnable,
    RunnableBranch,
    RunnableConfig,
    RunnableLambda,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    chain,
)
from pipes._errors import InputTypeError, InvalidRunnableError


class Flaky(Runnable[int, int]):
    """Fails ``failures`` times with ``error`` then returns the input."""

    def __init__(self, failures: int, error: type[Exception] = ValueError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def _attempt(self, input: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return input

    def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
        return self._attempt(input)

    async def ainvoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
        return self._attempt(input)

    def stream(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> Iterator[int]:
        yield self._attempt(input)

    async def astream(
        self, input: int, config: RunnableConfig | None = None, **kw: Any
    ) -> AsyncIterator[int]:
        yield self._attempt(input)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []

    async def fake_asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(attempt_module, "_sleep", waits.append)
    monkeypatch.setattr(attempt_module, "_asleep", fake_asleep)
    return waits


# -- retry ----------------------------------------------------------------------------


def test_retry_succeeds_after_failures_with_exponential_backoff(sleeps: list[float]) -> None:
    flaky = Flaky(2)
    r = flaky.with_retry(stop_after_attempt=3, wait_exponential_jitter=False, initial_wait=0.5)
    assert r.invoke(7) == 7
    assert flaky.calls == 3
    assert sleeps == [0.5, 1.0]


def test_retry_jitter_stays_between_half_and_full_wait(sleeps: list[float]) -> None:
    random.seed(1234)
    flaky = Flaky(4)
    r = flaky.with_retry(stop_after_attempt=5, initial_wait=1.0, max_wait=5.0)
    assert r.invoke(1) == 1
    caps = [1.0, 2.0, 4.0, 5.0]  # exponential, capped at max_wait
    assert len(sleeps) == 4
    for wait, cap in zip(sleeps, caps, strict=True):
        assert cap / 2 <= wait <= cap
    assert len(set(sleeps)) == 4  # jitter actually varies


def test_retry_gives_up_after_the_attempts_with_a_note(sleeps: list[float]) -> None:
    flaky = Flaky(10)
    with pytest.raises(ValueError, match="failure 3") as info:
        flaky.with_retry(stop_after_attempt=3).invoke(1)
    assert flaky.calls == 3
    assert len(sleeps) == 2
    assert any("failed after 3 attempts" in note for note in info.value.__notes__)


def test_retry_only_listed_exception_types(sleeps: list[float]) -> None:
    flaky = Flaky(1, KeyError)
    with pytest.raises(KeyError):
        flaky.with_retry(retry_if_exception_type=(ValueError,)).invoke(1)
    assert flaky.calls == 1
    assert sleeps == []
    flaky = Flaky(1, KeyError)
    assert flaky.with_retry(retry_if_exception_type=(LookupError,)).invoke(1) == 1


async def test_retry_async(sleeps: list[float]) -> None:
    flaky = Flaky(2)
    r = flaky.with_retry(wait_exponential_jitter=False, initial_wait=0.25, exponential_base=3)
    assert await r.ainvoke(4) == 4
    assert sleeps == [0.25, 0.75]


def test_retry_stream_before_the_first_chunk(sleeps: list[float]) -> None:
    flaky = Flaky(1)
    assert list(flaky.with_retry().stream(3)) == [3]
    assert flaky.calls == 2
    assert len(sleeps) == 1


async def test_retry_astream(sleeps: list[float]) -> None:
    flaky = Flaky(2)
    assert [c async for c in flaky.with_retry().astream(3)] == [3]
    assert flaky.calls == 3
    assert len(sleeps) == 2


def test_retry_does_not_restart_a_stream_that_already_yielded(sleeps: list[float]) -> None:
    calls = 0

    def gen(chunks: Iterator[str]) -> Iterator[str]:
        nonlocal calls
        calls += 1
        yield "partial"
        raise ValueError("mid-stream")

    with pytest.raises(ValueError, match="mid-stream"):
        list(RunnableLambda(lambda x: x).pipe(gen).with_retry().stream("x"))
    assert calls == 1
    assert sleeps == []


def test_retry_rejects_zero_attempts() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RunnableRetry(RunnableLambda(lambda x: x), stop_after_attempt=0)


# -- fallbacks ------------------------------------------------------------------------


def _fails(message: str, error: type[Exception] = ValueError) -> Runnable[Any, Any]:
    def fail(x: Any) -> Any:
        raise error(message)

    return RunnableLambda(fail, name=message)


def test_fallback_used_on_handled_error() -> None:
    r = _fails("primary").with_fallbacks([RunnableLambda(lambda x: x * 2)])
    assert r.invoke(2) == 4
    assert list(r.stream(2)) == [4]


async def test_fallback_async() -> None:
    r = _fails("primary").with_fallbacks([_fails("second"), RunnableLambda(lambda x: -x)])
    assert await r.ainvoke(2) == -2
    assert [c async for c in r.astream(2)] == [-2]


def test_unhandled_error_is_raised_without_trying_fallbacks() -> None:
    tried: list[int] = []
    r = _fails("primary", KeyError).with_fallbacks(
        [RunnableLambda(lambda x: tried.append(x))], exceptions_to_handle=(ValueError,)
    )
    with pytest.raises(KeyError):
        r.invoke(1)
    assert tried == []


def test_all_failing_raises_the_first_error_with_notes() -> None:
    r = _fails("primary").with_fallbacks([_fails("second"), _fails("third")])
    for call in (r.invoke, lambda x: list(r.stream(x))):
        with pytest.raises(ValueError, match=r"^primary") as info:
            call(1)
        notes = info.value.__notes__
        assert "fallback 'second' failed too: ValueError: second" in notes
        assert "fallback 'third' failed too: ValueError: third" in notes


def test_exception_key_passes_the_error_to_the_fallback() -> None:
    seen: list[Any] = []

    def fallback(d: dict[str, Any]) -> str:
        seen.append(d)
        return "recovered"

    r = _fails("primary").with_fallbacks([RunnableLambda(fallback)], exception_key="error")
    assert r.invoke({"q": 1}) == "recovered"
    assert seen[0]["q"] == 1
    assert isinstance(seen[0]["error"], ValueError)
    assert str(seen[0]["error"]) == "primary"
    with pytest.raises(InputTypeError, match="needs dict inputs"):
        r.invoke(5)


# -- branch ---------------------------------------------------------------------------


def _router() -> RunnableBranch[int, str]:
    return RunnableBranch(
        (lambda x: x > 0, RunnableLambda(lambda x: f"pos {x}")),
        (lambda x: x < 0, lambda x: f"neg {x}"),
        lambda x: "zero",
    )


def test_branch_routes_in_every_mode() -> None:
    r = _router()
    assert [r.invoke(1), r.invoke(-1), r.invoke(0)] == ["pos 1", "neg -1", "zero"]
    assert r.batch([1, -1, 0]) == ["pos 1", "neg -1", "zero"]
    assert list(r.stream(-2)) == ["neg -2"]


async def test_branch_async_conditions() -> None:
    async def positive(x: int) -> bool:
        return x > 0

    r = RunnableBranch((positive, lambda x: "pos"), lambda x: "other")
    assert await r.ainvoke(1) == "pos"
    assert [c async for c in r.astream(-1)] == ["other"]


def test_branch_streams_the_chosen_branch() -> None:
    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    r = RunnableBranch((lambda s: s.startswith("a"), chars), lambda s: "no")
    assert list(r.stream("abc")) == ["a", "b", "c"]


def test_branch_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RunnableBranch(lambda x: x)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"argument 1 must be a \(condition, runnable\) pair"):
        RunnableBranch("oops", lambda x: x)
    with pytest.raises(TypeError, match=r"last argument .* default"):
        RunnableBranch((lambda x: True, lambda x: x), (lambda x: False, lambda x: x))
    with pytest.raises(InvalidRunnableError, match=r"branch 1 condition"):
        RunnableBranch((1, lambda x: x), lambda x: x)


# -- pick, assign, bind, with_config, map, chain ----------------------------------------


def test_pick_and_itemgetter() -> None:
    data = {"a": 1, "b": 2, "c": 3}
    assert RunnablePick("a").invoke(data) == 1
    assert RunnablePick(["a", "c"]).invoke(data) == {"a": 1, "c": 3}
    assert RunnablePick("zzz").invoke(data) is None
    assert (RunnableLambda(lambda x: data) | itemgetter("b")).invoke(0) == 2
    assert RunnableLambda(lambda x: data).pick(["b"]).invoke(0) == {"b": 2}
    with pytest.raises(InputTypeError, match=r"pick<a> expects a dict input, got int"):
        RunnablePick("a").invoke(5)  # type: ignore[arg-type]


def test_assign_keeps_keys_and_adds_new_ones() -> None:
    r = RunnablePassthrough.assign(total=lambda d: d["a"] + d["b"], neg=lambda d: -d["a"])
    assert r.invoke({"a": 1, "b": 2}) == {"a": 1, "b": 2, "total": 3, "neg": -1}
    over = RunnablePassthrough.assign(a=lambda d: 100)
    assert over.invoke({"a": 1}) == {"a": 100}
    with pytest.raises(InputTypeError, match=r"expects a dict input, got str"):
        r.invoke("x")  # type: ignore[arg-type]


async def test_assign_async() -> None:
    async def total(d: dict[str, int]) -> int:
        return d["a"] * 10

    r = RunnablePassthrough.assign(t=total)
    assert await r.ainvoke({"a": 2}) == {"a": 2, "t": 20}


def test_bind_passes_kwargs_and_attribute_reads_fall_through() -> None:
    class Model(Runnable[str, str]):
        model_name = "m-1"

        def invoke(
            self, input: str, config: RunnableConfig | None = None, *, stop: str = "", **kw: Any
        ) -> str:
            return input.split(stop)[0] if stop else input

        def stream(
            self, input: str, config: RunnableConfig | None = None, *, stop: str = "", **kw: Any
        ) -> Iterator[str]:
            yield from self.invoke(input, config, stop=stop)

    bound = Model().bind(stop=".")
    assert bound.invoke("a.b") == "a"
    assert "".join(bound.stream("a.b")) == "a"
    assert bound.invoke("a.b", stop="b") == "a."  # call kwargs win
    assert bound.bind(stop="b").invoke("a.b") == "a."
    assert bound.model_name == "m-1"
    assert bound.get_name() == "Model"


def test_with_config_run_name_names_the_runnable() -> None:
    named = RunnableLambda(lambda x: x).with_config(run_name="renamed")
    assert named.get_name() == "renamed"
    assert named.invoke(3) == 3


def test_map_applies_to_each_element() -> None:
    seen: list[Any] = []

    def record(x: int) -> int:
        seen.append(ensure_tags())
        return x + 1

    def ensure_tags() -> Any:
        from pipes._core import get_config

        return get_config().get("tags")

    mapped = RunnableLambda(record).map()
    assert mapped.invoke([1, 2, 3], {"tags": ["m"]}) == [2, 3, 4]
    assert seen == [["m"]] * 3
    assert mapped.get_name() == "map<record>"


async def test_map_async() -> None:
    async def inc(x: int) -> int:
        return x + 1

    assert await RunnableLambda(inc).map().ainvoke([1, 2]) == [2, 3]


def test_chain_decorator() -> None:
    @chain
    def word_count(text: str) -> int:
        return len(text.split())

    assert word_count.get_name() == "word_count"
    assert word_count.invoke("a b c") == 3
    assert (word_count | (lambda n: n * 2)).invoke("a b") == 4


async def test_chain_decorator_async() -> None:
    @chain
    async def shout(text: str) -> str:
        return text.upper()

    assert await shout.ainvoke("hi") == "HI"
    assert shout.get_name() == "shout"
