"""The constructor keywords of the chat models, as type checkers see them.

Pydantic's synthesized `__init__` cannot express what the models accept: LangChain's names
(`model_name`, `openai_api_key` ... are validation aliases, which type checkers ignore) and
a plain `str` for a `SecretStr` field. So the models declare `__init__(**params:
Unpack[...])` for type checkers only, with one of these `TypedDict`s. They hold names and
types, never defaults (those are declared once, on the fields), and
`tests/openai/test_openai_params.py` holds them equal to the fields and their aliases.

This module is only imported by type checkers and tests: `import pipes_openai` never loads it.

Example:
    ```python
    class ChatOpenAI(BaseChatOpenAI):
        if TYPE_CHECKING:
            def __init__(self, **params: Unpack[ChatOpenAIParams]) -> None: ...
    ```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypedDict

import httpx
from pydantic import SecretStr

from pipes import BaseCache, BaseRateLimiter
from pipes_openai._azure import TokenProvider
from pipes_openai._base import TimeoutLike

__all__ = ["AzureChatOpenAIParams", "ChatModelParams", "ChatOpenAIParams"]


class ChatModelParams(TypedDict, total=False):
    """The fields every `pipes.BaseChatModel` has."""

    name: str | None
    rate_limiter: BaseRateLimiter | None
    cache: BaseCache | bool | None
    disable_streaming: bool | Literal["tool_calling"]


class ChatOpenAIParams(ChatModelParams, total=False):
    """`ChatOpenAI`'s keywords: `BaseChatOpenAI`'s fields, then LangChain's name for each."""

    model: str
    model_name: str
    temperature: float | None
    max_tokens: int | None
    max_completion_tokens: int | None
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] | None
    timeout: TimeoutLike
    request_timeout: TimeoutLike
    stream_chunk_timeout: float | None
    max_response_bytes: int
    max_stream_event_bytes: int
    max_retries: int
    api_key: str | SecretStr | None
    openai_api_key: str | SecretStr | None
    base_url: str | None
    openai_api_base: str | None
    organization: str | None
    openai_organization: str | None
    project: str | None
    streaming: bool
    stream_usage: bool
    n: int | None
    logprobs: bool | None
    top_logprobs: int | None
    seed: int | None
    stop: list[str] | str | None
    stop_sequences: list[str] | str | None
    top_p: float | None
    presence_penalty: float | None
    frequency_penalty: float | None
    logit_bias: dict[int | str, int] | None
    reasoning_effort: str | None
    service_tier: str | None
    model_kwargs: dict[str, Any]
    extra_body: dict[str, Any] | None
    default_headers: dict[str, str] | None
    default_query: dict[str, Any] | None
    http_client: httpx.Client | None
    http_async_client: httpx.AsyncClient | None
    null_tool_call_content: bool
    raise_on_content_filter: bool
    use_responses_api: bool | None
    output_version: Literal["v0", "responses/v1", "v1"] | None
    reasoning: dict[str, Any] | None
    verbosity: str | None
    include: list[str] | None
    store: bool | None
    truncation: str | None
    use_previous_response_id: bool
    prompt_cache_key: str | None
    prompt_cache_retention: str | None
    context_management: list[dict[str, Any]] | None
    reasoning_in_history: bool


class AzureChatOpenAIParams(ChatOpenAIParams, total=False):
    """`AzureChatOpenAI`'s keywords: `ChatOpenAI`'s plus the Azure ones."""

    azure_endpoint: str | None
    azure_deployment: str | None
    deployment_name: str | None
    api_version: str | None
    openai_api_version: str | None
    azure_ad_token: str | SecretStr | None
    azure_ad_token_provider: TokenProvider | None
    azure_ad_async_token_provider: Callable[[], Awaitable[str]] | None
