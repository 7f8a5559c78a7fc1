"""Shared parts of the conformance kit: `ScriptedReply`, the schemas and prompts the tests
use, small helpers, and `_KitBase` (capability flags, the `chat_model` fixture, the script
hooks and the helpers every test group uses)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pytest
from pydantic import BaseModel, Field

from pipes._core import Listener, Run
from pipes._errors import ChatModelError
from pipes._messages import AIMessage, AIMessageChunk, ToolCall, UsageMetadata
from pipes._models import BaseChatModel, BaseRateLimiter
from pipes._models._base import StructuredMethod

__all__ = ["ScriptedReply"]

T = TypeVar("T")


@dataclass(frozen=True)
class ScriptedReply:
    """A reply the kit asks your test server to give: text, tool calls and usage.

    `tool_calls` use pipes' shape `{"name", "args", "id"}`; `usage` may be `None`
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


class _KitBase:
    """What every test group of
    [`ChatModelConformanceTests`][pipes.testing.ChatModelConformanceTests] builds on: helpers
    over the flags a provider declares and the hooks it overrides."""

    # Defined, with their defaults and docs, on ChatModelConformanceTests (the class users read
    # and subclass); declared here so the test groups type-check.
    if TYPE_CHECKING:
        supports_tool_calling: ClassVar[bool]
        supports_tool_choice: ClassVar[bool]
        supports_structured_output: ClassVar[bool]
        structured_output_methods: ClassVar[tuple[StructuredMethod, ...]]
        supports_usage: ClassVar[bool]
        supports_native_streaming: ClassVar[bool]
        supports_native_async: ClassVar[bool]
        supports_image_input: ClassVar[bool]
        provider_error_type: ClassVar[type[BaseException]]
        error_keeps_cause: ClassVar[bool]

        def script_replies(
            self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]
        ) -> bool: ...

        def script_error(self, chat_model: BaseChatModel) -> bool: ...

    # -- helpers ---------------------------------------------------------------------------

    def _script(self, chat_model: BaseChatModel, *replies: ScriptedReply) -> bool:
        return bool(self.script_replies(chat_model, list(replies)))

    def _require(self, flag: bool, what: str) -> None:
        if not flag:
            pytest.skip(f"the provider does not declare support for {what}")

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

    def _check_raises_provider_error(
        self, chat_model: BaseChatModel, call: Callable[[], object]
    ) -> None:
        """Script an error, then `call()` must raise it as the provider's error type."""
        self._arrange_error(chat_model)
        with pytest.raises(ChatModelError) as info:
            call()
        self._expect_provider_error(info.value)
