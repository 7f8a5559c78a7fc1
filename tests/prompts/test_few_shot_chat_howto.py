"""`FewShotChatMessagePromptTemplate` as a prompt of its own: LangChain's "How to use few shot
examples in chat models" and "How to use example selectors" programs, imports changed."""

from __future__ import annotations

from typing import Any

import pytest

from pipes import (
    AIMessage,
    BaseExampleSelector,
    ChatPromptTemplate,
    ChatPromptValue,
    FewShotChatMessagePromptTemplate,
    HumanMessage,
    MissingVariablesError,
    SystemMessage,
    TemplateError,
)

examples = [
    {"input": "2 🦜 2", "output": "4"},
    {"input": "2 🦜 3", "output": "5"},
]
example_prompt = ChatPromptTemplate.from_messages([("human", "{input}"), ("ai", "{output}")])
EXAMPLE_MESSAGES = [HumanMessage("2 🦜 2"), AIMessage("4"), HumanMessage("2 🦜 3"), AIMessage("5")]


def test_howto_fixed_examples_invoke_and_format() -> None:
    few_shot_prompt = FewShotChatMessagePromptTemplate(
        example_prompt=example_prompt,
        examples=examples,
    )
    assert few_shot_prompt.invoke({}).to_messages() == EXAMPLE_MESSAGES
    assert few_shot_prompt.format_messages() == EXAMPLE_MESSAGES
    assert few_shot_prompt.format() == "Human: 2 🦜 2\nAI: 4\nHuman: 2 🦜 3\nAI: 5"


async def test_fixed_examples_async_and_in_a_chain() -> None:
    few_shot_prompt = FewShotChatMessagePromptTemplate(
        example_prompt=example_prompt, examples=examples
    )
    assert await few_shot_prompt.ainvoke({}) == ChatPromptValue(EXAMPLE_MESSAGES)
    assert await few_shot_prompt.aformat_messages() == EXAMPLE_MESSAGES
    chain = few_shot_prompt | (lambda value: len(value.to_messages()))
    assert chain.invoke({}) == 4


def test_howto_inside_a_chat_prompt() -> None:
    few_shot_prompt = FewShotChatMessagePromptTemplate(
        example_prompt=example_prompt, examples=examples
    )
    final_prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a wondrous wizard of math."),
            few_shot_prompt,
            ("human", "{input}"),
        ]
    )
    assert final_prompt.input_variables == ["input"]
    assert final_prompt.invoke({"input": "What is 2 🦜 9?"}).to_messages() == [
        SystemMessage("You are a wondrous wizard of math."),
        *EXAMPLE_MESSAGES,
        HumanMessage("What is 2 🦜 9?"),
    ]


class CustomExampleSelector(BaseExampleSelector):
    def __init__(self, examples: list[dict[str, str]]) -> None:
        self.examples = examples

    def add_example(self, example: dict[str, str]) -> None:
        self.examples.append(example)

    def select_examples(self, input_variables: dict[str, str]) -> list[dict[str, Any]]:
        # This assumes knowledge that part of the input will be a 'text' key
        new_word = input_variables["input"]
        new_word_length = len(new_word)

        # Initialize variables to store the best match and its length difference
        best_match = None
        smallest_diff = float("inf")

        # Iterate through each example
        for example in self.examples:
            # Calculate the length difference with the first word of the example
            current_diff = abs(len(example["input"]) - new_word_length)

            # Update the best match if the current one is closer in length
            if current_diff < smallest_diff:
                smallest_diff = current_diff
                best_match = example

        assert best_match is not None
        return [best_match]


TRANSLATIONS = [
    {"input": "hi", "output": "ciao"},
    {"input": "bye", "output": "arrivederci"},
    {"input": "soccer", "output": "calcio"},
]


async def test_howto_custom_example_selector() -> None:
    example_selector = CustomExampleSelector(list(TRANSLATIONS))
    assert example_selector.select_examples({"input": "okay"}) == [
        {"input": "bye", "output": "arrivederci"}
    ]
    example_selector.add_example({"input": "hand", "output": "mano"})
    assert example_selector.select_examples({"input": "okay"}) == [
        {"input": "hand", "output": "mano"}
    ]
    assert await example_selector.aselect_examples({"input": "hi"}) == [TRANSLATIONS[0]]


def test_howto_selector_in_a_chat_prompt() -> None:
    few_shot_prompt = FewShotChatMessagePromptTemplate(
        input_variables=["input"],
        example_selector=CustomExampleSelector(
            [*TRANSLATIONS, {"input": "hand", "output": "mano"}]
        ),
        example_prompt=example_prompt,
    )
    assert few_shot_prompt.invoke({"input": "horse"}).to_messages() == [
        HumanMessage("soccer"),
        AIMessage("calcio"),
    ]
    final_prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate"), few_shot_prompt, ("human", "{input}")]
    )
    assert final_prompt.input_variables == ["input"]
    assert final_prompt.invoke({"input": "word"}).to_messages() == [
        SystemMessage("Translate"),
        HumanMessage("hand"),
        AIMessage("mano"),
        HumanMessage("word"),
    ]
    with pytest.raises(MissingVariablesError):
        few_shot_prompt.invoke({})


def test_examples_xor_selector() -> None:
    with pytest.raises(TemplateError, match="exactly one of"):
        FewShotChatMessagePromptTemplate(example_prompt=example_prompt)
    with pytest.raises(TemplateError, match="exactly one of"):
        FewShotChatMessagePromptTemplate(
            example_prompt=example_prompt,
            examples=examples,
            example_selector=CustomExampleSelector([]),
        )
    with pytest.raises(TemplateError, match="select_examples"):
        FewShotChatMessagePromptTemplate(example_prompt=example_prompt, example_selector=object())


def test_selected_examples_are_checked() -> None:
    class Bad(BaseExampleSelector):
        def add_example(self, example: dict[str, str]) -> None:
            pass

        def select_examples(self, input_variables: dict[str, str]) -> list[dict[str, Any]]:
            return [{"input": "x"}]

    prompt = FewShotChatMessagePromptTemplate(example_prompt=example_prompt, example_selector=Bad())
    with pytest.raises(TemplateError, match=r"lacks \['output'\]"):
        prompt.invoke({})


def test_howto_example_selector_with_a_text_prompt() -> None:
    # LangChain how-to "How to use example selectors", imports changed; its printed prompt.
    from pipes import FewShotPromptTemplate, PromptTemplate

    example_selector = CustomExampleSelector(list(TRANSLATIONS))
    example_selector.add_example({"input": "hand", "output": "mano"})
    example_prompt = PromptTemplate.from_template("Input: {input} -> Output: {output}")
    prompt = FewShotPromptTemplate(
        example_selector=example_selector,
        example_prompt=example_prompt,
        suffix="Input: {input} -> Output:",
        prefix="Translate the following words from English to Italian:",
        input_variables=["input"],
    )
    assert prompt.format(input="word") == (
        "Translate the following words from English to Italian:\n\n"
        "Input: hand -> Output: mano\n\n"
        "Input: word -> Output:"
    )
    assert "Input: soccer -> Output: calcio" in prompt.invoke({"input": "soccerball"}).to_string()
    # Partials reach the selector too (LangChain passes every value).
    assert "Input: hi -> Output: ciao" in prompt.partial(input="hi").format()
