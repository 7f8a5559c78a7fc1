"""LangChain's own `dumpd` output (tests/load/data/langchain_dumps.json, written by
capture_langchain.py with langchain-core 1.8.3) loads into the equivalent pipes objects, and
pipes writes the same documents (ids, kwargs) for the same objects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipes import (
    AIMessage,
    AIMessageChunk,
    AIMessagePromptTemplate,
    ChatMessage,
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    ChatPromptValue,
    CommaSeparatedListOutputParser,
    HumanMessage,
    HumanMessageChunk,
    LoadError,
    MessagesPlaceholder,
    PromptTemplate,
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
    ToolMessage,
    ToolMessageChunk,
    dumpd,
    load,
)
from pipes_openai import AzureChatOpenAI, ChatOpenAI

DOCS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "langchain_dumps.json").read_text(encoding="utf-8")
)["dumps"]
SECRETS = {"OPENAI_API_KEY": "sk-from-map", "AZURE_OPENAI_API_KEY": "az-from-map"}


def _llm() -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o", temperature=0.2, max_retries=5, api_key="sk-from-map")


def _prompt() -> ChatPromptTemplate[Any]:
    return ChatPromptTemplate.from_messages(
        [
            ("system", "You translate to {language}."),
            MessagesPlaceholder("history"),
            ("human", "{text}"),
        ]
    )


# The pipes objects equivalent to what capture_langchain.py dumped, name for name.
EQUIVALENT: dict[str, Any] = {
    "human": HumanMessage("hi", id="m1", name="bob"),
    "ai_tool_calls": AIMessage(
        "",
        tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1"}],
        usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        response_metadata={"model_name": "gpt-4o"},
    ),
    "ai_chunk": AIMessageChunk(content="Bon"),
    "human_chunk": HumanMessageChunk(content="x"),
    "tool": ToolMessage("3", tool_call_id="call_1"),
    "tool_chunk": ToolMessageChunk(content="3", tool_call_id="call_1"),
    "system": SystemMessage("be brief"),
    "chat": ChatMessage(content="looks good", role="critic"),
    "escaped_kwargs": HumanMessage(
        "x", additional_kwargs={"lc": 1, "type": "constructor", "id": ["os", "system"]}
    ),
    "prompt": PromptTemplate.from_template(
        "Tell me about {topic} in {style}", partial_variables={"style": "haiku"}
    ),
    "prompt_mustache": PromptTemplate.from_template("hi {{name}}", template_format="mustache"),
    "prompt_jinja2": PromptTemplate.from_template("hi {{ name }}", template_format="jinja2"),
    "chat_prompt": _prompt(),
    "chat_prompt_partial": ChatPromptTemplate.from_messages([("system", "{a} {b}")]).partial(a="x"),
    "chat_prompt_optional": ChatPromptTemplate.from_messages(
        [MessagesPlaceholder("history", optional=True, n_messages=3), ("human", "{q}")]
    ),
    "chat_prompt_literal": ChatPromptTemplate.from_messages(
        [SystemMessage("fixed"), ("ai", "{a}")]
    ),
    "chat_prompt_image": ChatPromptTemplate.from_messages(
        [
            (
                "human",
                [
                    {"type": "text", "text": "{q}"},
                    {"type": "image_url", "image_url": {"url": "{u}"}},
                ],
            )
        ]
    ),
    "ai_message_template": AIMessagePromptTemplate.from_template("{a}"),
    "chat_message_template": ChatMessagePromptTemplate.from_template("{a}", role="critic"),
    "str_parser": StrOutputParser(),
    "csv_parser": CommaSeparatedListOutputParser(),
    "chat_openai": ChatOpenAI(
        model="gpt-4o",
        temperature=0.2,
        max_tokens=100,
        stop=["\n"],
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-from-map",
    ),
    "sequence": _prompt() | _llm() | StrOutputParser(),
    "sequence_named": RunnableSequence(RunnablePassthrough(), StrOutputParser(), name="named"),
    "parallel": RunnableParallel(a=RunnablePassthrough(), b=StrOutputParser()),
    "assign": RunnablePassthrough.assign(x=StrOutputParser()),
    "pick": RunnablePick(["a", "b"]),
    "binding": _llm().bind(stop=["x"]),
    "with_config": _llm().with_config(run_name="translate", tags=["prod"]),
    "retry": _llm().with_retry(stop_after_attempt=4),
    "fallbacks": _llm().with_fallbacks([ChatOpenAI(model="gpt-4o-mini", api_key="sk-from-map")]),
    "branch": RunnableBranch((RunnablePick("go"), StrOutputParser()), StrOutputParser()),
    "each": StrOutputParser().map(),
    "chat_prompt_value": ChatPromptValue([HumanMessage("x")]),
    "string_prompt_value": StringPromptValue("x"),
}

# Inputs that exercise what each loaded object does, compared with the pipes original.
PROMPT_INPUTS: dict[str, dict[str, Any]] = {
    "prompt": {"topic": "bears"},
    "prompt_mustache": {"name": "Ann"},
    "prompt_jinja2": {"name": "Ann"},
    "chat_prompt": {"language": "French", "history": [("human", "a")], "text": "hi"},
    "chat_prompt_partial": {"b": "y"},
    "chat_prompt_optional": {"q": "?", "history": [("human", str(i)) for i in range(5)]},
    "chat_prompt_literal": {"a": "x"},
    "chat_prompt_image": {"q": "what?", "u": "https://example.com/a.png"},
}


def _structure(obj: Any) -> Any:
    """What an object is made of, for comparing a loaded object with a built one."""
    return json.loads(json.dumps(dumpd(obj)))


def _without_stream_usage(node: Any) -> Any:
    # LangChain writes ChatOpenAI's stream_usage=True (pipes' default) when its validator
    # sets it: the same model whether the document states it or not.
    if isinstance(node, dict):
        return {
            k: _without_stream_usage(v)
            for k, v in node.items()
            if not (k == "stream_usage" and v is True)
        }
    if isinstance(node, list):
        return [_without_stream_usage(v) for v in node]
    return node


def test_every_fixture_has_an_equivalent() -> None:
    assert set(EQUIVALENT) == set(DOCS) - {"lambda", "azure"}


@pytest.mark.parametrize("name", sorted(EQUIVALENT))
def test_langchain_documents_load_into_the_equivalent_pipes_objects(name: str) -> None:
    loaded = load(DOCS[name], secrets_map=SECRETS)
    expected = EQUIVALENT[name]
    assert type(loaded) is type(expected)
    assert _without_stream_usage(_structure(loaded)) == _structure(expected)
    if name in PROMPT_INPUTS:
        values = PROMPT_INPUTS[name]
        assert loaded.invoke(values).to_messages() == expected.invoke(values).to_messages()


def test_the_loaded_chat_model_has_the_key_and_settings() -> None:
    model = load(DOCS["chat_openai"], secrets_map=SECRETS)
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-from-map"
    assert (model.model, model.temperature, model.max_tokens, model.stop) == (
        "gpt-4o",
        0.2,
        100,
        ["\n"],
    )
    assert model.base_url == "http://127.0.0.1:9/v1"


def test_the_key_is_read_from_the_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    model = load(DOCS["chat_openai"])
    assert model.api_key.get_secret_value() == "sk-from-env"
    with pytest.raises(LoadError, match=r"'OPENAI_API_KEY'.*secrets_map=\{'OPENAI_API_KEY'"):
        load(DOCS["chat_openai"], secrets_from_env=False)


def test_azure_loads_with_its_deployment_and_key() -> None:
    model = load(DOCS["azure"], secrets_map=SECRETS)
    assert isinstance(model, AzureChatOpenAI)
    assert (model.azure_deployment, model.api_version, model.azure_endpoint) == (
        "gpt-4o",
        "2024-10-21",
        "https://example.openai.azure.com",
    )
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "az-from-map"


def test_compositions_keep_their_parts() -> None:
    sequence = load(DOCS["sequence"], secrets_map=SECRETS)
    assert [type(step) for step in sequence.steps] == [
        ChatPromptTemplate,
        ChatOpenAI,
        StrOutputParser,
    ]
    retry = load(DOCS["retry"], secrets_map=SECRETS)
    assert isinstance(retry, RunnableRetry)
    assert retry.stop_after_attempt == 4
    assert retry.retry_if_exception_type == (Exception,)
    fallbacks = load(DOCS["fallbacks"], secrets_map=SECRETS)
    assert isinstance(fallbacks, RunnableWithFallbacks)
    assert [m.model for m in fallbacks.runnables] == ["gpt-4o", "gpt-4o-mini"]
    assert isinstance(load(DOCS["each"]), RunnableEach)
    assert load(DOCS["with_config"], secrets_map=SECRETS).config == {
        "run_name": "translate",
        "tags": ["prod"],
    }


def test_a_langchain_lambda_is_refused_clearly() -> None:
    with pytest.raises(LoadError, match="RunnableLambda was written as not_implemented") as info:
        load(DOCS["lambda"])
    assert info.value.path == "$"
    assert load(DOCS["lambda"], ignore_unserializable_fields=True) is None


def test_user_dicts_langchain_escaped_stay_data() -> None:
    loaded = load(DOCS["escaped_kwargs"])
    assert loaded.additional_kwargs == {"lc": 1, "type": "constructor", "id": ["os", "system"]}


# pipes writes LangChain's documents: identical for these, the same ids for all of them
# (the rest differ only in defaults LangChain writes, like ChatOpenAI's stream_usage, and in
# the display name of a composite).
IDENTICAL = [
    *("human", "ai_tool_calls", "ai_chunk", "human_chunk", "tool", "tool_chunk", "system", "chat"),
    *("escaped_kwargs", "prompt", "prompt_mustache", "prompt_jinja2", "chat_prompt"),
    *("chat_prompt_partial", "chat_prompt_literal", "ai_message_template"),
    *("chat_message_template", "str_parser", "csv_parser", "chat_openai", "sequence_named"),
    *("chat_prompt_value", "string_prompt_value"),
]


def _ids(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["id"]] if "lc" in node and "id" in node else []
        return found + [i for key in sorted(node) for i in _ids(node[key])]
    if isinstance(node, list):
        return [i for item in node for i in _ids(item)]
    return []


@pytest.mark.parametrize("name", IDENTICAL)
def test_pipes_writes_the_document_langchain_writes(name: str) -> None:
    assert _structure(EQUIVALENT[name]) == DOCS[name]


@pytest.mark.parametrize("name", sorted(EQUIVALENT))
def test_pipes_writes_langchains_ids(name: str) -> None:
    assert _ids(_structure(EQUIVALENT[name])) == _ids(DOCS[name])


@pytest.mark.parametrize(
    ("id", "cls"),
    [
        (["langchain_openai", "chat_models", "ChatOpenAI"], ChatOpenAI),
        (["langchain_openai", "chat_models", "base", "ChatOpenAI"], ChatOpenAI),
        (["langchain_openai", "chat_models", "azure", "AzureChatOpenAI"], AzureChatOpenAI),
        (["langchain_core", "messages", "HumanMessage"], HumanMessage),
        (["langchain_core", "messages", "human", "HumanMessage"], HumanMessage),
        (["langchain", "schema", "HumanMessage"], HumanMessage),
        (["langchain_core", "prompts", "chat", "ChatPromptTemplate"], ChatPromptTemplate),
        (["langchain_core", "runnables", "base", "RunnableSequence"], RunnableSequence),
        (["langchain_core", "output_parsers", "string", "StrOutputParser"], StrOutputParser),
    ],
)
def test_langchain_core_module_paths_are_read_too(id: list[str], cls: type[Any]) -> None:
    kwargs: dict[str, Any] = {
        ChatOpenAI: {"openai_api_key": "sk-x"},
        AzureChatOpenAI: {
            "openai_api_key": "k",
            "azure_endpoint": "https://x.openai.azure.com",
            "deployment_name": "d",
            "openai_api_version": "2024-10-21",
        },
        HumanMessage: {"content": "hi"},
        ChatPromptTemplate: {"messages": [], "input_variables": []},
        RunnableSequence: {
            "first": dumpd(StrOutputParser()),
            "last": dumpd(StrOutputParser()),
        },
        StrOutputParser: {},
    }[cls]
    assert type(load({"lc": 1, "type": "constructor", "id": id, "kwargs": kwargs})) is cls
