"""The fake chat models pass the conformance kit they ship with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from pipes._errors import ChatModelError
from pipes._messages import AIMessage, BaseMessage
from pipes._models import BaseChatModel
from pipes.testing import (
    CallInfo,
    ChatModelConformanceTests,
    FakeChatModel,
    FunctionChatModel,
    ScriptedReply,
)


class FakeProviderError(ChatModelError):
    """What a provider would raise for an HTTP 500."""


def _message(reply: ScriptedReply) -> AIMessage:
    return AIMessage(reply.text, tool_calls=list(reply.tool_calls), usage_metadata=reply.usage)


def _error() -> FakeProviderError:
    error = FakeProviderError("the fake provider answered HTTP 500: internal error", status=500)
    error.__cause__ = ConnectionError("upstream reset")
    return error


class TestFakeChatModelConformance(ChatModelConformanceTests):
    structured_output_methods = ("function_calling", "json_mode", "json_schema")
    supports_image_input = True
    provider_error_type = FakeProviderError
    error_keeps_cause = True

    @pytest.fixture
    def chat_model(self) -> BaseChatModel:
        return FakeChatModel()

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        assert isinstance(chat_model, FakeChatModel)
        chat_model.responses.extend(_message(r) for r in replies)
        return True

    def script_error(self, chat_model: BaseChatModel) -> bool:
        assert isinstance(chat_model, FakeChatModel)
        chat_model.responses.append(_error())
        return True


class TestUnscriptedFakeChatModelConformance(ChatModelConformanceTests):
    """Without scripting (like a live API) the kit checks shapes; auto replies must pass."""

    structured_output_methods = ("function_calling", "json_schema")

    @pytest.fixture
    def chat_model(self) -> BaseChatModel:
        return FakeChatModel(auto_text="one two three")


class TestFunctionChatModelConformance(ChatModelConformanceTests):
    structured_output_methods = ("function_calling", "json_schema")
    error_keeps_cause = True

    @pytest.fixture
    def chat_model(self) -> BaseChatModel:
        self.queue: list[Any] = []

        def reply(messages: list[BaseMessage], info: CallInfo) -> Any:
            if self.queue:
                return self.queue.pop(0)
            return "default reply"

        return FunctionChatModel(reply)

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        self.queue.extend(_message(r) for r in replies)
        return True

    def script_error(self, chat_model: BaseChatModel) -> bool:
        self.queue.append(_error())
        return True
