"""`BaseChatOpenAI`: what [`ChatOpenAI`][pipes_openai.ChatOpenAI] and
[`AzureChatOpenAI`][pipes_openai.AzureChatOpenAI] share.

Its parameters (fields, LangChain's names, early validation), the connection (URL, headers
and `HTTPEngine`, cached until a connection setting changes), `bind_tools` and
`with_structured_output`. One call end to end is in `pipes_openai._calls`, the request
body in `pipes_openai._request`.

Example:
    ```python
    class MyServerChat(BaseChatOpenAI):  # an OpenAI-compatible server with its own auth
        def _auth_headers(self) -> dict[str, str]:
            return {"x-api-key": self.api_key.get_secret_value() if self.api_key else ""}
    ```
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeAlias, TypeVar, cast, overload
from urllib.parse import urlencode

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
)

from pipes_openai._calls import agenerate, astream, generate, stream
from pipes_openai._env import from_env, secret_from_env
from pipes_openai._errors import OpenAIConfigurationError
from pipes_openai._httpx_types import HttpxAsyncClient, HttpxClient, TimeoutLike
from pipes_openai._limits import DEFAULT_EVENT_LIMIT, DEFAULT_RESPONSE_LIMIT
from pipes_openai._pipes import (
    AIMessage,
    BaseChatModel,
    LanguageModelInput,
    Runnable,
    StructuredOutputWithRaw,
)
from pipes_openai._secrets import (
    PARAM_FIELDS,
    HiddenCredentials,
    Secrets,
    credential_values,
    hide_field,
    reveal_credentials,
    url_passwords,
)

if TYPE_CHECKING:
    from pipes import ToolLike
    from pipes_openai._http import HTTPEngine

__all__ = ["BaseChatOpenAI", "StructuredMethod", "TimeoutLike"]

M = TypeVar("M", bound=BaseModel)
StructuredMethod: TypeAlias = Literal["function_calling", "json_mode", "json_schema"]

_OPENAI_BASE_URL = "https://api.openai.com/v1"
_USER_AGENT = "pipes-openai/0.1"
# Fields whose change invalidates the cached URL/headers/HTTP engine.
_CONNECTION_FIELDS = frozenset(
    {
        "api_key",
        "base_url",
        "organization",
        "project",
        "timeout",
        "stream_chunk_timeout",
        "max_response_bytes",
        "max_stream_event_bytes",
        "max_retries",
        "default_headers",
        "default_query",
        "http_client",
        "http_async_client",
        "azure_endpoint",
        "azure_deployment",
        "api_version",
        "azure_ad_token",
    }
)
_SECRET_FIELDS = frozenset({"api_key", "azure_ad_token"})


class BaseChatOpenAI(HiddenCredentials, BaseChatModel):
    """What [`ChatOpenAI`][pipes_openai.ChatOpenAI] and
    [`AzureChatOpenAI`][pipes_openai.AzureChatOpenAI] share: parameters, wire, HTTP."""

    # Build the validator on first instantiation, not at import (keeps `import pipes_openai`
    # cheap for code that only needs the names, e.g. type hints or CLI start-up).
    model_config = ConfigDict(defer_build=True)

    model: str = Field(default="gpt-4o-mini", validation_alias=AliasChoices("model", "model_name"))
    """Model id, e.g. `"gpt-4o"`, `"o3-mini"` or a fine-tuned `"ft:gpt-4o-mini:org::id"`."""
    temperature: float | None = None
    """Sampling temperature (0-2); `None` leaves the server default."""
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens")
    )
    """Upper bound on generated tokens; sent as `max_tokens_param`."""
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None = None
    """The body key for `max_tokens`. `None`: `max_completion_tokens` for reasoning
    models (o-series, gpt-5) and OpenAI's own API, `max_tokens` for other servers."""
    timeout: TimeoutLike = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds: a number (connect is at most 10 s of it), `(connect, read)` or an
    `httpx.Timeout`. `None` (LangChain's "no timeout") means the finite default, 60 s
    (10 s to connect): a call can never hang forever by accident. To really wait without
    limit, pass `httpx.Timeout(None)`."""
    stream_chunk_timeout: float | None = None
    """Seconds a stream may go without completing an event (default: the `timeout`); bytes
    that trickle in without completing one do not reset it."""
    max_response_bytes: int = Field(default=DEFAULT_RESPONSE_LIMIT, gt=0)
    """Bytes a non-streamed reply may hold (64 MiB); past it a call raises
    `ResponseTooLargeError`."""
    max_stream_event_bytes: int = Field(default=DEFAULT_EVENT_LIMIT, gt=0)
    """Bytes one streamed event (or SSE line) may hold (16 MiB); past it a stream raises
    `ResponseTooLargeError`."""
    max_retries: int = 2
    """Retries for 408/409/429/5xx, connection errors and timeouts (exponential backoff)."""
    api_key: SecretStr | None = Field(
        default_factory=lambda: secret_from_env("OPENAI_API_KEY"),
        validation_alias=AliasChoices("api_key", "openai_api_key"),
    )
    """The API key (default: `OPENAI_API_KEY`); never shown in reprs, logs or errors."""
    base_url: str | None = Field(
        default_factory=lambda: from_env("OPENAI_BASE_URL", "OPENAI_API_BASE"),
        validation_alias=AliasChoices("base_url", "openai_api_base"),
    )
    """API root, e.g. `http://localhost:8000/v1` (default: `OPENAI_BASE_URL` /
    `OPENAI_API_BASE`, else OpenAI)."""
    organization: str | None = Field(
        default_factory=lambda: from_env("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
        validation_alias=AliasChoices("organization", "openai_organization"),
    )
    """Sent as `OpenAI-Organization` (default: `OPENAI_ORG_ID`)."""
    project: str | None = Field(default_factory=lambda: from_env("OPENAI_PROJECT_ID"))
    """Sent as `OpenAI-Project` (default: `OPENAI_PROJECT_ID`)."""
    streaming: bool = False
    """Make `invoke` stream under the hood (listeners then see every token)."""
    stream_usage: bool = True
    """Ask for token usage while streaming (`stream_options.include_usage`); a server that
    rejects `stream_options` is retried without it once and remembered."""
    n: int | None = None
    """Number of choices to generate (the runnable returns the first)."""
    logprobs: bool | None = None
    """Return token log-probabilities in `response_metadata["logprobs"]`."""
    top_logprobs: int | None = None
    """Alternatives per token (0-20) with `logprobs=True`."""
    seed: int | None = None
    """Best-effort determinism."""
    stop: list[str] | str | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    """Default stop sequences (a call's `stop=` overrides them)."""
    top_p: float | None = None
    """Nucleus sampling."""
    presence_penalty: float | None = None
    """-2..2: penalise tokens already present."""
    frequency_penalty: float | None = None
    """-2..2: penalise frequent tokens."""
    logit_bias: dict[int | str, int] | None = None
    """Token id -> bias (-100..100)."""
    reasoning_effort: str | None = None
    """Reasoning models: `"minimal"`, `"low"`, `"medium"`, `"high"` ..."""
    service_tier: str | None = None
    """`"auto"`, `"default"`, `"flex"`, `"priority"`."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request parameters, merged into every request body."""
    extra_body: dict[str, Any] | None = None
    """Extra JSON merged last into the body (server-specific options, e.g. vLLM's
    `{"top_k": 20}`)."""
    default_headers: dict[str, str] | None = None
    """Headers sent with every request. Credentials among them (`authorization`,
    `x-api-key`, any name containing key, token, secret, auth, pass, signature, cookie or
    credential) are hidden in reprs, dumps and cache keys and scrubbed from errors, like
    `api_key`; values may be given as `SecretStr`."""
    default_query: dict[str, Any] | None = None
    """Query parameters added to every request URL; credentials (the same names, plus `sig`
    and `code`) are treated as for `default_headers`."""
    http_client: HttpxClient | None = Field(default=None, exclude=True, repr=False)
    """Your own sync httpx client (proxies, mTLS ...); you own its lifetime."""
    http_async_client: HttpxAsyncClient | None = Field(default=None, exclude=True, repr=False)
    """Your own async httpx client; bound to one event loop, so you manage it."""
    null_tool_call_content: bool = True
    """Send `content: null` beside tool calls (the API's form); `False` sends `""` for
    servers that reject `null` (llama.cpp's server and others)."""
    raise_on_content_filter: bool = False
    """Raise [`ContentFilterError`][pipes_openai.ContentFilterError] when a reply ends with
    `finish_reason "content_filter"` (Azure's default) instead of returning the partial reply."""
    use_responses_api: bool | None = None
    """Call OpenAI's Responses API (`/responses`) instead of Chat Completions. `None`
    decides per call, as langchain-openai does: the Responses API when the call needs it
    (`reasoning`, `include`, `truncation`, `context_management`, `use_previous_response_id`,
    `previous_response_id=`, `output_version="responses/v1"`, a model served only there such
    as `gpt-5-pro`, or a built-in tool such as `{"type": "web_search"}` in `bind_tools`)."""
    output_version: Literal["v0", "responses/v1", "v1"] | None = None
    """The shape of Responses API replies (langchain-openai's meaning). `None` or
    `"responses/v1"`: `content` holds one block per output item part (text with
    annotations, reasoning and built-in tool items as they come); `"v0"`: text blocks, with
    reasoning and built-in tool items in `additional_kwargs`; `"v1"`: LangChain's standard
    blocks (`reasoning`, `server_tool_call` ...). Setting `"responses/v1"` selects the
    Responses API."""
    reasoning: dict[str, Any] | None = None
    """Responses API reasoning options, e.g. `{"effort": "medium", "summary": "auto"}`."""
    verbosity: str | None = None
    """`"low"`, `"medium"` or `"high"`: how much the model writes (gpt-5; `text.verbosity` on
    the Responses API)."""
    include: list[str] | None = None
    """Extra output to include, e.g. `["reasoning.encrypted_content"]` (Responses API)."""
    store: bool | None = None
    """Whether OpenAI stores the response (Responses API; with `False`, send reasoning back
    with `include=["reasoning.encrypted_content"]`)."""
    truncation: str | None = None
    """`"auto"` or `"disabled"`: what the Responses API does with a context that is too long."""
    use_previous_response_id: bool = False
    """Send only the messages after the last `AIMessage` that came from the Responses API,
    with its id as `previous_response_id` (the server keeps the conversation)."""
    prompt_cache_key: str | None = None
    """A key grouping requests that share a prompt prefix, to improve cache hits."""
    prompt_cache_retention: str | None = None
    """How long a cached prompt prefix is kept, e.g. `"24h"`."""
    context_management: list[dict[str, Any]] | None = None
    """Responses API context management (compaction), e.g.
    `[{"type": "compaction", "compact_threshold": 100000}]`."""
    reasoning_in_history: bool = False
    """Chat Completions: send the reasoning text of earlier assistant messages back as
    `reasoning_content` (DeepSeek requires it on tool-call turns). Off by default: most
    servers reject or ignore the field."""

    _connection: tuple[str, dict[str, str], HTTPEngine] | None = PrivateAttr(default=None)
    # Every credential this model has sent (the key, credential headers, each AD token
    # fetched), shared with its HTTPEngine, which scrubs them from every error.
    _known_secrets: Secrets = PrivateAttr(default_factory=Secrets)
    _stream_options_ok: bool = PrivateAttr(default=True)
    _responses_url: tuple[object, str] | None = PrivateAttr(default=None)

    _provider_label: ClassVar[str] = "OpenAI"
    # The API path under the base URL (OpenAIEmbeddings' transport sends to "/embeddings").
    _path: ClassVar[str] = "/chat/completions"

    def __init__(self, /, **data: Any) -> None:
        super().__init__(**data)
        self._validate_environment()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, hide_field(name, value)

    def __getstate__(self) -> dict[Any, Any]:
        # Pickles carry the credentials by design (the copy must work), but not the cached
        # connection (rebuilt on first use) nor the tokens fetched so far.
        state: dict[Any, Any] = super().__getstate__()
        private = state.get("__pydantic_private__")
        if private:
            state["__pydantic_private__"] = {
                **private,
                "_connection": None,
                "_responses_url": None,
                "_known_secrets": Secrets(),
            }
        return state

    def _validate_environment(self) -> None:
        """Fail early on settings that cannot work (overridden by Azure)."""
        if self.api_key is None and self._targets_openai():
            raise OpenAIConfigurationError(
                "No OpenAI API key: set the OPENAI_API_KEY environment variable or pass "
                "api_key='sk-...' to ChatOpenAI. For an OpenAI-compatible server that needs no "
                "key, pass base_url='http://host:port/v1' (and any api_key)."
            )

    def _targets_openai(self) -> bool:
        return self.base_url is None or "api.openai.com" in self.base_url

    @classmethod
    def _known_parameters(cls) -> list[str]:
        # Field names plus LangChain's names (validation aliases: model_name, openai_api_key ...)
        names = super()._known_parameters()
        for info in cls.model_fields.values():
            if isinstance(info.validation_alias, AliasChoices):
                names.extend(a for a in info.validation_alias.choices if isinstance(a, str))
        return list(dict.fromkeys(names))

    @classmethod
    def _is_known_parameter(cls, key: str) -> bool:
        return key in cls._known_parameter_set()

    @classmethod
    def _known_parameter_set(cls) -> frozenset[str]:
        cached = cls.__dict__.get("_known_cache")
        if cached is None:
            cached = frozenset(cls._known_parameters())
            type.__setattr__(cls, "_known_cache", cached)
        return cast("frozenset[str]", cached)

    @classmethod
    def _unknown_parameters(cls, data: dict[str, Any], unknown: list[str]) -> dict[str, Any]:
        # LangChain moves unknown keywords into model_kwargs with a warning; a near-miss of a
        # real parameter (``temprature``) is a typo and stays an error.
        import difflib  # only for unknown keywords: kept off `import pipes_openai`

        known = cls._known_parameters()
        typos = [key for key in unknown if difflib.get_close_matches(key, known, n=1, cutoff=0.8)]
        if typos:
            return super()._unknown_parameters(data, typos)
        extra = {key: data.pop(key) for key in unknown}
        warnings.warn(
            f"{cls.__name__}: {', '.join(sorted(extra))} is not a known parameter; it is sent "
            "in the request body via model_kwargs. Pass model_kwargs={...} explicitly to "
            "silence this warning.",
            UserWarning,
            stacklevel=4,
        )
        data["model_kwargs"] = {**data.get("model_kwargs", {}), **extra}
        return data

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SECRET_FIELDS and isinstance(value, str):
            value = SecretStr(value)  # `llm.api_key = "sk-..."` stays a secret
        elif name in PARAM_FIELDS:
            value = reveal_credentials(value)  # SecretStr header values are sent as their value
        super().__setattr__(name, value)
        if name in _CONNECTION_FIELDS:
            self._connection = None  # rebuilt with the new settings on the next call

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (`update` may change connection settings: the copy reconnects)."""
        copied = super().model_copy(update=update, deep=deep)
        for key in _SECRET_FIELDS & (update or {}).keys():
            if isinstance(copied.__dict__[key], str):  # model_copy does not validate
                copied.__dict__[key] = SecretStr(copied.__dict__[key])
        for key in PARAM_FIELDS:
            copied.__dict__[key] = reveal_credentials(copied.__dict__[key])
        copied._connection = None
        copied._responses_url = None
        copied._known_secrets = Secrets()  # its own credentials, added when it connects
        return copied

    @property
    def provider_name(self) -> str:
        return "openai"

    @property
    def model_name(self) -> str:
        """LangChain's name for `model` (readable and assignable)."""
        return self.model

    @model_name.setter
    def model_name(self, value: str) -> None:
        self.model = value

    @property
    def openai_api_key(self) -> SecretStr | None:
        """LangChain's name for `api_key` (read-only; LangChain's serialization guide reads it)."""
        return self.api_key

    # -- connection -----------------------------------------------------------------------

    def _credentials(self) -> Iterator[str]:
        """Every static secret this model sends (key, credential headers/query, URL password)."""
        if self.api_key is not None:
            yield self.api_key.get_secret_value()
        yield from credential_values(self.default_headers)
        yield from credential_values(self.default_query)
        yield from url_passwords(self.base_url)

    def _endpoint(self) -> str:
        return (self.base_url or _OPENAI_BASE_URL).rstrip("/") + self._path

    def _query(self) -> dict[str, Any]:
        return dict(self.default_query or {})

    def _auth_headers(self) -> dict[str, str]:
        if self.api_key is None:
            return {}
        return {"authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _get_connection(self) -> tuple[str, dict[str, str], HTTPEngine]:
        connection = self._connection
        if connection is None:
            # The HTTP stack loads with a model's first request, not its import (and httpx
            # not at all unless a user's client or a proxy needs it).
            from pipes_openai._http import HTTPEngine, Timeouts, server_label

            url = self._endpoint()
            query = self._query()
            if query:
                url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
            headers = {
                "content-type": "application/json",
                "accept": "application/json",
                "user-agent": _USER_AGENT,
                **self._auth_headers(),
            }
            if self.organization:
                headers["openai-organization"] = self.organization
            if self.project:
                headers["openai-project"] = self.project
            headers.update(self.default_headers or {})
            secrets = self._known_secrets
            for value in self._credentials():
                secrets.add(value)
            engine = HTTPEngine(
                Timeouts.coerce(self.timeout, self.stream_chunk_timeout),
                max_retries=self.max_retries,
                secrets=secrets,
                provider=server_label(self._provider_label, self.base_url),
                max_response_bytes=self.max_response_bytes,
                max_stream_event_bytes=self.max_stream_event_bytes,
                http_client=self.http_client,
                http_async_client=self.http_async_client,
                on_headers=self._rate_limit_headers(),
            )
            connection = self._connection = (url, headers, engine)
        return connection

    def _rate_limit_headers(self) -> Callable[[Mapping[str, str]], None] | None:
        # A token-counting limiter follows the server's x-ratelimit-*/retry-after headers.
        limiter = self.rate_limiter
        return limiter.observe_headers if limiter is not None and limiter.counts_tokens else None

    def _responses_endpoint(self) -> str:
        return (self.base_url or _OPENAI_BASE_URL).rstrip("/") + "/responses"

    def _responses_query(self) -> dict[str, Any]:
        return self._query()

    def _get_responses_url(self) -> str:
        """The Responses API URL, built once per connection (with the same query)."""
        connection = self._get_connection()
        cached = self._responses_url
        if cached is None or cached[0] is not connection:
            url = self._responses_endpoint()
            query = self._responses_query()
            if query:
                url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
            cached = self._responses_url = (connection, url)
        return cached[1]

    def _request_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Per-request headers (Azure adds a fresh AD token here)."""
        return headers

    async def _arequest_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return headers

    # -- the provider contract ---------------------------------------------------------------

    # One call end to end lives in pipes_openai._calls; its functions take the model first,
    # so they serve as the methods here as they are (no wrapper call per request).
    _generate = generate
    _agenerate = agenerate
    _stream = stream
    _astream = astream

    # -- tools and structured output -----------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer `tools` (pydantic models, dicts, functions, `@tool`s) on every call.

        `tool_choice`: `"auto"`, `"none"`, `"required"` (or `"any"`), a tool name,
        an OpenAI dict, or `True` (force the single tool). `strict=True` turns on
        OpenAI strict schemas; `parallel_tool_calls=False` asks for one call at a time.

        Example:
            ```python
            class GetWeather(BaseModel):
                '''Get the current weather in a given location'''
                location: str = Field(..., description="The city and state, e.g. San Francisco, CA")

            llm.bind_tools([GetWeather]).invoke("what is the weather like in San Francisco")
            ```
        """
        # Tools and structured output load on first use: `import pipes_openai` stays lean.
        from pipes_openai._tools import tool_bind_kwargs

        bind_kwargs = tool_bind_kwargs(tools, tool_choice, strict, parallel_tool_calls, kwargs)
        return self.bind(**bind_kwargs)

    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, M]: ...
    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[True],
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, StructuredOutputWithRaw[M]]: ...
    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | Any,
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any]]: ...
    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | Any,
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[True],
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, StructuredOutputWithRaw[dict[str, Any]]]: ...
    def with_structured_output(
        self,
        schema: Any,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable returning `schema`-shaped output: a pydantic instance or a dict.

        `method="json_schema"` (default; OpenAI Structured Outputs, strict unless the schema
        cannot be), `"function_calling"` (a forced tool call) or `"json_mode"` (JSON
        object mode; describe the format in the prompt). A refusal raises
        [`RefusalError`][pipes_openai.RefusalError] (on invoke and stream). `include_raw=True`
        returns `{"raw", "parsed", "parsing_error"}` instead of raising parse errors.

        Example:
            ```python
            class Joke(BaseModel):
                setup: str
                punchline: str

            joke = llm.with_structured_output(Joke).invoke("Tell me a joke about cats")
            ```
        """
        from pipes_openai._structured import build_structured_output

        return build_structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict, kwargs=kwargs
        )
