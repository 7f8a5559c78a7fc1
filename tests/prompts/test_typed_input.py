"""Typed prompt inputs: a TypedDict declares the variables; construction checks it."""

from __future__ import annotations

from typing import Any, NotRequired

import pytest
from typing_extensions import TypedDict

from pipes._errors import TemplateError
from pipes._messages import BaseMessage, HumanMessage
from pipes._prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate


class TranslateInput(TypedDict):
    source: str
    target: str
    text: str


class WithHistory(TypedDict):
    text: str
    history: NotRequired[list[BaseMessage]]


class LooseText(TypedDict, total=False):
    text: str


MESSAGES: list[Any] = [
    ("system", "Translate from {source} to {target}."),
    ("human", "{text}"),
]


def test_matching_typed_dict() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    assert prompt.input_type is TranslateInput
    value = prompt.invoke({"source": "English", "target": "French", "text": "hi"})
    assert value.to_messages()[-1] == HumanMessage("hi")


def test_schema_comes_from_the_typed_dict() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    schema = prompt.get_input_schema()
    assert schema["title"] == "TranslateInput"
    assert sorted(schema["required"]) == ["source", "target", "text"]


def test_extra_key_fails_naming_both_sets() -> None:
    class Extra(TypedDict):
        source: str
        target: str
        text: str
        style: str

    with pytest.raises(TemplateError) as info:
        ChatPromptTemplate.from_messages(MESSAGES, input_type=Extra)
    message = str(info.value)
    assert "keys not used by the template: ['style']" in message
    assert "['source', 'style', 'target', 'text']" in message
    assert "['source', 'target', 'text']" in message


def test_missing_or_misspelled_key_fails() -> None:
    class Typo(TypedDict):
        source: str
        target: str
        txt: str

    with pytest.raises(TemplateError) as info:
        ChatPromptTemplate.from_messages(MESSAGES, input_type=Typo)
    message = str(info.value)
    assert "template variables missing from Typo: ['text']" in message
    assert "keys not used by the template: ['txt']" in message


def test_optional_placeholder_may_be_not_required() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [MessagesPlaceholder("history", optional=True), ("human", "{text}")],
        input_type=WithHistory,
    )
    assert prompt.input_variables == ["text"]
    assert prompt.optional_variables == ["history"]


def test_required_variable_marked_not_required_fails() -> None:
    with pytest.raises(TemplateError, match=r"marks \['text'\] as optional"):
        ChatPromptTemplate.from_messages([("human", "{text}")], input_type=LooseText)


def test_partials_are_not_part_of_the_typed_dict() -> None:
    class OnlyText(TypedDict):
        text: str

    prompt = ChatPromptTemplate(
        MESSAGES, partial_variables={"source": "English", "target": "French"}, input_type=OnlyText
    )
    assert prompt.input_variables == ["text"]
    with pytest.raises(TemplateError):
        ChatPromptTemplate(MESSAGES, partial_variables={"source": "x"}, input_type=TranslateInput)


def test_append_rechecks_the_typed_dict() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    with pytest.raises(TemplateError, match="new_var"):
        prompt.append(("human", "{new_var}"))


def test_non_typed_dict_input_type() -> None:
    with pytest.raises(TemplateError, match="must be a TypedDict"):
        ChatPromptTemplate.from_messages(MESSAGES, input_type=dict)


def test_prompt_template_input_type_and_from_template() -> None:
    class Topic(TypedDict):
        topic: str

    assert PromptTemplate.from_template("{topic}", input_type=Topic).input_type is Topic
    with pytest.raises(TemplateError):
        PromptTemplate.from_template("{subject}", input_type=Topic)
    chat = ChatPromptTemplate.from_template("{topic}", input_type=Topic)
    assert chat.invoke({"topic": "x"}).to_messages() == [HumanMessage("x")]


def test_derived_prompts_are_untyped() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    assert prompt.partial(source="English").input_type is None
    assert (prompt + ("ai", "{x}")).input_type is None  # noqa: RUF005


def test_prompt_template_setter_rechecks_input_type() -> None:
    class Topic(TypedDict):
        topic: str

    prompt = PromptTemplate.from_template("{topic}", input_type=Topic)
    prompt.template = "About {topic}!"
    with pytest.raises(TemplateError, match="subject"):
        prompt.template = "{subject}"
    assert prompt.format(topic="x") == "About x!"
