"""The model's own settings reach the HTTP layer: size limits, and the server named in errors."""

from __future__ import annotations

import httpx
import pytest

from pipes_openai import AuthenticationError, AzureChatOpenAI, ChatOpenAI, ResponseTooLargeError
from pipes_openai.emulator import Emulator


def test_errors_name_a_custom_server_by_host_and_port(emu: Emulator) -> None:
    emu.fail(401, message="bad key")
    llm = ChatOpenAI(base_url=emu.base_url, api_key="sk-test", max_retries=0)
    with pytest.raises(AuthenticationError) as info:
        llm.invoke("hi")
    port = httpx.URL(emu.base_url).port
    assert str(info.value).startswith(f"127.0.0.1:{port} returned HTTP 401")
    assert "OpenAI returned" not in str(info.value)


def test_the_providers_own_hosts_keep_their_names() -> None:
    openai = ChatOpenAI(api_key="sk-test")
    azure = AzureChatOpenAI(
        api_key="k",
        azure_endpoint="https://x.openai.azure.com",
        azure_deployment="gpt-4o",
        api_version="2024-10-21",
    )
    assert openai._get_connection()[2].provider == "OpenAI"
    assert azure._get_connection()[2].provider == "Azure OpenAI"


def test_max_response_bytes_bounds_a_reply(emu: Emulator) -> None:
    emu.script("x" * 5_000)
    llm = ChatOpenAI(base_url=emu.base_url, api_key="sk-test", max_response_bytes=1_000)
    with pytest.raises(ResponseTooLargeError, match="max_response_bytes") as info:
        llm.invoke("hi")
    assert info.value.limit == 1_000


def test_max_stream_event_bytes_bounds_a_streamed_event(emu: Emulator) -> None:
    # The limit bounds what is buffered for an event across network reads, so the event must
    # be larger than one read (64 KiB) to be seen whole past it.
    emu.script("y" * 400_000)
    llm = ChatOpenAI(
        base_url=emu.base_url, api_key="sk-test", max_stream_event_bytes=100_000, max_retries=0
    )
    with pytest.raises(ResponseTooLargeError, match="max_stream_event_bytes"):
        for _ in llm.stream("hi"):
            pass


def test_changing_a_limit_rebuilds_the_connection() -> None:
    llm = ChatOpenAI(api_key="sk-test")
    assert llm._get_connection()[2].max_response_bytes == 64 * 1024 * 1024
    llm.max_response_bytes = 10
    assert llm._get_connection()[2].max_response_bytes == 10


@pytest.mark.parametrize("field", ["max_response_bytes", "max_stream_event_bytes"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ChatOpenAI(api_key="sk-test", **{field: 0})
