"""`OpenAIEmbeddings` and `AzureOpenAIEmbeddings`: `/v1/embeddings` over the chat models' HTTP.

The connection (URL, auth headers, Azure AD tokens, `HTTPEngine` with its retries, typed
errors, timeouts, size limits and secret scrubbing) is not written again here: each embeddings
model keeps a private transport, a [`ChatOpenAI`][pipes_openai.ChatOpenAI] (or
[`AzureChatOpenAI`][pipes_openai.AzureChatOpenAI]) aimed at `/embeddings`, built from the
same settings, whose fields are reused as they are (defaults, environment variables,
LangChain's aliases).

Example:
    ```python
    from pipes_openai import OpenAIEmbeddings

    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", dimensions=256)
    vectors = embeddings.embed_documents(["cats purr", "dogs bark"])
    query = embeddings.embed_query("what do cats do?")
    ```
"""

from __future__ import annotations

import base64
import copy
import sys
from array import array
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Self

import httpx
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
)
from pydantic.fields import FieldInfo

from pipes_openai._azure import AzureChatOpenAI
from pipes_openai._base import BaseChatOpenAI, TimeoutLike
from pipes_openai._chat import ChatOpenAI
from pipes_openai._errors import OpenAIConfigurationError, ResponseProtocolError
from pipes_openai._exchange import Reply
from pipes_openai._pipes import Embeddings
from pipes_openai._request import ENCODER
from pipes_openai._secrets import HiddenCredentials, hide_field

__all__ = ["AzureOpenAIEmbeddings", "OpenAIEmbeddings"]

# Settings that describe the connection: passed to the transport as they are.
_CONNECTION = (
    "api_key",
    "base_url",
    "organization",
    "project",
    "timeout",
    "max_retries",
    "max_response_bytes",
    "default_headers",
    "default_query",
    "http_client",
    "http_async_client",
)
_AZURE_CONNECTION = (
    "azure_endpoint",
    "azure_deployment",
    "api_version",
    "azure_ad_token",
    "azure_ad_token_provider",
    "azure_ad_async_token_provider",
)
# LangChain's switches for local work pipes does not do, and what to do instead.
_LANGCHAIN_SWITCHES = {
    "check_embedding_ctx_length": (
        "texts are sent as they are, without tiktoken; split texts longer than the model's "
        "limit (8191 tokens) before embedding them"
    ),
    "tiktoken_enabled": "pipes never tokenizes locally",
    "show_progress_bar": "there is no progress bar; embed in chunks and report progress yourself",
}


def _field(model: type[BaseModel], name: str) -> Any:
    """A copy of `model`'s field `name` (default, env factory, aliases, constraints)."""
    info: FieldInfo = copy.copy(model.model_fields[name])
    return info


class _EmbeddingsTransport(ChatOpenAI):
    """The connection of an `OpenAIEmbeddings`: a `ChatOpenAI` that posts to /embeddings."""

    _path: ClassVar[str] = "/embeddings"


class _AzureEmbeddingsTransport(AzureChatOpenAI):
    _path: ClassVar[str] = "/embeddings"


def _decode(reply: Reply, count: int, provider: str) -> list[list[float]]:
    """The vectors of an embeddings reply, in input order (the API may reorder `data`)."""
    data = reply.data.get("data") if isinstance(reply.data, dict) else None
    if not isinstance(data, list) or len(data) != count:
        got = len(data) if isinstance(data, list) else "no data list"
        raise ResponseProtocolError(
            f"{provider} answered an embeddings request for {count} inputs with {got} "
            "embeddings; expected one per input.",
            request_id=reply.request_id,
        )
    vectors: list[list[float] | None] = [None] * count
    for item in data:
        index = item.get("index") if isinstance(item, dict) else None
        raw = item.get("embedding") if isinstance(item, dict) else None
        if type(index) is not int or not 0 <= index < count or vectors[index] is not None:
            raise ResponseProtocolError(
                f"{provider} sent an embedding with a missing, repeated or out-of-range "
                f"index ({index!r}) for {count} inputs.",
                request_id=reply.request_id,
            )
        if isinstance(raw, str):  # base64: little-endian float32
            try:
                packed = array("f", base64.b64decode(raw, validate=True))
            except ValueError as exc:
                raise ResponseProtocolError(
                    f"{provider} sent embedding {index} as invalid base64 float32 data.",
                    request_id=reply.request_id,
                ) from exc
            if sys.byteorder == "big":
                packed.byteswap()
            vectors[index] = packed.tolist()
        elif isinstance(raw, list) and all(type(x) in (float, int) for x in raw):
            vectors[index] = [float(x) for x in raw]
        else:
            raise ResponseProtocolError(
                f"{provider} sent embedding {index} as {type(raw).__name__}; expected a list "
                "of floats or a base64 string.",
                request_id=reply.request_id,
            )
    return vectors  # type: ignore[return-value]  # every slot filled: count items, no repeats


class OpenAIEmbeddings(HiddenCredentials, BaseModel, Embeddings):
    """OpenAI embedding models (and OpenAI-compatible servers) through `/v1/embeddings`.

    A drop-in for LangChain's `OpenAIEmbeddings`: same parameters, environment variables and
    aliases (`openai_api_key`, `openai_api_base`, `request_timeout` ...). Texts are sent in
    batches of `chunk_size`; each batch goes through the same HTTP layer as `ChatOpenAI`
    (retries with backoff, typed errors such as
    [`RateLimitError`][pipes_openai.RateLimitError], finite timeouts, secrets scrubbed).
    Vectors travel as base64 float32 (what the official SDK asks for too).

    Example:
        ```python
        embeddings = OpenAIEmbeddings(model="text-embedding-3-large", dimensions=1024)
        store = InMemoryVectorStore.from_texts(["cats purr", "dogs bark"], embeddings)
        ```
    """

    model_config = ConfigDict(
        defer_build=True,
        populate_by_name=True,
        extra="forbid",
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )

    model: str = Field(
        default="text-embedding-ada-002", validation_alias=AliasChoices("model", "model_name")
    )
    """The model id (LangChain's default; `"text-embedding-3-small"` is OpenAI's current)."""
    dimensions: int | None = Field(default=None, gt=0)
    """Shorten vectors to this many dimensions (text-embedding-3 models)."""
    chunk_size: int = Field(default=1000, gt=0, le=2048)
    """Texts per request (the API takes at most 2048)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request parameters (e.g. `{"user": "..."}`), merged into every request body."""

    api_key: SecretStr | None = _field(ChatOpenAI, "api_key")
    """The API key (default: `OPENAI_API_KEY`); never shown in reprs, logs or errors."""
    base_url: str | None = _field(ChatOpenAI, "base_url")
    """API root (default: `OPENAI_BASE_URL` / `OPENAI_API_BASE`, else OpenAI)."""
    organization: str | None = _field(ChatOpenAI, "organization")
    """Sent as `OpenAI-Organization` (default: `OPENAI_ORG_ID`)."""
    project: str | None = _field(ChatOpenAI, "project")
    """Sent as `OpenAI-Project` (default: `OPENAI_PROJECT_ID`)."""
    timeout: TimeoutLike = _field(ChatOpenAI, "timeout")
    """Seconds per request (`None`: the finite default, 60 s), as for `ChatOpenAI`."""
    max_retries: int = _field(ChatOpenAI, "max_retries")
    """Retries for 408/409/429/5xx, connection errors and timeouts (exponential backoff)."""
    max_response_bytes: int = _field(ChatOpenAI, "max_response_bytes")
    """Bytes one reply may hold (64 MiB)."""
    default_headers: dict[str, str] | None = _field(ChatOpenAI, "default_headers")
    """Headers sent with every request (credentials among them are hidden like `api_key`)."""
    default_query: dict[str, Any] | None = _field(ChatOpenAI, "default_query")
    """Query parameters added to every request URL."""
    http_client: httpx.Client | None = _field(ChatOpenAI, "http_client")
    """Your own sync httpx client; you own its lifetime."""
    http_async_client: httpx.AsyncClient | None = _field(ChatOpenAI, "http_async_client")
    """Your own async httpx client; bound to one event loop."""

    _transport: BaseChatOpenAI | None = PrivateAttr(default=None)
    _transport_class: ClassVar[type[BaseChatOpenAI]] = _EmbeddingsTransport
    _connection_fields: ClassVar[tuple[str, ...]] = _CONNECTION

    def __init__(self, /, **data: Any) -> None:
        for name, why in _LANGCHAIN_SWITCHES.items():
            # LangChain's switches for what pipes never does: off is accepted (it is what
            # happens), on is refused rather than silently ignored.
            if name in data and data.pop(name):
                raise OpenAIConfigurationError(
                    f"{type(self).__name__}({name}=True) is not supported: {why}. Leave it out "
                    "(or pass False)."
                )
        super().__init__(**data)
        self._connect()  # settings that cannot work fail here, not on the first call

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        fields = type(self).model_fields
        for name, value in super().__repr_args__():
            info = fields.get(name or "")
            if info is not None and value == info.get_default(call_default_factory=True):
                continue  # only what differs from the defaults, as ChatOpenAI's repr
            yield name, hide_field(name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("api_key", "azure_ad_token") and isinstance(value, str):
            value = SecretStr(value)
        super().__setattr__(name, value)
        if name in self._connection_fields:
            self._transport = None  # rebuilt with the new settings on the next call

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (`update` may change connection settings: the copy reconnects)."""
        copied = super().model_copy(update=update, deep=deep)
        for key in ("api_key", "azure_ad_token"):
            if isinstance(copied.__dict__.get(key), str):  # model_copy does not validate
                copied.__dict__[key] = SecretStr(copied.__dict__[key])
        copied._transport = None
        return copied

    def _connect(self) -> BaseChatOpenAI:
        transport = self._transport
        if transport is None:
            settings = {name: getattr(self, name) for name in self._connection_fields}
            try:
                transport = self._transport_class(model=self.model or "embeddings", **settings)
            except OpenAIConfigurationError as exc:
                # The transport's message names ChatOpenAI; the user built an embeddings model.
                chat = self._transport_class.__mro__[1].__name__
                raise OpenAIConfigurationError(str(exc).replace(chat, type(self).__name__)) from exc
            self._transport = transport
        return transport

    def _body(self, texts: list[str]) -> bytes:
        body: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "base64"}
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        body.update(self.model_kwargs)
        return ENCODER.encode(body).encode()

    def _batches(self, texts: list[str]) -> Iterator[list[str]]:
        size = self.chunk_size
        for start in range(0, len(texts), size):
            yield texts[start : start + size]

    # -- the Embeddings contract --------------------------------------------------------------

    def _embed(self, texts: list[str]) -> list[list[float]]:
        transport = self._connect()
        url, headers, engine = transport._get_connection()
        vectors: list[list[float]] = []
        for batch in self._batches(texts):
            reply = engine.post(url, self._body(batch), transport._request_headers(headers))
            vectors += _decode(reply, len(batch), engine.provider)
        return vectors

    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        transport = self._connect()
        url, headers, engine = transport._get_connection()
        vectors: list[list[float]] = []
        for batch in self._batches(texts):
            request_headers = await transport._arequest_headers(headers)
            reply = await engine.apost(url, self._body(batch), request_headers)
            vectors += _decode(reply, len(batch), engine.provider)
        return vectors


class AzureOpenAIEmbeddings(OpenAIEmbeddings):
    """Azure OpenAI embedding deployments; a drop-in for LangChain's `AzureOpenAIEmbeddings`.

    Requests go to `{azure_endpoint}/openai/deployments/{azure_deployment}/embeddings
    ?api-version={api_version}` with the key in `api-key`, or an Entra ID token (a fixed
    `azure_ad_token` or a provider called before each request), exactly as for
    [`AzureChatOpenAI`][pipes_openai.AzureChatOpenAI], whose settings and environment
    variables these are.

    Example:
        ```python
        embeddings = AzureOpenAIEmbeddings(
            azure_endpoint="https://my-resource.openai.azure.com",
            azure_deployment="text-embedding-3-small",
            api_version="2024-10-21",
        )  # key from AZURE_OPENAI_API_KEY
        ```
    """

    api_key: SecretStr | None = _field(AzureChatOpenAI, "api_key")
    """The resource key (default: `AZURE_OPENAI_API_KEY`, then `OPENAI_API_KEY`)."""
    base_url: str | None = _field(AzureChatOpenAI, "base_url")
    """A full deployment base URL instead of endpoint + deployment (rarely needed)."""
    azure_endpoint: str | None = _field(AzureChatOpenAI, "azure_endpoint")
    """`https://<resource>.openai.azure.com` (default: `AZURE_OPENAI_ENDPOINT`)."""
    azure_deployment: str | None = _field(AzureChatOpenAI, "azure_deployment")
    """The deployment name."""
    api_version: str | None = _field(AzureChatOpenAI, "api_version")
    """The API version, e.g. `"2024-10-21"` (default: `OPENAI_API_VERSION`)."""
    azure_ad_token: SecretStr | None = _field(AzureChatOpenAI, "azure_ad_token")
    """A Microsoft Entra ID token (default: `AZURE_OPENAI_AD_TOKEN`)."""
    azure_ad_token_provider: Any = _field(AzureChatOpenAI, "azure_ad_token_provider")
    """A callable returning a token (sync, or async for async calls), called per request."""
    azure_ad_async_token_provider: Any = _field(AzureChatOpenAI, "azure_ad_async_token_provider")
    """An async token provider used by async calls."""

    _transport_class: ClassVar[type[BaseChatOpenAI]] = _AzureEmbeddingsTransport

    def __init__(self, /, **data: Any) -> None:
        # Spelled out so type checkers take keywords (a str api_key ...) as for the base.
        super().__init__(**data)

    _connection_fields: ClassVar[tuple[str, ...]] = _CONNECTION + _AZURE_CONNECTION
