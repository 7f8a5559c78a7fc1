"""The conformance kit's async test group: `ainvoke`, `astream`, `abatch`, listeners,
tool calling and provider errors through the async API (each test runs its own event loop)."""

from __future__ import annotations

from typing import Any

from pipes._messages import AIMessage, AIMessageChunk
from pipes._models import BaseChatModel

from ._conformance_support import _WEATHER_PROMPT, ScriptedReply, _EventLog, _fold, _KitBase, _run

__all__: list[str] = []


class _AsyncTests(_KitBase):
    """Conformance tests of the async API (`ainvoke`, `astream`, `abatch`)."""

    # -- basics ----------------------------------------------------------------------------

    def test_ainvoke(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("Hello async!"))
        result = _run(chat_model.ainvoke("Say 'Hello async!' and nothing else."))
        assert type(result) is AIMessage
        if scripted:
            assert result.text == "Hello async!"

    def test_native_async_is_declared_truthfully(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_native_async, "native async")
        model_type = type(chat_model)
        assert (
            model_type._agenerate is not BaseChatModel._agenerate
            or model_type._astream is not BaseChatModel._astream
        ), "supports_native_async = True but the provider overrides neither _agenerate nor _astream"

    # -- streaming and batches -------------------------------------------------------------

    def test_astream(self, chat_model: BaseChatModel) -> None:
        text = "one two three four five"
        scripted = self._script(chat_model, ScriptedReply(text))

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in chat_model.astream(f"Say '{text}' and nothing else.")]

        chunks = _run(collect())
        folded = _fold(chunks)
        if scripted:
            assert folded.text == text
        if self.supports_native_streaming:
            assert len(chunks) > 1

    def test_abatch(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("a"), ScriptedReply("b"))
        results = _run(chat_model.abatch(["Say a.", "Say b."]))
        assert len(results) == 2
        assert all(isinstance(r, AIMessage) for r in results)
        if scripted:
            assert sorted(r.text for r in results) == ["a", "b"]

    # -- listeners -------------------------------------------------------------------------

    def test_listeners_on_the_async_path(self, chat_model: BaseChatModel) -> None:
        self._script(chat_model, ScriptedReply("one two"), ScriptedReply("three four"))
        log = _EventLog()
        result = _run(chat_model.ainvoke("Say 'one two'.", {"callbacks": [log]}))
        assert log.names[0] == "chat_model_start"
        assert log.names[-1] == "chat_model_end"
        assert log.data[-1] == result
        streamed = _EventLog()

        async def collect() -> list[AIMessageChunk]:
            config: Any = {"callbacks": [streamed]}
            return [c async for c in chat_model.astream("Say 'three four'.", config)]

        chunks = _run(collect())
        assert streamed.names.count("new_token") == len(chunks)
        assert streamed.names[-1] == "chat_model_end"

    # -- tool calling ----------------------------------------------------------------------

    def test_tool_calling_async(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        scripted = self._script(chat_model, self._weather_reply(), self._weather_reply())
        model = self._tool_model(chat_model)
        self._check_weather_call(_run(model.ainvoke(_WEATHER_PROMPT)), scripted)

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in model.astream(_WEATHER_PROMPT)]

        self._check_weather_call(_fold(_run(collect())), scripted)

    # -- errors ----------------------------------------------------------------------------

    def test_provider_error_on_ainvoke(self, chat_model: BaseChatModel) -> None:
        self._check_raises_provider_error(chat_model, lambda: _run(chat_model.ainvoke("hi")))

    def test_provider_error_on_astream(self, chat_model: BaseChatModel) -> None:
        async def collect() -> list[AIMessageChunk]:
            return [c async for c in chat_model.astream("hi")]

        self._check_raises_provider_error(chat_model, lambda: _run(collect()))
