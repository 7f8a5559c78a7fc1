"""dumpd → load rebuilds equivalent objects: every message type, prompt kind, parser and
composition pipes serializes (behaviour compared, not just types)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipes import (
    AIMessage,
    AIMessageChunk,
    AIMessagePromptTemplate,
    ChatMessage,
    ChatMessageChunk,
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    ChatPromptValue,
    CommaSeparatedListOutputParser,
    FewShotChatMessagePromptTemplate,
    FewShotPromptTemplate,
    HumanMessage,
    HumanMessageChunk,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    JsonOutputToolsParser,
    MarkdownListOutputParser,
    MessagesPlaceholder,
    NumberedListOutputParser,
    PromptTemplate,
    RunnableAssign,
    RunnableBinding,
    RunnableBranch,
    RunnableEach,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
    StringPromptValue,
    StrOutputParser,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
    dumpd,
    dumps,
    load,
    loads,
)
from pipes.testing import FakeChatModel, FakeListChatModel, FakeMessagesListChatModel


def roundtrip(obj: Any) -> Any:
    """Through JSON text, as a stored document would be."""
    return loads(dumps(obj))


MESSAGES = [
    HumanMessage("hi", id="m1", name="bob"),
    HumanMessage(
        [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ]
    ),
    SystemMessage("be brief"),
    AIMessage(
        "",
        tool_calls=[{"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}],
        invalid_tool_calls=[
            {"name": "f", "args": "{", "id": "c2", "error": "bad", "type": "invalid_tool_call"}
        ],
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
        response_metadata={"model_name": "gpt-4o", "finish_reason": "tool_calls"},
        additional_kwargs={"refusal": None},
    ),
    ToolMessage("3", tool_call_id="c1", status="error", artifact={"raw": [1, 2]}),
    ChatMessage(content="ok", role="critic"),
    HumanMessageChunk(content="h"),
    SystemMessageChunk(content="s"),
    AIMessageChunk(
        content="Bon",
        tool_call_chunks=[
            {"name": "add", "args": '{"a": 1}', "id": "c1", "index": 0, "type": "tool_call_chunk"}
        ],
    ),
    ToolMessageChunk(content="3", tool_call_id="c1"),
    ChatMessageChunk(content="x", role="critic"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_type_and_chunk_round_trips(message: Any) -> None:
    loaded = roundtrip(message)
    assert type(loaded) is type(message)
    assert loaded == message


def test_user_data_that_looks_like_a_document_stays_data() -> None:
    hostile = {"lc": 1, "type": "constructor", "id": ["os", "system"], "kwargs": {"command": "x"}}
    message = HumanMessage(
        "x", additional_kwargs={"payload": hostile, "escaped": {"__lc_escaped__": 1}}
    )
    data = dumpd(message)
    assert data["kwargs"]["additional_kwargs"]["payload"] == {"__lc_escaped__": hostile}
    assert load(data) == message


def test_prompt_values_round_trip() -> None:
    chat = roundtrip(ChatPromptValue([HumanMessage("x"), AIMessage("y")]))
    assert isinstance(chat, ChatPromptValue)
    assert chat.to_messages() == [
        HumanMessage("x"),
        AIMessage("y"),
    ]
    text = roundtrip(StringPromptValue("x"))
    assert isinstance(text, StringPromptValue)
    assert text.to_string() == "x"


PROMPTS: list[tuple[Any, dict[str, Any]]] = [
    (PromptTemplate.from_template("Tell me about {topic}"), {"topic": "bears"}),
    (PromptTemplate.from_template("{a} and {b}", partial_variables={"b": "B"}), {"a": "A"}),
    (PromptTemplate.from_template("hi {{name}}", template_format="mustache"), {"name": "Ann"}),
    (
        PromptTemplate.from_template("hi {{ name|upper }}", template_format="jinja2"),
        {"name": "Ann"},
    ),
    (PromptTemplate("x {y}", name="named"), {"y": 1}),
    (
        ChatPromptTemplate.from_messages(
            [
                ("system", "Translate to {language}."),
                MessagesPlaceholder("history", optional=True, n_messages=2),
                ("human", "{text}"),
                ("ai", "Sure: {text}"),
                ("developer", "dev {language}"),
                SystemMessage("a literal message"),
                ChatMessagePromptTemplate.from_template("{text}?", role="critic"),
            ]
        ).partial(language="French"),
        {"text": "hi", "history": [("human", "a"), ("ai", "b"), ("human", "c")]},
    ),
    (
        ChatPromptTemplate.from_messages([("human", "{{x}}")], template_format="mustache"),
        {"x": "mustache"},
    ),
    (
        ChatPromptTemplate.from_messages(
            [
                (
                    "human",
                    [
                        {"type": "text", "text": "What is in {what}?"},
                        {"type": "image_url", "image_url": {"url": "{url}"}},
                    ],
                )
            ]
        ),
        {"what": "this", "url": "https://example.com/a.png"},
    ),
    (
        ChatPromptTemplate.from_messages(
            [
                (
                    "human",
                    [
                        {"type": "text", "text": "Listen to {what}"},
                        {"type": "input_audio", "input_audio": {"data": "{data}", "format": "wav"}},
                    ],
                )
            ]
        ),
        {"what": "this", "data": "UklGRg=="},
    ),
    (
        FewShotPromptTemplate(
            examples=[{"q": "2+2", "a": "4"}],
            example_prompt=PromptTemplate.from_template("Q: {q}\nA: {a}"),
            prefix="Answer like the examples.",
            suffix="Q: {question}\nA:",
        ),
        {"question": "3+3"},
    ),
    (
        ChatPromptTemplate.from_messages(
            [
                ("system", "Be terse."),
                FewShotChatMessagePromptTemplate(
                    examples=[{"q": "2+2", "a": "4"}],
                    example_prompt=ChatPromptTemplate.from_messages(
                        [("human", "{q}"), ("ai", "{a}")]
                    ),
                ),
                ("human", "{question}"),
            ]
        ),
        {"question": "3+3"},
    ),
]


@pytest.mark.parametrize(("prompt", "values"), PROMPTS, ids=lambda p: type(p).__name__)
def test_every_prompt_kind_round_trips_and_formats_the_same(
    prompt: Any, values: dict[str, Any]
) -> None:
    loaded = roundtrip(prompt)
    assert type(loaded) is type(prompt)
    assert loaded.input_variables == prompt.input_variables
    assert loaded.partial_variables == prompt.partial_variables
    assert loaded.get_name() == prompt.get_name()
    assert loaded.invoke(values).to_messages() == prompt.invoke(values).to_messages()


def test_message_templates_round_trip_alone() -> None:
    for template in (
        AIMessagePromptTemplate.from_template("{a}"),
        ChatMessagePromptTemplate.from_template("{a}", role="critic"),
        MessagesPlaceholder("h", optional=True),
    ):
        assert roundtrip(template) == template


PARSERS: list[tuple[Any, Any]] = [
    (StrOutputParser(), AIMessage("x")),
    (CommaSeparatedListOutputParser(), "a, b"),
    (MarkdownListOutputParser(), "- a\n- b"),
    (NumberedListOutputParser(), "1. a\n2. b"),
    (JsonOutputParser(), '{"a": 1}'),
    (
        JsonOutputToolsParser(return_id=True),
        AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "1"}]),
    ),
    (
        JsonOutputKeyToolsParser(key_name="f", first_tool_only=True),
        AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "1"}]),
    ),
]


@pytest.mark.parametrize(("parser", "value"), PARSERS, ids=lambda p: type(p).__name__)
def test_parsers_round_trip(parser: Any, value: Any) -> None:
    loaded = roundtrip(parser)
    assert type(loaded) is type(parser)
    assert loaded.invoke(value) == parser.invoke(value)


def test_fake_chat_models_round_trip() -> None:
    for model in (
        FakeListChatModel(responses=["a", "b"]),
        FakeChatModel(responses=["x", AIMessage("y")], cycle=True),
        FakeMessagesListChatModel(responses=[AIMessage("z")]),
    ):
        loaded = roundtrip(model)
        assert type(loaded) is type(model)
        assert [loaded.invoke("q").content for _ in range(2)] == [
            model.invoke("q").content for _ in range(2)
        ]


def _prompt() -> ChatPromptTemplate[Any]:
    return ChatPromptTemplate.from_messages([("human", "{q}")])


def _model(*responses: str) -> FakeListChatModel:
    return FakeListChatModel(responses=list(responses) or ["fine"])


COMPOSITIONS: list[tuple[Any, Any, type[Any]]] = [
    (_prompt() | _model("hello") | StrOutputParser(), {"q": "hi"}, RunnableSequence),
    (
        RunnableSequence(RunnablePassthrough(), StrOutputParser(), name="named"),
        "x",
        RunnableSequence,
    ),
    (RunnableParallel(a=RunnablePassthrough(), b=RunnablePick("k")), {"k": 1}, RunnableParallel),
    (RunnablePassthrough.assign(n=RunnablePick("k")), {"k": 1}, RunnableAssign),
    (RunnablePick(["a", "b"]), {"a": 1, "b": 2, "c": 3}, RunnablePick),
    (_model("x").bind(stop=["."]), "q", RunnableBinding),
    (_prompt().with_config(run_name="p", tags=["t"]), {"q": "x"}, RunnableBinding),
    (
        _model("r").with_retry(
            stop_after_attempt=4, retry_if_exception_type=(ValueError, TimeoutError)
        ),
        "q",
        RunnableRetry,
    ),
    (
        _model("f").with_fallbacks([_model("g")], exceptions_to_handle=(KeyError,)),
        "q",
        RunnableWithFallbacks,
    ),
    (
        RunnableBranch((RunnablePick("go"), RunnablePick("yes")), RunnablePick("no")),
        {"go": False, "yes": 1, "no": 2},
        RunnableBranch,
    ),
    (StrOutputParser().map(), ["a", "b"], RunnableEach),
]


@pytest.mark.parametrize(
    ("chain", "value", "cls"), COMPOSITIONS, ids=lambda c: getattr(c, "__name__", "")
)
def test_compositions_round_trip_and_behave_the_same(
    chain: Any, value: Any, cls: type[Any]
) -> None:
    loaded = roundtrip(chain)
    assert type(loaded) is cls
    assert loaded.get_name() == chain.get_name()
    assert loaded.invoke(value) == chain.invoke(value)


def test_retry_and_fallback_settings_survive() -> None:
    retry = roundtrip(
        StrOutputParser().with_retry(stop_after_attempt=5, wait_exponential_jitter=False)
    )
    assert (retry.stop_after_attempt, retry.wait_exponential_jitter) == (5, False)
    retry = roundtrip(
        RunnableRetry(StrOutputParser(), initial_wait=1.0, max_wait=3.0, exponential_base=3.0)
    )
    assert (retry.initial_wait, retry.max_wait, retry.exponential_base) == (1.0, 3.0, 3.0)
    fallbacks = roundtrip(
        StrOutputParser().with_fallbacks([StrOutputParser()], exception_key="error")
    )
    assert fallbacks.exception_key == "error"
    assert fallbacks.exceptions_to_handle == (Exception,)


def test_dumps_is_json_and_pretty_indents() -> None:
    text = dumps(HumanMessage("hi"), pretty=True)
    assert text.startswith("{\n  ")
    assert json.loads(text) == dumpd(HumanMessage("hi"))
    assert "\n" not in dumps(HumanMessage("hi"))


def test_plain_values_pass_through() -> None:
    value = {"a": [1, 2.5, "x", None, True], "m": HumanMessage("hi")}
    assert load(dumpd(value)) == value


def test_a_container_holding_itself_fails_clearly() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 200 levels deep"):
        dumpd(HumanMessage("x", additional_kwargs={"loop": loop}))
    escaped: dict[str, Any] = {"lc": 1}
    escaped["self"] = escaped
    with pytest.raises(ValueError, match="nested more than 200 levels deep"):
        dumpd(escaped)
