"""``ChatOpenAI``: OpenAI's Chat Completions API (and compatible servers) over httpx.

Example::

    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", temperature=0, max_tokens=None, timeout=None, max_retries=2)
    messages = [("system", "Translate English to French."), ("human", "I love programming.")]
    ai_msg = llm.invoke(messages)
    ai_msg.content, ai_msg.usage_metadata, ai_msg.response_metadata["finish_reason"]
"""

from __future__ import annotations

import difflib
import json
import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeAlias, TypeVar, cast, overload
from urllib.parse import urlencode

import httpx
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)

from pipes_openai._errors import (
    BadRequestError,
    ContentFilterError,
    InternalServerError,
    OpenAIConfigurationError,
    OpenAIError,
)
from pipes_openai._http import HTTPEngine, Timeouts
from pipes_openai._pipes import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    BaseMessage,
    LanguageModelInput,
    OutputParserException,
    Runnable,
    StructuredOutputWithRaw,
)
from pipes_openai._streaming import StreamMeta

if TYPE_CHECKING:
    from pipes import BaseCache, BaseRateLimiter, ToolLike
from pipes_openai._wire import (
    StreamState,
    completion_to_message,
    is_o_series,
    is_reasoning_model,
    messages_to_wire,
)

__all__ = ["BaseChatOpenAI", "ChatOpenAI", "StructuredMethod"]

M = TypeVar("M", bound=BaseModel)
StructuredMethod: TypeAlias = Literal["function_calling", "json_mode", "json_schema"]
TimeoutLike: TypeAlias = float | tuple[float, float] | httpx.Timeout | None

_OPENAI_BASE_URL = "https://api.openai.com/v1"
_USER_AGENT = "pipes-openai/0.1"
# One encoder for the process: json.dumps() with options builds a new encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# Parameters copied from fields to the request body when set (None means "server default").
_BODY_FIELDS = (
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "n",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "reasoning_effort",
    "service_tier",
)
# Fields whose change invalidates the cached URL/headers/HTTP engine.
_CONNECTION_FIELDS = frozenset(
    {
        "api_key",
        "base_url",
        "organization",
        "project",
        "timeout",
        "stream_chunk_timeout",
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
# Call keywords that steer pipes_openai and never reach the request body.
_LOCAL_KWARGS = frozenset({"stream", "stream_usage"})


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _env_secret(*names: str) -> SecretStr | None:
    value = _env(*names)
    return SecretStr(value) if value else None


def _mentions_stream_options(exc: OpenAIError) -> bool:
    return "stream_options" in exc.message or exc.param == "stream_options"


class BaseChatOpenAI(BaseChatModel):
    """What :class:`ChatOpenAI` and :class:`AzureChatOpenAI` share: parameters, wire, HTTP."""

    # Build the validator on first instantiation, not at import (keeps `import pipes_openai`
    # cheap for code that only needs the names, e.g. type hints or CLI start-up).
    model_config = ConfigDict(defer_build=True)

    model: str = Field(default="gpt-4o-mini", validation_alias=AliasChoices("model", "model_name"))
    """Model id, e.g. ``"gpt-4o"``, ``"o3-mini"`` or a fine-tuned ``"ft:gpt-4o-mini:org::id"``."""
    temperature: float | None = None
    """Sampling temperature (0-2); ``None`` leaves the server default."""
    max_tokens: int | None = Field(
        default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens")
    )
    """Upper bound on generated tokens; sent as :attr:`max_tokens_param`."""
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None = None
    """The body key for :attr:`max_tokens`. ``None``: ``max_completion_tokens`` for reasoning
    models (o-series, gpt-5) and OpenAI's own API, ``max_tokens`` for other servers."""
    timeout: TimeoutLike = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds: a number (connect is at most 10 s of it), ``(connect, read)`` or an
    ``httpx.Timeout``. ``None`` (LangChain's "no timeout") means the finite default, 60 s
    (10 s to connect): a call can never hang forever by accident. To really wait without
    limit, pass ``httpx.Timeout(None)``."""
    stream_chunk_timeout: float | None = None
    """Seconds to wait for each streamed chunk (default: the ``timeout``)."""
    max_retries: int = 2
    """Retries for 408/409/429/5xx, connection errors and timeouts (exponential backoff)."""
    api_key: SecretStr | None = Field(
        default_factory=lambda: _env_secret("OPENAI_API_KEY"),
        validation_alias=AliasChoices("api_key", "openai_api_key"),
    )
    """The API key (default: ``OPENAI_API_KEY``); never shown in reprs, logs or errors."""
    base_url: str | None = Field(
        default_factory=lambda: _env("OPENAI_BASE_URL", "OPENAI_API_BASE"),
        validation_alias=AliasChoices("base_url", "openai_api_base"),
    )
    """API root, e.g. ``http://localhost:8000/v1`` (default: ``OPENAI_BASE_URL`` /
    ``OPENAI_API_BASE``, else OpenAI)."""
    organization: str | None = Field(
        default_factory=lambda: _env("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
        validation_alias=AliasChoices("organization", "openai_organization"),
    )
    """Sent as ``OpenAI-Organization`` (default: ``OPENAI_ORG_ID``)."""
    project: str | None = Field(default_factory=lambda: _env("OPENAI_PROJECT_ID"))
    """Sent as ``OpenAI-Project`` (default: ``OPENAI_PROJECT_ID``)."""
    streaming: bool = False
    """Make ``invoke`` stream under the hood (listeners then see every token)."""
    stream_usage: bool = True
    """Ask for token usage while streaming (``stream_options.include_usage``); a server that
    rejects ``stream_options`` is retried without it once and remembered."""
    n: int | None = None
    """Number of choices to generate (the runnable returns the first)."""
    logprobs: bool | None = None
    """Return token log-probabilities in ``response_metadata["logprobs"]``."""
    top_logprobs: int | None = None
    """Alternatives per token (0-20) with ``logprobs=True``."""
    seed: int | None = None
    """Best-effort determinism."""
    stop: list[str] | str | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    """Default stop sequences (a call's ``stop=`` overrides them)."""
    top_p: float | None = None
    """Nucleus sampling."""
    presence_penalty: float | None = None
    """-2..2: penalise tokens already present."""
    frequency_penalty: float | None = None
    """-2..2: penalise frequent tokens."""
    logit_bias: dict[int | str, int] | None = None
    """Token id -> bias (-100..100)."""
    reasoning_effort: str | None = None
    """Reasoning models: ``"minimal"``, ``"low"``, ``"medium"``, ``"high"`` ..."""
    service_tier: str | None = None
    """``"auto"``, ``"default"``, ``"flex"``, ``"priority"``."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request parameters, merged into every request body."""
    extra_body: dict[str, Any] | None = None
    """Extra JSON merged last into the body (server-specific options, e.g. vLLM's
    ``{"top_k": 20}``)."""
    default_headers: dict[str, str] | None = None
    """Headers sent with every request."""
    default_query: dict[str, Any] | None = None
    """Query parameters added to every request URL."""
    http_client: httpx.Client | None = Field(default=None, exclude=True, repr=False)
    """Your own sync httpx client (proxies, mTLS ...); you own its lifetime."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True, repr=False)
    """Your own async httpx client; bound to one event loop, so you manage it."""
    null_tool_call_content: bool = True
    """Send ``content: null`` beside tool calls (the API's form); ``False`` sends ``""`` for
    servers that reject ``null`` (llama.cpp's server and others)."""
    raise_on_content_filter: bool = False
    """Raise :class:`ContentFilterError` when a reply ends with ``finish_reason
    "content_filter"`` (Azure's default) instead of returning the partial reply."""

    _connection: tuple[httpx.URL, dict[str, str], HTTPEngine] | None = PrivateAttr(default=None)
    _stream_options_ok: bool = PrivateAttr(default=True)

    _provider_label: ClassVar[str] = "OpenAI"

    def __init__(self, /, **data: Any) -> None:
        super().__init__(**data)
        self._validate_environment()

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
        super().__setattr__(name, value)
        if name in _CONNECTION_FIELDS:
            self._connection = None  # rebuilt with the new settings on the next call

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (``update`` may change connection settings: the copy reconnects)."""
        copied = super().model_copy(update=update, deep=deep)
        for key in _SECRET_FIELDS & (update or {}).keys():
            if isinstance(copied.__dict__[key], str):  # model_copy does not validate
                copied.__dict__[key] = SecretStr(copied.__dict__[key])
        copied._connection = None
        return copied

    @property
    def provider_name(self) -> str:
        return "openai"

    @property
    def model_name(self) -> str:
        """LangChain's name for :attr:`model` (readable and assignable)."""
        return self.model

    @model_name.setter
    def model_name(self, value: str) -> None:
        self.model = value

    # -- connection -----------------------------------------------------------------------

    def _secrets(self) -> tuple[str, ...]:
        return (self.api_key.get_secret_value(),) if self.api_key is not None else ()

    def _endpoint(self) -> str:
        return (self.base_url or _OPENAI_BASE_URL).rstrip("/") + "/chat/completions"

    def _query(self) -> dict[str, Any]:
        return dict(self.default_query or {})

    def _auth_headers(self) -> dict[str, str]:
        if self.api_key is None:
            return {}
        return {"authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _get_connection(self) -> tuple[httpx.URL, dict[str, str], HTTPEngine]:
        connection = self._connection
        if connection is None:
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
            engine = HTTPEngine(
                Timeouts.coerce(self.timeout, self.stream_chunk_timeout),
                max_retries=self.max_retries,
                secrets=self._secrets(),
                provider=self._provider_label,
                http_client=self.http_client,
                http_async_client=self.http_async_client,
            )
            connection = self._connection = (httpx.URL(url), headers, engine)
        return connection

    def _request_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Per-request headers (Azure adds a fresh AD token here)."""
        return headers

    async def _arequest_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return headers

    # -- request body -----------------------------------------------------------------------

    def _max_tokens_key(self, model: str) -> str:
        if self.max_tokens_param is not None:
            return self.max_tokens_param
        if is_reasoning_model(model) or self._targets_openai():
            return "max_completion_tokens"
        return "max_tokens"

    def _body(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        model = kwargs.get("model") or self.model
        body: dict[str, Any] = {
            "model": model,
            "messages": messages_to_wire(
                messages,
                system_role="developer" if is_o_series(model) else "system",
                null_content=self.null_tool_call_content,
            ),
        }
        values = self.__dict__
        for name in _BODY_FIELDS:
            value = values[name]
            if value is not None:
                body[name] = value
        if self.max_tokens is not None:
            body[self._max_tokens_key(model)] = self.max_tokens
        stop_value = stop if stop is not None else self.stop
        if stop_value:
            body["stop"] = stop_value
        if self.model_kwargs:
            body.update(self.model_kwargs)
        for key, value in kwargs.items():
            if value is not None and key not in _LOCAL_KWARGS:
                body[key] = value
        if "max_tokens" in body and self.max_tokens_param != "max_tokens":
            # A call's max_tokens= goes under the name the target expects too.
            key = self._max_tokens_key(model)
            if key != "max_tokens":
                body[key] = body.pop("max_tokens")
        response_format = body.get("response_format")
        if isinstance(response_format, type) and issubclass(response_format, BaseModel):
            body["response_format"] = _pydantic_response_format(response_format)
        if stream:
            body["stream"] = True
            if kwargs.get("stream_usage", self.stream_usage) and self._stream_options_ok:
                body["stream_options"] = {"include_usage": True}
        else:
            body.pop("stream", None)
            body.pop("stream_options", None)
        if self.extra_body:
            body.update(self.extra_body)
        return body

    # -- results ----------------------------------------------------------------------------

    def _check_finish(self, message: AIMessage, meta_request_id: str | None = None) -> None:
        if (
            self.raise_on_content_filter
            and message.response_metadata.get("finish_reason") == "content_filter"
        ):
            raise ContentFilterError(
                f"{self._provider_label} stopped the reply with finish_reason 'content_filter' "
                f"(partial text: {message.text[:100]!r}). The content filter blocked the "
                "completion: rephrase the input, or adjust the deployment's filter policy.",
                code="content_filter",
                request_id=meta_request_id,
            )

    def _finish_message(
        self, data: Any, request_id: str | None, kwargs: Mapping[str, Any]
    ) -> AIMessage:
        message = completion_to_message(data, model=self.model)
        self._check_finish(message, request_id)
        response_format = kwargs.get("response_format")
        if (
            isinstance(response_format, type)
            and issubclass(response_format, BaseModel)
            and message.text
            and not message.additional_kwargs.get("refusal")
        ):
            # LangChain parity: bind(response_format=Model) puts the instance in "parsed".
            try:
                parsed = response_format.model_validate_json(message.text)
            except ValidationError as exc:
                raise OutputParserException(
                    f"The reply does not match response_format={response_format.__name__}: {exc}",
                    llm_output=message.text,
                ) from exc
            message.additional_kwargs["parsed"] = parsed
        return message

    # -- the provider contract ---------------------------------------------------------------

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        url, headers, engine = self._get_connection()
        body = self._body(messages, stop, kwargs, stream=False)
        reply = engine.post(url, _ENCODER.encode(body).encode(), self._request_headers(headers))
        return self._finish_message(reply.data, reply.request_id, kwargs)

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        url, headers, engine = self._get_connection()
        body = self._body(messages, stop, kwargs, stream=False)
        reply = await engine.apost(
            url, _ENCODER.encode(body).encode(), await self._arequest_headers(headers)
        )
        return self._finish_message(reply.data, reply.request_id, kwargs)

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        url, headers, engine = self._get_connection()
        body = self._body(messages, stop, kwargs, stream=True)
        meta = StreamMeta()
        state = StreamState(body["model"], self._finish_check(meta))
        # The engine converts each event itself (state.convert): one generator hop less per
        # token on the hottest path of the package.
        yield from self._events(engine, url, body, headers, meta, state.convert)
        tail = state.finish()
        if tail is not None:
            yield tail

    def _finish_check(self, meta: StreamMeta) -> Callable[[AIMessageChunk], None] | None:
        if not self.raise_on_content_filter:
            return None
        return lambda chunk: self._check_finish(chunk, meta.request_id)

    def _events(
        self,
        engine: HTTPEngine,
        url: httpx.URL,
        body: dict[str, Any],
        headers: dict[str, str],
        meta: StreamMeta,
        convert: Callable[[Any], AIMessageChunk | None],
    ) -> Iterator[AIMessageChunk]:
        try:
            yield from engine.stream(
                url, _ENCODER.encode(body).encode(), self._request_headers(headers), meta, convert
            )
        except (BadRequestError, InternalServerError) as exc:
            if "stream_options" not in body or not _mentions_stream_options(exc):
                raise
            # The server does not know stream_options (older vLLM, LM Studio ...): retry
            # without, and stop sending it from this model.
            self._stream_options_ok = False
            del body["stream_options"]
            yield from engine.stream(
                url, _ENCODER.encode(body).encode(), self._request_headers(headers), meta, convert
            )

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        url, headers, engine = self._get_connection()
        body = self._body(messages, stop, kwargs, stream=True)
        meta = StreamMeta()
        state = StreamState(body["model"], self._finish_check(meta))
        async for chunk in self._aevents(engine, url, body, headers, meta, state.convert):
            yield chunk
        tail = state.finish()
        if tail is not None:
            yield tail

    async def _aevents(
        self,
        engine: HTTPEngine,
        url: httpx.URL,
        body: dict[str, Any],
        headers: dict[str, str],
        meta: StreamMeta,
        convert: Callable[[Any], AIMessageChunk | None],
    ) -> AsyncIterator[AIMessageChunk]:
        request_headers = await self._arequest_headers(headers)
        try:
            async for chunk in engine.astream(
                url, _ENCODER.encode(body).encode(), request_headers, meta, convert
            ):
                yield chunk
        except (BadRequestError, InternalServerError) as exc:
            if "stream_options" not in body or not _mentions_stream_options(exc):
                raise
            self._stream_options_ok = False
            del body["stream_options"]
            async for chunk in engine.astream(
                url, _ENCODER.encode(body).encode(), request_headers, meta, convert
            ):
                yield chunk

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
        """Offer ``tools`` (pydantic models, dicts, functions, ``@tool``\\ s) on every call.

        ``tool_choice``: ``"auto"``, ``"none"``, ``"required"`` (or ``"any"``), a tool name,
        an OpenAI dict, or ``True`` (force the single tool). ``strict=True`` turns on
        OpenAI strict schemas; ``parallel_tool_calls=False`` asks for one call at a time.

        Example::

            class GetWeather(BaseModel):
                '''Get the current weather in a given location'''
                location: str = Field(..., description="The city and state, e.g. San Francisco, CA")

            llm.bind_tools([GetWeather]).invoke("what is the weather like in San Francisco")
        """
        # Tools and structured output load on first use: `import pipes_openai` stays lean.
        from pipes import convert_to_openai_tool

        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        names = [t["function"]["name"] for t in formatted if t.get("type") == "function"]
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = _tool_choice(tool_choice, names)
        elif tool_choice is False:
            kwargs["tool_choice"] = "none"
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)

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
        """A runnable returning ``schema``-shaped output: a pydantic instance or a dict.

        ``method="json_schema"`` (default; OpenAI Structured Outputs, strict unless the schema
        cannot be), ``"function_calling"`` (a forced tool call) or ``"json_mode"`` (JSON
        object mode; describe the format in the prompt). A refusal raises
        :class:`RefusalError` (on invoke and stream). ``include_raw=True`` returns
        ``{"raw", "parsed", "parsing_error"}`` instead of raising parse errors.

        Example::

            class Joke(BaseModel):
                setup: str
                punchline: str

            joke = llm.with_structured_output(Joke).invoke("Tell me a joke about cats")
        """
        from pipes_openai._structured import build_structured_output

        return build_structured_output(
            self, schema, method=method, include_raw=include_raw, strict=strict, kwargs=kwargs
        )


def _tool_choice(choice: str | dict[str, Any] | bool, names: list[str]) -> str | dict[str, Any]:
    if choice is True:
        if len(names) != 1:
            raise ValueError(
                f"tool_choice=True forces the single bound tool, but {len(names)} tools are "
                f"bound ({', '.join(names) or 'none'}); pass tool_choice='<tool name>' instead."
            )
        return {"type": "function", "function": {"name": names[0]}}
    if isinstance(choice, dict):
        return choice
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        if choice == "any":
            return "required"
        if names and choice not in names:
            raise ValueError(
                f"tool_choice={choice!r} names no bound tool; bound tools: {', '.join(names)}. "
                "Use one of them, or 'auto', 'none', 'required'/'any'."
            )
        return {"type": "function", "function": {"name": choice}}
    raise TypeError(
        f"tool_choice must be a str, a dict or a bool, got {type(choice).__name__}: {choice!r}."
    )


def _pydantic_response_format(model: type[BaseModel]) -> dict[str, Any]:
    from pipes import convert_to_openai_tool

    function = convert_to_openai_tool(model, strict=True)["function"]
    json_schema: dict[str, Any] = {
        "name": function["name"],
        "schema": function.get("parameters", {}),
        "strict": True,
    }
    if function.get("description"):
        json_schema["description"] = function["description"]
    return {"type": "json_schema", "json_schema": json_schema}


class ChatOpenAI(BaseChatOpenAI):
    """OpenAI chat models (and OpenAI-compatible servers) through Chat Completions.

    A drop-in for LangChain's ``ChatOpenAI``: same parameters and environment variables
    (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``/``OPENAI_API_BASE``, ``OPENAI_ORG_ID``,
    ``OPENAI_PROJECT_ID``), same ``usage_metadata`` and ``response_metadata``. Differences:
    a finite default timeout (60 s), a per-chunk streaming timeout, typed errors, one
    connection pool per event loop, usage while streaming by default.

    Example::

        from pipes_openai import ChatOpenAI

        llm = ChatOpenAI(model="gpt-4o", temperature=0)
        llm.invoke("Translate 'I love programming' to French").content
        for chunk in llm.stream("Tell me a joke"):
            print(chunk.content, end="")

    OpenAI-compatible servers: see :meth:`for_server`.
    """

    if TYPE_CHECKING:
        # The constructor as type checkers should see it: str keys are accepted (pydantic
        # wraps them in SecretStr) and LangChain's parameter names are accepted too.
        def __init__(
            self,
            *,
            name: str | None = None,
            rate_limiter: BaseRateLimiter | None = None,
            cache: BaseCache | bool | None = None,
            disable_streaming: bool | Literal["tool_calling"] = False,
            model: str = ...,
            model_name: str = ...,
            temperature: float | None = None,
            max_tokens: int | None = None,
            max_completion_tokens: int | None = None,
            max_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None = None,
            timeout: TimeoutLike = None,
            request_timeout: TimeoutLike = None,
            stream_chunk_timeout: float | None = None,
            max_retries: int = 2,
            api_key: str | SecretStr | None = ...,
            openai_api_key: str | SecretStr | None = ...,
            base_url: str | None = ...,
            openai_api_base: str | None = ...,
            organization: str | None = ...,
            openai_organization: str | None = ...,
            project: str | None = ...,
            streaming: bool = False,
            stream_usage: bool = True,
            n: int | None = None,
            logprobs: bool | None = None,
            top_logprobs: int | None = None,
            seed: int | None = None,
            stop: list[str] | str | None = None,
            stop_sequences: list[str] | str | None = None,
            top_p: float | None = None,
            presence_penalty: float | None = None,
            frequency_penalty: float | None = None,
            logit_bias: dict[int | str, int] | None = None,
            reasoning_effort: str | None = None,
            service_tier: str | None = None,
            model_kwargs: dict[str, Any] = ...,
            extra_body: dict[str, Any] | None = None,
            default_headers: dict[str, str] | None = None,
            default_query: dict[str, Any] | None = None,
            http_client: httpx.Client | None = None,
            http_async_client: httpx.AsyncClient | None = None,
            null_tool_call_content: bool = True,
            raise_on_content_filter: bool = ...,
        ) -> None: ...

    @classmethod
    def for_server(
        cls,
        server: Literal["vllm", "llama.cpp", "ollama", "lmstudio"],
        *,
        base_url: str,
        model: str,
        **kwargs: Any,
    ) -> ChatOpenAI:
        """A ``ChatOpenAI`` preset for an OpenAI-compatible server.

        ======== ==================================================================
        vllm     ``max_tokens``; usage while streaming (older releases that reject
                 ``stream_options`` fall back automatically); tool-call deltas that
                 repeat id/name and ``reasoning_content`` handled.
        llama.cpp ``max_tokens``; ``content: ""`` (not ``null``) beside tool calls.
        ollama   ``max_tokens``; ``content: ""`` beside tool calls; usage requested
                 (older releases ignore it: ``usage_metadata`` is then ``None``).
        lmstudio ``max_tokens``; ``content: ""`` beside tool calls; no
                 ``stream_options`` (older releases reject it).
        ======== ==================================================================

        All presets fail fast on validation errors that some of these servers answer with
        HTTP 500 (``max_retries=1``) and use ``api_key="not-needed"`` unless given.

        Example::

            llm = ChatOpenAI.for_server("vllm", base_url="http://localhost:8000/v1",
                                        model="Qwen/Qwen2.5-7B-Instruct")
        """
        presets: dict[str, dict[str, Any]] = {
            "vllm": {"max_tokens_param": "max_tokens"},
            "llama.cpp": {"max_tokens_param": "max_tokens", "null_tool_call_content": False},
            "ollama": {"max_tokens_param": "max_tokens", "null_tool_call_content": False},
            "lmstudio": {
                "max_tokens_param": "max_tokens",
                "null_tool_call_content": False,
                "stream_usage": False,
            },
        }
        if server not in presets:
            raise ValueError(
                f"Unknown server {server!r}; expected one of {', '.join(presets)} (or build "
                "ChatOpenAI(base_url=...) yourself)."
            )
        settings: dict[str, Any] = {"max_retries": 1, "api_key": "not-needed"}
        settings.update(presets[server])
        settings.update(kwargs)
        return cls(base_url=base_url, model=model, **settings)
