"""Credentials of a model: hidden in reprs, dumps, cache keys and logs; registered for scrubbing.

Covers ``default_headers`` / ``default_query`` credentials (the rule is
``pipes_openai._secrets.is_credential_name``), the model's one ``Secrets`` object (what the HTTP
engine scrubs), Azure AD tokens from providers, and pickling (which carries the key by design).
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import socket
import traceback
from typing import Any

import pytest
from conftest import KEY
from pydantic import SecretStr

from pipes import InMemoryCache
from pipes_openai import (
    APIConnectionError,
    AuthenticationError,
    AzureChatOpenAI,
    ChatOpenAI,
    OpenAIConfigurationError,
)
from pipes_openai.emulator import Emulator

HEADER_SECRET = "hdr-SECRET-0123456789"
QUERY_SECRET = "qry-SECRET-9876543210"
TOKEN = "aad-SECRET-token-abcdef"


def with_credentials(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(
        api_key=KEY,
        base_url=emu.base_url,
        max_retries=0,
        default_headers={"x-api-key": HEADER_SECRET, "x-trace": "visible-header"},
        default_query={"sig": QUERY_SECRET, "tenant": "visible-query"},
        **kwargs,
    )


def shown(llm: ChatOpenAI) -> dict[str, str]:
    return {
        "repr": repr(llm),
        "str": str(llm),
        "model_dump": repr(llm.model_dump()),
        "model_dump_json": llm.model_dump_json(),
        "llm_string": llm._get_llm_string(["stop"], {"temperature": 0}),
    }


def test_header_and_query_credentials_are_hidden_everywhere(emu: Emulator) -> None:
    llm = with_credentials(emu)
    for where, text in shown(llm).items():
        for secret in (KEY, HEADER_SECRET, QUERY_SECRET):
            assert secret not in text, f"{where} shows a secret"
        # Only credentials are hidden: other headers still tell models apart.
        assert "visible-header" in text, where
        assert "visible-query" in text, where
    assert llm.invoke("hello").content == "hello"  # ... and they are still sent
    request = emu.requests[-1]
    assert request.headers["x-trace"] == "visible-header"
    assert request.query["tenant"] == "visible-query"


def test_dump_round_trips_like_api_key(emu: Emulator) -> None:
    llm = with_credentials(emu)
    dumped = llm.model_dump()
    assert dumped["default_headers"]["x-api-key"] == SecretStr(HEADER_SECRET)
    again = ChatOpenAI(**{k: v for k, v in dumped.items() if v is not None})
    assert again.default_headers == llm.default_headers
    assert again.default_query == llm.default_query
    assert json.loads(llm.model_dump_json())["default_headers"]["x-api-key"] == "**********"
    # SecretStr values are accepted directly, and a repeated query parameter item by item.
    direct = ChatOpenAI(
        api_key=KEY,
        base_url=emu.base_url,
        default_headers={"authorization": SecretStr(f"Bearer {HEADER_SECRET}")},  # type: ignore[dict-item]
        default_query={"key": [QUERY_SECRET, "second-key"]},
    )
    assert direct.default_headers == {"authorization": f"Bearer {HEADER_SECRET}"}
    assert QUERY_SECRET not in repr(direct)
    assert "second-key" not in repr(direct)


def test_cached_replies_are_keyed_without_credentials(emu: Emulator) -> None:
    cache = InMemoryCache()
    llm = with_credentials(emu, cache=cache)
    llm.invoke("cache me")
    keys = repr(vars(cache))
    assert "visible-header" in keys  # the key was really written there
    for secret in (KEY, HEADER_SECRET, QUERY_SECRET):
        assert secret not in keys
    # A rotated credential does not change what the reply is keyed by.
    rotated = with_credentials(emu, cache=cache)
    rotated.default_headers = {"x-api-key": "rotated", "x-trace": "visible-header"}
    assert rotated._get_llm_string(None, {}) == llm._get_llm_string(None, {})


def test_every_credential_is_registered_for_scrubbing(emu: Emulator) -> None:
    llm = ChatOpenAI(
        api_key=KEY,
        base_url=emu.base_url,
        default_headers={"Authorization": f"Bearer {HEADER_SECRET}", "user-agent": "me/1"},
        default_query={"code": QUERY_SECRET},
    )
    llm._get_connection()
    secrets = llm._known_secrets
    for value in (KEY, HEADER_SECRET, f"Bearer {HEADER_SECRET}", QUERY_SECRET):
        assert value in secrets
    assert "me/1" not in secrets
    # Reconnecting with another key keeps scrubbing the old one (an answer may be in flight).
    llm.api_key = SecretStr("sk-second")
    llm._get_connection()
    assert {KEY, "sk-second"} <= set(secrets.values)
    # A copy has its own: it never scrubs (or holds) what the original fetched later.
    copy = llm.model_copy(update={"api_key": "sk-copy"})
    copy._get_connection()
    assert "sk-copy" in copy._known_secrets
    assert "sk-copy" not in secrets


def test_credential_header_never_leaks_from_errors_or_logs(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    llm = with_credentials(emu)
    emu.fail(401, message=f"Bad x-api-key {HEADER_SECRET} and sig={QUERY_SECRET}")
    with pytest.raises(AuthenticationError) as info:
        llm.invoke("hi")
    rendered = "".join(traceback.format_exception(info.value)) + repr(vars(info.value))
    rendered += pickle.dumps(info.value).decode("latin-1")
    for secret in (HEADER_SECRET, QUERY_SECRET):
        assert secret not in rendered
        assert secret not in caplog.text
    assert "Bad x-api-key *** and sig=***" in str(info.value)


# -- Azure AD token providers -------------------------------------------------------------------


def azure(emu: Emulator, **kwargs: Any) -> AzureChatOpenAI:
    return AzureChatOpenAI(
        azure_endpoint=emu.url, azure_deployment="dep", api_version="2024-10-21", **kwargs
    )


def test_provider_tokens_are_registered_before_they_are_sent(emu: Emulator) -> None:
    seen: list[bool] = []
    llm: AzureChatOpenAI

    def provider() -> str:
        seen.append(TOKEN in llm._known_secrets)
        return TOKEN

    async def aprovider() -> str:
        return TOKEN + "-async"

    llm = azure(emu, azure_ad_token_provider=provider, azure_ad_async_token_provider=aprovider)
    assert llm.invoke("one").content == "one"
    assert seen == [False]
    assert TOKEN in llm._known_secrets
    assert asyncio.run(llm.ainvoke("two")).content == "two"
    assert TOKEN + "-async" in llm._known_secrets


@pytest.mark.parametrize("bad", [None, "", 42])
def test_a_provider_returning_no_token_is_a_configuration_error(emu: Emulator, bad: Any) -> None:
    llm = azure(emu, azure_ad_token_provider=lambda: bad)
    with pytest.raises(OpenAIConfigurationError, match="instead of a token string"):
        llm.invoke("x")

    async def abad() -> Any:
        return bad

    with pytest.raises(OpenAIConfigurationError, match="instead of a token string"):
        asyncio.run(azure(emu, azure_ad_async_token_provider=abad).ainvoke("x"))
    assert emu.requests == []  # nothing was sent with "Bearer None"


# -- pickling -----------------------------------------------------------------------------------


def test_pickled_model_carries_the_key_but_not_its_connection(emu: Emulator) -> None:
    llm = with_credentials(emu)
    assert llm.invoke("before").content == "before"
    data = pickle.dumps(llm)
    # By design (docs: "Pickling a model"): the copy must be able to call the API.
    assert KEY.encode() in data
    restored = pickle.loads(data)
    assert restored._connection is None
    assert len(restored._known_secrets) == 0  # rebuilt from its credentials on first use
    assert restored.invoke("after").content == "after"
    assert KEY in restored._known_secrets
    assert repr(restored) == repr(llm)


def test_pickled_azure_model_drops_fetched_tokens(emu: Emulator) -> None:
    llm = azure(emu, azure_ad_token=TOKEN)
    llm.invoke("x")
    llm._known_secrets.add("fetched-token-1", short_lived=True)
    assert b"fetched-token-1" not in pickle.dumps(llm)


# -- passwords in URLs --------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: connecting is refused at once
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_url_password_and_query_credentials_never_leak_from_connection_errors() -> None:
    password = "url-PASSWORD-314159"
    port = closed_port()
    llm = ChatOpenAI(
        api_key=KEY,
        base_url=f"http://me:{password}@127.0.0.1:{port}/v1",
        default_query={"sig": QUERY_SECRET},
        max_retries=0,
    )
    for text in shown(llm).values():
        assert password not in text
    assert f"http://me:***@127.0.0.1:{port}/v1" in repr(llm)
    with pytest.raises(APIConnectionError) as info:
        llm.invoke("x")
    rendered = "".join(traceback.format_exception(info.value)) + repr(vars(info.value))
    assert f"127.0.0.1:{port}" in rendered  # the URL is shown ...
    assert password not in rendered  # ... without its secrets
    assert QUERY_SECRET not in rendered
    azure_llm = AzureChatOpenAI(
        azure_endpoint=f"https://me:{password}@res.openai.azure.com",
        azure_deployment="dep",
        api_version="2024-10-21",
        api_key=KEY,
    )
    assert password not in repr(azure_llm) + azure_llm.model_dump_json()
    azure_llm._get_connection()
    assert password in azure_llm._known_secrets
