"""AzureChatOpenAI: URL, api-version, api-key / Entra ID auth, content filter, env vars."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from conftest import KEY
from openai_helpers import assert_valid_request

from pipes import AIMessageChunk
from pipes_openai import AzureChatOpenAI, ContentFilterError, OpenAIConfigurationError
from pipes_openai.emulator import Emulator, Reply


@pytest.fixture
def strict_emu() -> Iterator[Emulator]:
    # This emulator demands the credential, so a 200 proves the right header was sent.
    with Emulator(api_key=KEY) as emu:
        yield emu
        for request in emu.requests:
            assert_valid_request(request.body)


def azure(emu: Emulator, **kwargs: object) -> AzureChatOpenAI:
    params: dict[str, object] = {
        "azure_endpoint": emu.url,
        "azure_deployment": "my-gpt4o",
        "api_version": "2024-10-21",
    }
    params.update(kwargs)
    return AzureChatOpenAI(**params)  # type: ignore[arg-type]


def test_url_query_and_api_key_header(strict_emu: Emulator) -> None:
    llm = azure(strict_emu, api_key=KEY)
    assert llm.invoke("hello").content == "hello"
    request = strict_emu.requests[-1]
    assert request.path == "/openai/deployments/my-gpt4o/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.headers["api-key"] == "<redacted>"
    assert "authorization" not in request.headers
    assert request.body["model"] == "my-gpt4o"
    assert llm.provider_name == "azure_openai"
    assert KEY not in repr(llm)
    assert KEY not in llm.model_dump_json()


def test_env_vars(strict_emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", strict_emu.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    llm = AzureChatOpenAI(azure_deployment="dep", model="gpt-4o")
    assert llm.invoke("x").content == "x"
    assert strict_emu.requests[-1].query == {"api-version": "2024-06-01"}
    assert strict_emu.requests[-1].body["model"] == "gpt-4o"


def test_ad_token_and_providers(strict_emu: Emulator) -> None:
    assert azure(strict_emu, azure_ad_token=KEY).invoke("static").content == "static"
    assert strict_emu.requests[-1].headers["authorization"] == "Bearer <redacted>"
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return KEY

    llm = azure(strict_emu, azure_ad_token_provider=provider)
    llm.invoke("one")
    list(llm.stream("two"))
    assert len(calls) == 2  # called per request, so tokens can refresh

    async def aprovider() -> str:
        return KEY

    allm = azure(strict_emu, azure_ad_async_token_provider=aprovider)
    assert asyncio.run(allm.ainvoke("async")).content == "async"

    async def chunks() -> str:
        return "".join([c.text async for c in allm.astream("async stream")])

    assert asyncio.run(chunks()) == "async stream"
    # An async provider passed as azure_ad_token_provider works in async calls too ...
    both = azure(strict_emu, azure_ad_token_provider=aprovider)
    assert asyncio.run(both.ainvoke("mixed")).content == "mixed"
    # ... and fails clearly in sync ones.
    with pytest.raises(OpenAIConfigurationError, match="awaitable"):
        both.invoke("sync")


def test_content_filter_finish_raises(emu: Emulator) -> None:
    filtered = Reply("partial", finish_reason="content_filter")
    emu.script(filtered, filtered, filtered)
    llm = azure(emu, api_key=KEY)
    with pytest.raises(ContentFilterError, match="content filter"):
        llm.invoke("bad")
    with pytest.raises(ContentFilterError):
        list(llm.stream("bad"))
    # Opt out to get the partial reply instead.
    lenient = azure(emu, api_key=KEY, raise_on_content_filter=False)
    assert lenient.invoke("bad").response_metadata["finish_reason"] == "content_filter"


def test_content_filter_error_status(emu: Emulator) -> None:
    emu.fail(400, code="content_filter", message="The prompt was filtered.")
    with pytest.raises(ContentFilterError) as info:
        azure(emu, api_key=KEY).invoke("bad")
    assert info.value.status_code == 400
    assert "Azure OpenAI" in str(info.value)


def test_streaming_with_usage(emu: Emulator) -> None:
    chunks = list(azure(emu, api_key=KEY).stream("a b c"))
    full = AIMessageChunk.merge_chunks(chunks)
    assert full.content == "a b c"
    assert full.usage_metadata is not None
    assert emu.requests[-1].body["stream_options"] == {"include_usage": True}


def test_max_tokens_naming(emu: Emulator) -> None:
    azure(emu, api_key=KEY, max_tokens=7).invoke("x")
    assert emu.requests[-1].body["max_tokens"] == 7
    azure(emu, api_key=KEY, max_tokens=7, model="o3-mini").invoke("x")
    assert emu.requests[-1].body["max_completion_tokens"] == 7


@pytest.mark.parametrize(
    ("missing", "needle"),
    [
        ("azure_endpoint", "AZURE_OPENAI_ENDPOINT"),
        ("azure_deployment", "azure_deployment="),
        ("api_version", "OPENAI_API_VERSION"),
        ("api_key", "AZURE_OPENAI_API_KEY"),
    ],
)
def test_configuration_errors(missing: str, needle: str) -> None:
    params: dict[str, object] = {
        "azure_endpoint": "https://r.openai.azure.com",
        "azure_deployment": "d",
        "api_version": "2024-10-21",
        "api_key": "k",
    }
    del params[missing]
    with pytest.raises(OpenAIConfigurationError, match=needle):
        AzureChatOpenAI(**params)  # type: ignore[arg-type]


def test_langchain_parameter_names(emu: Emulator) -> None:
    llm = AzureChatOpenAI(
        azure_endpoint=emu.url,
        deployment_name="legacy",
        openai_api_version="2024-02-01",
        openai_api_key=KEY,
    )
    llm.invoke("legacy names")
    request = emu.requests[-1]
    assert request.path == "/openai/deployments/legacy/chat/completions"
    assert json.loads(request.text)["model"] == "legacy"
