"""Prompt objects compare by value within their own kind and are not hashable.

Pins the rules every template class shares (one implementation, `ComparedByValue`): a change
to what one class compares must not leak into another.
"""

from __future__ import annotations

import pickle

import pytest

from pipes import (
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    PromptTemplate,
    SystemMessagePromptTemplate,
)
from pipes._prompts._base import TemplateText


def test_prompt_templates_compare_text_format_and_partials() -> None:
    base = PromptTemplate.from_template("Hi {name}")
    assert base == PromptTemplate.from_template("Hi {name}")
    assert base != PromptTemplate.from_template("Hi {name}!")
    assert base != PromptTemplate.from_template("Hi {{name}}", template_format="mustache")
    assert base != base.partial(name="Ann")
    assert base.partial(name="Ann") == PromptTemplate.from_template("Hi {name}").partial(name="Ann")


def test_chat_prompts_compare_messages_and_partials() -> None:
    chat = ChatPromptTemplate.from_messages([("system", "Be {tone}."), ("human", "{q}")])
    same = ChatPromptTemplate.from_messages([("system", "Be {tone}."), ("human", "{q}")])
    assert chat == same
    assert chat != ChatPromptTemplate.from_messages([("human", "Be {tone}."), ("human", "{q}")])
    assert chat != chat.partial(tone="terse")


def test_kinds_never_equal_each_other() -> None:
    text = "Tell me about {topic}"
    assert PromptTemplate.from_template(text) != ChatPromptTemplate.from_template(text)
    assert ChatPromptTemplate.from_template(text) != PromptTemplate.from_template(text)
    human = HumanMessagePromptTemplate.from_template(text)
    assert human == HumanMessagePromptTemplate.from_template(text)
    assert human != SystemMessagePromptTemplate.from_template(text)  # same text, other role
    assert ChatMessagePromptTemplate.from_template(text, role="critic") != (
        ChatMessagePromptTemplate.from_template(text, role="judge")
    )
    assert MessagesPlaceholder("history") == MessagesPlaceholder("history")
    assert MessagesPlaceholder("history") != MessagesPlaceholder("history", optional=True)
    assert MessagesPlaceholder("history") != MessagesPlaceholder("history", n_messages=2)
    assert TemplateText("{a}") == TemplateText("{a}")
    assert TemplateText("{a}") != TemplateText("{a}", "mustache")
    assert PromptTemplate.from_template("{a}") != TemplateText("{a}")
    assert human != "Tell me about {topic}"


@pytest.mark.parametrize(
    "value",
    [
        PromptTemplate.from_template("{a}"),
        ChatPromptTemplate.from_template("{a}"),
        HumanMessagePromptTemplate.from_template("{a}"),
        MessagesPlaceholder("history"),
        TemplateText("{a}"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_mutable_templates_are_unhashable_and_survive_pickling(value: object) -> None:
    with pytest.raises(TypeError, match="unhashable"):
        hash(value)
    assert pickle.loads(pickle.dumps(value)) == value
