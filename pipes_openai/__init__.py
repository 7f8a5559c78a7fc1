"""pipes_openai: OpenAI chat models for pipes (``ChatOpenAI``, ``AzureChatOpenAI``) over httpx.

Example::

    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", temperature=0)
    llm.invoke("Translate 'I love programming.' to French").content

The test server lives in :mod:`pipes_openai.emulator` (imported only when you ask for it).
"""

from __future__ import annotations

from pipes_openai._azure import AzureChatOpenAI
from pipes_openai._chat import BaseChatOpenAI, ChatOpenAI
from pipes_openai._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContentFilterError,
    ContextLengthExceededError,
    InternalServerError,
    NotFoundError,
    OpenAIConfigurationError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
    ResponseProtocolError,
    StreamError,
    StreamEventError,
    StreamIncompleteError,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "AzureChatOpenAI",
    "BadRequestError",
    "BaseChatOpenAI",
    "ChatOpenAI",
    "ConflictError",
    "ContentFilterError",
    "ContextLengthExceededError",
    "InternalServerError",
    "NotFoundError",
    "OpenAIConfigurationError",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
    "ResponseProtocolError",
    "StreamError",
    "StreamEventError",
    "StreamIncompleteError",
]
