"""configurable_fields / configurable_alternatives: per-call selection in every execution mode."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from pipes import (
    ConfigurableField,
    ConfigurableFieldSpec,
    ConfigurationError,
    PromptTemplate,
    Runnable,
    RunnableConfig,
    RunnableConfigurableFields,
    RunnableLambda,
    RunnableParallel,
)


class Scale(BaseModel, Runnable[int, int]):
    """A pydantic runnable with fields, like a chat model."""

    run_type: ClassVar[str] = "chain"  # type: ignore[misc]
    factor: int = Field(default=2, description="What the input is multiplied by")
    offset: float = 0.0

    def invoke(self, input: int, config: RunnableConfig | None = None, **kwargs: Any) -> int:
        return int(input * self.factor + self.offset)


def _fields() -> RunnableConfigurableFields[int, int]:
    return Scale().configurable_fields(
        factor=ConfigurableField(id="factor", name="Factor", description="multiplier")
    )


MODES = ["invoke", "ainvoke", "stream", "astream", "batch", "abatch"]


async def _run(runnable: Runnable[Any, Any], mode: str, value: Any, config: Any) -> Any:
    if mode == "invoke":
        return runnable.invoke(value, config)
    if mode == "ainvoke":
        return await runnable.ainvoke(value, config)
    if mode == "stream":
        return list(runnable.stream(value, config))[-1]
    if mode == "astream":
        return [chunk async for chunk in runnable.astream(value, config)][-1]
    if mode == "batch":
        return runnable.batch([value], config)[0]
    return (await runnable.abatch([value], config))[0]


@pytest.mark.parametrize("mode", MODES)
async def test_fields_are_set_per_call_in_every_mode(mode: str) -> None:
    scaled = _fields()
    assert await _run(scaled, mode, 5, None) == 10
    assert await _run(scaled, mode, 5, {"configurable": {"factor": 3}}) == 15
    chain = RunnableLambda(lambda x: x + 1) | scaled
    assert await _run(chain, mode, 4, {"configurable": {"factor": 10}}) == 50
    assert await _run(chain.with_config(configurable={"factor": 7}), mode, 1, None) == 14


@pytest.mark.parametrize("mode", MODES)
async def test_alternatives_are_chosen_per_call_in_every_mode(mode: str) -> None:
    which = RunnableLambda(lambda x: f"default {x}").configurable_alternatives(
        ConfigurableField(id="which"),
        upper=RunnableLambda(lambda x: f"UPPER {x}"),
        lazy=lambda: RunnableLambda(lambda x: f"lazy {x}"),
    )
    assert await _run(which, mode, "a", None) == "default a"
    assert await _run(which, mode, "a", {"configurable": {"which": "upper"}}) == "UPPER a"
    assert await _run(which, mode, "a", {"configurable": {"which": "lazy"}}) == "lazy a"


def test_per_call_values_do_not_change_the_runnable() -> None:
    scaled = _fields()
    assert scaled.invoke(1, {"configurable": {"factor": 5}}) == 5
    assert scaled.invoke(1) == 2
    assert scaled.default.factor == 2  # type: ignore[attr-defined]


def test_the_default_is_the_runnable_itself_when_nothing_is_configured() -> None:
    scaled = _fields()
    assert scaled.prepare()[0] is scaled.default
    assert scaled.prepare({"configurable": {"other": 1}})[0] is scaled.default


def test_values_are_validated_against_the_field_type_naming_the_field() -> None:
    scaled = _fields()
    assert scaled.invoke(1, {"configurable": {"factor": "4"}}) == 4  # pydantic's lax mode
    with pytest.raises(ConfigurationError, match=r"'factor' \(field 'factor' of 'Scale'\)") as e:
        scaled.invoke(1, {"configurable": {"factor": "four"}})
    assert "valid integer" in str(e.value)
    assert e.value.__cause__ is not None
    assert isinstance(e.value, ValueError)  # like LangChain's pydantic ValidationError


def test_unknown_configurable_keys_are_ignored_like_langchain() -> None:
    assert _fields().invoke(1, {"configurable": {"temperature": 1, "session_id": "x"}}) == 2


def test_configuring_a_field_that_does_not_exist_names_the_fields() -> None:
    with pytest.raises(
        ConfigurationError, match=r"no field 'factr'.*\['factor', 'name', 'offset'\]"
    ):
        Scale().configurable_fields(factr=ConfigurableField(id="f"))


def test_configurable_fields_needs_a_pydantic_runnable() -> None:
    with pytest.raises(ConfigurationError, match="configurable_alternatives"):
        RunnableLambda(lambda x: x).configurable_fields(func=ConfigurableField(id="f"))


def test_a_field_spec_must_be_a_configurable_field() -> None:
    with pytest.raises(ConfigurationError, match=r"ConfigurableField\(id='factor'\)"):
        Scale().configurable_fields(factor="factor")  # type: ignore[arg-type]


def test_unknown_alternative_lists_the_choices() -> None:
    prompt = PromptTemplate.from_template("Tell me a joke about {topic}")
    either = prompt.configurable_alternatives(
        ConfigurableField(id="prompt"),
        default_key="joke",
        poem=PromptTemplate.from_template("Write a short poem about {topic}"),
    )
    with pytest.raises(
        ConfigurationError, match=r"unknown alternative 'sonnet'.*\['joke', 'poem'\]"
    ):
        either.invoke({"topic": "bears"}, {"configurable": {"prompt": "sonnet"}})


def test_bad_alternatives_are_refused_when_built() -> None:
    base = RunnableLambda(lambda x: x)
    with pytest.raises(ConfigurationError, match="ConfigurableField"):
        base.configurable_alternatives("which")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="also the default_key"):
        base.configurable_alternatives(ConfigurableField(id="w"), default=base)
    with pytest.raises(ConfigurationError, match="alternative 'x' must be a runnable"):
        base.configurable_alternatives(ConfigurableField(id="w"), x=42)  # type: ignore[arg-type]
    broken = base.configurable_alternatives(ConfigurableField(id="w"), x=lambda: 42)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigurationError, match="returned int, not a runnable"):
        broken.invoke(1, {"configurable": {"w": "x"}})


def test_prefix_keys_namespace_each_alternatives_own_fields() -> None:
    chooser = Scale(factor=1).configurable_alternatives(
        ConfigurableField(id="model"),
        default_key="one",
        prefix_keys=True,
        big=Scale(factor=100).configurable_fields(factor=ConfigurableField(id="factor")),
    )
    assert [spec.id for spec in chooser.config_specs] == ["model", "model==big/factor"]
    config: RunnableConfig = {"configurable": {"model": "big", "model==big/factor": 3}}
    assert chooser.invoke(2, config) == 6
    # Another alternative's prefix does not reach this one (unprefixed keys do, as in LangChain).
    assert chooser.invoke(2, {"configurable": {"model": "big", "model==one/factor": 3}}) == 200


def test_fields_and_alternatives_combine() -> None:
    prompt = PromptTemplate.from_template("{x}").configurable_alternatives(
        ConfigurableField(id="prompt"), double=PromptTemplate.from_template("{x}{x}")
    )
    chain = prompt | (lambda value: int(value.to_string())) | _fields()
    assert chain.invoke({"x": "1"}, {"configurable": {"prompt": "double", "factor": 3}}) == 33


def test_config_specs_collect_through_compositions() -> None:
    alternatives = RunnableLambda(lambda x: x).configurable_alternatives(
        ConfigurableField(id="step", name="Step", description="which step"), other=Scale()
    )
    chain = RunnableParallel(a=_fields(), b=alternatives) | (lambda d: d)
    specs = {spec.id: spec for spec in chain.config_specs}
    assert sorted(specs) == ["factor", "step"]
    assert specs["factor"] == ConfigurableFieldSpec(
        id="factor", annotation=int, name="Factor", description="multiplier", default=2
    )
    assert sorted(specs["step"].annotation.__members__) == ["default", "other"]
    assert RunnableLambda(lambda x: x).config_specs == []


def test_one_key_declared_twice_differently_is_an_error() -> None:
    a = Scale().configurable_fields(factor=ConfigurableField(id="k"))
    b = Scale().configurable_fields(offset=ConfigurableField(id="k"))
    with pytest.raises(ConfigurationError, match="'k' is declared twice"):
        (a | b).config_specs


def test_the_same_configurable_used_twice_is_one_key() -> None:
    scaled = _fields()
    assert [spec.id for spec in (scaled | scaled).config_specs] == ["factor"]
    choose = Scale().configurable_alternatives(ConfigurableField(id="c"), other=Scale())
    assert [spec.id for spec in (choose | choose).config_specs] == ["c"]


def test_config_schema_has_langchains_shape() -> None:
    chain = PromptTemplate.from_template("{x}") | (lambda v: int(v.to_string())) | _fields()
    schema = chain.config_schema().model_json_schema()
    assert schema == {
        "$defs": {
            "Configurable": {
                "properties": {
                    "factor": {
                        "default": 2,
                        "description": "multiplier",
                        "title": "Factor",
                        "type": "integer",
                    }
                },
                "title": "Configurable",
                "type": "object",
            }
        },
        "properties": {"configurable": {"$ref": "#/$defs/Configurable", "default": None}},
        "title": "RunnableSequenceConfig",
        "type": "object",
    }
    with_tags = chain.config_schema(include=["tags"]).model_json_schema()
    assert with_tags["properties"]["tags"]["anyOf"][0] == {
        "items": {"type": "string"},
        "type": "array",
    }
    assert RunnableLambda(lambda x: x).config_schema().model_json_schema() == {
        "properties": {},
        "title": "lambdaConfig",
        "type": "object",
    }
    with pytest.raises(ConfigurationError, match="'tag' is no RunnableConfig key"):
        chain.config_schema(include=["tag"])


def test_config_schema_of_alternatives_lists_the_choices() -> None:
    prompt = PromptTemplate.from_template("Tell me a joke about {topic}")
    either = prompt.configurable_alternatives(
        ConfigurableField(id="prompt"),
        default_key="joke",
        poem=PromptTemplate.from_template("Write a short poem about {topic}"),
    )
    schema = either.config_schema().model_json_schema()
    # LangChain's: an enum of the keys (alternatives first), the default key as default.
    assert schema["$defs"]["prompt"] == {
        "enum": ["poem", "joke"],
        "title": "prompt",
        "type": "string",
    }
    assert schema["$defs"]["Configurable"]["properties"]["prompt"] == {
        "$ref": "#/$defs/prompt",
        "default": "joke",
    }
    json.dumps(schema)


def test_attributes_fall_through_to_the_default() -> None:
    scaled = _fields()
    assert scaled.factor == 2
    assert scaled.get_name() == "Scale"
    assert "Scale" in repr(scaled)


def test_configurable_fields_can_be_extended() -> None:
    both = _fields().configurable_fields(offset=ConfigurableField(id="offset"))
    assert both.invoke(1, {"configurable": {"factor": 3, "offset": 0.5}}) == 3
    assert sorted(spec.id for spec in both.config_specs) == ["factor", "offset"]


def test_graph_shows_the_default_by_name() -> None:
    chain = RunnableLambda(lambda x: x) | _fields()
    assert [node.name for node in chain.get_graph().nodes.values()] == ["lambda", "Scale"]


async def test_an_async_only_alternative_of_a_sync_default_runs_in_async_chains() -> None:
    async def shout(text: str) -> str:
        return text.upper()

    either = RunnableLambda(lambda text: text).configurable_alternatives(
        ConfigurableField(id="how"), shout=RunnableLambda(shout)
    )
    chain = RunnableLambda(lambda text: text + "!") | either
    config: RunnableConfig = {"configurable": {"how": "shout"}}
    assert await chain.ainvoke("hi", config) == "HI!"
    assert await chain.abatch(["a", "b"], config) == ["A!", "B!"]
    assert await chain.ainvoke("hi") == "hi!"
