"""Static typing of prompts: checked by mypy --strict and pyright (and run by pytest).

A prompt built with ``input_type=SomeTypedDict`` is a runnable *from that TypedDict*, so a
misspelled or missing key is a type error in the prompt and in every chain built on it.
The ``# type: ignore[...]`` lines below are the errors we expect; with
``warn_unused_ignores`` (part of mypy --strict) this file fails if they stop being errors.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import Any, assert_type

import pytest
from typing_extensions import TypedDict

from pipes._core import Runnable, RunnableConfig, RunnableSequence
from pipes._errors import MissingVariablesError
from pipes._messages import AIMessage, BaseMessage, ChatPromptValue, PromptValue, StringPromptValue
from pipes._prompts import (
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    PromptTemplate,
)


class TranslateInput(TypedDict):
    source: str
    target: str
    text: str


class Topic(TypedDict):
    topic: str


class Model(Runnable[PromptValue, AIMessage]):
    def invoke(
        self, input: PromptValue, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        return AIMessage(input.to_string())


MESSAGES: list[tuple[str, str]] = [
    ("system", "Translate from {source} to {target}."),
    ("human", "{text}"),
]


def test_typed_chat_prompt() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    assert_type(prompt, ChatPromptTemplate[TranslateInput])
    as_runnable: Runnable[TranslateInput, ChatPromptValue] = prompt
    assert as_runnable is prompt
    good: TranslateInput = {"source": "English", "target": "French", "text": "hi"}
    assert_type(prompt.invoke(good), ChatPromptValue)
    with pytest.raises(MissingVariablesError):
        prompt.invoke({"source": "English", "target": "French", "txt": "hi"})  # type: ignore[typeddict-unknown-key, typeddict-item]
    with pytest.raises(MissingVariablesError):
        prompt.invoke({"source": "English", "target": "French"})  # type: ignore[typeddict-item]


def test_typed_chain() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    chain = prompt | Model()
    assert_type(chain, RunnableSequence[TranslateInput, AIMessage])
    assert_type(chain.invoke({"source": "a", "target": "b", "text": "c"}), AIMessage)
    with pytest.raises(MissingVariablesError):
        chain.invoke({"source": "a", "target": "b", "texte": "c"})  # type: ignore[typeddict-unknown-key, typeddict-item]


def test_typed_constructor_and_from_template() -> None:
    direct = ChatPromptTemplate(MESSAGES, input_type=TranslateInput)
    assert_type(direct, ChatPromptTemplate[TranslateInput])

    chat = ChatPromptTemplate.from_template("{topic}", input_type=Topic)
    assert_type(chat, ChatPromptTemplate[Topic])
    text = PromptTemplate.from_template("Tell me about {topic}", input_type=Topic)
    assert_type(text, PromptTemplate[Topic])
    assert_type(text.invoke({"topic": "bears"}), StringPromptValue)


def test_untyped_prompts_take_any_dict() -> None:
    prompt = ChatPromptTemplate.from_messages(MESSAGES)
    assert_type(prompt, ChatPromptTemplate[dict[str, Any]])
    assert_type(ChatPromptTemplate(MESSAGES), ChatPromptTemplate[dict[str, Any]])
    assert_type(PromptTemplate.from_template("{x}"), PromptTemplate[dict[str, Any]])
    assert_type(ChatPromptTemplate.from_template("{x}"), ChatPromptTemplate[dict[str, Any]])
    # An explicit None is the same as no input_type.
    untyped = ChatPromptTemplate.from_messages(MESSAGES, input_type=None)
    assert_type(untyped, ChatPromptTemplate[dict[str, Any]])
    assert_type(PromptTemplate("{x}", input_type=None), PromptTemplate[dict[str, Any]])
    assert_type(prompt.invoke({"source": 1, "target": 2, "text": 3}), ChatPromptValue)
    assert_type(prompt | Model(), RunnableSequence[dict[str, Any], AIMessage])
    # Derived prompts (partial, +) have an untyped input.
    typed = ChatPromptTemplate.from_messages(MESSAGES, input_type=TranslateInput)
    assert_type(typed.partial(source="English"), ChatPromptTemplate[dict[str, Any]])
    assert_type(typed + ("ai", "{x}"), ChatPromptTemplate[dict[str, Any]])  # noqa: RUF005


def test_message_template_constructors_return_their_class() -> None:
    human = HumanMessagePromptTemplate.from_template("{x}")
    assert_type(human, HumanMessagePromptTemplate)
    assert_type(human.format(x=1), BaseMessage)
    critic = ChatMessagePromptTemplate.from_template("{x}", role="critic")
    assert_type(critic, ChatMessagePromptTemplate)


def check_few_shot_chat_is_a_prompt() -> None:
    from pipes import ChatPromptTemplate, ChatPromptValue, FewShotChatMessagePromptTemplate

    few_shot = FewShotChatMessagePromptTemplate(
        examples=[{"input": "a", "output": "b"}],
        example_prompt=ChatPromptTemplate.from_messages([("human", "{input}"), ("ai", "{output}")]),
    )
    assert_type(few_shot.invoke({}), ChatPromptValue)


def check_optional_input_type(topic: type[Topic] | None) -> None:
    # An input_type that may be None still types the prompt by the TypedDict it may be.
    assert_type(PromptTemplate.from_template("{topic}", input_type=topic), PromptTemplate[Topic])
    assert_type(PromptTemplate("{topic}", input_type=topic), PromptTemplate[Topic])
    assert_type(
        ChatPromptTemplate.from_template("{topic}", input_type=topic), ChatPromptTemplate[Topic]
    )
    assert_type(ChatPromptTemplate(MESSAGES, input_type=topic), ChatPromptTemplate[Topic])
    PromptTemplate.from_template("{topic}", input_type=topic).invoke({"topc": "a"})  # type: ignore[typeddict-unknown-key, typeddict-item]
