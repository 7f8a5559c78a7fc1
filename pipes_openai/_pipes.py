"""The one place where `pipes_openai` imports from `pipes` (its public API only).

Tool conversion (`convert_to_openai_tool`) is imported where it is used, on first
`bind_tools`/`with_structured_output`, so that `import pipes_openai` does not load the
tools layer. Keeping every other `pipes` name `pipes_openai` uses in one module makes the
dependency surface visible; `tests/openai/test_public_api_only.py` checks that nothing
private is imported.
"""

from __future__ import annotations

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    BaseMessage,
    ChatMessage,
    ChatModelError,
    Embeddings,
    HumanMessage,
    LanguageModelInput,
    MessageConversionError,
    OutputParserException,
    PipesError,
    PromptValue,
    Runnable,
    RunnableBinding,
    RunnableConfig,
    RunnableSequence,
    StructuredOutputWithRaw,
    SystemMessage,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
    audio_format,
    convert_to_messages,
    parse_openai_tool_calls,
    register_serializable,
    report_choices,
)

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "BaseChatModel",
    "BaseMessage",
    "ChatMessage",
    "ChatModelError",
    "Embeddings",
    "HumanMessage",
    "LanguageModelInput",
    "MessageConversionError",
    "OutputParserException",
    "PipesError",
    "PromptValue",
    "Runnable",
    "RunnableBinding",
    "RunnableConfig",
    "RunnableSequence",
    "StructuredOutputWithRaw",
    "SystemMessage",
    "ToolCallChunk",
    "ToolMessage",
    "UsageMetadata",
    "audio_format",
    "convert_to_messages",
    "parse_openai_tool_calls",
    "register_serializable",
    "report_choices",
]
