"""ChatOpenAI on the emulator (loopback HTTP), traced, metered and priced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from pipes import ChatPromptTemplate, StrOutputParser
from pipes_openai import ChatOpenAI, RateLimitError
from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

from .conftest import Telemetry

KEY = "sk-test-SECRET-0123456789abcdef"
USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 30,
    "total_tokens": 150,
    "prompt_tokens_details": {"cached_tokens": 100},
    "completion_tokens_details": {"reasoning_tokens": 10},
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _fresh(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.reset()
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    ):
        monkeypatch.delenv(name, raising=False)


def _llm(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    kwargs.setdefault("model", "gpt-4o")
    llm = ChatOpenAI(base_url=emu.base_url, api_key=KEY, max_retries=0, **kwargs)
    return llm


def _chain(llm: ChatOpenAI) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate to French"), ("human", "{text}")]
    )
    return prompt | llm | StrOutputParser()


def test_a_chat_completion_span(emu: Emulator, telemetry: Telemetry) -> None:
    emu.script(Reply("J'adore la programmation.", usage=USAGE, model="gpt-4o-2024-08-06"))
    llm = _llm(emu, temperature=0, top_p=0.5, seed=3, max_tokens=100)
    out = _chain(llm).invoke({"text": "I love programming."}, {"callbacks": [telemetry.handler()]})
    assert out == "J'adore la programmation."
    span = telemetry.span("chat gpt-4o")
    assert span.kind is SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    response_id = attributes.pop("gen_ai.response.id")
    assert isinstance(response_id, str)
    assert response_id
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0,
        "gen_ai.request.top_p": 0.5,
        "gen_ai.request.seed": 3,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.usage.cache_read.input_tokens": 100,
        "gen_ai.usage.reasoning.output_tokens": 10,
    }
    assert telemetry.parent_of(span) is telemetry.span("RunnableSequence")


def test_no_secret_and_no_content_on_spans(emu: Emulator, telemetry: Telemetry) -> None:
    emu.script("Bonjour")
    _chain(_llm(emu)).invoke({"text": "Hello"}, {"callbacks": [telemetry.handler()]})
    for span in telemetry.spans:
        text = repr(dict(span.attributes or {}))
        assert KEY not in text
        assert "SECRET" not in text
        assert "Hello" not in text
        assert "Bonjour" not in text


def test_streamed_completion_records_time_to_first_chunk(
    emu: Emulator, telemetry: Telemetry
) -> None:
    emu.script(Reply("un deux trois", usage=USAGE))
    chunks = list(
        _chain(_llm(emu)).stream({"text": "one two three"}, {"callbacks": [telemetry.handler()]})
    )
    assert "".join(chunks) == "un deux trois"
    span = telemetry.span("chat gpt-4o")
    assert (span.attributes or {})["gen_ai.usage.input_tokens"] == 120
    (first,) = telemetry.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.count == 1
    tokens = telemetry.points("gen_ai.client.token.usage")
    assert sorted(p.sum for p in tokens) == [30, 120]


def test_an_api_error_marks_the_span(emu: Emulator, telemetry: Telemetry) -> None:
    emu.script(Fault.error(429))
    with pytest.raises(RateLimitError):
        _llm(emu).invoke("x", {"callbacks": [telemetry.handler()]})
    span = telemetry.span("chat gpt-4o")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "pipes_openai.RateLimitError"
    assert KEY not in (span.status.description or "")


def test_tool_calls_captured_as_content(emu: Emulator, telemetry: Telemetry) -> None:
    emu.script(ToolCall("get_weather", {"city": "Paris"}))
    handler = telemetry.handler(capture_content=True)
    message = _llm(emu).invoke("Weather in Paris?", {"callbacks": [handler]})
    assert message.tool_calls
    output = str((telemetry.span("chat gpt-4o").attributes or {})["gen_ai.output.messages"])
    assert '"type": "tool_call"' in output
    assert '"name": "get_weather"' in output
    assert '"finish_reason": "tool_calls"' in output
