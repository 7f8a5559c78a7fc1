"""input_schema / output_schema models, their JSON schemas, get_graph() nodes and as_tool.

The expected schemas are langchain-core 1.8.3's for the same programs (only imports changed).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict

from pipes import (
    ChatPromptTemplate,
    Edge,
    PromptTemplate,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    StrOutputParser,
)


def to_text(x: int) -> str:
    return str(x)


def test_prompt_input_schema_is_langchains() -> None:
    prompt = ChatPromptTemplate.from_template("tell me a joke about {topic}")
    chain = prompt | RunnableLambda(lambda value: value.to_string()) | StrOutputParser()
    # The LCEL interface guide: chain.input_schema.model_json_schema()
    assert chain.input_schema.model_json_schema() == {
        "title": "PromptInput",
        "type": "object",
        "properties": {"topic": {"title": "Topic", "type": "string"}},
        "required": ["topic"],
    }
    assert chain.get_input_jsonschema() == chain.input_schema.model_json_schema()
    assert chain.get_output_jsonschema() == {"title": "StrOutputParserOutput", "type": "string"}
    assert PromptTemplate.from_template("{a} {b}").get_input_jsonschema()["required"] == ["a", "b"]


def test_the_models_validate_what_the_schema_says() -> None:
    model = PromptTemplate.from_template("{topic}").input_schema
    assert issubclass(model, BaseModel)
    assert model(topic="bears").topic == "bears"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        model()
    root = RunnableLambda(to_text).input_schema
    assert root.model_validate(3).root == 3  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        root.model_validate("three")


def test_lambda_schemas_come_from_annotations() -> None:
    typed = RunnableLambda(to_text)
    assert typed.get_input_jsonschema() == {"title": "to_text_input", "type": "integer"}
    assert typed.get_output_jsonschema() == {"title": "to_text_output", "type": "string"}
    untyped = RunnableLambda(lambda x: x)
    assert untyped.get_input_jsonschema() == {"title": "RunnableLambdaInput"}
    assert untyped.get_output_jsonschema() == {"title": "RunnableLambdaOutput"}


def test_sequences_take_the_first_input_and_the_last_output() -> None:
    chain = RunnableLambda(to_text) | (lambda s: len(s)) | RunnableLambda(to_text)
    assert chain.get_input_jsonschema() == {"title": "to_text_input", "type": "integer"}
    assert chain.get_output_jsonschema() == {"title": "to_text_output", "type": "string"}


def test_parallel_output_is_a_dict_of_its_steps() -> None:
    parallel = RunnableParallel(a=RunnableLambda(to_text), b=RunnablePassthrough())
    assert parallel.get_input_jsonschema()["type"] == "integer"
    output = parallel.get_output_jsonschema()
    assert output["properties"] == {"a": {"title": "A", "type": "string"}, "b": {"title": "B"}}
    assert output["required"] == ["a", "b"]
    assert RunnablePassthrough().get_input_jsonschema() == {"title": "RunnablePassthroughInput"}


def test_schemas_with_definitions_keep_them() -> None:
    from pipes.testing import FakeChatModel

    model = FakeChatModel()
    output = (PromptTemplate.from_template("{x}") | model).get_output_jsonschema()
    assert output["title"] == "AIMessage"
    for ref in _refs(output):
        assert ref.removeprefix("#/$defs/") in output["$defs"]
    assert model.get_input_jsonschema()["title"] == "FakeChatModelInput"


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["$ref"]] if isinstance(schema.get("$ref"), str) else []
        return found + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for value in schema for ref in _refs(value)]
    return []


def test_models_are_cached() -> None:
    prompt = PromptTemplate.from_template("{topic}")
    assert prompt.input_schema is prompt.input_schema
    assert prompt.input_schema is PromptTemplate.from_template("{topic}").input_schema


def test_graph_nodes_are_keyed_by_id() -> None:
    def to_text(value: Any) -> str:
        return str(value)

    chain = PromptTemplate.from_template("{x}") | RunnableLambda(to_text) | StrOutputParser()
    graph = chain.get_graph()
    assert list(graph.nodes) == [0, 1, 2]
    assert [node.name for node in graph.nodes.values()] == [
        "PromptTemplate",
        "to_text",
        "StrOutputParser",
    ]
    assert graph.edges == [Edge(0, 1), Edge(1, 2)]
    assert [(edge.source, edge.target) for edge in graph.edges] == [(0, 1), (1, 2)]
    first, last = graph.first_node(), graph.last_node()
    assert first is not None
    assert first.name == "PromptTemplate"
    assert last is not None
    assert last.data is chain.steps[-1]


def test_first_and_last_node_are_none_when_ambiguous() -> None:
    fan = RunnableParallel(a=RunnableLambda(to_text), b=RunnablePassthrough()).get_graph()
    assert fan.first_node() is None
    assert fan.last_node() is None


class Args(TypedDict):
    a: int
    b: list[int]


def multiply_max(x: Args) -> int:
    return x["a"] * max(x["b"])


def test_as_tool_from_a_typed_dict_input() -> None:
    # "How to convert Runnables to Tools", only the imports changed.
    as_tool = RunnableLambda(multiply_max).as_tool(
        name="My tool", description="Explanation of when to use tool."
    )
    assert as_tool.name == "My tool"
    assert as_tool.description == "Explanation of when to use tool."
    assert as_tool.args == {
        "a": {"title": "A", "type": "integer"},
        "b": {"items": {"type": "integer"}, "title": "B", "type": "array"},
    }
    assert as_tool.invoke({"a": 3, "b": [1, 2]}) == 6


async def test_as_tool_with_arg_types_and_async() -> None:
    def f(x: dict[str, Any]) -> str:
        return str(x["a"] * max(x["b"]))

    as_tool = RunnableLambda(f).as_tool(arg_types={"a": int, "b": list[int]})
    assert as_tool.args["a"] == {"title": "A", "type": "integer"}
    assert await as_tool.ainvoke({"a": 3, "b": [1, 2]}) == "6"


def test_as_tool_with_a_string_input_is_a_plain_tool() -> None:
    from pipes import Tool

    def shout(text: str) -> str:
        return text.upper() + "!"

    as_tool = RunnableLambda(shout).as_tool()
    assert isinstance(as_tool, Tool)
    assert as_tool.invoke("hi") == "HI!"
    assert as_tool.description == "Takes {'title': 'shout_input', 'type': 'string'}."


def test_as_tool_with_args_schema() -> None:
    class GSchema(BaseModel):
        """Apply a function to an integer and list of integers."""

        a: int
        b: list[int]

    as_tool = RunnableLambda(lambda x: x["a"] + sum(x["b"])).as_tool(GSchema)
    assert as_tool.invoke({"a": 1, "b": [2, 3]}) == 6


def test_as_tool_without_known_arguments_says_how_to_fix() -> None:
    from pipes import SchemaConversionError

    with pytest.raises(SchemaConversionError, match="arg_types="):
        RunnableLambda(lambda x: x).as_tool()


def test_get_prompts_and_print_ascii(capsys: pytest.CaptureFixture[str]) -> None:
    # "How to inspect runnables", only the imports changed.
    prompt = ChatPromptTemplate.from_template(
        "Answer the question based only on the following context:\n{context}\n\n"
        "Question: {question}"
    )
    chain = (
        {
            "context": RunnableLambda(lambda q: "harrison worked at kensho"),
            "question": RunnablePassthrough(),
        }
        | prompt
        | RunnableLambda(lambda value: value.to_string())
        | StrOutputParser()
    )
    assert chain.get_prompts() == [prompt]
    chain.get_graph().print_ascii()
    drawing = capsys.readouterr().out
    assert "ChatPromptTemplate" in drawing
    assert drawing.startswith(" ")
