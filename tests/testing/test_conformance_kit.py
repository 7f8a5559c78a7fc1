"""The conformance kit catches broken providers (run its tests directly on bad models)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import pipes.testing
from pipes._errors import ChatModelError
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage
from pipes._models import BaseChatModel
from pipes.testing import ChatModelConformanceTests, FakeChatModel, ScriptedReply


class Kit(ChatModelConformanceTests):
    """Scripts a FakeChatModel (or subclass) by extending its responses."""

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        assert isinstance(chat_model, FakeChatModel)
        chat_model.responses.extend(
            AIMessage(r.text, tool_calls=list(r.tool_calls), usage_metadata=r.usage)
            for r in replies
        )
        return True

    def script_error(self, chat_model: BaseChatModel) -> bool:
        assert isinstance(chat_model, FakeChatModel)
        chat_model.responses.append(self.error)
        return True

    error: BaseException = ChatModelError("HTTP 500")


class SyncOnly(BaseChatModel):
    @property
    def provider_name(self) -> str:
        return "sync-only"

    def _generate(self, messages: list[BaseMessage], *, stop: Any = None, **kw: Any) -> AIMessage:
        return AIMessage("one two three")


def test_a_good_model_passes_a_direct_call() -> None:
    Kit().test_invoke(FakeChatModel())


def test_non_chat_model_errors_are_caught() -> None:
    kit = Kit()
    kit.error = RuntimeError("raw transport error leaked")
    with pytest.raises(RuntimeError, match="leaked"):
        kit.test_provider_error_on_invoke(FakeChatModel())


def test_wrong_error_subclass_is_caught() -> None:
    class AcmeError(ChatModelError):
        pass

    kit = Kit()
    kit.provider_error_type = AcmeError  # type: ignore[misc]
    with pytest.raises(AssertionError, match="expected AcmeError"):
        kit.test_provider_error_on_invoke(FakeChatModel())


def test_missing_cause_is_caught() -> None:
    kit = Kit()
    kit.error_keeps_cause = True  # type: ignore[misc]
    with pytest.raises(AssertionError, match="original exception must be kept"):
        kit.test_provider_error_on_stream(FakeChatModel())


def test_inconsistent_usage_is_caught() -> None:
    class BadUsage(FakeChatModel):
        def _generate(
            self, messages: list[BaseMessage], *, stop: Any = None, **kw: Any
        ) -> AIMessage:
            message = super()._generate(messages, stop=stop, **kw)
            return message.model_copy(
                update={
                    "usage_metadata": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 5}
                }
            )

    with pytest.raises(AssertionError, match="total_tokens must equal"):
        Kit().test_usage_metadata(BadUsage())


def test_usage_repeated_in_every_chunk_is_caught() -> None:
    class RepeatsUsage(FakeChatModel):
        def _stream(
            self, messages: list[BaseMessage], *, stop: Any = None, **kw: Any
        ) -> Iterator[AIMessageChunk]:
            for chunk in super()._stream(messages, stop=stop, **kw):
                yield chunk.model_copy(
                    update={
                        "usage_metadata": {
                            "input_tokens": 7,
                            "output_tokens": 3,
                            "total_tokens": 10,
                        }
                    }
                )

    with pytest.raises(AssertionError, match="once per stream"):
        Kit().test_usage_metadata_streaming(RepeatsUsage())


def test_missing_usage_is_caught() -> None:
    with pytest.raises(AssertionError, match="usage_metadata is missing"):
        ChatModelConformanceTests().test_usage_metadata(FakeChatModel(synthesize_usage=False))


def test_declared_streaming_without_native_stream_is_caught() -> None:
    class NoScripting(ChatModelConformanceTests):
        pass

    with pytest.raises(AssertionError, match="gave one chunk"):
        NoScripting().test_stream(SyncOnly())
    with pytest.raises(AssertionError, match="overrides neither"):
        NoScripting().test_native_async_is_declared_truthfully(SyncOnly())


def test_sync_only_model_passes_when_declared_honestly() -> None:
    class Honest(ChatModelConformanceTests):
        supports_native_streaming = False
        supports_native_async = False
        supports_tool_calling = False

    kit = Honest()
    model = SyncOnly()
    kit.test_stream(model)
    kit.test_astream(model)
    kit.test_ainvoke(model)
    kit.test_bind_tools_unsupported_raises_not_implemented(model)
    with pytest.raises(pytest.skip.Exception):
        kit.test_tool_calling(model)


def test_wrong_tool_call_is_caught() -> None:
    class WrongTool(FakeChatModel):
        def _generate(
            self, messages: list[BaseMessage], *, stop: Any = None, **kw: Any
        ) -> AIMessage:
            super()._generate(messages, stop=stop, **kw)
            return AIMessage("I will not call tools")

    with pytest.raises(AssertionError, match="expected a GetWeather tool call"):
        Kit().test_tool_calling(WrongTool())


def _unwrap(fixture: Any) -> Any:
    inner = getattr(fixture, "_get_wrapped_function", None)
    return inner() if callable(inner) else fixture.__wrapped__


def test_the_default_fixture_says_what_to_override() -> None:
    func = _unwrap(ChatModelConformanceTests.chat_model)
    with pytest.raises(NotImplementedError, match="must override the `chat_model` fixture"):
        func(ChatModelConformanceTests())


def test_lazy_exports() -> None:
    assert pipes.testing.ChatModelConformanceTests is ChatModelConformanceTests
    assert pipes.testing.ScriptedReply is ScriptedReply
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = pipes.testing.Nope
    assert set(pipes.testing.__all__) >= {"ChatModelConformanceTests", "FakeChatModel"}
