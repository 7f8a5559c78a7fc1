"""`RunnableWithMessageHistory`: LangChain's "How to add message history" programs with only
the imports changed (a fake chat model in place of ChatOpenAI), sync, async and streaming."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseChatMessageHistory,
    ChatPromptTemplate,
    ConfigurationError,
    HumanMessage,
    InMemoryChatMessageHistory,
    InputTypeError,
    MessagesPlaceholder,
    RunnableLambda,
    RunnableParallel,
    RunnableWithMessageHistory,
    SystemMessage,
    trim_messages,
)
from pipes.testing import FakeChatModel


class ConfigurableFieldSpec(NamedTuple):
    """LangChain's spec shape (pipes' own arrives with the configurable-fields work)."""

    id: str
    annotation: Any
    name: str | None = None
    description: str | None = None
    default: Any = None
    is_shared: bool = False


def _pairs(history: BaseChatMessageHistory) -> list[tuple[str, Any]]:
    return [(m.type, m.content) for m in history.messages]


@pytest.fixture
def store() -> dict[Any, InMemoryChatMessageHistory]:
    return {}


def test_howto_model_with_history(store: dict[Any, InMemoryChatMessageHistory]) -> None:
    model = FakeChatModel(responses=["Hi Bob!", "Your name is Bob."])

    def get_session_history(session_id: str) -> BaseChatMessageHistory:
        if session_id not in store:
            store[session_id] = InMemoryChatMessageHistory()
        return store[session_id]

    with_message_history = RunnableWithMessageHistory(model, get_session_history)
    config = {"configurable": {"session_id": "abc2"}}
    response = with_message_history.invoke([HumanMessage(content="Hi! I'm Bob")], config=config)
    assert response.content == "Hi Bob!"
    response = with_message_history.invoke([HumanMessage(content="What's my name?")], config=config)
    assert response.content == "Your name is Bob."
    # The second call saw the first exchange.
    assert [m.content for m in model.calls[1].messages] == [
        "Hi! I'm Bob",
        "Hi Bob!",
        "What's my name?",
    ]
    assert _pairs(store["abc2"]) == [
        ("human", "Hi! I'm Bob"),
        ("ai", "Hi Bob!"),
        ("human", "What's my name?"),
        ("ai", "Your name is Bob."),
    ]


def test_howto_prompt_with_history_and_input_keys(
    store: dict[Any, InMemoryChatMessageHistory],
) -> None:
    model = FakeChatModel(responses=["Cosine is a function.", "It is sin shifted."])
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You're an assistant who's good at {ability}. Respond in 20 words or fewer"),
            MessagesPlaceholder(variable_name="history"),
            ("human", "{input}"),
        ]
    )
    runnable = prompt | model
    with_message_history = RunnableWithMessageHistory(
        runnable,
        lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory()),
        input_messages_key="input",
        history_messages_key="history",
    )
    with_message_history.invoke(
        {"ability": "math", "input": "What does cosine mean?"},
        config={"configurable": {"session_id": "abc123"}},
    )
    with_message_history.invoke(
        {"ability": "math", "input": "What?"},
        config={"configurable": {"session_id": "abc123"}},
    )
    assert model.calls[1].messages == [
        SystemMessage("You're an assistant who's good at math. Respond in 20 words or fewer"),
        HumanMessage("What does cosine mean?"),
        model.calls[1].messages[2],  # the first reply, as the model returned it
        HumanMessage("What?"),
    ]
    assert model.calls[1].messages[2].content == "Cosine is a function."
    assert _pairs(store["abc123"])[-2:] == [("human", "What?"), ("ai", "It is sin shifted.")]


def test_howto_tutorial_input_messages_key_only(
    store: dict[Any, InMemoryChatMessageHistory],
) -> None:
    # The chatbot tutorial: the placeholder is the input key; history goes before the input.
    model = FakeChatModel(responses=["¡Hola Todd!", "Te llamas Todd."])
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a helpful assistant. Answer in {language}."),
            MessagesPlaceholder(variable_name="messages"),
        ]
    )
    chain = prompt | model
    with_message_history = RunnableWithMessageHistory(
        chain,
        lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory()),
        input_messages_key="messages",
    )
    config = {"configurable": {"session_id": "abc11"}}
    with_message_history.invoke(
        {"messages": [HumanMessage(content="hi! I'm todd")], "language": "Spanish"}, config
    )
    response = with_message_history.invoke(
        {"messages": [HumanMessage(content="whats my name?")], "language": "Spanish"}, config
    )
    assert response.content == "Te llamas Todd."
    assert [m.content for m in model.calls[1].messages][1:] == [
        "hi! I'm todd",
        "¡Hola Todd!",
        "whats my name?",
    ]


def test_howto_dict_output_with_output_messages_key(
    store: dict[Any, InMemoryChatMessageHistory],
) -> None:
    model = FakeChatModel(responses=["Simone de Beauvoir believed in freedom."])
    chain = RunnableParallel({"output_message": model})
    with_message_history = RunnableWithMessageHistory(
        chain,
        lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory()),
        output_messages_key="output_message",
    )
    out = with_message_history.invoke(
        [HumanMessage(content="What did Simone de Beauvoir believe about free will")],
        config={"configurable": {"session_id": "baz"}},
    )
    assert out["output_message"].content == "Simone de Beauvoir believed in freedom."
    assert _pairs(store["baz"])[-1] == ("ai", "Simone de Beauvoir believed in freedom.")


def test_howto_history_factory_config(store: dict[Any, InMemoryChatMessageHistory]) -> None:
    def get_session_history(user_id: str, conversation_id: str) -> BaseChatMessageHistory:
        if (user_id, conversation_id) not in store:
            store[(user_id, conversation_id)] = InMemoryChatMessageHistory()
        return store[(user_id, conversation_id)]

    with_message_history = RunnableWithMessageHistory(
        RunnableLambda(lambda messages: f"{len(messages)} messages"),
        get_session_history,
        history_factory_config=[
            ConfigurableFieldSpec(
                id="user_id",
                annotation=str,
                name="User ID",
                description="Unique identifier for the user.",
                default="",
                is_shared=True,
            ),
            ConfigurableFieldSpec(
                id="conversation_id",
                annotation=str,
                name="Conversation ID",
                description="Unique identifier for the conversation.",
                default="",
                is_shared=True,
            ),
        ],
    )
    config = {"configurable": {"user_id": "123", "conversation_id": "1"}}
    assert with_message_history.invoke("hello", config) == "1 messages"
    assert with_message_history.invoke("again", config) == "3 messages"
    assert _pairs(store[("123", "1")])[-1] == ("ai", "3 messages")
    with pytest.raises(ConfigurationError, match=r"Missing keys \['conversation_id'\]"):
        with_message_history.invoke("hello", {"configurable": {"user_id": "123"}})


def test_missing_session_id_names_the_key_and_an_example() -> None:
    chat = RunnableWithMessageHistory(
        lambda m: "x", lambda session_id: InMemoryChatMessageHistory()
    )
    with pytest.raises(ConfigurationError) as caught:
        chat.invoke("hi")
    message = str(caught.value)
    assert "Missing keys ['session_id']" in message
    assert "{'configurable': {'session_id': '[your-value-here]'}}" in message
    assert isinstance(caught.value, ValueError)  # LangChain raises ValueError


def test_stream_saves_the_merged_output_once_it_ends(
    store: dict[Any, InMemoryChatMessageHistory],
) -> None:
    model = FakeChatModel(responses=[["Hel", "lo ", "there"]])
    chat = RunnableWithMessageHistory(
        model, lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory())
    )
    stream = chat.stream("hi", {"configurable": {"session_id": "s"}})
    first = next(stream)
    assert isinstance(first, AIMessageChunk)
    assert store["s"].messages == []  # nothing saved mid-stream
    rest = list(stream)
    assert [c.content for c in rest] == ["lo ", "there", ""]  # it really streamed (+ usage)
    assert _pairs(store["s"]) == [("human", "hi"), ("ai", "Hello there")]
    assert type(store["s"].messages[1]) is AIMessage  # the merged chunk, as a message


async def test_astream_and_ainvoke(store: dict[Any, InMemoryChatMessageHistory]) -> None:
    model = FakeChatModel(responses=[["a", "b"], "c"])
    chat = RunnableWithMessageHistory(
        model, lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory())
    )
    config = {"configurable": {"session_id": "s"}}
    chunks = [chunk async for chunk in chat.astream("one", config)]
    assert [c.content for c in chunks] == ["a", "b", ""]
    reply = await chat.ainvoke("two", config)
    assert reply.content == "c"
    assert _pairs(store["s"]) == [("human", "one"), ("ai", "ab"), ("human", "two"), ("ai", "c")]
    assert [m.content for m in model.calls[1].messages] == ["one", "ab", "two"]


def test_a_failing_run_saves_nothing(store: dict[Any, InMemoryChatMessageHistory]) -> None:
    model = FakeChatModel(responses=[ValueError("boom")])
    chat = RunnableWithMessageHistory(
        model, lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory())
    )
    with pytest.raises(ValueError, match="boom"):
        chat.invoke("hi", {"configurable": {"session_id": "s"}})
    assert store["s"].messages == []


def test_bad_inputs_and_outputs_are_named() -> None:
    def history(session_id: str) -> InMemoryChatMessageHistory:
        return InMemoryChatMessageHistory()

    config = {"configurable": {"session_id": "s"}}
    chat = RunnableWithMessageHistory(lambda x: "ok", history, input_messages_key="question")
    with pytest.raises(InputTypeError, match="'question'"):
        chat.invoke({"q": "hi"}, config)
    with pytest.raises(InputTypeError, match="cannot read messages from int"):
        RunnableWithMessageHistory(lambda x: "ok", history).invoke(3, config)
    with pytest.raises(InputTypeError, match="cannot save an output of type int"):
        RunnableWithMessageHistory(lambda x: 3, history).invoke("hi", config)
    with pytest.raises(InputTypeError, match="history_messages_key='history' needs a dict"):
        RunnableWithMessageHistory(lambda x: "ok", history, history_messages_key="history").invoke(
            "hi", config
        )
    with pytest.raises(TypeError, match="must return a BaseChatMessageHistory"):
        RunnableWithMessageHistory(lambda x: "ok", lambda session_id: []).invoke("hi", config)  # type: ignore[arg-type, return-value]


def test_factory_parameters_must_match_the_declared_keys() -> None:
    with pytest.raises(TypeError, match=r"def get_session_history\(user_id, conversation_id\)"):
        RunnableWithMessageHistory(
            lambda x: x,
            lambda session_id: InMemoryChatMessageHistory(),
            history_factory_config=[
                ConfigurableFieldSpec(id="user_id", annotation=str),
                ConfigurableFieldSpec(id="conversation_id", annotation=str),
            ],
        )


def test_howto_trim_messages_with_history() -> None:
    # LangChain how-to "How to trim messages", "Using with ChatMessageHistory", imports
    # changed and a fake model (it counts tokens approximately) in place of ChatOpenAI.
    messages = [
        SystemMessage("you're a good assistant, you always respond with a joke."),
        HumanMessage("i wonder why it's called langchain"),
        AIMessage(
            'Well, I guess they thought "WordRope" and "SentenceString" just didn\'t have the '
            "same ring to it!"
        ),
        HumanMessage("and who is harrison chasing anyways"),
        AIMessage(
            "Hmmm let me think.\n\nWhy, he's probably chasing after the last cup of coffee in "
            "the office!"
        ),
        HumanMessage("what do you call a speechless parrot"),
    ]
    llm = FakeChatModel(responses=["A polygon."])
    chat_history = InMemoryChatMessageHistory(messages=messages[:-1])

    def dummy_get_session_history(session_id: str) -> InMemoryChatMessageHistory:
        if session_id != "1":
            return InMemoryChatMessageHistory()
        return chat_history

    trimmer = trim_messages(
        max_tokens=45,
        strategy="last",
        token_counter=llm,
        include_system=True,
    )
    chain = trimmer | llm
    chain_with_history = RunnableWithMessageHistory(chain, dummy_get_session_history)
    reply = chain_with_history.invoke(
        [HumanMessage("what do you call a speechless parrot")],
        config={"configurable": {"session_id": "1"}},
    )
    assert reply.content == "A polygon."
    sent = llm.calls[0].messages
    assert sent[0] == messages[0]  # the system message is kept
    assert sent[-1] == HumanMessage("what do you call a speechless parrot")
    assert len(sent) < len(messages)  # the history was trimmed to the budget
    assert llm.get_num_tokens_from_messages(sent) <= 45
    assert len(chat_history.messages) == len(messages) + 1  # the new exchange was saved


def test_stream_of_dicts_saves_the_merged_output_key(
    store: dict[Any, InMemoryChatMessageHistory],
) -> None:
    model = FakeChatModel(responses=[["Hel", "lo"]])
    chat = RunnableWithMessageHistory(
        RunnableParallel({"output_message": model}),
        lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory()),
        output_messages_key="output_message",
    )
    chunks = list(chat.stream("hi", {"configurable": {"session_id": "s"}}))
    assert [c["output_message"].content for c in chunks] == ["Hel", "lo", ""]
    assert _pairs(store["s"]) == [("human", "hi"), ("ai", "Hello")]
