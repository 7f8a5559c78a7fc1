"""The same in-kind answers through the official ``openai`` SDK's typed params and models.

Dev-only: skipped when ``openai`` is not installed.
"""

from __future__ import annotations

import base64
import io
import json
import wave
from typing import TYPE_CHECKING, Any

import pytest

from .test_emulator_in_kind import WEATHER, WEATHER_TOOL

if TYPE_CHECKING:
    from openai import OpenAI

openai: Any = pytest.importorskip("openai")


def test_sdk_custom_tool_and_allowed_tools(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "drop table x"}],
        tools=[{"type": "custom", "custom": {"name": "run_sql"}}, WEATHER_TOOL],
        tool_choice={
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "required",
                "tools": [{"type": "custom", "custom": {"name": "run_sql"}}],
            },
        },
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.type == "custom"
    assert (call.custom.name, call.custom.input) == ("run_sql", "drop table x")


def test_sdk_legacy_functions(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "weather?"}],
        functions=[WEATHER],
        function_call={"name": "get_weather"},
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "function_call"
    assert choice.message.function_call is not None
    assert choice.message.function_call.name == "get_weather"


def test_sdk_audio_output(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o-audio-preview",
        messages=[{"role": "user", "content": "Hello!"}],
        modalities=["text", "audio"],
        audio={"voice": "alloy", "format": "wav"},
    )
    audio = completion.choices[0].message.audio
    assert audio is not None
    assert audio.transcript == "Hello!"
    with wave.open(io.BytesIO(base64.b64decode(audio.data))) as clip:
        assert clip.getframerate() == 24000


def test_sdk_streamed_function_call_accumulates(sdk: OpenAI) -> None:
    with sdk.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice="required",
    ) as stream:
        final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "San Francisco"}


def test_sdk_responses_custom_tool(sdk: OpenAI) -> None:
    response = sdk.responses.create(
        model="gpt-4o-mini",
        input="select 1",
        tools=[{"type": "custom", "name": "run_sql"}],
        tool_choice={"type": "custom", "name": "run_sql"},
    )
    (call,) = response.output
    assert call.type == "custom_tool_call"
    assert call.input == "select 1"
