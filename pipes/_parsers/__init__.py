"""Output parsers: text, JSON, pydantic models, tool calls, lists and XML — all streaming."""

from __future__ import annotations

from pipes._errors import OutputParserException
from pipes._parsers._base import BaseOutputParser, ParserInput
from pipes._parsers._json import JsonOutputParser, PydanticOutputParser, SimpleJsonOutputParser
from pipes._parsers._json_text import parse_json_markdown, parse_partial_json
from pipes._parsers._list import (
    CommaSeparatedListOutputParser,
    ListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)
from pipes._parsers._string import StrOutputParser
from pipes._parsers._tool_calls import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    PydanticToolsParser,
)
from pipes._parsers._xml import XMLOutputParser

__all__ = [
    "BaseOutputParser",
    "CommaSeparatedListOutputParser",
    "JsonOutputKeyToolsParser",
    "JsonOutputParser",
    "JsonOutputToolsParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
    "OutputParserException",
    "ParserInput",
    "PydanticOutputParser",
    "PydanticToolsParser",
    "SimpleJsonOutputParser",
    "StrOutputParser",
    "XMLOutputParser",
    "parse_json_markdown",
    "parse_partial_json",
]
