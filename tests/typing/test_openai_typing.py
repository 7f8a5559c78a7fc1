"""Static typing of pipes_openai: checked by mypy --strict and pyright, and run by pytest.

`# type: ignore[code]` marks lines that MUST be errors (warn_unused_ignores is on).
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from pydantic import BaseModel, SecretStr
from typing_extensions import TypedDict

from pipes import (
    AIMessage,
    AIMessageChunk,
    LanguageModelInput,
    Runnable,
    StructuredOutputWithRaw,
)
from pipes_openai import AzureChatOpenAI, ChatOpenAI, OpenAIError, RefusalError
from pipes_openai.emulator import Emulator


class Joke(BaseModel):
    setup: str
    punchline: str


class Movie(TypedDict):
    title: str
    year: int


def check_types(llm: ChatOpenAI) -> None:
    assert_type(llm.invoke("hi"), AIMessage)
    assert_type(llm.stream("hi"), Iterator[AIMessageChunk])
    assert_type(llm.astream("hi"), AsyncIterator[AIMessageChunk])
    assert_type(llm.bind_tools([Joke]), Runnable[LanguageModelInput, AIMessage])
    assert_type(llm.with_structured_output(Joke), Runnable[LanguageModelInput, Joke])
    assert_type(
        llm.with_structured_output(Joke, method="function_calling"),
        Runnable[LanguageModelInput, Joke],
    )
    assert_type(
        llm.with_structured_output(Joke, include_raw=True),
        Runnable[LanguageModelInput, StructuredOutputWithRaw[Joke]],
    )
    assert_type(llm.with_structured_output(Movie), Runnable[LanguageModelInput, dict[str, Any]])
    llm.with_structured_output(Joke, method="xml")  # type: ignore[call-overload]
    joke = llm.with_structured_output(Joke).invoke("tell me a joke")
    assert_type(joke, Joke)
    assert_type(joke.punchline, str)


def check_construction() -> None:
    ChatOpenAI(model="gpt-4o", temperature=0, max_tokens=None, timeout=None, max_retries=2)
    ChatOpenAI(api_key=SecretStr("sk-k"), cache=False, disable_streaming="tool_calling")
    # LangChain's names are accepted, and a str where the field is a SecretStr.
    ChatOpenAI(
        model_name="gpt-4o",
        openai_api_key="sk-k",
        openai_api_base="http://127.0.0.1:8000/v1",
        openai_organization="org",
        request_timeout=(3.0, 30.0),
        max_completion_tokens=5,
        stop_sequences=["\n"],
    )
    # The Responses API settings.
    ChatOpenAI(
        use_responses_api=None,
        output_version="responses/v1",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
        use_previous_response_id=True,
        context_management=[{"type": "compaction", "compact_threshold": 100000}],
        reasoning_in_history=True,
    )
    AzureChatOpenAI(azure_deployment="d", api_version="2024-10-21")
    AzureChatOpenAI(
        deployment_name="d",
        openai_api_version="2024-10-21",
        azure_ad_token="t",
        azure_ad_token_provider=lambda: "t",
        model_name="gpt-4o",
    )


def check_construction_errors() -> None:
    ChatOpenAI(modle="gpt-4o")  # type: ignore[call-arg]
    ChatOpenAI(temperature="0")  # type: ignore[arg-type]
    ChatOpenAI(api_key=b"sk-k")  # type: ignore[arg-type]
    ChatOpenAI("gpt-4o")  # type: ignore[call-arg]
    ChatOpenAI(azure_deployment="d")  # type: ignore[call-arg]
    AzureChatOpenAI(azure_deplyment="d")  # type: ignore[call-arg]
    ChatOpenAI(output_version="v2")  # type: ignore[arg-type]
    ChatOpenAI(use_responses_api="yes")  # type: ignore[arg-type]
    err: OpenAIError = RefusalError("no", refusal="no")
    assert_type(err.request_id, str | None)


def test_structured_output_runs_typed() -> None:
    with Emulator() as emu:
        emu.script('{"setup": "a", "punchline": "b"}')
        llm = ChatOpenAI(model="gpt-4o", api_key="k", base_url=emu.base_url)
        joke = llm.with_structured_output(Joke).invoke("tell me a joke")
        assert_type(joke, Joke)
        assert joke == Joke(setup="a", punchline="b")


def test_unknown_names_are_errors() -> None:
    # The packages' lazy __getattr__ is hidden from type checkers: a typo is caught.
    import pytest

    with pytest.raises(ImportError):
        from pipes_openai import ChatOpenAl  # type: ignore[attr-defined]  # noqa: F401
    with pytest.raises(ImportError):
        from pipes.testing import FakeListChatModl  # type: ignore[attr-defined]  # noqa: F401
    with pytest.raises(ImportError):
        from pipes.serve import create_ap  # type: ignore[attr-defined]  # noqa: F401
