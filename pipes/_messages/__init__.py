"""Chat messages, streamed chunks, content parts, conversion, safe serialization, and the
prompt values (`ChatPromptValue`, `StringPromptValue`) that prompts produce and models read.

This layer sits just above the runnable core and imports nothing above it:

```python
from pipes import HumanMessage, AIMessageChunk, convert_to_messages

convert_to_messages([("system", "Translate to French"), "I love programming."])
AIMessageChunk(content="Bon") + AIMessageChunk(content="jour")
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

# Each name loads its module on first use: a chat model's first call never loads trimming,
# filtering, token counting or the serializer.
if TYPE_CHECKING:
    from ._ai import AIMessage, AIMessageChunk
    from ._base import BaseMessage, BaseMessageChunk, merge_message_chunks, message_chunk_to_message
    from ._buffer import get_buffer_string
    from ._content import (
        AudioContentPart,
        ContentInput,
        FileContentPart,
        ImageContentPart,
        MessageContent,
        TextContentPart,
        audio_format,
        audio_part,
        content_text,
        file_part,
        image_part,
        text_part,
        validate_content,
    )
    from ._convert import MessageLikeRepresentation, convert_to_message, convert_to_messages
    from ._count import count_tokens_approximately
    from ._filter import filter_messages, merge_message_runs
    from ._merge import merge_content, merge_dicts
    from ._prompt_values import ChatPromptValue, PromptValue, StringPromptValue
    from ._serialize import (
        AnyMessage,
        message_from_dict,
        message_to_dict,
        messages_from_dict,
        messages_to_dict,
    )
    from ._simple import (
        ChatMessage,
        ChatMessageChunk,
        HumanMessage,
        HumanMessageChunk,
        SystemMessage,
        SystemMessageChunk,
    )
    from ._tool import ToolMessage, ToolMessageChunk
    from ._tool_calls import (
        InvalidToolCall,
        ToolCall,
        ToolCallChunk,
        invalid_tool_call,
        parse_openai_tool_calls,
        tool_call,
        tool_call_chunk,
    )
    from ._trim import trim_messages
    from ._usage import InputTokenDetails, OutputTokenDetails, UsageMetadata, add_usage

install_lazy_getattr(globals())

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "AudioContentPart",
    "BaseMessage",
    "BaseMessageChunk",
    "ChatMessage",
    "ChatMessageChunk",
    "ChatPromptValue",
    "ContentInput",
    "FileContentPart",
    "HumanMessage",
    "HumanMessageChunk",
    "ImageContentPart",
    "InputTokenDetails",
    "InvalidToolCall",
    "MessageContent",
    "MessageLikeRepresentation",
    "OutputTokenDetails",
    "PromptValue",
    "StringPromptValue",
    "SystemMessage",
    "SystemMessageChunk",
    "TextContentPart",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "ToolMessageChunk",
    "UsageMetadata",
    "add_usage",
    "audio_format",
    "audio_part",
    "content_text",
    "convert_to_message",
    "convert_to_messages",
    "count_tokens_approximately",
    "file_part",
    "filter_messages",
    "get_buffer_string",
    "image_part",
    "invalid_tool_call",
    "merge_content",
    "merge_dicts",
    "merge_message_chunks",
    "merge_message_runs",
    "message_chunk_to_message",
    "message_from_dict",
    "message_to_dict",
    "messages_from_dict",
    "messages_to_dict",
    "parse_openai_tool_calls",
    "text_part",
    "tool_call",
    "tool_call_chunk",
    "trim_messages",
    "validate_content",
]
