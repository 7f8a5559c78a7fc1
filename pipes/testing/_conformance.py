"""The chat-model conformance kit: a pytest base class a provider's test suite subclasses.

Subclass :class:`ChatModelConformanceTests`, provide the ``chat_model`` fixture, declare what
the provider supports, and (when you have a test server) say how to script a reply or an
error; every behaviour pipes promises to users is then checked for your provider::

    import pytest
    from pipes.testing import ChatModelConformanceTests, ScriptedReply

    class TestChatAcme(ChatModelConformanceTests):
        supports_structured_output = True
        structured_output_methods = ("function_calling", "json_schema")
        provider_error_type = AcmeError

        @pytest.fixture
        def chat_model(self, acme_server):
            self.server = acme_server
            return ChatAcme(base_url=acme_server.url, api_key="test")

        def script_replies(self, chat_model, replies):
            for reply in replies:
                self.server.enqueue(text=reply.text, tool_calls=reply.tool_calls, usage=reply.usage)
            return True

        def script_error(self, chat_model):
            self.server.fail(500)
            return True

Without scripting (e.g. against a live API) the tests check shapes instead of exact values,
and the error tests are skipped. Async tests run their own event loop (``asyncio.run``), so
the kit needs no pytest plugin. This module imports pytest; ``pipes.testing`` loads it only
when ``ChatModelConformanceTests`` is used.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pipes._core import Listener, Run, RunnableLambda
from pipes._errors import ChatModelError, InputTypeError
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
    UsageMetadata,
    image_part,
    text_part,
)
from pipes._models import BaseChatModel, BaseRateLimiter, InMemoryCache
from pipes._models._base import StructuredMethod
from pipes._prompts._values import ChatPromptValue
from typing import Any, ClassVar, TypeVar

import pytest
from pydantic import BaseModel, Field

__all__ = ["ChatModelConformanceTests", "ScriptedReply"]

T = TypeVar("T")


@dataclass(frozen=True)
class ScriptedReply:
    """A reply the kit asks your test server to give: text, tool calls and usage.

    ``tool_calls`` use pipes' shape ``{"name", "args", "id"}``; ``usage`` may be ``None``
    (let the server compute it).
    """

    text: str = ""
    tool_calls: Sequence[ToolCall] = field(default_factory=tuple)
    usage: UsageMetadata | None = None


class GetWeather(BaseModel):
    """Get the current weather in a given city."""

    city: str = Field(description="The city, e.g. Paris")


class Person(BaseModel):
    """Information about a person."""

    name: str = Field(description="The person's first name")
    age: int = Field(description="The person's age in years")


PERSON_SCHEMA: dict[str, Any] = {
    "title": "Person",
    "description": "Information about a person.",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The person's first name"},
        "age": {"type": "integer", "description": "The person's age in years"},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}

# A 1x1 red PNG.
_RED_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

_PERSON_PROMPT = "Extract the person, as JSON: Ada is 36 years old."
"""Mentions JSON: OpenAI rejects json_object mode when no message says 'json'."""
_WEATHER_PROMPT = "What is the weather in Paris? Use the tool."


def _run(awaitable: Awaitable[T]) -> T:
    async def main() -> T:
        return await awaitable

    return asyncio.run(main())


class _EventLog(Listener):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.data: list[Any] = []

    def on_event(self, run: Run, name: str, data: Any) -> None:
        self.names.append(name)
        self.data.append(data)


class _CountingLimiter(BaseRateLimiter):
    def __init__(self) -> None:
        self.count = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.count += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.count += 1
        return True


def _fold(chunks: Sequence[AIMessage]) -> AIMessage:
    assert chunks, "the stream yielded no chunk"
    checked: list[AIMessageChunk] = []
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), (
            f"stream() must yield AIMessageChunk objects, got {type(chunk).__name__}"
        )
        checked.append(chunk)
    return AIMessageChunk.merge_chunks(checked).to_message()


def _check_usage(usage: UsageMetadata | None, where: str) -> UsageMetadata:
    assert usage is not None, (
        f"{where}: usage_metadata is missing; a provider declaring supports_usage = True must "
        "report input/output/total tokens"
    )
    counts = (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"])
    assert all(isinstance(n, int) and n >= 0 for n in counts), (
        f"{where}: input/output/total tokens must be non-negative ints, got {usage}"
    )
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"], (
        f"{where}: total_tokens must equal input_tokens + output_tokens, got {usage}"
    )
    return usage


class ChatModelConformanceTests:
    """Tests every pipes chat-model provider must pass; subclass it in your test suite.

    Override the ``chat_model`` fixture and the capability flags; override
    :meth:`script_replies` / :meth:`script_error` when a test server lets you decide the
    next reply (then exact values are checked and the error tests run).
    """

    # -- what the provider declares ------------------------------------------------------
    supports_tool_calling: ClassVar[bool] = True
    """``bind_tools`` works and the model returns ``tool_calls``."""
    supports_tool_choice: ClassVar[bool] = True
    """``tool_choice=<tool name>`` forces that tool."""
    supports_structured_output: ClassVar[bool] = True
    """``with_structured_output`` works for the methods in ``structured_output_methods``."""
    structured_output_methods: ClassVar[tuple[StructuredMethod, ...]] = ("function_calling",)
    """The ``method=`` values of ``with_structured_output`` to check."""
    supports_usage: ClassVar[bool] = True
    """Replies (invoked and streamed) carry ``usage_metadata``."""
    supports_native_streaming: ClassVar[bool] = True
    """``stream()`` yields several chunks for a multi-word reply (a native ``_stream``)."""
    supports_native_async: ClassVar[bool] = True
    """The provider implements ``_agenerate`` or ``_astream`` (async never uses a thread)."""
    supports_image_input: ClassVar[bool] = False
    """A human message may carry an image part (base64 PNG)."""
    provider_error_type: ClassVar[type[BaseException]] = ChatModelError
    """What a scripted server error must raise (a subclass of ``ChatModelError``)."""
    error_keeps_cause: ClassVar[bool] = False
    """The raised error keeps the underlying exception as ``__cause__``."""

    # -- what the subclass provides -------------------------------------------------------

    @pytest.fixture
    def chat_model(self) -> BaseChatModel:
        """The model under test (override; it may depend on your own fixtures)."""
        raise NotImplementedError(
            f"{type(self).__name__} must override the `chat_model` fixture to return the "
            "chat model under test"
        )

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        """Make the next calls of ``chat_model`` return ``replies`` in order.

        Return ``True`` when scripted; the default returns ``False`` (no test server), and
        the tests then check shapes rather than exact values.
        """
        return False

    def script_error(self, chat_model: BaseChatModel) -> bool:
        """Make the next call of ``chat_model`` fail on the provider side (e.g. HTTP 500).

        Return ``True`` when arranged; the default returns ``False`` and the error tests skip.
        """
        return False

    # -- helpers --------------------------------------------------------------------------

    def _script(self, chat_model: BaseChatModel, *replies: ScriptedReply) -> bool:
        return bool(self.script_replies(chat_model, list(replies)))

    def _require(self, flag: bool, what: str) -> None:
        if not flag:
            pytest.skip(f"the provider does not declare support for {what}")

    # -- basics ---------------------------------------------------------------------------

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

    # -- streaming ------------------------------------------------------------------------

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

    def test_invoke_and_stream_agree(self, chat_model: BaseChatModel) -> None:
        if not self._script(chat_model, ScriptedReply("same reply"), ScriptedReply("same reply")):
            pytest.skip("needs scripted replies")
        invoked = chat_model.invoke("x")
        streamed = _fold(list(chat_model.stream("x")))
        assert streamed.text == invoked.text
        assert streamed.tool_calls == invoked.tool_calls

    # -- batches --------------------------------------------------------------------------

    def test_batch(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("a"), ScriptedReply("b"))
        results = chat_model.batch(["Say a.", "Say b."])
        assert len(results) == 2
        assert all(isinstance(r, AIMessage) for r in results)
        if scripted:  # concurrent: which input got which reply is not fixed
            assert sorted(r.text for r in results) == ["a", "b"]

    def test_abatch(self, chat_model: BaseChatModel) -> None:
        scripted = self._script(chat_model, ScriptedReply("a"), ScriptedReply("b"))
        results = _run(chat_model.abatch(["Say a.", "Say b."]))
        assert len(results) == 2
        assert all(isinstance(r, AIMessage) for r in results)
        if scripted:
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

    # -- usage ----------------------------------------------------------------------------

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

    # -- tool calling ---------------------------------------------------------------------

    def _tool_model(self, chat_model: BaseChatModel) -> Any:
        choice = "GetWeather" if self.supports_tool_choice else None
        return chat_model.bind_tools([GetWeather], tool_choice=choice)

    def _weather_reply(self) -> ScriptedReply:
        return ScriptedReply(
            tool_calls=[{"name": "GetWeather", "args": {"city": "Paris"}, "id": "call_1"}]
        )

    def _check_weather_call(self, message: AIMessage, scripted: bool) -> None:
        assert message.tool_calls, f"expected a GetWeather tool call, got {message!r}"
        call = message.tool_calls[0]
        assert call["name"] == "GetWeather"
        assert isinstance(call["args"], dict)
        GetWeather.model_validate(call["args"])
        if scripted:
            assert call["args"] == {"city": "Paris"}
            assert call["id"] == "call_1"

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

    def test_tool_calling_async(self, chat_model: BaseChatModel) -> None:
        self._require(self.supports_tool_calling, "tool calling")
        scripted = self._script(chat_model, self._weather_reply(), self._weather_reply())
        model = self._tool_model(chat_model)
        self._check_weather_call(_run(model.ainvoke(_WEATHER_PROMPT)), scripted)

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in model.astream(_WEATHER_PROMPT)]

        self._check_weather_call(_fold(_run(collect())), scripted)

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

    # -- structured output ----------------------------------------------------------------

    def _person_reply(self, method: StructuredMethod) -> ScriptedReply:
        if method == "function_calling":
            return ScriptedReply(
                tool_calls=[{"name": "Person", "args": {"name": "Ada", "age": 36}, "id": "call_p"}]
            )
        return ScriptedReply('{"name": "Ada", "age": 36}')

    def _methods(self) -> tuple[StructuredMethod, ...]:
        self._require(self.supports_structured_output, "structured output")
        return self.structured_output_methods

    def test_structured_output_pydantic(self, chat_model: BaseChatModel) -> None:
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable = chat_model.with_structured_output(Person, method=method)
            person = runnable.invoke(_PERSON_PROMPT)
            assert isinstance(person, Person), f"method={method!r} gave {person!r}"
            if scripted:
                assert person == Person(name="Ada", age=36), f"method={method!r}"

    def test_structured_output_dict_schema(self, chat_model: BaseChatModel) -> None:
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable = chat_model.with_structured_output(PERSON_SCHEMA, method=method)
            result = runnable.invoke(_PERSON_PROMPT)
            assert isinstance(result, dict), f"method={method!r} gave {result!r}"
            assert set(result) == {"name", "age"}
            if scripted:
                assert result == {"name": "Ada", "age": 36}

    def test_structured_output_include_raw(self, chat_model: BaseChatModel) -> None:
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable = chat_model.with_structured_output(
                Person,
                method=method,
                include_raw=True,
            )
            out = runnable.invoke(_PERSON_PROMPT)
            assert set(out) == {"raw", "parsed", "parsing_error"}
            assert isinstance(out["raw"], AIMessage)
            assert out["parsing_error"] is None, f"method={method!r}: {out['parsing_error']!r}"
            assert isinstance(out["parsed"], Person)
            if scripted:
                assert out["parsed"] == Person(name="Ada", age=36)

    def test_structured_output_include_raw_keeps_parsing_errors(
        self, chat_model: BaseChatModel
    ) -> None:
        methods = self._methods()
        for method in methods:
            if not self._script(chat_model, ScriptedReply("this is not what was asked for")):
                pytest.skip("needs scripted replies")
            out = chat_model.with_structured_output(
                Person,
                method=method,
                include_raw=True,
            ).invoke(_PERSON_PROMPT)
            assert out["parsed"] is None
            assert isinstance(out["parsing_error"], Exception)
            assert out["raw"].text == "this is not what was asked for"

    def test_structured_output_stream(self, chat_model: BaseChatModel) -> None:
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable = chat_model.with_structured_output(Person, method=method)
            parts = list(runnable.stream(_PERSON_PROMPT))
            assert parts, f"method={method!r}: the stream yielded nothing"
            assert all(isinstance(p, Person) for p in parts)
            if scripted:
                assert parts[-1] == Person(name="Ada", age=36)

    def test_structured_output_async(self, chat_model: BaseChatModel) -> None:
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable = chat_model.with_structured_output(Person, method=method)
            person = _run(runnable.ainvoke(_PERSON_PROMPT))
            assert isinstance(person, Person)
            if scripted:
                assert person == Person(name="Ada", age=36)

    # -- errors ---------------------------------------------------------------------------

    def _expect_provider_error(self, exc: BaseException) -> None:
        assert isinstance(exc, ChatModelError), (
            f"provider errors must subclass pipes.ChatModelError; got {type(exc).__mro__}"
        )
        assert isinstance(exc, self.provider_error_type), (
            f"expected {self.provider_error_type.__name__}, got {type(exc).__name__}: {exc}"
        )
        assert str(exc), "a provider error needs a message saying what happened"
        if self.error_keeps_cause:
            assert exc.__cause__ is not None, "the original exception must be kept (`from exc`)"

    def _arrange_error(self, chat_model: BaseChatModel) -> None:
        if not self.script_error(chat_model):
            pytest.skip("script_error() is not implemented for this provider")

    def test_provider_error_on_invoke(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)
        with pytest.raises(ChatModelError) as info:
            chat_model.invoke("hi")
        self._expect_provider_error(info.value)
        # The model stays usable after a failure.
        scripted = self._script(chat_model, ScriptedReply("recovered"))
        after = chat_model.invoke("hi")
        if scripted:
            assert after.text == "recovered"

    def test_provider_error_on_ainvoke(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)
        with pytest.raises(ChatModelError) as info:
            _run(chat_model.ainvoke("hi"))
        self._expect_provider_error(info.value)

    def test_provider_error_on_stream(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)
        with pytest.raises(ChatModelError) as info:
            list(chat_model.stream("hi"))
        self._expect_provider_error(info.value)

    def test_provider_error_on_astream(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in chat_model.astream("hi")]

        with pytest.raises(ChatModelError) as info:
            _run(collect())
        self._expect_provider_error(info.value)

    def test_batch_return_exceptions(self, chat_model: BaseChatModel) -> None:
        self._arrange_error(chat_model)
        results = chat_model.batch(["hi"], return_exceptions=True)
        assert len(results) == 1
        assert isinstance(results[0], ChatModelError)
