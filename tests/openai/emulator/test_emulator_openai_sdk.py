"""The official ``openai`` SDK parses the emulator's responses, streams, tools and errors.

Dev-only: skipped when ``openai`` is not installed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import BaseModel

from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

if TYPE_CHECKING:
    from openai import OpenAI

openai: Any = pytest.importorskip("openai")


class GetWeather(BaseModel):
    """Get the current weather in a given location."""

    location: str


class Person(BaseModel):
    name: str
    age: int


WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "GetWeather",
        "description": "Get the current weather in a given location",
        "parameters": GetWeather.model_json_schema(),
    },
}
MESSAGES: Any = [{"role": "user", "content": "What's the weather in San Francisco?"}]


def test_create(sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hello!"}],
        logprobs=True,
        top_logprobs=2,
    )
    assert completion.choices[0].message.content == "Hello!"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens_details is not None
    assert completion.usage.prompt_tokens_details.cached_tokens == 0
    assert completion.choices[0].logprobs is not None
    assert completion.choices[0].logprobs.content is not None
    assert [t.token for t in completion.choices[0].logprobs.content] == ["Hello", "!"]


def test_stream_with_usage(sdk: OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Stream this, please."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = ""
    usage = None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage is not None:
            usage = chunk.usage
    assert text == "Stream this, please."
    assert usage is not None
    assert usage.completion_tokens == 5


def test_tool_calls(emulator: Emulator, sdk: OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o", messages=MESSAGES, tools=[WEATHER_TOOL]
    )
    (call,) = completion.choices[0].message.tool_calls or []
    assert call.function.name == "GetWeather"
    assert GetWeather.model_validate_json(call.function.arguments).location == "San Francisco"
    emulator.script(ToolCall("GetWeather", {"location": "Paris"}))
    with sdk.chat.completions.stream(
        model="gpt-4o", messages=MESSAGES, tools=[WEATHER_TOOL]
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    (call,) = final.choices[0].message.tool_calls or []
    assert json.loads(call.function.arguments) == {"location": "Paris"}


def test_structured_output(sdk: OpenAI) -> None:
    parsed = sdk.chat.completions.parse(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Alice is 30"}],
        response_format=Person,
    )
    person = parsed.choices[0].message.parsed
    assert isinstance(person, Person)
    assert person == Person(name="Alice", age=30)
    tool_parsed = sdk.chat.completions.parse(
        model="gpt-4o",
        messages=MESSAGES,
        tools=[openai.pydantic_function_tool(GetWeather)],
        tool_choice="required",
    )
    (call,) = tool_parsed.choices[0].message.tool_calls or []
    assert call.function.parsed_arguments == GetWeather(location="San Francisco")


def test_structured_output_stream_and_refusal(emulator: Emulator, sdk: OpenAI) -> None:
    with sdk.chat.completions.stream(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], response_format=Person
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == Person(name="Alice", age=30)
    emulator.script(Reply(refusal="I can't help with that."))
    refused = sdk.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], response_format=Person
    )
    assert refused.choices[0].message.refusal == "I can't help with that."
    assert refused.choices[0].message.parsed is None


def test_errors_map_to_sdk_exceptions(emulator: Emulator, sdk: OpenAI) -> None:
    emulator.fail(429, code="rate_limit_exceeded")
    with pytest.raises(openai.RateLimitError) as rate:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert rate.value.code == "rate_limit_exceeded"
    assert rate.value.request_id is not None
    robot: Any = [{"role": "robot", "content": "x"}]
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=robot)
    assert bad.value.param == "messages[0].role"
    emulator.fault(Fault.stream_error(after_chunks=1, message="boom"))
    with pytest.raises(openai.APIError, match="boom"):
        for _ in sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
            pass


def test_sdk_retries_honour_retry_after(emulator: Emulator) -> None:
    emulator.fail(429, retry_after_ms=1, times=2).fail(503, retry_after=0.001)
    with openai.OpenAI(base_url=emulator.base_url, api_key="x", max_retries=3) as client:
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert completion.choices[0].message.content == MESSAGES[0]["content"]
    assert len(emulator.requests) == 4


async def test_async_client(emulator: Emulator) -> None:
    async with openai.AsyncOpenAI(base_url=emulator.base_url, api_key="x", max_retries=0) as client:
        completion = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert completion.choices[0].message.content == MESSAGES[0]["content"]
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert text == MESSAGES[0]["content"]


def test_azure_client(emulator: Emulator) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key="az", api_version="2024-10-21", max_retries=0
    )
    completion = client.chat.completions.create(model="my-deployment", messages=MESSAGES)
    assert completion.choices[0].message.content == MESSAGES[0]["content"]
    recorded = emulator.requests[-1]
    assert recorded.path == "/openai/deployments/my-deployment/chat/completions"
    assert recorded.query == {"api-version": "2024-10-21"}
    assert recorded.headers["api-key"] == "<redacted>"
    client.close()


def test_models_list(sdk: OpenAI) -> None:
    assert "gpt-4o-mini" in [m.id for m in sdk.models.list()]


def test_a_limit_is_a_bad_request_naming_its_parameter(sdk: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, n=129)
    assert caught.value.param == "n"
    assert "maximum of 128" in caught.value.message
