"""JSON schemas for function calling: `convert_to_openai_tool` and the schema rewriting
(`$ref` inlining, title removal, OpenAI strict mode) that tools, parsers and chat models
share.

This layer sits above messages and below prompts, parsers and tools; it knows tools only by
their shape (a `name`, a `description` and a `tool_call_schema`):

```python
from pydantic import BaseModel

from pipes import convert_to_openai_tool


class Multiply(BaseModel):
    '''Multiply two integers.'''

    a: int
    b: int


convert_to_openai_tool(Multiply, strict=True)["function"]["name"]  # 'Multiply'
```
"""

from __future__ import annotations

from pipes._schema._convert import (
    ToolLike,
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
)
from pipes._schema._errors import InvalidDocstringError, SchemaConversionError, StrictSchemaError

__all__ = [
    "InvalidDocstringError",
    "SchemaConversionError",
    "StrictSchemaError",
    "ToolLike",
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
]
