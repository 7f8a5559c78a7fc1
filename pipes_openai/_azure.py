"""`AzureChatOpenAI`: Azure OpenAI deployments through Chat Completions.

Example:
    ```python
    from pipes_openai import AzureChatOpenAI

    llm = AzureChatOpenAI(
        azure_endpoint="https://my-resource.openai.azure.com",
        azure_deployment="gpt-4o",
        api_version="2024-10-21",
    )  # key from AZURE_OPENAI_API_KEY
    llm.invoke("Hello").content
    ```
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Unpack

from pydantic import AliasChoices, Field, SecretStr

from pipes_openai._base import BaseChatOpenAI
from pipes_openai._env import from_env, secret_from_env
from pipes_openai._errors import OpenAIConfigurationError
from pipes_openai._secrets import url_passwords

if TYPE_CHECKING:
    from pipes_openai._params import AzureChatOpenAIParams

__all__ = ["AzureChatOpenAI"]

TokenProvider = Callable[[], str | Awaitable[str]]


class AzureChatOpenAI(BaseChatOpenAI):
    """Azure OpenAI chat deployments; a drop-in for LangChain's `AzureChatOpenAI`.

    Requests go to `{azure_endpoint}/openai/deployments/{azure_deployment}/chat/completions
    ?api-version={api_version}` with the key in the `api-key` header, or an Entra ID (AAD)
    token as `Authorization: Bearer` (`azure_ad_token` or a token provider, called before
    every request so it can refresh). A reply stopped by the content filter raises
    [`ContentFilterError`][pipes_openai.ContentFilterError] (`raise_on_content_filter=True` by
    default).

    Environment: `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY` (then `OPENAI_API_KEY`),
    `OPENAI_API_VERSION`, `AZURE_OPENAI_AD_TOKEN`.

    Example:
        ```python
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider

        provider = get_bearer_token_provider(
            DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
        )
        llm = AzureChatOpenAI(azure_deployment="gpt-4o", api_version="2024-10-21",
                              azure_ad_token_provider=provider)
        ```
    """

    if TYPE_CHECKING:
        # The constructor as type checkers see it (see ChatOpenAI.__init__).
        def __init__(self, **params: Unpack[AzureChatOpenAIParams]) -> None: ...

    model: str = Field(default="", validation_alias=AliasChoices("model", "model_name"))
    """The model behind the deployment (for metadata; defaults to the deployment name)."""
    api_key: SecretStr | None = Field(
        default_factory=lambda: secret_from_env("AZURE_OPENAI_API_KEY", "OPENAI_API_KEY"),
        validation_alias=AliasChoices("api_key", "openai_api_key"),
    )
    """The resource key (default: `AZURE_OPENAI_API_KEY`, then `OPENAI_API_KEY`)."""
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "openai_api_base")
    )
    """A full deployment base URL instead of endpoint + deployment (rarely needed)."""
    azure_endpoint: str | None = Field(default_factory=lambda: from_env("AZURE_OPENAI_ENDPOINT"))
    """`https://<resource>.openai.azure.com` (default: `AZURE_OPENAI_ENDPOINT`)."""
    azure_deployment: str | None = Field(
        default=None, validation_alias=AliasChoices("azure_deployment", "deployment_name")
    )
    """The deployment name."""
    api_version: str | None = Field(
        default_factory=lambda: from_env("OPENAI_API_VERSION"),
        validation_alias=AliasChoices("api_version", "openai_api_version"),
    )
    """The API version, e.g. `"2024-10-21"` (default: `OPENAI_API_VERSION`)."""
    azure_ad_token: SecretStr | None = Field(
        default_factory=lambda: secret_from_env("AZURE_OPENAI_AD_TOKEN")
    )
    """A Microsoft Entra ID token (default: `AZURE_OPENAI_AD_TOKEN`)."""
    azure_ad_token_provider: TokenProvider | None = Field(default=None, exclude=True, repr=False)
    """A callable returning a token (sync, or async for async calls), called per request."""
    azure_ad_async_token_provider: Callable[[], Awaitable[str]] | None = Field(
        default=None, exclude=True, repr=False
    )
    """An async token provider used by async calls (LangChain's name)."""
    raise_on_content_filter: bool = True

    _provider_label: ClassVar[str] = "Azure OpenAI"

    @property
    def provider_name(self) -> str:
        return "azure_openai"

    def _validate_environment(self) -> None:
        problems = []
        if self.base_url is None:
            if not self.azure_endpoint:
                problems.append(
                    "no endpoint: set AZURE_OPENAI_ENDPOINT or pass "
                    "azure_endpoint='https://<resource>.openai.azure.com'"
                )
            if not self.azure_deployment:
                problems.append("no deployment: pass azure_deployment='<deployment name>'")
        if not self.api_version:
            problems.append(
                "no API version: set OPENAI_API_VERSION or pass api_version='2024-10-21'"
            )
        if (
            self.api_key is None
            and self.azure_ad_token is None
            and self.azure_ad_token_provider is None
            and self.azure_ad_async_token_provider is None
        ):
            problems.append(
                "no credentials: set AZURE_OPENAI_API_KEY (or OPENAI_API_KEY), or pass "
                "api_key=..., azure_ad_token=... or azure_ad_token_provider=..."
            )
        if problems:
            raise OpenAIConfigurationError(
                "AzureChatOpenAI is not configured: " + "; ".join(problems) + "."
            )
        if not self.model:
            self.model = self.azure_deployment or ""

    def _targets_openai(self) -> bool:
        return False

    def _credentials(self) -> Iterator[str]:
        yield from super()._credentials()
        yield from url_passwords(self.azure_endpoint)
        if self.azure_ad_token is not None:
            yield self.azure_ad_token.get_secret_value()

    def _endpoint(self) -> str:
        if self.base_url is not None:
            return self.base_url.rstrip("/") + self._path
        endpoint = (self.azure_endpoint or "").rstrip("/")
        return f"{endpoint}/openai/deployments/{self.azure_deployment}{self._path}"

    def _responses_endpoint(self) -> str:
        if self.base_url is not None:
            return self.base_url.rstrip("/") + "/responses"
        # Azure's v1 API: one route for every deployment (the model names it), no api-version.
        return f"{(self.azure_endpoint or '').rstrip('/')}/openai/v1/responses"

    def _responses_query(self) -> dict[str, Any]:
        if self.base_url is not None:
            return self._query()
        return dict(self.default_query or {})

    def _query(self) -> dict[str, Any]:
        return {"api-version": self.api_version, **(self.default_query or {})}

    def _auth_headers(self) -> dict[str, str]:
        if self.api_key is not None:
            return {"api-key": self.api_key.get_secret_value()}
        if self.azure_ad_token is not None:
            return {"authorization": f"Bearer {self.azure_ad_token.get_secret_value()}"}
        return {}  # a token provider adds the header per request

    def _request_headers(self, headers: dict[str, str]) -> dict[str, str]:
        provider = self.azure_ad_token_provider
        if provider is None or self.api_key is not None:
            return headers
        token = provider()
        if inspect.isawaitable(token):
            close = getattr(token, "close", None)
            if close is not None:
                close()  # never awaited: avoid the "coroutine was never awaited" warning
            raise OpenAIConfigurationError(
                "azure_ad_token_provider returned an awaitable in a sync call; pass a sync "
                "provider, or use ainvoke/astream (or azure_ad_async_token_provider)."
            )
        return self._with_token(headers, token)

    async def _arequest_headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self.api_key is not None:
            return headers
        if self.azure_ad_async_token_provider is not None:
            token = await self.azure_ad_async_token_provider()
        elif self.azure_ad_token_provider is not None:
            result = self.azure_ad_token_provider()
            token = await result if inspect.isawaitable(result) else result
        else:
            return headers
        return self._with_token(headers, token)

    def _with_token(self, headers: dict[str, str], token: object) -> dict[str, str]:
        """`headers` with a provider's fresh token, registered as a secret before it is sent."""
        if not isinstance(token, str) or not token:
            got = "an empty string" if token == "" else type(token).__name__
            raise OpenAIConfigurationError(
                f"The Azure AD token provider returned {got} instead of a token string; it "
                "must return the bearer token, e.g. get_bearer_token_provider(credential, "
                "'https://cognitiveservices.azure.com/.default')."
            )
        # Registered before the request goes out, so that a server echoing it in its answer
        # (an error body, a stream error event) is scrubbed; only the newest few are kept.
        self._known_secrets.add(token, short_lived=True)
        return {**headers, "authorization": f"Bearer {token}"}
