"""The conformance kit's sync test group: invoke, stream, batch, chains, usage, listeners,
cache, rate limiter, tool calling and provider errors through the sync API."""

from __future__ import annotations

from typing import Any

import pytest

from pipes._core import RunnableLambda
from pipes._errors import ChatModelError, InputTypeError
from pipes._messages import (
    AIMessage,
    BaseMessage,
    ChatPromptValue,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    UsageMetadata,
    image_part,
    text_part,
)
from pipes._models import BaseChatModel, InMemoryCache

from ._conformance_support import (
    _RED_PIXEL_PNG,
    _WEATHER_PROMPT,
    GetWeather,
    ScriptedReply,
    _check_usage,
    _CountingLimiter,
    _EventLog,
    _fold,
    _KitBase,
    _run,
)

__all__: list[str] = []


class _SyncTests(_KitBase):
    """Conformance tests of the sync API (`invoke`, `stream`, `batch`)."""

    # -- basics ----------------------------------------------------------------------------

    def test_provider_name_and_runnable_name(self, chat_model: BaseChatModel) -> None:
        assert isinstance(chat_model, BaseChatModel)
        assert isinstance(chat_model.provider_name, str)
        assert chat_model.provider_name
        assert chat_model.get_name()

    def test_invoke(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("Hello world!"))
        result = chat_model.invoke("Say 'Hello world!' and nothing else.")
        assert type(result) is AIMessage, (
            f"invoke() must return an AIMessage, got {type(result).__name__}"
        )
        if scripted:
            assert result.text == "Hello world!"
        else:
            assert result.text

    def test_call_shorthand(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("Hi"))
        result = chat_model([HumanMessage("Say hi.")])
        assert isinstance(result, AIMessage)
        if scripted:
            assert result.text == "Hi"

    def test_invoke_accepts_every_input_form(self, chat_model: BaseChatModel) -> None:
        inputs: list[Any] = [
            "Say ok.",
            HumanMessage("Say ok."),
            [("system", "Answer briefly."), ("human", "Say ok.")],
            [{"role": "user", "content": "Say ok."}],
            [SystemMessage("Answer briefly."), HumanMessage("Say ok.")],
            ChatPromptValue([HumanMessage("Say ok.")]),
        ]
        scripted = self._script(chat_model, *[ScriptedReply("ok")] * len(inputs))
        for given in inputs:
            result = chat_model.invoke(given)
            assert isinstance(result, AIMessage), f"input {given!r} gave {result!r}"
            if scripted:
                assert result.text == "ok"

    def test_unsupported_input_raises_input_type_error(self, chat_model: BaseChatModel) -> None:
        with pytest.raises(InputTypeError):
            chat_model.invoke(42)  # type: ignore[arg-type]

    def test_stop_is_accepted(self, chat_model: BaseChatModel) -> None:
        self._script(chat_model, ScriptedReply("one"))
        assert isinstance(chat_model.invoke("Count: one, two", stop=["two"]), AIMessage)

    def test_image_input(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_image_input, "image input")
        scripted = self._script(chat_model, ScriptedReply("A red pixel."))
        message = HumanMessage(
            [
                text_part("Describe this image in three words."),
                image_part(data=_RED_PIXEL_PNG, mime_type="image/png"),
            ]
        )
        result = chat_model.invoke([message])
        assert isinstance(result, AIMessage)
        if scripted:
            assert result.text == "A red pixel."

    # -- streaming -------------------------------------------------------------------------

    def test_stream(self, chat_model: BaseChatModel) -> None:
        text = "one two three four five"
        scripted = self._script(chat_model, ScriptedReply(text))
        chunks = list(chat_model.stream(f"Say '{text}' and nothing else."))
        folded = _fold(chunks)
        if scripted:
            assert folded.text == text
        else:
            assert folded.text
        if self.supports_native_streaming:
            assert len(chunks) > 1, "supports_native_streaming = True but stream() gave one chunk"

    def test_invoke_and_stream_agree(self, chat_model: BaseChatModel) -> None:
        if not self._script(chat_model, ScriptedReply("same reply"), ScriptedReply("same reply")):
            pytest.skip("needs scripted replies")
        invoked = chat_model.invoke("x")
        streamed = _fold(list(chat_model.stream("x")))
        assert streamed.text == invoked.text
        assert streamed.tool_calls == invoked.tool_calls

    # -- batches and chains ----------------------------------------------------------------

    def test_batch(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("a"), ScriptedReply("b"))
        results = chat_model.batch(["Say a.", "Say b."])
        assert len(results) == 2
        assert all(isinstance(r, AIMessage) for r in results)
        if scripted:  # concurrent: which input got which reply is not fixed
            assert sorted(r.text for r in results) == ["a", "b"]

    def test_in_a_chain(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("Bonjour"))

        def to_prompt(text: str) -> list[tuple[str, str]]:
            return [("system", "Translate to French."), ("human", text)]

        def to_text(message: AIMessage) -> str:
            return message.text

        chain = RunnableLambda(to_prompt) | chat_model | RunnableLambda(to_text)
        result = chain.invoke("Hello")
        assert isinstance(result, str)
        if scripted:
            assert result == "Bonjour"

    # -- usage -----------------------------------------------------------------------------

    def test_usage_metadata(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_usage, "usage metadata")
        usage: UsageMetadata = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
        scripted = self._script(chat_model, ScriptedReply("Hello there friend", usage=usage))
        result = chat_model.invoke("Say hello.")
        got = _check_usage(result.usage_metadata, "invoke()")
        if scripted:
            assert (got["input_tokens"], got["output_tokens"]) == (7, 3)

    def test_usage_metadata_streaming(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_usage, "usage metadata")
        usage: UsageMetadata = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
        scripted = self._script(chat_model, ScriptedReply("Hello there friend", usage=usage))
        folded = _fold(list(chat_model.stream("Say hello.")))
        got = _check_usage(folded.usage_metadata, "stream() folded")
        if scripted:
            assert (got["input_tokens"], got["output_tokens"]) == (7, 3), (
                "usage must be reported once per stream (not repeated in every chunk)"
            )

    # -- listeners, cache, rate limiter ----------------------------------------------------

    def test_listeners_see_start_tokens_and_end(self, chat_model: BaseChatModel) -> None:
        self._script(chat_model, ScriptedReply("one two three"))
        log = _EventLog()
        chunks = list(chat_model.stream("Say 'one two three'.", {"callbacks": [log]}))
        assert log.names[0] == "chat_model_start"
        assert log.names[-1] == "chat_model_end"
        assert log.names.count("new_token") == len(chunks)
        assert isinstance(log.data[0], list)
        assert all(isinstance(m, BaseMessage) for m in log.data[0])
        final = log.data[-1]
        assert isinstance(final, AIMessage)
        assert final.text == _fold(chunks).text

    def test_cache_hit_returns_the_stored_reply(self, chat_model: BaseChatModel) -> None:
        cached = chat_model.model_copy(update={"cache": InMemoryCache()})
        scripted = self._script(
            cached, ScriptedReply("first answer"), ScriptedReply("must not be seen")
        )
        first = cached.invoke("Say 'first answer'.")
        second = cached.invoke("Say 'first answer'.")
        assert second.text == first.text
        if scripted:
            assert second.text == "first answer"

    def test_rate_limiter_is_consulted(self, chat_model: BaseChatModel) -> None:
        limiter = _CountingLimiter()
        limited = chat_model.model_copy(update={"rate_limiter": limiter})
        self._script(limited, ScriptedReply("a"), ScriptedReply("b"))
        limited.invoke("Say a.")
        _run(limited.ainvoke("Say b."))
        assert limiter.count == 2

    # -- tool calling ----------------------------------------------------------------------

    def test_bind_tools_unsupported_raises_not_implemented(self, chat_model: BaseChatModel) -> None:
        if self.supports_tool_calling:
            pytest.skip("the provider supports tool calling")
        with pytest.raises(NotImplementedError):
            chat_model.bind_tools([GetWeather])

    def test_tool_calling(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        scripted = self._script(chat_model, self._weather_reply())
        self._check_weather_call(self._tool_model(chat_model).invoke(_WEATHER_PROMPT), scripted)

    def test_tool_calling_streamed(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        scripted = self._script(chat_model, self._weather_reply())
        chunks = list(self._tool_model(chat_model).stream(_WEATHER_PROMPT))
        self._check_weather_call(_fold(chunks), scripted)

    def test_parallel_tool_calls(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        reply = ScriptedReply(
            tool_calls=[
                {"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_1"},
                {"name": "GetWeather", "args": {"city": "Rome"}, "id": "call_2"},
            ]
        )
        if not self._script(chat_model, reply, reply):
            pytest.skip("needs scripted replies (a live model decides how many calls it makes)")
        model = chat_model.bind_tools([GetWeather])
        invoked = model.invoke("Weather in Paris and in Rome?")
        streamed = _fold(list(model.stream("Weather in Paris and in Rome?")))
        for message in (invoked, streamed):
            assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
                ("GetWeather", {"city": "Paris"}, "call_1"),
                ("GetWeather", {"city": "Rome"}, "call_2"),
            ], "streamed tool-call chunks must merge per call (by index), not run together"
            assert message.invalid_tool_calls == []

    def test_tool_result_round_trip(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        scripted = self._script(chat_model, ScriptedReply("It is sunny in Paris."))
        history: list[BaseMessage] = [
            HumanMessage(_WEATHER_PROMPT),
            AIMessage(
                "", tool_calls=[{"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_1"}]
            ),
            ToolMessage("Sunny, 24 °C", tool_call_id="call_1"),
        ]
        result = chat_model.bind_tools([GetWeather]).invoke(history)
        assert isinstance(result, AIMessage)
        if scripted:
            assert result.text == "It is sunny in Paris."

    # -- errors ----------------------------------------------------------------------------

    def test_provider_error_on_invoke(self, chat_model: BaseChatModel) -> None:
        self._check_raises_provider_error(chat_model, lambda: chat_model.invoke("hi"))
        # The model stays usable after a failure.
        scripted = self._script(chat_model, ScriptedReply("recovered"))
        after = chat_model.invoke("hi")
        if scripted:
            assert after.text == "recovered"

    def test_provider_error_on_stream(self, chat_model: BaseChatModel) -> None:
        self._check_raises_provider_error(chat_model, lambda: list(chat_model.stream("hi")))

    def test_batch_return_exceptions(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)
        results = chat_model.batch(["hi"], return_exceptions=True)
        assert len(results) == 1
        assert isinstance(results[0], ChatModelError)
