"""pipes' chat-model conformance kit, run for ChatOpenAI and AzureChatOpenAI on the emulator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from conftest import KEY

from pipes import BaseChatModel
from pipes.testing import ChatModelConformanceTests, ScriptedReply
from pipes_openai import APIStatusError, AzureChatOpenAI, ChatOpenAI
from pipes_openai.emulator import Emulator, Reply, ToolCall


def _usage(reply: ScriptedReply) -> dict[str, Any] | None:
    if reply.usage is None:
        return None
    return {
        "prompt_tokens": reply.usage["input_tokens"],
        "completion_tokens": reply.usage["output_tokens"],
        "total_tokens": reply.usage["total_tokens"],
    }


class _OnEmulator(ChatModelConformanceTests):
    supports_structured_output = True
    supports_image_input = True
    structured_output_methods: ClassVar[tuple[Any, ...]] = (
        "json_schema",
        "function_calling",
        "json_mode",
    )
    provider_error_type = APIStatusError
    emulator: Emulator

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        for reply in replies:
            calls = [
                ToolCall(call["name"], call["args"], id=call.get("id")) for call in reply.tool_calls
            ]
            self.emulator.script(
                Reply(content=reply.text or None, tool_calls=calls or None, usage=_usage(reply))
            )
        return True

    def script_error(self, chat_model: BaseChatModel) -> bool:
        self.emulator.fail(400, message="scripted failure")
        return True


class TestChatOpenAIConformance(_OnEmulator):
    @pytest.fixture
    def chat_model(self, emu: Emulator) -> BaseChatModel:
        self.emulator = emu
        return ChatOpenAI(model="gpt-4o", api_key=KEY, base_url=emu.base_url)


class TestAzureChatOpenAIConformance(_OnEmulator):
    @pytest.fixture
    def chat_model(self, emu: Emulator) -> BaseChatModel:
        self.emulator = emu
        return AzureChatOpenAI(
            azure_endpoint=emu.url, azure_deployment="dep", api_version="2024-10-21", api_key=KEY
        )
