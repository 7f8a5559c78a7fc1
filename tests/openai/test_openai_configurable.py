"""LangChain's "How to configure runtime chain internals" and "init any model in one line" how-tos,
run on ChatOpenAI against the emulator with only the imports changed."""

from __future__ import annotations

import pytest
from conftest import KEY

import pipes._models._init as registry
from pipes_openai import AzureChatOpenAI, ChatOpenAI
from pipes_openai.emulator import Emulator


@pytest.fixture(autouse=True)
def _env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
    return


def test_configurable_fields(emu: Emulator) -> None:
    emu.script("17", "42", "17", "42")

    from pipes import ConfigurableField, PromptTemplate
    from pipes_openai import ChatOpenAI

    model = ChatOpenAI(temperature=0).configurable_fields(
        temperature=ConfigurableField(
            id="llm_temperature",
            name="LLM Temperature",
            description="The temperature of the LLM",
        )
    )
    assert model.invoke("pick a random number").content == "17"
    assert emu.requests[-1].body["temperature"] == 0
    reply = model.with_config(configurable={"llm_temperature": 0.9}).invoke("pick a random number")
    assert reply.content == "42"
    assert emu.requests[-1].body["temperature"] == 0.9

    prompt = PromptTemplate.from_template("Pick a random number above {x}")
    chain = prompt | model
    chain.invoke({"x": 0})
    assert emu.requests[-1].body["temperature"] == 0
    chain.invoke({"x": 0}, config={"configurable": {"llm_temperature": 0.9}})
    assert emu.requests[-1].body["temperature"] == 0.9
    assert emu.requests[-1].body["messages"][-1]["content"] == "Pick a random number above 0"


async def test_configurable_model_name_streams(emu: Emulator) -> None:
    emu.script("one two three", "four five")
    from pipes import ConfigurableField

    model = ChatOpenAI(model="gpt-4o").configurable_fields(
        model_name=ConfigurableField(id="model_name")
    )
    chunks = [c.content async for c in model.astream("hi", {"configurable": {"model_name": "o1"}})]
    assert "".join(chunks) == "one two three"
    assert len(chunks) > 1  # still streamed
    assert emu.requests[-1].body["model"] == "o1"
    assert "".join(c.content for c in model.stream("hi")) == "four five"
    assert emu.requests[-1].body["model"] == "gpt-4o"


def test_configurable_alternatives(emu: Emulator) -> None:
    emu.script("a bear joke", "a gpt-4 poem", "a gpt-4 bear poem")

    from pipes import ConfigurableField, PromptTemplate
    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-3.5-turbo", temperature=0).configurable_alternatives(
        # This gives this field an id
        # When configuring the end runnable, we can then use this id to configure this field
        ConfigurableField(id="llm"),
        # This sets a default_key.
        # If we specify this key, the default LLM (ChatOpenAI gpt-3.5) will be used
        default_key="openai",
        # This adds a new option, with name `gpt4` that is equal to `ChatOpenAI(model="gpt-4")`
        gpt4=ChatOpenAI(model="gpt-4"),
    )
    prompt = PromptTemplate.from_template("Tell me a joke about {topic}").configurable_alternatives(
        ConfigurableField(id="prompt"),
        default_key="joke",
        poem=PromptTemplate.from_template("Write a short poem about {topic}"),
    )
    chain = prompt | llm

    assert chain.invoke({"topic": "bears"}).content == "a bear joke"
    assert emu.requests[-1].body["model"] == "gpt-3.5-turbo"
    assert emu.requests[-1].body["messages"][-1]["content"] == "Tell me a joke about bears"

    # Saving configurations
    openai_poem = chain.with_config(configurable={"llm": "gpt4", "prompt": "poem"})
    assert openai_poem.invoke({"topic": "bears"}).content == "a gpt-4 poem"
    assert emu.requests[-1].body["model"] == "gpt-4"
    assert emu.requests[-1].body["messages"][-1]["content"] == "Write a short poem about bears"

    reply = chain.invoke({"topic": "bears"}, {"configurable": {"llm": "gpt4", "prompt": "poem"}})
    assert reply.content == "a gpt-4 bear poem"
    specs = {spec.id: spec.default for spec in chain.config_specs}
    assert specs == {"llm": "openai", "prompt": "joke"}


def test_init_chat_model(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # The installed entry points name pipes_openai's classes; registering them is the fallback
    # when the environment's metadata predates the entry points.
    monkeypatch.setattr(registry, "_registered", {})
    monkeypatch.setattr(registry, "_installed", {})
    from pipes import register_chat_model_provider

    register_chat_model_provider("openai", ChatOpenAI)
    register_chat_model_provider("azure_openai", AzureChatOpenAI)
    emu.script("I'm GPT-4o", "I'm mini", "Sunny")

    from pipes import init_chat_model

    gpt_4o = init_chat_model("gpt-4o", model_provider="openai", temperature=0)
    assert isinstance(gpt_4o, ChatOpenAI)
    assert gpt_4o.invoke("what's your name").content == "I'm GPT-4o"
    assert emu.requests[-1].body["model"] == "gpt-4o"

    configurable_model = init_chat_model(temperature=0)
    reply = configurable_model.invoke(
        "what's your name", config={"configurable": {"model": "gpt-4o-mini"}}
    )
    assert reply.content == "I'm mini"
    assert emu.requests[-1].body["model"] == "gpt-4o-mini"

    from pydantic import BaseModel, Field

    class GetWeather(BaseModel):
        """Get the current weather in a given location"""

        location: str = Field(..., description="The city and state, e.g. San Francisco, CA")

    llm = init_chat_model(temperature=0)
    llm_with_tools = llm.bind_tools([GetWeather])
    llm_with_tools.invoke("what's the weather in LA", config={"configurable": {"model": "gpt-4o"}})
    assert emu.requests[-1].body["tools"][0]["function"]["name"] == "GetWeather"


def test_the_entry_points_name_real_classes() -> None:
    import importlib

    for value in ("pipes_openai:ChatOpenAI", "pipes_openai:AzureChatOpenAI"):
        module, _, name = value.partition(":")
        assert isinstance(getattr(importlib.import_module(module), name), type)
