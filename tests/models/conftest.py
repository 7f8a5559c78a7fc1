"""Tiny in-test providers exercising the BaseChatModel contract."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from pydantic import Field

from pipes._core import Listener, Run, Runnable
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage, tool_call_chunk
from pipes._models import BaseChatModel, LanguageModelInput, set_llm_cache
from pipes._schema import convert_to_openai_tool


class Call:
    def __init__(self, method: str, messages: list[BaseMessage], stop: Any, kwargs: Any) -> None:
        self.method = method
        self.messages = messages
        self.stop = stop
        self.kwargs = kwargs
        self.thread = threading.get_ident()


class Recorder(BaseChatModel):
    """Sync-only provider: replies ``reply`` (or echoes), records every call."""

    reply: str | None = None
    calls: list[Call] = Field(default_factory=list, exclude=True, repr=False)

    @property
    def provider_name(self) -> str:
        return "recorder"

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        self.calls.append(Call("_generate", messages, stop, kwargs))
        text = self.reply if self.reply is not None else f"echo: {messages[-1].text}"
        return AIMessage(
            text, usage_metadata={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
        )


class Streamer(Recorder):
    """Adds a native sync ``_stream``: one chunk per word, usage on the last chunk."""

    streaming: bool = False
    tool_name: str | None = None

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        self.calls.append(Call("_stream", messages, stop, kwargs))
        text = self.reply if self.reply is not None else f"echo: {messages[-1].text}"
        words = text.split(" ")
        for i, word in enumerate(words):
            yield AIMessageChunk(word if i == 0 else " " + word)
        if self.tool_name is not None:
            yield AIMessageChunk(
                tool_call_chunks=[
                    tool_call_chunk(name=self.tool_name, args='{"city": ', id="call_1", index=0)
                ]
            )
            yield AIMessageChunk(tool_call_chunks=[tool_call_chunk(args='"Paris"}', index=0)])
        yield AIMessageChunk(
            usage_metadata={
                "input_tokens": 3,
                "output_tokens": len(words),
                "total_tokens": 3 + len(words),
            }
        )


class NativeAsync(Streamer):
    """Adds native ``_agenerate`` and ``_astream``."""

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        raise AssertionError("the sync path must not be used by async calls")

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        raise AssertionError("the sync path must not be used by async calls")

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        self.calls.append(Call("_agenerate", messages, stop, kwargs))
        return AIMessage(f"async: {messages[-1].text}")

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        self.calls.append(Call("_astream", messages, stop, kwargs))
        for word in ("async", " stream"):
            yield AIMessageChunk(word)


class ToolCaller(Recorder):
    """Implements bind_tools; answers a forced tool with ``tool_args`` or JSON ``json_reply``."""

    tool_args: dict[str, Any] | None = None
    json_reply: str | None = None

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(
            tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs
        )

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        self.calls.append(Call("_generate", messages, stop, kwargs))
        choice = kwargs.get("tool_choice")
        if isinstance(choice, str) and self.tool_args is not None:
            return AIMessage(
                "",
                tool_calls=[{"name": choice, "args": self.tool_args, "id": "c1"}],
            )
        return AIMessage(self.json_reply or "no tools here")


class EventLog(Listener):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.runs: list[Run] = []

    def on_start(self, run: Run) -> None:
        self.runs.append(run)

    def on_event(self, run: Run, name: str, data: Any) -> None:
        self.events.append((name, data))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


@pytest.fixture(autouse=True)
def _no_global_cache() -> Iterator[None]:
    set_llm_cache(None)
    yield
    set_llm_cache(None)
