"""The non-streaming call paths behind ``invoke``/``ainvoke``: listener events, cache lookup,
rate limiter, then ``_generate`` or a folded stream. Bound as ``BaseChatModel`` methods
(``_generate_messages``, ``_agenerate_messages`` ...), so the hot path pays no extra call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from pipes._core import emit_event, listening
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage

from ._cache_key import cached_call
from ._streams import _aclosing, _closing, _fold, _iterate_in_thread

if TYPE_CHECKING:
    from ._base import BaseChatModel

__all__: list[str] = []


def generate_messages(
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AIMessage:
    listen = listening()
    if listen:
        emit_event("chat_model_start", messages)
    cached = cached_call(model, messages, stop, kwargs)
    if cached is not None:
        hit = cached.lookup()
        if hit is not None:
            if listen:
                emit_event("chat_model_end", hit)
            return hit
    if model.rate_limiter is not None:
        model.rate_limiter.acquire(blocking=True)
    if model._should_stream(**kwargs) or (
        listen and model._has_native_stream() and not model._streaming_disabled(kwargs)
    ):
        chunks: list[AIMessageChunk] = []
        with _closing(model._stream(messages, stop=stop, **kwargs)) as provider_stream:
            for chunk in provider_stream:
                chunks.append(model._check_chunk(chunk))
                if listen:
                    emit_event("new_token", chunk)
        result = _fold(chunks, f"{type(model).__name__}._stream()")
    else:
        result = model._check_result(model._generate(messages, stop=stop, **kwargs))
    if cached is not None:
        cached.update(result)
    if listen:
        emit_event("chat_model_end", result)
    return result


# -- the async paths ----------------------------------------------------------------------------


def async_streams(model: BaseChatModel, kwargs: Mapping[str, Any]) -> bool:
    """Whether the async path has any stream to use (native or sync in a thread)."""
    return (model._has_native_astream() or model._has_native_stream()) and not (
        model._streaming_disabled(kwargs)
    )


def astream_chunks(
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[AIMessageChunk]:
    if model._has_native_astream():
        return model._astream(messages, stop=stop, **kwargs)
    # A sync-only stream: each step runs in a worker thread, so the loop never blocks.
    return _iterate_in_thread(model._stream(messages, stop=stop, **kwargs))


async def agenerate_messages(
    model: BaseChatModel,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AIMessage:
    listen = listening()
    if listen:
        emit_event("chat_model_start", messages)
    cached = cached_call(model, messages, stop, kwargs)
    if cached is not None:
        hit = await cached.alookup()
        if hit is not None:
            if listen:
                emit_event("chat_model_end", hit)
            return hit
    if model.rate_limiter is not None:
        await model.rate_limiter.aacquire(blocking=True)
    use_stream = model._async_streams(kwargs) and (
        model._should_stream(**kwargs)
        or listen
        # Native async streaming beats a sync _generate pushed to a thread.
        or (model._has_native_astream() and not model._has_native_agenerate())
    )
    if use_stream:
        chunks: list[AIMessageChunk] = []
        async with _aclosing(model._astream_chunks(messages, stop, kwargs)) as provider_stream:
            async for chunk in provider_stream:
                chunks.append(model._check_chunk(chunk))
                if listen:
                    emit_event("new_token", chunk)
        result = _fold(chunks, f"{type(model).__name__}._astream()")
    else:
        result = model._check_result(await model._agenerate(messages, stop=stop, **kwargs))
    if cached is not None:
        await cached.aupdate(result)
    if listen:
        emit_event("chat_model_end", result)
    return result
