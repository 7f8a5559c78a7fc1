"""The wire format and the input-schema check, without a server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatPromptTemplate,
    ChatPromptValue,
    HumanMessage,
    StringPromptValue,
)
from pipes.serve._validate import first_error
from pipes.serve._wire import WireError, client_config, decode, dumps
from pipes.testing import FakeChatModel


def test_messages_round_trip_flat_like_langserve() -> None:
    message = AIMessage(
        content="hi", usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    )
    import json

    data = json.loads(dumps({"out": [message, AIMessageChunk(content="x")]}))
    assert data["out"][0]["type"] == "ai"
    assert data["out"][0]["content"] == "hi"
    back = decode(data)
    assert back["out"][0] == message
    assert isinstance(back["out"][1], AIMessageChunk)


def test_prompt_values_round_trip_with_langserves_names() -> None:
    import json

    chat = ChatPromptValue([HumanMessage("hi")])
    data = json.loads(dumps([chat, StringPromptValue("text")]))
    assert data[0]["type"] == "ChatPromptValueConcrete"
    assert data[1] == {"type": "StringPromptValue", "text": "text"}
    assert decode(data) == [chat, StringPromptValue("text")]


def test_decode_leaves_other_dicts_alone() -> None:
    value = {"type": "custom", "content": "x", "n": [1, {"type": "human"}]}
    assert decode(value) == value  # no content next to "human": not a message


def test_decode_loads_only_pipes_classes() -> None:
    lc = {"lc": 1, "type": "constructor", "id": ["os", "system"], "kwargs": {}}
    assert decode(lc) == lc
    assert isinstance(decode({"type": "human", "content": "hi"}), HumanMessage)


def test_dumps_names_what_has_no_json_form() -> None:
    with pytest.raises(TypeError, match="holds a object"):
        dumps({"x": object()})


def test_client_config_keeps_the_allow_list() -> None:
    raw = {"tags": ["a"], "run_name": "r", "callbacks": [1], "max_concurrency": 9}
    assert client_config(raw) == {"tags": ["a"], "run_name": "r"}
    assert client_config(None) == {}
    with pytest.raises(WireError) as info:
        client_config({"metadata": []})
    assert info.value.loc == ("config", "metadata")
    with pytest.raises(WireError, match="array of strings"):
        client_config({"tags": [1]})
    with pytest.raises(WireError, match="an object"):
        client_config([1])


@pytest.mark.parametrize(
    ("value", "where", "message"),
    [
        ({}, ("input", "text"), "field required: expected a string"),
        ({"text": 1}, ("input", "text"), "expected a string, got 1"),
        ({"text": None}, ("input", "text"), "expected a string, got null"),
        ("x", ("input",), "expected an object, got 'x'"),
    ],
)
def test_first_error_of_a_prompt_input(value: Any, where: tuple[Any, ...], message: str) -> None:
    schema = ChatPromptTemplate.from_messages([("human", "{text}")]).get_input_schema()
    assert first_error(value, schema, ("input",)) == (where, message)
    assert first_error({"text": "ok"}, schema, ("input",)) is None


def test_first_error_inside_anyof_points_at_the_deepest_field() -> None:
    schema = FakeChatModel(responses=["x"]).get_input_schema()
    assert first_error("hi", schema) is None
    assert first_error([["human", "hi"], {"content": "x"}], schema) is None
    assert first_error([{"role": "user"}], schema) == (
        (0, "content"),
        "field required: expected a value",
    )


def test_first_error_refs_enums_and_extras() -> None:
    schema = {
        "$defs": {"Color": {"enum": ["red", "blue"]}},
        "type": "object",
        "properties": {"c": {"$ref": "#/$defs/Color"}, "n": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert first_error({"c": "red", "n": 2}, schema) is None
    assert first_error({"c": "green"}, schema) == (
        ("c",),
        "expected one of 'red', 'blue', got 'green'",
    )
    assert first_error({"n": True}, schema) == (("n",), "expected an integer, got true")
    assert first_error({"n": 2.0}, schema) is None
    assert first_error({"z": 1}, schema) == (("z",), "unexpected field (allowed: c, n)")
    assert first_error([1, 2], {"type": "array", "maxItems": 1}) == (
        (),
        "expected at most 1 items, got 2",
    )


def test_a_self_referencing_schema_terminates() -> None:
    schema = {"$defs": {"A": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"}
    assert first_error({"x": 1}, schema) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(derandomize=True, max_examples=200, deadline=None)
@given(json_values)
def test_any_json_value_checks_without_crashing(value: Any) -> None:
    for schema in (
        {},
        ChatPromptTemplate.from_messages([("human", "{a}{b}")]).get_input_schema(),
        FakeChatModel(responses=["x"]).get_input_schema(),
        AIMessage.model_json_schema(),
    ):
        error = first_error(value, schema, ("input",))
        assert error is None or (error[0][0] == "input" and isinstance(error[1], str))


def test_secrets_of_a_served_graph_include_a_models_api_key() -> None:
    from pipes import StrOutputParser
    from pipes.serve._http import Secrets
    from pipes_openai import ChatOpenAI

    key = "sk-proj-ZYXWVUTSRQ0987654321"
    prompt = ChatPromptTemplate.from_messages([("human", "{text}")])
    chain = prompt | ChatOpenAI(model="gpt-4o-mini", api_key=key).bind(stop=["\n"])
    secrets = Secrets.of(chain | StrOutputParser(), "server-key-1")
    assert secrets.scrub(f"bad key {key}; server-key-1") == "bad key ***; ***"
    assert key not in repr(secrets)
