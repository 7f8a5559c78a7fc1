"""init_chat_model: providers by name (entry points or registration), configurable models."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import pipes._models._init as registry
from pipes import (
    AIMessage,
    BaseChatModel,
    BaseMessage,
    ConfigurableChatModel,
    ConfigurableField,
    ConfigurationError,
    PromptTemplate,
    init_chat_model,
    register_chat_model_provider,
)


class Echo(BaseChatModel):
    """Replies with its own settings, so tests see which model a call used."""

    model: str = "echo-1"
    temperature: float = 0.0
    api_key: str | None = None

    @property
    def provider_name(self) -> str:
        return "echo"

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        tools = [tool["function"]["name"] for tool in kwargs.get("tools", [])]
        return AIMessage(f"{self.model}@{self.temperature}{tools or ''}: {messages[-1].text}")

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        from pipes import convert_to_openai_tool

        return self.bind(tools=[convert_to_openai_tool(t) for t in tools])


class Other(Echo):
    @property
    def provider_name(self) -> str:
        return "other"

    def _generate(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        return AIMessage(f"other {self.model}: {messages[-1].text}")


@pytest.fixture(autouse=True)
def providers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test sees only the providers it registers (and no installed ones).
    monkeypatch.setattr(registry, "_registered", {})
    monkeypatch.setattr(registry, "_installed", {})
    register_chat_model_provider("openai", Echo)
    register_chat_model_provider("anthropic", Other)
    return


def test_provider_and_model_in_one_string() -> None:
    model = init_chat_model("openai:gpt-4o", temperature=0.5)
    assert isinstance(model, Echo)
    assert (model.model, model.temperature) == ("gpt-4o", 0.5)
    assert model.invoke("hi").content == "gpt-4o@0.5: hi"


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("gpt-4o", "openai"),
        ("o1-mini", "openai"),
        ("o3", "openai"),
        ("chatgpt-4o-latest", "openai"),
        ("claude-3-5-sonnet-latest", "anthropic"),
        ("gemini-1.5-pro", "google_vertexai"),
        ("mistral-large", "mistralai"),
        ("command-r", "cohere"),
        ("deepseek-chat", "deepseek"),
        ("grok-2", "xai"),
        ("amazon.titan", "bedrock"),
        ("accounts/fireworks/models/x", "fireworks"),
        ("sonar", "perplexity"),
        ("solar-pro", "upstage"),
        ("llama3", None),
    ],
)
def test_the_provider_is_inferred_like_langchain(name: str, provider: str | None) -> None:
    assert registry.infer_provider(name) == provider


def test_model_provider_argument_and_normalisation() -> None:
    model = init_chat_model("my-model", model_provider="Open-AI".replace("-", ""))
    assert isinstance(model, Echo)
    assert model.model == "my-model"
    register_chat_model_provider("azure-openai", Other)
    assert isinstance(init_chat_model("x", model_provider="azure_openai"), Other)


def test_a_colon_in_a_model_name_is_not_a_provider() -> None:
    model = init_chat_model("gpt-4o:2024-08-06")
    assert isinstance(model, Echo)
    assert model.model == "gpt-4o:2024-08-06"


def test_unknown_provider_lists_the_installed_ones() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"unknown model provider 'mistralai'.*anthropic, (azure_openai, )?openai",
    ):
        init_chat_model("mistral-large")
    with pytest.raises(ConfigurationError, match="cannot infer the model provider of 'llama3'"):
        init_chat_model("llama3")


def test_a_model_object_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="a chat model you already built"):
        init_chat_model(Echo())  # type: ignore[call-overload]


def test_registration_takes_callables_only() -> None:
    with pytest.raises(ConfigurationError, match="needs a callable"):
        register_chat_model_provider("bad", "pipes_openai:ChatOpenAI")  # type: ignore[arg-type]


def test_installed_providers_come_from_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real distribution on sys.path declaring the entry point, read by importlib.metadata.
    (tmp_path / "echo_plugin.py").write_text(
        textwrap.dedent(
            """
            from pipes import AIMessage, BaseChatModel

            class Plugged(BaseChatModel):
                model: str

                @property
                def provider_name(self):
                    return "plugged"

                def _generate(self, messages, **kwargs):
                    return AIMessage("plugged " + self.model)
            """
        )
    )
    info = tmp_path / "echo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[pipes.chat_models]\nplugged = echo_plugin:Plugged\nbroken = echo_plugin:Missing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_installed", None)  # read the entry points again
    monkeypatch.delitem(sys.modules, "echo_plugin", raising=False)
    assert init_chat_model("plugged:small").invoke("hi").content == "plugged small"
    with pytest.raises(ConfigurationError, match="'broken' is installed") as info_exc:
        init_chat_model("broken:x")
    assert isinstance(info_exc.value.__cause__, AttributeError)
    # azure_openai is listed too where pipes-llm itself is installed (its own entry points).
    with pytest.raises(
        ConfigurationError, match=r"anthropic, (azure_openai, )?broken, openai, plugged"
    ):
        init_chat_model("nope:x", model_provider="nope")


def test_pipes_openai_declares_its_providers() -> None:
    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '[project.entry-points."pipes.chat_models"]' in text
    assert 'openai = "pipes_openai:ChatOpenAI"' in text
    assert 'azure_openai = "pipes_openai:AzureChatOpenAI"' in text


# -- configurable models (LangChain's "How to init any model in one line") -------------------


def test_a_model_chosen_per_call() -> None:
    configurable_model = init_chat_model(temperature=0)
    assert isinstance(configurable_model, ConfigurableChatModel)
    reply = configurable_model.invoke(
        "what's your name", config={"configurable": {"model": "gpt-4o"}}
    )
    assert reply.content == "gpt-4o@0.0: what's your name"
    reply = configurable_model.invoke(
        "what's your name", config={"configurable": {"model": "claude-3-5-sonnet-20240620"}}
    )
    assert reply.content == "other claude-3-5-sonnet-20240620: what's your name"
    with pytest.raises(ConfigurationError, match="needs a model name"):
        configurable_model.invoke("hi")


async def test_a_configurable_model_with_default_values_and_a_prefix() -> None:
    first_llm = init_chat_model(
        model="gpt-4o",
        temperature=0,
        configurable_fields=("model", "model_provider", "temperature", "max_tokens"),
        config_prefix="first",
    )
    assert first_llm.invoke("what's your name").content == "gpt-4o@0.0: what's your name"
    config: Any = {
        "configurable": {
            "first_model": "claude-3-5-sonnet-20240620",
            "first_temperature": 0.5,
        }
    }
    assert (await first_llm.ainvoke("hi", config)).content == "other claude-3-5-sonnet-20240620: hi"
    chunks = [
        chunk.content
        async for chunk in first_llm.astream("hi", {"configurable": {"first_temperature": 0.5}})
    ]
    assert "".join(chunks) == "gpt-4o@0.5: hi"
    # Keys without the prefix, or not listed as configurable, are not the model's.
    assert (
        first_llm.invoke("hi", {"configurable": {"temperature": 0.9}}).content == "gpt-4o@0.0: hi"
    )
    listed = init_chat_model("gpt-4o", configurable_fields=("temperature",))
    assert listed.invoke("hi", {"configurable": {"model": "o1"}}).content == "gpt-4o@0.0: hi"


def test_any_field_is_configurable_with_any() -> None:
    model = init_chat_model("gpt-4o", configurable_fields="any")
    reply = model.invoke("hi", {"configurable": {"temperature": 0.25, "model": "o3"}})
    assert reply.content == "o3@0.25: hi"


def test_declarative_methods_apply_to_each_model_built() -> None:
    class GetWeather(BaseModel):
        """Get the current weather in a given location"""

        location: str

    llm = init_chat_model(temperature=0)
    with_tools = llm.bind_tools([GetWeather])
    reply = with_tools.invoke("weather?", config={"configurable": {"model": "gpt-4o"}})
    assert reply.content == "gpt-4o@0.0['GetWeather']: weather?"
    chain = PromptTemplate.from_template("{q}") | with_tools
    reply = chain.invoke({"q": "x"}, {"configurable": {"model": "gpt-4o-mini"}})
    assert reply.content == "gpt-4o-mini@0.0['GetWeather']: x"


def test_with_config_saves_a_choice() -> None:
    llm = init_chat_model(temperature=0)
    saved = llm.with_config(configurable={"model": "gpt-4o"})
    assert saved.invoke("hi").content == "gpt-4o@0.0: hi"


def test_attributes_of_the_default_model() -> None:
    llm = init_chat_model("gpt-4o", configurable_fields=("model",), temperature=0.3)
    assert llm.temperature == 0.3
    with pytest.raises(AttributeError, match="no default model"):
        init_chat_model().temperature


def test_config_specs_never_show_a_credential() -> None:
    llm = init_chat_model(
        "gpt-4o", configurable_fields=("model", "api_key"), api_key="sk-SECRET-123456789"
    )
    schema = llm.config_schema().model_json_schema()
    assert "SECRET" not in str(schema)
    assert "SECRET" not in repr(llm)
    assert schema["$defs"]["Configurable"]["properties"]["model"]["default"] == "gpt-4o"


def test_config_prefix_without_fields_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="no parameter is configurable"):
        init_chat_model("gpt-4o", config_prefix="x")


def test_chat_model_fields_are_configurable() -> None:
    model = Echo(model="gpt-4o").configurable_fields(
        temperature=ConfigurableField(id="llm_temperature", name="LLM Temperature")
    )
    assert model.invoke("x").content == "gpt-4o@0.0: x"
    reply = model.invoke("x", {"configurable": {"llm_temperature": 0.9}})
    assert reply.content == "gpt-4o@0.9: x"
    with pytest.raises(ConfigurationError, match=r"'llm_temperature'.*'temperature'"):
        model.invoke("x", {"configurable": {"llm_temperature": "warm"}})


def test_a_bad_credential_value_is_not_shown() -> None:
    model = Echo(api_key="sk-SECRET-default").configurable_fields(
        api_key=ConfigurableField(id="key")
    )
    with pytest.raises(ConfigurationError) as info:
        model.invoke("x", {"configurable": {"key": ["sk-SECRET-bad"]}})
    assert "SECRET" not in str(info.value)
    assert info.value.__cause__ is None
    assert "SECRET" not in str(model.config_schema().model_json_schema())
