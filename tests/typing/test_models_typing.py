"""Static typing of chat models: checked by mypy --strict and pyright (and run by pytest)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, assert_type

from pydantic import BaseModel
from typing_extensions import TypedDict

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatPromptTemplate,
    LanguageModelInput,
    Runnable,
    StrOutputParser,
    StructuredOutputWithRaw,
)
from pipes.testing import FakeChatModel, FunctionChatModel


class Person(BaseModel):
    name: str
    age: int


class Movie(TypedDict):
    title: str
    year: int


SCHEMA: dict[str, Any] = {
    "title": "city",
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
}


def test_invoke_and_stream_types() -> None:
    model = FakeChatModel(responses=["a", "b", "c", "d"])
    assert_type(model.invoke("hi"), AIMessage)
    assert_type(model("hi"), AIMessage)
    assert_type(model.invoke([("system", "s"), ("human", "h")]), AIMessage)
    assert_type(model.stream("hi"), Iterator[AIMessageChunk])
    assert_type(model.astream("hi"), AsyncIterator[AIMessageChunk])
    assert_type(model.batch(["x"]), list[AIMessage])
    as_runnable: Runnable[LanguageModelInput, AIMessage] = model
    assert as_runnable is model


def test_input_type_is_checked() -> None:
    model = FakeChatModel(responses=["a"])
    try:
        model.invoke(42)  # type: ignore[arg-type]
    except TypeError:
        pass


def test_structured_output_with_a_pydantic_model_is_that_model() -> None:
    runnable = FakeChatModel().with_structured_output(Person)
    assert_type(runnable, Runnable[LanguageModelInput, Person])
    person = runnable.invoke("Ada is 36")
    assert_type(person, Person)
    assert isinstance(person, Person)


def test_structured_output_with_dicts_and_typed_dicts_is_a_dict() -> None:
    from_dict = FakeChatModel().with_structured_output(SCHEMA)
    assert_type(from_dict, Runnable[LanguageModelInput, dict[str, Any]])
    from_typed_dict = FakeChatModel().with_structured_output(Movie, method="json_schema")
    assert_type(from_typed_dict, Runnable[LanguageModelInput, dict[str, Any]])
    assert isinstance(from_typed_dict.invoke("x"), dict)


def test_structured_output_include_raw() -> None:
    raw = FakeChatModel().with_structured_output(Person, include_raw=True)
    assert_type(raw, Runnable[LanguageModelInput, StructuredOutputWithRaw[Person]])
    out = raw.invoke("x")
    assert_type(out["parsed"], Person | None)
    assert_type(out["raw"], AIMessage)
    assert_type(out["parsing_error"], BaseException | None)
    raw_dict = FakeChatModel().with_structured_output(SCHEMA, include_raw=True)
    assert_type(raw_dict, Runnable[LanguageModelInput, StructuredOutputWithRaw[dict[str, Any]]])


def test_structured_output_chains_keep_the_type() -> None:
    def next_age(person: Person) -> int:
        return person.age + 1

    chain = FakeChatModel().with_structured_output(Person) | next_age
    assert_type(chain.invoke("x"), int)


def test_function_model_types() -> None:
    model = FunctionChatModel(lambda messages, info: messages[-1].text)
    assert_type(model.invoke("x"), AIMessage)


def test_prompt_model_parser_chain_types() -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "Translate {text}")])
    chain = prompt | FakeChatModel(responses=["Bonjour"]) | StrOutputParser()
    assert_type(chain.invoke({"text": "Hello"}), str)
    structured = prompt | FakeChatModel().with_structured_output(Person)
    assert_type(structured.invoke({"text": "Ada is 36"}), Person)
