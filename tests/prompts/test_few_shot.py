"""Few-shot prompts with fixed examples (chat and text)."""

from __future__ import annotations

import pytest

from pipes._errors import MissingVariablesError, TemplateError, UnsafeTemplateError
from pipes._messages import AIMessage, HumanMessage, SystemMessage
from pipes._prompts import (
    ChatPromptTemplate,
    FewShotChatMessagePromptTemplate,
    FewShotPromptTemplate,
    PromptTemplate,
)

EXAMPLES = [{"input": "2+2", "output": "4"}, {"input": "2+3", "output": "5"}]
EXAMPLE_CHAT = ChatPromptTemplate.from_messages([("human", "{input}"), ("ai", "{output}")])


def test_few_shot_chat_inside_a_chat_prompt() -> None:
    few_shot = FewShotChatMessagePromptTemplate(examples=EXAMPLES, example_prompt=EXAMPLE_CHAT)
    assert few_shot.input_variables == []
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a calculator."), few_shot, ("human", "{input}")]
    )
    assert prompt.input_variables == ["input"]
    assert prompt.invoke({"input": "3+3"}).to_messages() == [
        SystemMessage("You are a calculator."),
        HumanMessage("2+2"),
        AIMessage("4"),
        HumanMessage("2+3"),
        AIMessage("5"),
        HumanMessage("3+3"),
    ]
    assert few_shot.format() == "Human: 2+2\nAI: 4\nHuman: 2+3\nAI: 5"


def test_few_shot_chat_checks_examples() -> None:
    with pytest.raises(TemplateError, match=r"Example 1 lacks \['output'\]"):
        FewShotChatMessagePromptTemplate(
            examples=[EXAMPLES[0], {"input": "x"}], example_prompt=EXAMPLE_CHAT
        )
    with pytest.raises(TemplateError, match="must be a ChatPromptTemplate"):
        FewShotChatMessagePromptTemplate(
            examples=EXAMPLES,
            example_prompt=PromptTemplate.from_template("{input}"),  # type: ignore[arg-type]
        )
    with pytest.raises(TemplateError, match="list of dicts"):
        FewShotChatMessagePromptTemplate(examples="nope", example_prompt=EXAMPLE_CHAT)  # type: ignore[arg-type]


def test_example_values_are_data_not_templates() -> None:
    # Braces inside example values are inserted verbatim, never interpreted.
    few_shot = FewShotChatMessagePromptTemplate(
        examples=[{"input": "{secret.__class__}", "output": "{{x}}"}], example_prompt=EXAMPLE_CHAT
    )
    assert few_shot.format_messages() == [HumanMessage("{secret.__class__}"), AIMessage("{{x}}")]


def test_few_shot_text_prompt() -> None:
    prompt = FewShotPromptTemplate(
        examples=[{"q": "2+2", "a": "4"}, {"q": "2+3", "a": "5"}],
        example_prompt=PromptTemplate.from_template("Q: {q}\nA: {a}"),
        prefix="Answer like the examples, {name}.",
        suffix="Q: {question}\nA:",
    )
    assert prompt.input_variables == ["name", "question"]
    assert prompt.format(name="Ada", question="3+3") == (
        "Answer like the examples, Ada.\n\nQ: 2+2\nA: 4\n\nQ: 2+3\nA: 5\n\nQ: 3+3\nA:"
    )
    partial = prompt.partial(name="Bob")
    assert partial.input_variables == ["question"]
    assert partial.invoke("1+1").text.endswith("Q: 1+1\nA:")  # type: ignore[arg-type]
    with pytest.raises(MissingVariablesError) as info:
        prompt.invoke({"question": "x"})
    assert info.value.missing == ["name"]


def test_few_shot_text_prompt_without_prefix_and_checks() -> None:
    prompt = FewShotPromptTemplate(
        examples=[{"q": "a"}],
        example_prompt=PromptTemplate.from_template("{q}"),
        suffix="{x}",
        example_separator=" | ",
    )
    assert prompt.format(x="b") == "a | b"
    with pytest.raises(TemplateError, match="do not match"):
        FewShotPromptTemplate(
            examples=[],
            example_prompt=PromptTemplate.from_template("{q}"),
            suffix="{x}",
            input_variables=["y"],
        )
    with pytest.raises(UnsafeTemplateError):
        FewShotPromptTemplate(
            examples=[], example_prompt=PromptTemplate.from_template("{q}"), suffix="{x.__class__}"
        )
