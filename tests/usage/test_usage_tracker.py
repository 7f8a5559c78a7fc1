"""usage_tracker() / get_usage_metadata_callback(): every chat call in the block, counted once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import pipes
from pipes import (
    AIMessage,
    ChatPromptTemplate,
    RunnableLambda,
    RunnableParallel,
    StrOutputParser,
    UsageMetadataCallbackHandler,
    UsageTracker,
    get_usage_metadata_callback,
    usage_tracker,
)
from pipes.testing import FakeChatModel

PRICES: Any = {"gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 10}}


def _reply(model: str = "gpt-4o-2024-08-06", i: int = 10, o: int = 5, cached: int = 0) -> Any:
    usage: dict[str, Any] = {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}
    if cached:
        usage["input_token_details"] = {"cache_read": cached}
    return AIMessage(content="ok", response_metadata={"model_name": model}, usage_metadata=usage)


def _model(n: int = 1, **kwargs: Any) -> FakeChatModel:
    return FakeChatModel(responses=[_reply(**kwargs) for _ in range(n)])


def _chain(model: Any) -> Any:
    return ChatPromptTemplate.from_messages([("human", "{q}")]) | model | StrOutputParser()


def test_invoke_stream_batch_in_the_block_are_counted() -> None:
    chain = _chain(_model(5))
    with usage_tracker(PRICES) as usage:
        chain.invoke({"q": "a"})
        list(chain.stream({"q": "b"}))
        chain.batch([{"q": "c"}, {"q": "d"}, {"q": "e"}])
    assert usage.total == {"input_tokens": 50, "output_tokens": 25, "total_tokens": 75}
    assert list(usage.by_model) == ["gpt-4o-2024-08-06"]
    assert usage.by_run_name == {"FakeChatModel": usage.total}
    assert usage.cost_usd == pytest.approx((50 * 2.5 + 25 * 10) / 1e6)
    assert usage.unpriced_models == []


def test_calls_outside_the_block_are_not_counted() -> None:
    model = _model(3)
    model.invoke("before")
    with usage_tracker() as usage:
        model.invoke("inside")
    model.invoke("after")
    assert usage.total["total_tokens"] == 15


async def test_ainvoke_astream_abatch_and_tasks() -> None:
    chain = _chain(_model(6))
    with usage_tracker() as usage:
        await chain.ainvoke({"q": "a"})
        assert [c async for c in chain.astream({"q": "b"})]
        await chain.abatch([{"q": "c"}, {"q": "d"}])
        await asyncio.gather(*(asyncio.create_task(chain.ainvoke({"q": "e"})) for _ in range(2)))
    assert usage.total["input_tokens"] == 60


def test_threads_inside_the_block() -> None:
    chain = _chain(FakeChatModel(responses=[_reply()], cycle=True))
    parallel = RunnableParallel(a=chain, b=chain, c=chain)
    with usage_tracker() as usage:
        parallel.invoke({"q": "x"})
        RunnableLambda(lambda x: chain.invoke(x)).batch([{"q": "y"}] * 4)
    assert usage.total["input_tokens"] == 70


def test_other_threads_outside_the_block_are_not_counted() -> None:
    model = FakeChatModel(responses=[_reply()], cycle=True)
    inside = threading.Event()
    done = threading.Event()

    def elsewhere() -> None:
        inside.wait(timeout=10)
        model.invoke("not mine")
        done.set()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    with usage_tracker() as usage:
        inside.set()
        assert done.wait(timeout=10)
        model.invoke("mine")
    thread.join(timeout=10)
    assert usage.total["total_tokens"] == 15


def test_per_model_per_run_name_details_and_unpriced_models() -> None:
    writer = FakeChatModel(responses=[_reply("gpt-4o-2024-08-06", 100, 20, cached=40)])
    critic = FakeChatModel(responses=[_reply("local-llama", 7, 3)])
    chain = writer.with_config(run_name="writer") | critic.with_config(run_name="critic")
    with usage_tracker(PRICES) as usage:
        chain.invoke("x")
    assert usage.by_run_name["writer"]["input_token_details"] == {"cache_read": 40}
    assert usage.by_run_name["critic"]["total_tokens"] == 10
    assert set(usage.by_model) == {"gpt-4o-2024-08-06", "local-llama"}
    assert usage.cost_usd == pytest.approx((60 * 2.5 + 40 * 1.25 + 20 * 10) / 1e6)
    assert usage.unpriced_models == ["local-llama"]


def test_nested_blocks_both_count() -> None:
    model = _model(2)
    with usage_tracker() as outer:
        model.invoke("a")
        with usage_tracker() as inner:
            model.invoke("b")
    assert outer.total["total_tokens"] == 30
    assert inner.total["total_tokens"] == 15


def test_a_call_with_its_own_callbacks_is_counted_once() -> None:
    model = _model(1)
    tracker = UsageTracker()
    with usage_tracker() as usage:
        model.invoke("a", {"callbacks": [tracker]})
    assert usage.total["total_tokens"] == 15
    assert tracker.total["total_tokens"] == 15


def test_a_tracker_passed_per_call() -> None:
    tracker = UsageTracker(PRICES)
    _chain(_model(1)).invoke({"q": "a"}, {"callbacks": [tracker]})
    assert tracker.total["input_tokens"] == 10
    assert tracker.cost_usd > 0


def test_no_usage_no_model_name() -> None:
    bare = FakeChatModel(responses=["hi"], synthesize_usage=False)
    synthesized = FakeChatModel(responses=["hi there"])
    with usage_tracker() as usage:
        bare.invoke("a")
        synthesized.invoke("a")
    assert list(usage.by_model) == ["unknown"]
    assert usage.unpriced_models == ["unknown"]


def test_openai_prices_are_the_default_once_pipes_openai_is_imported() -> None:
    import pipes_openai  # noqa: F401  (registers OPENAI_PRICES)

    with usage_tracker() as usage:
        _model(1, model="gpt-4o-mini-2024-07-18").invoke("x")
    assert usage.cost_usd == pytest.approx((10 * 0.15 + 5 * 0.6) / 1e6)


def test_get_usage_metadata_callback_has_langchains_shape() -> None:
    model = _model(2)
    with get_usage_metadata_callback() as cb:
        model.invoke("a")
        model.invoke("b")
    assert isinstance(cb, UsageMetadataCallbackHandler)
    assert cb.usage_metadata == {
        "gpt-4o-2024-08-06": {"input_tokens": 20, "output_tokens": 10, "total_tokens": 30}
    }


def test_the_handler_per_call_like_langchain() -> None:
    callback = UsageMetadataCallbackHandler()
    _model(1).invoke("a", config={"callbacks": [callback]})
    assert callback.usage_metadata["gpt-4o-2024-08-06"]["total_tokens"] == 15


def test_a_bad_price_table_fails_at_the_with() -> None:
    with pytest.raises(ValueError, match="prices\\['gpt-4o'\\] has no 'output'"):
        with usage_tracker({"gpt-4o": {"input": 1}}):  # type: ignore[typeddict-item]
            pass


def test_names_are_public() -> None:
    assert pipes.usage_tracker is usage_tracker
    assert pipes.get_usage_metadata_callback is get_usage_metadata_callback
