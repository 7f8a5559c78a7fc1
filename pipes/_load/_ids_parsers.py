"""The id table's entries for output parsers (LangChain's ids for the two it serializes, `["pipes",
"output_parsers", ...]` for the others; parsers holding pydantic classes are not rebuilt)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pipes._parsers import (
    CommaSeparatedListOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    JsonOutputToolsParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
    StrOutputParser,
)

from ._table import Entry, entry

__all__ = ["entries"]


def _tools_parser_kwargs(parser: JsonOutputToolsParser) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(parser, JsonOutputKeyToolsParser):
        out["key_name"] = parser.key_name
    for flag in ("strict", "return_id", "first_tool_only"):
        if getattr(parser, flag):
            out[flag] = True
    return out


def entries() -> list[Entry]:
    """The entries of the output parsers."""

    def plain(cls: type[Any], id: Sequence[str], also: Iterable[Sequence[str]] = ()) -> Entry:
        return entry(cls, id, lambda obj: {}, lambda v: cls(), [], also=also)

    def json_kwargs(parser: JsonOutputParser) -> dict[str, Any]:
        # A pydantic class cannot be rebuilt from data: written as not_implemented.
        return {} if parser.pydantic_object is None else {"pydantic_object": parser.pydantic_object}

    return [
        plain(
            StrOutputParser,
            ("langchain", "schema", "output_parser", "StrOutputParser"),
            [("langchain_core", "output_parsers", "string", "StrOutputParser")],
        ),
        plain(
            CommaSeparatedListOutputParser,
            ("langchain", "output_parsers", "list", "CommaSeparatedListOutputParser"),
            [("langchain_core", "output_parsers", "list", "CommaSeparatedListOutputParser")],
        ),
        plain(MarkdownListOutputParser, ("pipes", "output_parsers", "MarkdownListOutputParser")),
        plain(NumberedListOutputParser, ("pipes", "output_parsers", "NumberedListOutputParser")),
        entry(
            JsonOutputParser,
            ("pipes", "output_parsers", "JsonOutputParser"),
            json_kwargs,
            lambda v: JsonOutputParser(**v),
            ["pydantic_object"],
        ),
        entry(
            JsonOutputToolsParser,
            ("pipes", "output_parsers", "JsonOutputToolsParser"),
            _tools_parser_kwargs,
            lambda v: JsonOutputToolsParser(**v),
            ["strict", "return_id", "first_tool_only"],
        ),
        entry(
            JsonOutputKeyToolsParser,
            ("pipes", "output_parsers", "JsonOutputKeyToolsParser"),
            _tools_parser_kwargs,
            lambda v: JsonOutputKeyToolsParser(**v),
            ["key_name", "strict", "return_id", "first_tool_only"],
        ),
    ]
