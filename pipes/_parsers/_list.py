"""List parsers: comma-separated, numbered and markdown lists, streamed item by item."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from pipes._parsers._base import ParserInput, chunk_text
from pipes._parsers._fold import FoldingOutputParser

__all__ = [
    "CommaSeparatedListOutputParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
]


class ListOutputParser(FoldingOutputParser[list[str]]):
    """Base of the list parsers: `parse` splits the text; streaming yields `[item]`.

    Streamed chunks are one-item lists (LangChain's form), so adding them up gives the list.
    """

    def _split_complete(self, buffer: str) -> tuple[list[str], str]:
        """Items completed in `buffer` and the rest (an item still being written)."""
        raise NotImplementedError

    def get_output_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}

    def _clean(self, item: str) -> str | None:
        item = item.strip()
        return item or None

    def _fold(self) -> _ListFold:
        return _ListFold(self)


class _ListFold:
    """One stream's state: the text of the item still being written."""

    def __init__(self, parser: ListOutputParser) -> None:
        self.parser = parser
        self.buffer = ""

    def feed(self, chunk: ParserInput) -> Iterator[list[str]]:
        parser = self.parser
        self.buffer += chunk_text(chunk)
        items, self.buffer = parser._split_complete(self.buffer)
        for item in items:
            cleaned = parser._clean(item)
            if cleaned is not None:
                yield [cleaned]

    def close(self) -> Iterator[list[str]]:
        return ([item] for item in self.parser.parse(self.buffer))


class CommaSeparatedListOutputParser(ListOutputParser):
    """`"red, green, blue"` → `["red", "green", "blue"]`; quoted items may hold commas.

    Example:
        ```python
        parser = CommaSeparatedListOutputParser()
        parser.invoke('apples, "salt, pepper", figs')  # ['apples', 'salt, pepper', 'figs']
        ```
    """

    def parse(self, text: str) -> list[str]:
        reader = csv.reader(io.StringIO(text.strip()), skipinitialspace=True)
        return [item.strip() for row in reader for item in row if item.strip()]

    def _split_complete(self, buffer: str) -> tuple[list[str], str]:
        items: list[str] = []
        begin = 0
        quotes = 0
        for index, char in enumerate(buffer):
            if char == '"':
                quotes += 1
            elif char == "," and quotes % 2 == 0:
                items.extend(self.parse(buffer[begin:index]) or [""])
                begin = index + 1
        return items, buffer[begin:]

    def get_format_instructions(self) -> str:
        return (
            "Your response should be a list of comma separated values, "
            "eg: `foo, bar, baz` or `foo,bar,baz`"
        )


class _LineListParser(ListOutputParser):
    pattern: re.Pattern[str]

    def parse(self, text: str) -> list[str]:
        return [m.group(1).strip() for m in self.pattern.finditer(text) if m.group(1).strip()]

    def _split_complete(self, buffer: str) -> tuple[list[str], str]:
        cut = buffer.rfind("\n")
        if cut < 0:
            return [], buffer
        return self.parse(buffer[: cut + 1]), buffer[cut + 1 :]


class NumberedListOutputParser(_LineListParser):
    """`"1. foo\\n2. bar"` → `["foo", "bar"]`."""

    pattern = re.compile(r"^\s*\d+[.)]\s+(.+)$", re.MULTILINE)

    def get_format_instructions(self) -> str:
        return "Your response should be a numbered list with each item on a new line."


class MarkdownListOutputParser(_LineListParser):
    """`"- foo\\n* bar"` → `["foo", "bar"]`."""

    pattern = re.compile(r"^\s*[-*+]\s+(.+)$", re.MULTILINE)

    def get_format_instructions(self) -> str:
        return "Your response should be a markdown list, eg: `- foo\\n- bar\\n- baz`"
