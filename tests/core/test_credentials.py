"""One rule says which setting names hold credentials (pipes._core._credentials)."""

from __future__ import annotations

import pytest

from pipes._core._credentials import is_credential_name


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "openai_api_key",
        "apikey",
        "AZURE_OPENAI_API_KEY",
        "azure_ad_token",
        "auth_token",
        "token",
        "access_key",
        "private_key",
        "client_secret",
        "password",
        "passphrase",
        "credentials",
    ],
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize(
    "name",
    ["max_tokens", "max_completion_tokens", "model", "temperature", "prompt_cache_key", "top_p"],
)
def test_other_names(name: str) -> None:
    assert not is_credential_name(name)
