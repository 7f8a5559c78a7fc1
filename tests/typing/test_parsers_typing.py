"""Static typing of output parsers and tools: checked by mypy --strict (and run by pytest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

from pydantic import BaseModel

from pipes._core import Runnable, RunnableLambda
from pipes._messages import AIMessage
from pipes._parsers import (
    CommaSeparatedListOutputParser,
    JsonOutputParser,
    JsonOutputToolsParser,
    PydanticOutputParser,
    PydanticToolsParser,
    StrOutputParser,
)
from pipes._tools import BaseTool, StructuredTool, tool


class Joke(BaseModel):
    setup: str
    punchline: str


def _model() -> Runnable[str, AIMessage]:
    return RunnableLambda(lambda q: AIMessage('{"setup": "s", "punchline": "p"}'))


def test_str_parser_produces_str() -> None:
    parser = StrOutputParser()
    assert_type(parser.invoke(AIMessage("x")), str)
    assert_type(parser.stream("x"), Iterator[str])
    chain = _model() | parser
    assert_type(chain.invoke("q"), str)
    as_runnable: Runnable[AIMessage, str] = parser
    assert as_runnable is parser


def test_pydantic_parser_produces_the_model() -> None:
    parser = PydanticOutputParser(pydantic_object=Joke)
    assert_type(parser, PydanticOutputParser[Joke])
    assert_type(parser.invoke('{"setup": "s", "punchline": "p"}'), Joke)
    assert_type(parser.parse('{"setup": "s", "punchline": "p"}'), Joke)
    chain = _model() | parser
    joke = chain.invoke("q")
    assert_type(joke, Joke)
    assert joke.punchline == "p"
    as_runnable: Runnable[AIMessage | str, Joke] = parser
    assert as_runnable is parser


def test_other_parsers() -> None:
    assert_type(CommaSeparatedListOutputParser().invoke("a, b"), list[str])
    assert_type(JsonOutputParser().invoke("{}"), Any)
    assert_type(JsonOutputToolsParser().invoke(AIMessage("")), Any)


class Add(BaseModel):
    a: int
    b: int


def test_pydantic_tools_parser_types() -> None:
    many = PydanticToolsParser(tools=[Joke])
    assert_type(many, PydanticToolsParser[list[Joke]])
    assert_type(many.invoke(AIMessage("")), list[Joke])
    first = PydanticToolsParser(tools=[Joke], first_tool_only=True)
    assert_type(first, PydanticToolsParser[Joke | None])
    assert_type((_model() | first).invoke("q"), Joke | None)
    flag: bool = bool(len("x"))
    assert_type(PydanticToolsParser(tools=[Joke], first_tool_only=flag), PydanticToolsParser[Any])
    mixed = PydanticToolsParser(tools=[Joke, Add])
    assert mixed.invoke(AIMessage("")) == []


def test_mismatches_are_rejected() -> None:
    # Each ignore is needed (mypy --strict flags unused ignores), so each line is an error.
    try:
        StrOutputParser().invoke(42)  # type: ignore[arg-type]
    except TypeError:
        pass
    wrong_out: Runnable[AIMessage, int] = StrOutputParser()  # type: ignore[assignment]
    not_a_joke: str = PydanticOutputParser(pydantic_object=Joke).parse(  # type: ignore[assignment]
        '{"setup": "s", "punchline": "p"}'
    )
    assert wrong_out is not None
    assert not_a_joke is not None


def test_tool_types() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert_type(add, StructuredTool)
    as_base: BaseTool = add
    as_runnable: Runnable[dict[str, Any], Any] = add
    assert as_base is as_runnable

    @tool("named", return_direct=True)
    def other(x: str) -> str:
        """Other."""
        return x

    assert_type(other, StructuredTool)
    assert_type(add.name, str)
    assert_type(add.args, dict[str, Any])
