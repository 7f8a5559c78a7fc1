from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import BaseModel, Field

from pipes._core import RunnableLambda
from pipes._errors import OutputParserException
from pipes._messages import AIMessage, AIMessageChunk
from pipes._parsers import PydanticOutputParser

from .helpers import ChunkModel, aiter_of, pieces


class Address(BaseModel):
    city: str
    zip_code: str = "00000"


class Person(BaseModel):
    """A person."""

    name: str = Field(description="Full name")
    age: int
    address: Address | None = None
    tags: list[str] = []


DOC = '{"name": "Ada", "age": 36, "address": {"city": "London"}, "tags": ["math"]}'


def test_invoke_returns_validated_instance() -> None:
    parser = PydanticOutputParser(pydantic_object=Person)
    person = parser.invoke(AIMessage(f"```json\n{DOC}\n```"))
    assert person == Person(name="Ada", age=36, address=Address(city="London"), tags=["math"])
    assert parser.OutputType is Person


def test_lax_coercion_like_pydantic() -> None:
    parser = PydanticOutputParser(pydantic_object=Person)
    assert parser.invoke('{"name": "Bo", "age": "7"}').age == 7


def test_nulls_for_optional_non_nullable_fields_mean_default() -> None:
    # what a model following a strict schema sends for fields it leaves unset
    text = (
        '{"name": "Ada", "age": 36, "address": {"city": "Paris", "zip_code": null}, "tags": null}'
    )
    person = PydanticOutputParser(pydantic_object=Person).invoke(text)
    assert person.address == Address(city="Paris", zip_code="00000")
    assert person.tags == []


def test_validation_error_carries_raw_text() -> None:
    text = '{"name": "Ada"}'
    with pytest.raises(OutputParserException) as info:
        PydanticOutputParser(pydantic_object=Person).invoke(text)
    assert info.value.llm_output == text
    message = str(info.value)
    assert "does not match Person" in message
    assert "age" in message


def test_not_json_error() -> None:
    with pytest.raises(OutputParserException) as info:
        PydanticOutputParser(pydantic_object=Person).invoke("nope")
    assert info.value.llm_output == "nope"


def test_requires_a_model_class() -> None:
    with pytest.raises(TypeError, match="pydantic model class"):
        PydanticOutputParser(pydantic_object=dict)  # type: ignore[type-var]


def test_format_instructions_describe_schema() -> None:
    text = PydanticOutputParser(pydantic_object=Person).get_format_instructions()
    assert '"name": {"description": "Full name", "title": "Name", "type": "string"}' in text
    assert '"required": ["name", "age"]' in text
    assert "A person." in text


class Joke(BaseModel):
    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


# What langchain-core 1.8.3 returns for LangChain's how-to `Joke`, character for character.
LANGCHAIN_JOKE_INSTRUCTIONS = (
    "The output should be formatted as a JSON instance that conforms to the JSON schema below.\n"
    "\n"
    'As an example, for the schema {"properties": {"foo": {"title": "Foo", "description": "a list of strings", "type": "array", "items": {"type": "string"}}}, "required": ["foo"]}\n'  # noqa: E501
    'the object {"foo": ["bar", "baz"]} is a well-formatted instance of the schema. The object {"properties": {"foo": ["bar", "baz"]}} is not well-formatted.\n'  # noqa: E501
    "\n"
    "Here is the output schema:\n"
    "```\n"
    '{"properties": {"setup": {"description": "question to set up a joke", "title": "Setup", "type": "string"}, "punchline": {"description": "answer to resolve the joke", "title": "Punchline", "type": "string"}}, "required": ["setup", "punchline"]}\n'  # noqa: E501
    "```"
)


def test_format_instructions_are_langchains_text() -> None:
    # LangChain how-to "How to use the Pydantic parser", imports changed.
    parser = PydanticOutputParser(pydantic_object=Joke)
    assert parser.get_format_instructions() == LANGCHAIN_JOKE_INSTRUCTIONS


def test_streaming_yields_instances_once_valid() -> None:
    chunks = ['{"name": "A', 'da", "a', 'ge": 3', "6", ', "tags": ["m', 'ath"]}']
    out = list(PydanticOutputParser(pydantic_object=Person).transform(iter(chunks)))
    assert all(isinstance(p, Person) for p in out)
    assert out[0] == Person(name="Ada", age=3)  # first moment it validates
    assert out[-1] == Person(name="Ada", age=36, tags=["math"])
    for before, after in itertools.pairwise(out):
        assert before != after


def test_streaming_invalid_final_raises() -> None:
    with pytest.raises(OutputParserException) as info:
        list(PydanticOutputParser(pydantic_object=Person).transform(iter(['{"name": ', '"x"}'])))
    assert info.value.llm_output == '{"name": "x"}'


async def test_async_stream_and_chain() -> None:
    parser = PydanticOutputParser(pydantic_object=Person)
    chunks: list[Any] = [AIMessageChunk(content=p) for p in pieces(DOC, 6)]
    out = [p async for p in parser.atransform(aiter_of(chunks))]
    assert out[-1].address == Address(city="London")
    chain = RunnableLambda(lambda x: x) | ChunkModel(pieces(DOC, 6)) | parser
    assert (await chain.ainvoke("q")).name == "Ada"
    assert list(chain.stream("q"))[-1] == out[-1]
