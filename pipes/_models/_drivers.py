"""The drivers of a `ChatCall`: `invoke`, `ainvoke`, `stream` and
`astream` of every chat model.

A driver steps through the call's plan and performs the step the plan asks for — the sync or
the async way — and nothing else: what happens, in which order, and what listeners see is
decided by the plan alone (`._call`). `stream`/`astream` also hand each checked chunk to
their caller and, when the provider was not streamed (a cache hit, a non-streaming provider),
the reply as one chunk. The steps other than streaming are the same for `invoke` and
`stream`: `_perform` / `_aperform` do them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pipes._messages import AIMessage, AIMessageChunk

from ._call import (
    ACQUIRE,
    GENERATE,
    LOOKUP,
    STREAM,
    STREAM_IN_THREAD,
    ChatCall,
    ChatProvider,
    Step,
)
from ._streams import _aclosing, _closing, _iterate_in_thread, _to_chunk

__all__: list[str] = []


def invoke(
    provider: ChatProvider, input: Any, stop: list[str] | None, kwargs: dict[str, Any]
) -> AIMessage:
    call = ChatCall(provider, input, stop, kwargs, "invoke")
    for step in call.steps():
        if step == GENERATE:  # the hot path: no call through _perform
            call.outcome = provider._generate(call.messages, stop=stop, **kwargs)
        elif step == STREAM:
            chunk = None
            # Closed explicitly, so an error (or an early exit) releases the provider's
            # connection now rather than whenever the generator is collected.
            with _closing(provider._stream(call.messages, stop=stop, **kwargs)) as chunks:
                for chunk in chunks:
                    call.chunk(chunk)
            call.outcome = chunk is not None
        else:
            call.outcome = _perform(call, step)
    return call.result  # type: ignore[return-value]  # a reply: nobody else has the chunks


def stream(
    provider: ChatProvider, input: Any, stop: list[str] | None, kwargs: dict[str, Any]
) -> Iterator[AIMessageChunk]:
    call = ChatCall(provider, input, stop, kwargs, "stream")
    streamed = False
    for step in call.steps():
        if step == STREAM:
            chunk = None
            with _closing(provider._stream(call.messages, stop=stop, **kwargs)) as chunks:
                for chunk in chunks:
                    yield call.chunk(chunk)
            call.outcome = streamed = chunk is not None
        elif step == GENERATE:
            call.outcome = provider._generate(call.messages, stop=stop, **kwargs)
        else:
            call.outcome = _perform(call, step)
    if not streamed:  # a cache hit, or a provider that does not stream: the reply as a chunk
        yield _to_chunk(call.result)  # type: ignore[arg-type]


def _perform(call: ChatCall, step: Step) -> Any:
    """Do a cache or rate-limiter step, the sync way; return its outcome."""
    if step == ACQUIRE:
        limiter = call.provider.rate_limiter
        assert limiter is not None  # the plan asks only when there is one
        return limiter.acquire_tokens(call.tokens)
    cached = call.cached
    assert cached is not None  # the plan looks up and updates only a cached call
    if step == LOOKUP:
        return cached.lookup()
    assert call.result is not None  # ... and updates it with a reply
    cached.update(call.result)
    return None


async def ainvoke(
    provider: ChatProvider, input: Any, stop: list[str] | None, kwargs: dict[str, Any]
) -> AIMessage:
    call = ChatCall(provider, input, stop, kwargs, "ainvoke")
    for step in call.steps():
        if step in (STREAM, STREAM_IN_THREAD):
            chunk = None
            async with _aclosing(_provider_chunks(call, step)) as chunks:
                async for chunk in chunks:
                    call.chunk(chunk)
            call.outcome = chunk is not None
        else:
            call.outcome = await _aperform(call, step)
    return call.result  # type: ignore[return-value]  # a reply: nobody else has the chunks


async def astream(
    provider: ChatProvider, input: Any, stop: list[str] | None, kwargs: dict[str, Any]
) -> AsyncIterator[AIMessageChunk]:
    call = ChatCall(provider, input, stop, kwargs, "astream")
    streamed = False
    for step in call.steps():
        if step in (STREAM, STREAM_IN_THREAD):
            chunk = None
            async with _aclosing(_provider_chunks(call, step)) as chunks:
                async for chunk in chunks:
                    yield call.chunk(chunk)
            call.outcome = streamed = chunk is not None
        else:
            call.outcome = await _aperform(call, step)
    if not streamed:  # a cache hit, or a provider that does not stream: the reply as a chunk
        yield _to_chunk(call.result)  # type: ignore[arg-type]


async def _aperform(call: ChatCall, step: Step) -> Any:
    """Do a step other than streaming, the async way; return its outcome."""
    if step == GENERATE:
        return await call.provider._agenerate(call.messages, stop=call.stop, **call.kwargs)
    if step == ACQUIRE:
        limiter = call.provider.rate_limiter
        assert limiter is not None  # the plan asks only when there is one
        return await limiter.aacquire_tokens(call.tokens)
    cached = call.cached
    assert cached is not None  # the plan looks up and updates only a cached call
    if step == LOOKUP:
        return await cached.alookup()
    assert call.result is not None  # ... and updates it with a reply
    await cached.aupdate(call.result)
    return None


def _provider_chunks(call: ChatCall, step: Step) -> AsyncIterator[AIMessageChunk]:
    if step == STREAM:
        return call.provider._astream(call.messages, stop=call.stop, **call.kwargs)
    # A sync-only stream: each step runs in a worker thread, so the loop never blocks.
    return _iterate_in_thread(call.provider._stream(call.messages, stop=call.stop, **call.kwargs))
