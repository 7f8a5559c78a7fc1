"""The call plan (``pipes._models._call``) and its four drivers: one sequence for every mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest

from pipes._core import Listener, Run
from pipes._errors import ChatModelError
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage
from pipes._models import BaseCache, BaseRateLimiter, _drivers
from pipes._models._cache_key import CachedCall
from pipes._models._call import GENERATE, STREAM, ChatProvider, Mode, Route

from .conftest import NativeAsync

MODES: tuple[Mode, ...] = ("invoke", "stream", "ainvoke", "astream")


def _run(provider: ChatProvider, mode: Mode, **kwargs: Any) -> AIMessage:
    """Drive one call in ``mode``; a streamed reply is folded for comparison."""
    if mode == "invoke":
        return _drivers.invoke(provider, "hi", None, kwargs)
    if mode == "stream":
        return AIMessageChunk.merge_chunks(list(_drivers.stream(provider, "hi", None, kwargs)))
    if mode == "ainvoke":
        return asyncio.run(_drivers.ainvoke(provider, "hi", None, kwargs))

    async def collect() -> list[AIMessageChunk]:
        return [chunk async for chunk in _drivers.astream(provider, "hi", None, kwargs)]

    return AIMessageChunk.merge_chunks(asyncio.run(collect()))


class Log(list[str]):
    """One ordered record of everything a call touched."""


class LoggingCache(BaseCache):
    def __init__(self, log: Log, hit: AIMessage | None) -> None:
        self.log, self.hit = log, hit

    def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
        self.log.append("lookup")
        return self.hit

    def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
        self.log.append(f"update:{return_val.text}")

    def clear(self, **kwargs: Any) -> None:
        pass


class LoggingLimiter(BaseRateLimiter):
    def __init__(self, log: Log) -> None:
        self.log = log

    def acquire(self, *, blocking: bool = True) -> bool:
        self.log.append("acquire")
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.log.append("acquire")
        return True


class LoggingListener(Listener):
    def __init__(self, log: Log) -> None:
        self.log = log

    def on_event(self, run: Run, name: str, data: Any) -> None:
        self.log.append(name if name != "new_token" else f"new_token:{data.text}")


class Plain:
    """A provider that is no ``BaseChatModel``: the plan needs only ``ChatProvider``."""

    def __init__(self, log: Log, *, cache: BaseCache | None, streams: bool) -> None:
        self.log = log
        self.cache = cache
        self.streams = streams
        self.rate_limiter: BaseRateLimiter | None = LoggingLimiter(log)

    def get_name(self) -> str:
        return "Plain"

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        self.log.append("generate")
        return AIMessage("a b")

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        return self._generate(messages, stop=stop, **kwargs)

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        self.log.append("stream")
        yield AIMessageChunk("a")
        yield AIMessageChunk(" b")

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in self._stream(messages, stop=stop, **kwargs):
            yield chunk

    def _cached_call(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> CachedCall | None:
        return None if self.cache is None else CachedCall(self.cache, "prompt", "llm")

    def _route(self, mode: Mode, listen: bool, kwargs: Mapping[str, Any]) -> Route:
        return STREAM if self.streams else GENERATE


def _listened(provider: ChatProvider, mode: Mode, log: Log) -> AIMessage:
    # Listeners are attached by the tracing wrapper of a runnable: run the call inside one.
    from pipes._core import RunnableLambda

    step = RunnableLambda(lambda _: _run(provider, mode))
    result: AIMessage = step.invoke(None, {"callbacks": [LoggingListener(log)]})
    return result


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("streams", [False, True], ids=["one-reply", "streamed"])
def test_every_mode_runs_the_same_sequence(mode: Mode, streams: bool) -> None:
    log = Log()
    provider = Plain(log, cache=LoggingCache(log, hit=None), streams=streams)
    assert _listened(provider, mode, log).text == "a b"
    provider_steps = ["stream", "new_token:a", "new_token: b"] if streams else ["generate"]
    assert log == [
        "chat_model_start",
        "lookup",
        "acquire",
        *provider_steps,
        "update:a b",
        "chat_model_end",
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_cache_hit_ends_the_call_in_every_mode(mode: Mode) -> None:
    log = Log()
    provider = Plain(log, cache=LoggingCache(log, hit=AIMessage("cached")), streams=True)
    assert _listened(provider, mode, log).text == "cached"
    assert log == ["chat_model_start", "lookup", "chat_model_end"]


@pytest.mark.parametrize("mode", MODES)
def test_without_cache_limiter_or_listener_only_the_provider_runs(mode: Mode) -> None:
    log = Log()
    provider = Plain(log, cache=None, streams=True)
    provider.rate_limiter = None
    assert _run(provider, mode).text == "a b"
    assert log == ["stream"]


class BadAsync(NativeAsync):
    chunks: list[Any] = []

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in self.chunks:
            yield chunk


async def test_errors_name_the_async_hook_that_failed() -> None:
    with pytest.raises(TypeError, match=r"BadAsync\._astream\(\) must yield AIMessageChunk"):
        await BadAsync(chunks=["text"]).ainvoke("hi", stream=True)
    with pytest.raises(ChatModelError, match=r"BadAsync\._astream\(\) ended without yielding"):
        [c async for c in BadAsync(chunks=[]).astream("hi")]
