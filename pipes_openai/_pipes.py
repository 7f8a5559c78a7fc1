"""The one place where ``pipes_openai`` imports from ``pipes`` (its public API only).

Keeping every ``pipes`` name ``pipes_openai`` uses in one module makes the dependency surface
visible; ``tests/openai/test_public_api_only.py`` checks that nothing private is imported.
"""

from __future__ import annotations

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    BaseMessage,
    ChatMessage,
    ChatModelError,
    HumanMessage,
    LanguageModelInput,
    MessageConversionError,
    OutputParserException,
    Runnable,
    RunnableConfig,
    StrictSchemaError,
    StructuredOutputWithRaw,
    SystemMessage,
    ToolCallChunk,
    ToolLike,
    ToolMessage,
    UsageMetadata,
    audio_format,
    convert_to_openai_tool,
    parse_openai_tool_calls,
)

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "BaseChatModel",
    "BaseMessage",
    "ChatMessage",
    "ChatModelError",
    "HumanMessage",
    "LanguageModelInput",
    "MessageConversionError",
    "OutputParserException",
    "Runnable",
    "RunnableConfig",
    "StrictSchemaError",
    "StructuredOutputWithRaw",
    "SystemMessage",
    "ToolCallChunk",
    "ToolLike",
    "ToolMessage",
    "UsageMetadata",
    "audio_format",
    "convert_to_openai_tool",
    "parse_openai_tool_calls",
]
