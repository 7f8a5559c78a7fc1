"""Static typing of configuration and introspection: checked by mypy --strict and pyright
(and run by pytest).

`# type: ignore[code]` marks lines that MUST be errors (warn_unused_ignores is on).
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import Any, assert_type

import pytest
from pydantic import BaseModel

from pipes import (
    AIMessage,
    BaseChatModel,
    ConfigurableChatModel,
    ConfigurableField,
    ConfigurableFieldSpec,
    ConfigurationError,
    Edge,
    Graph,
    LanguageModelInput,
    Node,
    PromptTemplate,
    RunnableConfigurableAlternatives,
    RunnableConfigurableFields,
    RunnableLambda,
    StringPromptValue,
    init_chat_model,
    register_chat_model_provider,
)
from pipes.testing import FakeChatModel


def to_text(x: int) -> str:
    return str(x)


def shout(text: str) -> str:
    return text.upper()


def test_configurable_runnables_keep_their_types() -> None:
    fields = FakeChatModel().configurable_fields(cycle=ConfigurableField(id="cycle"))
    assert_type(fields, RunnableConfigurableFields[LanguageModelInput, AIMessage])
    assert_type(fields.invoke("hi", {"configurable": {"cycle": True}}), AIMessage)
    alternatives = RunnableLambda(to_text).configurable_alternatives(
        ConfigurableField(id="which"), upper=RunnableLambda(to_text)
    )
    assert_type(alternatives, RunnableConfigurableAlternatives[int, str])
    assert_type(alternatives.invoke(1), str)
    chain = alternatives | len
    assert_type(chain.invoke(1), int)
    prompt = PromptTemplate.from_template("{x}").configurable_alternatives(
        ConfigurableField(id="p"),
        default_key="plain",
        shout=lambda: PromptTemplate.from_template("{x}!"),
    )
    assert_type(prompt.invoke({"x": 1}), StringPromptValue)
    with pytest.raises(ConfigurationError):
        RunnableLambda(to_text).configurable_alternatives("which")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        RunnableLambda(to_text).configurable_fields(func="f")  # type: ignore[arg-type]


def test_config_specs_and_schemas() -> None:
    runnable = RunnableLambda(to_text)
    assert_type(runnable.config_specs, list[ConfigurableFieldSpec])
    assert_type(runnable.config_schema(include=["tags"]), type[BaseModel])
    assert_type(runnable.input_schema, type[BaseModel])
    assert_type(runnable.output_schema, type[BaseModel])
    assert_type(runnable.get_input_jsonschema(), dict[str, Any])
    assert_type(runnable.get_output_jsonschema(), dict[str, Any])
    # Any: the core cannot name the tools layer's classes (a BaseTool at run time).
    assert_type(RunnableLambda(shout).as_tool(name="t"), Any)


def test_graph_types() -> None:
    graph = RunnableLambda(to_text).get_graph()
    assert_type(graph, Graph)
    assert_type(graph.nodes, dict[int, Node])
    assert_type(graph.edges, list[Edge])
    assert_type(graph.first_node(), Node | None)
    assert_type(graph.last_node(), Node | None)


def test_init_chat_model_types(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipes._models._init

    monkeypatch.setattr(pipes._models._init, "_registered", {})
    register_chat_model_provider("fake", lambda model, **kwargs: FakeChatModel(auto_text=model))
    assert_type(init_chat_model("fake:x"), BaseChatModel)
    assert_type(init_chat_model(), ConfigurableChatModel)
    assert_type(
        init_chat_model("gpt-4o", configurable_fields=("temperature",)), ConfigurableChatModel
    )
    with pytest.raises(ConfigurationError):
        init_chat_model(42)  # type: ignore[call-overload]
