"""Secrets are written as references, never values, and read back from `secrets_map` or the
declared environment variable (ChatOpenAI, AzureChatOpenAI)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from pipes import LoadError, dumpd, dumps, load, loads
from pipes_openai import AzureChatOpenAI, ChatOpenAI

KEY = "sk-SECRET-key-0123456789"
TOKEN = "aad-SECRET-token-abcdef"
HEADER = "Bearer hdr-SECRET-9876"
SIG = "sig-SECRET-5555"
PASSWORD = "pw-SECRET-4444"
ALL = (KEY, TOKEN, HEADER, "hdr-SECRET-9876", SIG, PASSWORD)


def _openai() -> ChatOpenAI:
    return ChatOpenAI(
        model="gpt-4o",
        api_key=KEY,
        base_url=f"https://user:{PASSWORD}@proxy.example/v1",
        default_headers={"Authorization": HEADER, "X-Trace": "visible"},
        default_query={"sig": SIG, "mode": "visible"},
    )


def _azure() -> AzureChatOpenAI:
    return AzureChatOpenAI(
        azure_deployment="gpt-4o",
        api_version="2024-10-21",
        azure_endpoint="https://res.openai.azure.com",
        azure_ad_token=TOKEN,
    )


def _secret_free(text: str) -> None:
    for value in ALL:
        assert value not in text


@pytest.mark.parametrize("model", [_openai(), _azure()], ids=["openai", "azure"])
def test_no_secret_value_is_written(model: Any) -> None:
    text = dumps(model)
    _secret_free(text)
    _secret_free(dumps(model.bind(stop=["x"]) | model.with_retry(), pretty=True))
    assert '"type": "secret"' in text


def test_references_name_what_to_supply() -> None:
    kwargs = dumpd(_openai())["kwargs"]
    assert kwargs["openai_api_key"] == {"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]}
    assert kwargs["default_headers"] == {
        "Authorization": {"lc": 1, "type": "secret", "id": ["default_headers.Authorization"]},
        "X-Trace": "visible",
    }
    assert kwargs["default_query"]["sig"]["id"] == ["default_query.sig"]
    assert kwargs["default_query"]["mode"] == "visible"
    assert kwargs["openai_api_base"] == {"lc": 1, "type": "secret", "id": ["openai_api_base"]}
    azure = dumpd(_azure())["kwargs"]
    assert azure["azure_ad_token"] == {"lc": 1, "type": "secret", "id": ["AZURE_OPENAI_AD_TOKEN"]}


def test_secrets_come_back_from_secrets_map() -> None:
    secrets = {
        "OPENAI_API_KEY": KEY,
        "default_headers.Authorization": HEADER,
        "default_query.sig": SIG,
        "openai_api_base": f"https://user:{PASSWORD}@proxy.example/v1",
    }
    model = loads(dumps(_openai()), secrets_map=secrets)
    original = _openai()
    assert model.api_key.get_secret_value() == KEY
    assert model.base_url == original.base_url
    assert model.default_headers == original.default_headers
    assert model.default_query == original.default_query
    assert model._auth_headers() == original._auth_headers()


def test_a_missing_secret_says_which_and_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = ChatOpenAI(api_key=KEY, default_headers={"Authorization": HEADER})
    with pytest.raises(
        LoadError,
        match=r"'default_headers\.Authorization'.* is not in secrets_map; pass secrets_map=",
    ) as info:
        load(dumpd(model))
    assert info.value.path == "$.kwargs.default_headers.Authorization"
    _secret_free(str(info.value))


def test_azure_reads_its_declared_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
    model = load(dumpd(_azure()))
    assert model.azure_ad_token.get_secret_value() == TOKEN


def test_errors_never_show_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = dumpd(_openai())
    doc["kwargs"]["temperature"] = "hot"
    secrets = {
        "OPENAI_API_KEY": KEY,
        "default_headers.Authorization": HEADER,
        "default_query.sig": SIG,
        "openai_api_base": "https://proxy.example/v1",
    }
    with pytest.raises(LoadError) as info:
        load(doc, secrets_map=secrets)
    _secret_free(str(info.value))


def test_objects_that_cannot_be_written_are_marked_not_dropped() -> None:
    client = httpx.Client()
    try:
        model = ChatOpenAI(api_key=KEY, http_client=client)
        doc = dumpd(model)
        assert doc["kwargs"]["http_client"]["type"] == "not_implemented"
        with pytest.raises(LoadError, match=r"httpx.*not_implemented"):
            load(doc, secrets_map={"OPENAI_API_KEY": KEY})
        loaded = load(doc, secrets_map={"OPENAI_API_KEY": KEY}, ignore_unserializable_fields=True)
        assert loaded.http_client is None
    finally:
        client.close()
    azure = AzureChatOpenAI(
        azure_deployment="d",
        api_version="2024-10-21",
        azure_endpoint="https://res.openai.azure.com",
        azure_ad_token_provider=lambda: TOKEN,
    )
    assert dumpd(azure)["kwargs"]["azure_ad_token_provider"]["type"] == "not_implemented"


def test_a_secret_anywhere_else_is_never_written() -> None:
    doc = dumps(
        {
            "nested": [SecretStr(KEY)],
            "model": ChatOpenAI(api_key=KEY, model_kwargs={"k": SecretStr(KEY)}),
        }
    )
    _secret_free(doc)
    assert json.loads(doc)["nested"][0]["type"] == "not_implemented"


def test_a_plain_string_key_written_by_hand_is_accepted() -> None:
    doc = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "chat_models", "openai", "ChatOpenAI"],
        "kwargs": {"openai_api_key": KEY},
    }
    assert load(doc).api_key.get_secret_value() == KEY
