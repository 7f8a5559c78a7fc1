"""The one place where ``pipes_openai`` imports from ``pipes``.

``pipes_openai`` must use only the public API of ``pipes`` (a CI test scans the imports). While
the lead has not re-exported every name from ``pipes/__init__.py`` yet, the names below come
from the private sub-packages; TODO(lead): re-export them from ``pipes`` (they are all in the
sub-packages' ``__all__``) and this module switches to a single ``from pipes import ...``.
"""

from __future__ import annotations

from pipes import (
    ChatModelError,
    MessageConversionError,
    OutputParserException,
    Runnable,
    RunnableConfig,
)
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
    audio_format,
    parse_openai_tool_calls,
)
from pipes._models import BaseChatModel, LanguageModelInput, StructuredOutputWithRaw
from pipes._tools import StrictSchemaError, ToolLike, convert_to_openai_tool

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "BaseMessage",
    "ChatMessage",
    "ChatModelError",
    "HumanMessage",
    "InvalidToolCall",
    "BaseChatModel",
    "LanguageModelInput",
    "MessageConversionError",
    "OutputParserException",
    "Runnable",
    "RunnableConfig",
    "StrictSchemaError",
    "StructuredOutputWithRaw",
    "ToolLike",
    "convert_to_openai_tool",
    "SystemMessage",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "UsageMetadata",
    "audio_format",
    "parse_openai_tool_calls",
]
