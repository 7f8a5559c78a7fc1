from __future__ import annotations

from pipes._messages import AIMessage, AIMessageChunk
from pipes._parsers import (
    CommaSeparatedListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)

from .helpers import aiter_of, pieces


def test_comma_separated_invoke() -> None:
    parser = CommaSeparatedListOutputParser()
    assert parser.invoke(AIMessage("red, green,blue ")) == ["red", "green", "blue"]
    assert parser.invoke('apples, "salt, pepper", figs') == ["apples", "salt, pepper", "figs"]
    assert parser.invoke("") == []
    assert parser.invoke("single") == ["single"]
    assert "comma separated" in parser.get_format_instructions()


def test_comma_separated_streams_items() -> None:
    text = 'red, green, "a, b", blue'
    for size in (1, 3, 100):
        chunks = [AIMessageChunk(content=p) for p in pieces(text, size)]
        out = list(CommaSeparatedListOutputParser().transform(iter(chunks)))
        assert out == [["red"], ["green"], ["a, b"], ["blue"]], size


def test_comma_separated_stream_items_arrive_before_the_end() -> None:
    def gen():  # type: ignore[no-untyped-def]
        yield "one, two"
        yield ", thr"
        raise RuntimeError("stop")

    it = CommaSeparatedListOutputParser().transform(gen())
    assert next(it) == ["one"]
    assert next(it) == ["two"]


async def test_comma_separated_async() -> None:
    out = [x async for x in CommaSeparatedListOutputParser().atransform(aiter_of(["a,", "b"]))]
    assert out == [["a"], ["b"]]


def test_numbered_list() -> None:
    text = "Here you go:\n1. alpha\n2) beta\n3. gamma"
    assert NumberedListOutputParser().invoke(text) == ["alpha", "beta", "gamma"]
    out = list(NumberedListOutputParser().transform(iter(pieces(text, 4))))
    assert out == [["alpha"], ["beta"], ["gamma"]]


def test_markdown_list() -> None:
    text = "- alpha\n* beta\n  + gamma\nnot an item"
    assert MarkdownListOutputParser().invoke(text) == ["alpha", "beta", "gamma"]
    assert list(MarkdownListOutputParser().transform(iter(pieces(text, 5)))) == [
        ["alpha"],
        ["beta"],
        ["gamma"],
    ]


def test_output_schemas() -> None:
    from pydantic import BaseModel

    from pipes._parsers import JsonOutputParser, PydanticOutputParser, StrOutputParser

    class M(BaseModel):
        x: int

    assert StrOutputParser().get_output_schema() == {"type": "string"}
    assert CommaSeparatedListOutputParser().get_output_schema() == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert PydanticOutputParser(pydantic_object=M).get_output_schema()["required"] == ["x"]
    assert JsonOutputParser().get_output_schema() == {}
    assert JsonOutputParser(pydantic_object=M).get_output_schema()["title"] == "M"
