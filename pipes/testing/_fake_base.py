"""`_FakeBase`: what every fake chat model shares — reply normalization, chunking, usage
synthesis, tool binding and call recording."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from pipes._core import Runnable
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata, tool_call_chunk
from pipes._models import BaseChatModel, LanguageModelInput
from pipes._schema import ToolLike, convert_to_openai_tool

from ._calls import (
    _NOT_FORCING,
    CallInfo,
    ChatModelCall,
    Chunking,
    _count_tokens,
    _estimate_tokens,
    _FakeState,
    _tool_name,
    _usage,
)
from ._schema_data import synthesize

__all__ = []

_WORDS = re.compile(r"\s*\S+|\s+")
_WHITESPACE = re.compile(r"(\s)")


class _FakeBase(BaseChatModel):
    """Shared machinery: reply normalization, chunking, usage synthesis, call recording."""

    chunking: Chunking = "words"
    """How reply text is streamed (see [`Chunking`][pipes.testing.Chunking])."""
    synthesize_usage: bool = True
    """Add `usage_metadata` (whitespace-token counts) to replies that have none."""

    def model_post_init(self, context: Any, /) -> None:
        # Mutable state lives in one plain object stored straight in __dict__: pydantic
        # private attributes go through a slow __getattr__ on every access (hot path), and
        # copies (model_copy, with_name) share the script and the recorded calls.
        object.__setattr__(self, "_fake_state", _FakeState())

    @property
    def _state(self) -> _FakeState:
        state: _FakeState = self.__dict__["_fake_state"]
        return state

    @property
    def provider_name(self) -> str:
        return "fake"

    @property
    def calls(self) -> list[ChatModelCall]:
        """Every call that reached the model, in order (cache hits never do)."""
        return self._state.calls

    @property
    def last_call(self) -> ChatModelCall:
        """The most recent call; `IndexError` with a clear message if there was none."""
        calls = self._state.calls
        if not calls:
            raise IndexError(f"{type(self).__name__} has not been called yet")
        return calls[-1]

    def reset(self) -> None:
        """Forget recorded calls (a [`FakeChatModel`][pipes.testing.FakeChatModel] also restarts
        its script)."""
        state = self._state
        with state.lock:
            state.calls.clear()

    # -- tools --------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer `tools` (converted to OpenAI format, as a real provider would).

        `tool_choice`: `"auto"`/`"none"`/`None`, `"required"`/`"any"`/`True`
        (call some tool), a tool name or `{"type": "function", "function": {"name": ...}}`.
        """
        converted = [convert_to_openai_tool(t, strict=strict) for t in tools]
        names = [n for n in (_tool_name(t) for t in converted) if n]
        if (
            isinstance(tool_choice, str)
            and tool_choice
            not in (
                *_NOT_FORCING,
                "any",
                "required",
            )
            and tool_choice not in names
        ):
            raise ValueError(
                f"tool_choice={tool_choice!r} names no bound tool; bound tools: "
                f"{', '.join(names) or '(none)'}. Pass one of those names, 'auto', "
                "'required' or 'none'."
            )
        bound: dict[str, Any] = {"tools": converted, **kwargs}
        if tool_choice is not None:
            bound["tool_choice"] = tool_choice
        return self.bind(**bound)

    # -- turning a reply into a message / chunks ---------------------------------------

    def _record(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        kind: Literal["generate", "stream"],
        is_async: bool,
    ) -> tuple[int, CallInfo]:
        call = ChatModelCall(list(messages), stop, dict(kwargs), kind, is_async)
        state = self._state
        with state.lock:
            index = len(state.calls)
            state.calls.append(call)
        info = CallInfo(stop, call.kwargs, index)
        return index, info

    def _structured(self, data: Any, info: CallInfo) -> AIMessage:
        args = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
        tool = info.forced_tool
        if tool is None and info.tools and info.tool_choice not in ("none", False):
            by_class = (
                next((t for t in info.tools if _tool_name(t) == type(data).__name__), None)
                if isinstance(data, BaseModel)
                else None
            )
            tool = by_class or (info.tools[0] if len(info.tools) == 1 else None)
        if tool is not None:
            name = _tool_name(tool) or "tool"
            return AIMessage(
                "", tool_calls=[{"name": name, "args": args, "id": f"call_{info.index}_0"}]
            )
        return AIMessage(json.dumps(args))

    def _auto(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        """The reply when nothing is scripted: valid structured data if asked for, else text."""
        tool = info.forced_tool
        if tool is not None:
            schema = tool["function"].get("parameters") or {"type": "object"}
            return self._structured(synthesize(schema), info)
        fmt = info.response_format
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
            return AIMessage(json.dumps(synthesize(schema)))
        if isinstance(fmt, dict) and fmt.get("type") == "json_object":
            return AIMessage("{}")
        return AIMessage(self._auto_text(messages))

    def _auto_text(self, messages: list[BaseMessage]) -> str:
        return "fake response"

    def _to_reply(
        self, raw: Any, messages: list[BaseMessage], info: CallInfo
    ) -> AIMessage | list[AIMessageChunk | BaseException]:
        if isinstance(raw, BaseException):
            raise raw
        if isinstance(raw, type) and issubclass(raw, BaseException):
            raise raw(f"scripted error from {type(self).__name__}")
        if isinstance(raw, str):
            # The hot path: a str is valid content, so build without validation, usage included.
            fields: dict[str, Any] = {"content": raw}
            if self.synthesize_usage:
                fields["usage_metadata"] = _usage(_count_tokens(messages), _estimate_tokens(raw))
            return AIMessage._fast(fields)
        if isinstance(raw, AIMessage):
            return raw.model_copy(deep=True)
        if isinstance(raw, BaseModel | dict):
            return self._structured(raw, info)
        if isinstance(raw, list):
            out: list[AIMessageChunk | BaseException] = []
            for item in raw:
                if isinstance(item, str):
                    out.append(AIMessageChunk(item))
                elif isinstance(item, AIMessageChunk | BaseException):
                    out.append(item)
                else:
                    raise TypeError(_bad_response(self, item, "a stream-chunk list item"))
            return out
        raise TypeError(_bad_response(self, raw, "a response"))

    def _finish(self, message: AIMessage, messages: list[BaseMessage]) -> AIMessage:
        updates: dict[str, Any] = {}
        if message.usage_metadata is None and self.synthesize_usage:
            updates["usage_metadata"] = self._usage(messages, message)
        if not updates:
            return message
        fields = {k: v for k, v in message.__dict__.items() if k != "type"}
        fields.update(updates)
        return type(message)._fast(fields)

    def _usage(self, messages: list[BaseMessage], reply: AIMessage) -> UsageMetadata:
        out_text = reply.text + "".join(json.dumps(c["args"]) for c in reply.tool_calls)
        return _usage(_count_tokens(messages), _estimate_tokens(out_text))

    def _pieces(self, text: str) -> list[str]:
        chunking = self.chunking
        if not text:
            return []
        if chunking is None:
            return [text]
        if chunking == "words":
            return _WORDS.findall(text)
        if chunking == "chars":
            return list(text)
        if chunking == "whitespace":
            return [piece for piece in _WHITESPACE.split(text) if piece]
        size = int(chunking)
        if size <= 0:
            raise ValueError(
                f"chunking must be a positive int, 'words', 'chars' or None; got {size}"
            )
        return [text[i : i + size] for i in range(0, len(text), size)]

    def _chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        """Cut a finished message into chunks that fold back into it.

        A generator, so a 10k-chunk stream never holds all its chunks at once.
        """
        head: dict[str, Any] = {}
        if message.id is not None:
            head["id"] = message.id
        if message.name is not None:
            head["name"] = message.name
        first = True
        for chunk in self._raw_chunks(message):
            if first and head:
                # The id and name travel on the first chunk, as providers send them.
                chunk = chunk.model_copy(update=head)
            first = False
            yield chunk

    def _raw_chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        content = message.content
        produced = False
        if isinstance(content, str):
            # Pieces of a str are valid content: build without validation (10k-chunk streams).
            fast = AIMessageChunk._fast
            for piece in self._pieces(content):
                produced = True
                yield fast({"content": piece})
        elif content:
            produced = True
            yield AIMessageChunk(content)
        for i, call in enumerate(message.tool_calls):
            args = json.dumps(call["args"])
            half = len(args) // 2
            head = tool_call_chunk(name=call["name"], args=args[:half], id=call["id"], index=i)
            produced = True
            yield AIMessageChunk(tool_call_chunks=[head])
            yield AIMessageChunk(tool_call_chunks=[tool_call_chunk(args=args[half:], index=i)])
        offset = len(message.tool_calls)
        for j, bad in enumerate(message.invalid_tool_calls, start=offset):
            raw = tool_call_chunk(name=bad["name"], args=bad["args"], id=bad["id"], index=j)
            produced = True
            yield AIMessageChunk(tool_call_chunks=[raw])
        last: dict[str, Any] = {}
        if message.usage_metadata is not None:
            last["usage_metadata"] = message.usage_metadata
        if message.response_metadata:
            last["response_metadata"] = message.response_metadata
        if message.additional_kwargs:
            last["additional_kwargs"] = message.additional_kwargs
        if last or not produced:
            yield AIMessageChunk(**last)

    def _scripted_chunks(
        self, items: list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> Iterator[AIMessageChunk]:
        yielded: list[AIMessageChunk] = []
        for item in items:
            if isinstance(item, BaseException):
                raise item
            yielded.append(item)
            yield item
        if not yielded:
            raise ValueError(f"{type(self).__name__}: a scripted chunk list must not be empty")
        folded = AIMessageChunk.merge_chunks(yielded).to_message()
        final = self._finish(folded, messages)
        if final is not folded:
            # Usage the script left out arrives in one extra, empty chunk (as OpenAI sends it).
            yield AIMessageChunk(usage_metadata=final.usage_metadata)

    def _as_message(
        self, reply: AIMessage | list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> AIMessage:
        if isinstance(reply, list):
            return AIMessageChunk.merge_chunks(
                list(self._scripted_chunks(reply, messages))
            ).to_message()
        return self._finish(reply, messages)

    def _as_chunks(
        self, reply: AIMessage | list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> Iterator[AIMessageChunk]:
        if isinstance(reply, list):
            return self._scripted_chunks(reply, messages)
        return self._chunks(self._finish(reply, messages))

    # -- what subclasses provide ---------------------------------------------------------

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        raise NotImplementedError

    async def _areply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        return self._reply(messages, info)

    # -- the provider contract -----------------------------------------------------------

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        _, info = self._record(messages, stop, kwargs, "generate", False)
        raw = self._reply(messages, info)
        return self._as_message(self._to_reply(raw, messages, info), messages)

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        _, info = self._record(messages, stop, kwargs, "generate", True)
        raw = await self._areply(messages, info)
        return self._as_message(self._to_reply(raw, messages, info), messages)

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        _, info = self._record(messages, stop, kwargs, "stream", False)
        raw = self._reply(messages, info)
        yield from self._as_chunks(self._to_reply(raw, messages, info), messages)

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        _, info = self._record(messages, stop, kwargs, "stream", True)
        raw = await self._areply(messages, info)
        for chunk in self._as_chunks(self._to_reply(raw, messages, info), messages):
            yield chunk


def _bad_response(model: BaseChatModel, value: Any, what: str) -> str:
    return (
        f"{type(model).__name__}: {what} must be a str, an AIMessage, a pydantic instance or "
        f"dict (structured data), an exception, or a list of str/AIMessageChunk/exception "
        f"stream chunks; got {type(value).__name__}: {value!r}"
    )
