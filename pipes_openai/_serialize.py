"""`ChatOpenAI` and `AzureChatOpenAI` in pipes' serialization (`pipes.dumpd` / `pipes.load`).

Written under LangChain's ids and field names, so that LangChain's `loads` reads what pipes
writes and the other way round. The API key and the Azure AD token are written as
references to `OPENAI_API_KEY` / `AZURE_OPENAI_API_KEY` / `AZURE_OPENAI_AD_TOKEN`,
credential-named headers and query parameters as references named
`default_headers.<name>` / `default_query.<name>`, and a URL with a password as a reference
named after its field (`openai_api_base`, `azure_endpoint`): never their values.
"""

from __future__ import annotations

from pipes_openai._pipes import register_serializable
from pipes_openai._secrets import is_credential_name, url_passwords

__all__ = ["register"]

# pipes field -> the name LangChain's ChatOpenAI gives it (and writes).
_NAMES = {
    "model": "model_name",
    "api_key": "openai_api_key",
    "base_url": "openai_api_base",
    "organization": "openai_organization",
    "timeout": "request_timeout",
}
_CREDENTIALS = {"default_headers": is_credential_name, "default_query": is_credential_name}


def _has_password(url: object) -> bool:
    return isinstance(url, str) and any(url_passwords(url))


def _langchain_ids(module: str, lc_module: str, name: str) -> tuple[list[str], list[list[str]]]:
    # The id LangChain's `dumpd` writes for a chat model, and the other paths its `loads`
    # accepts for it (langchain_openai's modules and re-exports).
    also = [
        ["langchain_openai", "chat_models", lc_module, name],
        ["langchain_openai", "chat_models", name],
        ["langchain_openai", name],
    ]
    return ["langchain", "chat_models", module, name], also


def register() -> None:
    """Register both classes (Azure lazily: its module is imported only when needed)."""
    lc_id, also = _langchain_ids("openai", "base", "ChatOpenAI")
    register_serializable(
        "pipes_openai._chat:ChatOpenAI",
        lc_id,
        also=also,
        names=_NAMES,
        secrets={"api_key": "OPENAI_API_KEY"},
        secret_entries=_CREDENTIALS,
        secret_if={"base_url": _has_password},
    )
    lc_id, also = _langchain_ids("azure_openai", "azure", "AzureChatOpenAI")
    register_serializable(
        "pipes_openai._azure:AzureChatOpenAI",
        lc_id,
        also=also,
        names={
            **_NAMES,
            "azure_deployment": "deployment_name",
            "api_version": "openai_api_version",
        },
        secrets={"api_key": "AZURE_OPENAI_API_KEY", "azure_ad_token": "AZURE_OPENAI_AD_TOKEN"},
        secret_entries=_CREDENTIALS,
        secret_if={"base_url": _has_password, "azure_endpoint": _has_password},
        # LangChain's Azure-only switches; pipes always talks to Azure this way.
        ignore=["openai_api_type", "validate_base_url", "disabled_params"],
    )
