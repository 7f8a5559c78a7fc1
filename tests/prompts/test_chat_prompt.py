"""ChatPromptTemplate: every construction form LangChain users write, and their behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from pipes._errors import InputTypeError, MissingVariablesError, TemplateError
from pipes._messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    ChatPromptValue,
    HumanMessage,
    SystemMessage,
    convert_to_message,
)
from pipes._prompts import (
    AIMessagePromptTemplate,
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    PromptTemplate,
    SystemMessagePromptTemplate,
)

TRANSLATE = [("system", "Translate from {source} to {target}."), ("human", "{text}")]
VALUES = {"source": "English", "target": "French", "text": "I love programming."}


def test_tuples_with_every_role() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "sys {a}"),
            ("human", "human {a}"),
            ("user", "user {a}"),
            ("ai", "ai {a}"),
            ("assistant", "assistant {a}"),
            ("developer", "dev {a}"),
        ]
    )
    messages = prompt.format_messages(a="1")
    assert messages[:5] == [
        SystemMessage("sys 1"),
        HumanMessage("human 1"),
        HumanMessage("user 1"),
        AIMessage("ai 1"),
        AIMessage("assistant 1"),
    ]
    assert messages[5] == convert_to_message(("developer", "dev 1"))


def test_invoke_returns_chat_prompt_value() -> None:
    prompt = ChatPromptTemplate.from_messages(TRANSLATE)
    assert prompt.input_variables == ["source", "target", "text"]
    value = prompt.invoke(VALUES)
    assert isinstance(value, ChatPromptValue)
    assert value.to_messages() == [
        SystemMessage("Translate from English to French."),
        HumanMessage("I love programming."),
    ]
    assert value.to_string() == (
        "System: Translate from English to French.\nHuman: I love programming."
    )
    assert prompt.format(**VALUES) == value.to_string()
    assert prompt.format_prompt(**VALUES) == value


def test_message_objects_are_kept_literal() -> None:
    literal = SystemMessage("Use {braces} freely: {not_a_variable}")
    prompt = ChatPromptTemplate.from_messages([literal, ("human", "{q}")])
    assert prompt.input_variables == ["q"]
    messages = prompt.format_messages(q="hi")
    assert messages[0] is literal


def test_template_objects() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            SystemMessagePromptTemplate.from_template("You are {persona}."),
            HumanMessagePromptTemplate.from_template("{q}"),
            AIMessagePromptTemplate.from_template("A: {a}"),
            ChatMessagePromptTemplate.from_template("{c}", role="critic"),
        ]
    )
    assert prompt.input_variables == ["a", "c", "persona", "q"]
    assert prompt.format_messages(persona="P", q="Q", a="1", c="C") == [
        SystemMessage("You are P."),
        HumanMessage("Q"),
        AIMessage("A: 1"),
        ChatMessage("C", role="critic"),
    ]


def test_message_template_prompt_keyword_form() -> None:
    template = HumanMessagePromptTemplate(prompt=PromptTemplate.from_template("Hi {name}"))
    assert template.input_variables == ["name"]
    assert template.format(name="Ada") == HumanMessage("Hi Ada")


def test_message_template_partials() -> None:
    template = SystemMessagePromptTemplate.from_template("{a} {b}", partial_variables={"b": "B"})
    assert template.input_variables == ["a"]
    prompt = ChatPromptTemplate.from_messages([template])
    assert prompt.input_variables == ["a"]
    assert prompt.format_messages(a="A") == [SystemMessage("A B")]


def test_plain_strings_are_human_templates() -> None:
    prompt = ChatPromptTemplate.from_messages(["Hello {name}"])
    assert prompt.format_messages(name="Ada") == [HumanMessage("Hello Ada")]


def test_role_dicts() -> None:
    prompt = ChatPromptTemplate.from_messages([{"role": "system", "content": "Be {tone}."}])
    assert prompt.format_messages(tone="brief") == [SystemMessage("Be brief.")]


def test_from_template() -> None:
    prompt = ChatPromptTemplate.from_template("Tell me a joke about {topic}")
    assert prompt.invoke({"topic": "cats"}).to_messages() == [
        HumanMessage("Tell me a joke about cats")
    ]


@pytest.mark.parametrize("fmt", ["mustache", "jinja2"])
def test_other_formats(fmt: Any) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be {{ tone }}."), ("placeholder", "{{history}}"), ("human", "{{ q }}")],
        template_format=fmt,
    )
    assert prompt.input_variables == ["q", "tone"]
    assert prompt.optional_variables == ["history"]
    assert prompt.format_messages(tone="brief", q="hi") == [
        SystemMessage("Be brief."),
        HumanMessage("hi"),
    ]


def test_messages_placeholder_required() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "S"), MessagesPlaceholder("history"), ("human", "{q}")]
    )
    assert prompt.input_variables == ["history", "q"]
    history = [("human", "hi"), ("ai", "hello"), HumanMessage("again")]
    assert prompt.format_messages(history=history, q="?") == [
        SystemMessage("S"),
        HumanMessage("hi"),
        AIMessage("hello"),
        HumanMessage("again"),
        HumanMessage("?"),
    ]
    with pytest.raises(MissingVariablesError) as info:
        prompt.invoke({"q": "?"})
    assert info.value.missing == ["history"]


def test_messages_placeholder_optional_and_n_messages() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [MessagesPlaceholder("history", optional=True, n_messages=1), ("human", "{q}")]
    )
    assert prompt.input_variables == ["q"]
    assert prompt.optional_variables == ["history"]
    assert prompt.format_messages(q="x") == [HumanMessage("x")]
    assert prompt.format_messages(q="x", history=[AIMessage("a"), AIMessage("b")]) == [
        AIMessage("b"),
        HumanMessage("x"),
    ]
    # A single-variable prompt with an optional placeholder still takes a bare value.
    assert prompt.invoke("bare").to_messages() == [HumanMessage("bare")]  # type: ignore[arg-type]


def test_placeholder_tuple_is_optional() -> None:
    prompt = ChatPromptTemplate.from_messages([("placeholder", "{history}"), ("human", "{q}")])
    assert prompt.optional_variables == ["history"]
    assert prompt.format_messages(q="x") == [HumanMessage("x")]
    assert prompt.format_messages(q="x", history=[("ai", "a")]) == [
        AIMessage("a"),
        HumanMessage("x"),
    ]


def test_placeholder_accepts_prompt_value_and_rejects_non_lists() -> None:
    inner = ChatPromptTemplate.from_messages([("human", "{q}")]).invoke({"q": "inner"})
    prompt = ChatPromptTemplate.from_messages([MessagesPlaceholder("history")])
    assert prompt.format_messages(history=inner) == [HumanMessage("inner")]
    with pytest.raises(InputTypeError, match="must be a list of messages"):
        prompt.format_messages(history="not a list")


def test_bad_placeholder_and_roles() -> None:
    with pytest.raises(TemplateError, match="must name one variable"):
        ChatPromptTemplate.from_messages([("placeholder", "history")])
    with pytest.raises(TemplateError, match="Unknown role 'robot'"):
        ChatPromptTemplate.from_messages([("robot", "x")])
    with pytest.raises(TemplateError, match="Cannot use 42"):
        ChatPromptTemplate.from_messages([42])  # type: ignore[list-item]
    with pytest.raises(TemplateError, match="takes a list of messages"):
        ChatPromptTemplate("just a string")
    with pytest.raises(TemplateError, match="needs a variable name"):
        MessagesPlaceholder("not a name")


def test_missing_variables_lists_missing_expected_supplied() -> None:
    prompt = ChatPromptTemplate.from_messages([*TRANSLATE, ("placeholder", "{history}")])
    with pytest.raises(MissingVariablesError) as info:
        prompt.invoke({"source": "English", "txt": "typo"})
    err = info.value
    assert err.missing == ["target", "text"]
    assert err.expected == ["history", "source", "target", "text"]
    assert err.supplied == ["source", "txt"]
    assert isinstance(err, KeyError)


def test_extra_variables_allowed() -> None:
    prompt = ChatPromptTemplate.from_messages(TRANSLATE)
    assert len(prompt.invoke({**VALUES, "unused": 1}).to_messages()) == 2


def test_single_variable_bare_input() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{q}")])
    assert prompt.invoke("hi").to_messages()[-1] == HumanMessage("hi")  # type: ignore[arg-type]
    multi = ChatPromptTemplate.from_messages(TRANSLATE)
    with pytest.raises(InputTypeError):
        multi.invoke("hi")  # type: ignore[arg-type]


def test_partial() -> None:
    prompt = ChatPromptTemplate.from_messages(TRANSLATE)
    partial = prompt.partial(source="English", target=lambda: "German")
    assert partial.input_variables == ["text"]
    assert partial.invoke("Hi").to_messages() == [  # type: ignore[arg-type]
        SystemMessage("Translate from English to German."),
        HumanMessage("Hi"),
    ]
    assert partial.format_messages(text="x", target="Dutch")[0] == SystemMessage(
        "Translate from English to Dutch."
    )
    assert prompt.input_variables == ["source", "target", "text"]


def test_partial_variables_at_construction() -> None:
    prompt = ChatPromptTemplate(TRANSLATE, partial_variables={"source": "English"})
    assert prompt.input_variables == ["target", "text"]


def test_add() -> None:
    system = ChatPromptTemplate.from_messages([("system", "You are {persona}.")])
    human = ChatPromptTemplate.from_messages([("human", "{q}")]).partial(q="default")
    both = system + human
    assert both.input_variables == ["persona"]
    assert both.format_messages(persona="P") == [
        SystemMessage("You are P."),
        HumanMessage("default"),
    ]

    plus_message = system + AIMessage("literal {x}")
    assert plus_message.input_variables == ["persona"]
    plus_tuple = system + ("human", "{q}")  # noqa: RUF005 - prompt + tuple is the API
    assert plus_tuple.input_variables == ["persona", "q"]
    plus_str = system + "{q}"
    assert plus_str.format_messages(persona="P", q="Q")[-1] == HumanMessage("Q")
    plus_list = system + [("ai", "a"), HumanMessagePromptTemplate.from_template("{z}")]  # noqa: RUF005
    assert plus_list.input_variables == ["persona", "z"]
    plus_template = system + MessagesPlaceholder("h", optional=True)
    assert plus_template.optional_variables == ["h"]
    left = ("system", "first {a}") + ChatPromptTemplate.from_messages([("human", "{b}")])  # noqa: RUF005
    assert [type(m) for m in left.format_messages(a=1, b=2)] == [SystemMessage, HumanMessage]
    with pytest.raises(TypeError):
        system + 42  # type: ignore[operator]


def test_nested_chat_prompt_is_inlined() -> None:
    inner = ChatPromptTemplate.from_messages([("system", "{a}")]).partial(a="A")
    outer = ChatPromptTemplate.from_messages([inner, ("human", "{b}")])
    assert outer.input_variables == ["b"]
    assert outer.format_messages(b="B") == [SystemMessage("A"), HumanMessage("B")]


def test_indexing_len_append_extend() -> None:
    prompt = ChatPromptTemplate.from_messages(TRANSLATE)
    assert len(prompt) == 2
    assert isinstance(prompt[0], SystemMessagePromptTemplate)
    assert prompt[1:].input_variables == ["text"]
    prompt.append(("ai", "{answer}"))
    assert prompt.input_variables == ["answer", "source", "target", "text"]
    prompt.extend([AIMessage("x")])
    assert len(prompt) == 4


def test_multimodal_openai_image_url_parts() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Describe images."),
            (
                "human",
                [
                    {"type": "text", "text": "{question}"},
                    {"type": "image_url", "image_url": {"url": "{image_url}"}},
                ],
            ),
        ]
    )
    assert prompt.input_variables == ["image_url", "question"]
    messages = prompt.format_messages(question="What is it?", image_url="https://x/cat.png")
    assert messages[1] == HumanMessage(
        [
            {"type": "text", "text": "What is it?"},
            {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
        ]
    )


def test_multimodal_neutral_image_part_and_template_object() -> None:
    template = HumanMessagePromptTemplate.from_template(
        [
            "Look at this:",
            {"type": "image", "source_type": "url", "url": "{image_url}"},
        ]
    )
    assert template.input_variables == ["image_url"]
    message = template.format(image_url="https://x/dog.png")
    assert message.content == [
        "Look at this:",
        {"type": "image", "source_type": "url", "url": "https://x/dog.png"},
    ]


def test_multimodal_parts_are_validated_by_the_message_layer() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("human", [{"type": "image", "source_type": "url"}])]
    )
    with pytest.raises(Exception, match="url"):
        prompt.format_messages()


def test_multimodal_parts_reject_unsafe_fields() -> None:
    with pytest.raises(TemplateError):
        ChatPromptTemplate.from_messages(
            [("human", [{"type": "image_url", "image_url": {"url": "{u.__class__}"}}])]
        )


def test_input_schema() -> None:
    prompt = ChatPromptTemplate.from_messages([*TRANSLATE, ("placeholder", "{history}")])
    schema = prompt.get_input_schema()
    assert schema["required"] == ["source", "target", "text"]
    assert schema["properties"]["text"] == {"title": "Text", "type": "string"}
    assert schema["properties"]["history"]["type"] == "array"


def test_repr_pretty_and_equality() -> None:
    prompt = ChatPromptTemplate.from_messages([*TRANSLATE, ("placeholder", "{history}")])
    assert prompt == ChatPromptTemplate.from_messages([*TRANSLATE, ("placeholder", "{history}")])
    assert "input_variables=['source', 'target', 'text']" in repr(prompt)
    pretty = prompt.pretty_repr()
    assert "Translate from {source} to {target}." in pretty
    assert "{history}" in pretty


def test_formatting_does_not_mutate_or_share_messages() -> None:
    prompt = ChatPromptTemplate.from_messages(TRANSLATE)
    first = prompt.invoke(VALUES).to_messages()
    first.append(HumanMessage("appended"))
    second: list[BaseMessage] = prompt.invoke(VALUES).to_messages()
    assert len(second) == 2
    assert VALUES == {"source": "English", "target": "French", "text": "I love programming."}
