"""`init_chat_model`: a chat model from a provider name and a model name.

Providers are found without pipes knowing them: a package declares a factory in the entry point
group `pipes.chat_models` (pipes_openai declares `openai` and `azure_openai`), or code registers
one with `register_chat_model_provider`. A factory is called as `factory(model=..., **kwargs)`,
so a chat model class is a factory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, overload

from pipes._core import ConfigurableFieldSpec, DynamicRunnable
from pipes._core._credentials import is_credential_name
from pipes._errors import ConfigurationError

from ._base import BaseChatModel
from ._input import LanguageModelInput

__all__ = ["ConfigurableChatModel", "init_chat_model", "register_chat_model_provider"]

ENTRY_POINT_GROUP = "pipes.chat_models"

ChatModelFactory = Callable[..., BaseChatModel]

_registered: dict[str, ChatModelFactory] = {}
_installed: dict[str, Any] | None = None  # entry point name -> EntryPoint, read once
_lock = threading.Lock()

# LangChain's inference of the provider from the model name (langchain.chat_models.base).
_PREFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gpt-", "o1", "o3", "chatgpt", "text-davinci"), "openai"),
    (("claude",), "anthropic"),
    (("command",), "cohere"),
    (("accounts/fireworks",), "fireworks"),
    (("gemini",), "google_vertexai"),
    (("amazon.", "anthropic.", "meta."), "bedrock"),
    (("mistral", "mixtral"), "mistralai"),
    (("deepseek",), "deepseek"),
    (("grok",), "xai"),
    (("sonar",), "perplexity"),
    (("solar",), "upstage"),
)
_KNOWN = frozenset(provider for _, provider in _PREFIXES) | {"azure_openai", "openai"}


def register_chat_model_provider(name: str, factory: ChatModelFactory) -> None:
    """Make `init_chat_model` build `name`'s models with `factory(model=..., **kwargs)`.

    Registered providers take precedence over installed ones (the `pipes.chat_models`
    entry points), so tests and applications can add or replace a provider.

    Example:
        ```python
        register_chat_model_provider("echo", EchoChatModel)
        model = init_chat_model("echo:small", temperature=0)
        ```
    """
    if not callable(factory):
        raise ConfigurationError(
            f"register_chat_model_provider({name!r}, ...) needs a callable that builds the "
            f"chat model (a chat model class, or a function), got {type(factory).__name__}"
        )
    with _lock:
        _registered[_normalize(name)] = factory


def _normalize(provider: str) -> str:
    return provider.replace("-", "_").lower()


def _entry_points() -> dict[str, Any]:
    global _installed
    if _installed is None:
        from importlib.metadata import entry_points

        found = {_normalize(ep.name): ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        with _lock:
            _installed = found
    return _installed


def _providers() -> list[str]:
    """Every provider `init_chat_model` can build: registered or installed."""
    return sorted({*_registered, *_entry_points()})


def _factory(provider: str) -> ChatModelFactory:
    if provider in _registered:
        return _registered[provider]
    entry_point = _entry_points().get(provider)
    if entry_point is None:
        raise ConfigurationError(
            f"unknown model provider {provider!r}; installed providers: "
            f"{', '.join(_providers()) or 'none'}. Install the package that provides it (it "
            "declares a `pipes.chat_models` entry point), or call "
            f"register_chat_model_provider({provider!r}, factory)"
        )
    try:
        factory = entry_point.load()
    except Exception as exc:
        raise ConfigurationError(
            f"model provider {provider!r} is installed ({entry_point.value}) but failed to "
            f"load: {exc}"
        ) from exc
    with _lock:
        _registered.setdefault(provider, factory)
    return _registered[provider]


def infer_provider(model: str) -> str | None:
    """The provider LangChain infers from a model name (`"gpt-4o"` -> `"openai"`), if any."""
    lowered = model.lower()
    for prefixes, provider in _PREFIXES:
        if lowered.startswith(prefixes):
            return provider
    return None


def _parse(model: str, provider: str | None) -> tuple[str, str]:
    if not provider and ":" in model:
        prefix, rest = model.split(":", 1)
        if _normalize(prefix) in _KNOWN or _normalize(prefix) in _providers():
            provider, model = prefix, rest
    if not provider:
        provider = infer_provider(model)
    if not provider:
        raise ConfigurationError(
            f"cannot infer the model provider of {model!r}; pass model_provider=... or write "
            f"'<provider>:{model}'. Installed providers: {', '.join(_providers()) or 'none'}"
        )
    return model, _normalize(provider)


def _build(model: str | None, model_provider: str | None, kwargs: Mapping[str, Any]) -> Any:
    if not isinstance(model, str) or not model:
        raise ConfigurationError(
            f"init_chat_model needs a model name (e.g. 'openai:gpt-4o'), got {model!r}; with "
            "configurable_fields, pass it per call: {'configurable': {'model': ...}}"
        )
    name, provider = _parse(model, model_provider)
    return _factory(provider)(model=name, **kwargs)


@overload
def init_chat_model(
    model: str,
    *,
    model_provider: str | None = None,
    configurable_fields: None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> BaseChatModel: ...
@overload
def init_chat_model(
    model: None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str] | None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> ConfigurableChatModel: ...
@overload
def init_chat_model(
    model: str | None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str],
    config_prefix: str | None = None,
    **kwargs: Any,
) -> ConfigurableChatModel: ...
def init_chat_model(
    model: str | None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str] | None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> BaseChatModel | ConfigurableChatModel:
    """A chat model of any installed provider, by name, or one chosen per call.

    `model` is `"provider:name"` or a name the provider is inferred from (`gpt-`, `o1`, `o3`
    -> openai, `claude` -> anthropic, ...); `kwargs` go to the model. Without a model, or with
    `configurable_fields` (names, or `"any"`), the result is configurable: each call may set
    those parameters (`model` and `model_provider` by default) under `config["configurable"]`,
    as `"<config_prefix>_<name>"` when `config_prefix` is given.

    Example:
        ```python
        gpt = init_chat_model("openai:gpt-4o", temperature=0)
        any_model = init_chat_model(temperature=0)
        any_model.invoke("hi", config={"configurable": {"model": "gpt-4o-mini"}})
        ```
    """
    if model is not None and not isinstance(model, str):
        raise ConfigurationError(
            f"init_chat_model(model=...) takes a model name such as 'openai:gpt-4o', got "
            f"{type(model).__name__}; a chat model you already built can be used directly"
        )
    if not model and not configurable_fields:
        configurable_fields = ("model", "model_provider")
    if not configurable_fields:
        if config_prefix:
            raise ConfigurationError(
                f"init_chat_model(config_prefix={config_prefix!r}) without configurable_fields: "
                "no parameter is configurable; pass configurable_fields=('model', ...)"
            )
        return _build(model, model_provider, kwargs)  # type: ignore[no-any-return]
    defaults = dict(kwargs)
    if model:
        defaults["model"] = model
    if model_provider:
        defaults["model_provider"] = model_provider
    return ConfigurableChatModel(defaults, configurable_fields, config_prefix or "")


def _make(params: Mapping[str, Any]) -> Any:
    params = dict(params)
    return _build(params.pop("model", None), params.pop("model_provider", None), params)


class ConfigurableChatModel(DynamicRunnable[LanguageModelInput, Any]):
    """A chat model built per call from `config["configurable"]` (see `init_chat_model`).

    `bind_tools` and `with_structured_output` are recorded and applied to each model built.

    Example:
        ```python
        model = init_chat_model(configurable_fields=("model", "temperature"))
        model.invoke("hi", {"configurable": {"model": "openai:gpt-4o", "temperature": 0}})
        ```
    """

    run_type = "chat_model"

    def __init__(
        self,
        defaults: Mapping[str, Any],
        fields: Literal["any"] | Sequence[str],
        prefix: str,
        *,
        ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        # There is no default runnable to wrap: the default model is built from `defaults` when
        # first needed (and without a default model name there is none). Every method of
        # DynamicRunnable that would read `default` is overridden here.
        super().__init__(self, ops=ops)
        self.defaults = dict(defaults)
        self.fields: Literal["any"] | tuple[str, ...] = "any" if fields == "any" else tuple(fields)
        self.prefix = prefix if not prefix or prefix.endswith("_") else f"{prefix}_"
        self._default_model: Any = None

    def _with_ops(self, ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]) -> Any:
        return ConfigurableChatModel(self.defaults, self.fields, self.prefix, ops=ops)

    def get_name(self, suffix: str | None = None) -> str:
        name = self.name or "ConfigurableChatModel"
        return f"{name}{suffix}" if suffix else name

    def _sync_only(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("defaults", "fields", "prefix"):
            raise AttributeError(name)
        if name in ("bind_tools", "with_structured_output"):
            return super().__getattr__(name)
        if "model" in self.defaults:
            return getattr(self._default(), name)
        raise AttributeError(
            f"{name!r}: this configurable chat model has no default model to read it from; "
            "pass a model to init_chat_model(...)"
        )

    def __repr__(self) -> str:
        return f"ConfigurableChatModel(fields={self.fields!r}, prefix={self.prefix!r})"

    def _default(self) -> Any:
        if self._default_model is None:
            self._default_model = _make(self.defaults)
        return self._default_model

    def _params(self, configurable: Mapping[str, Any]) -> dict[str, Any]:
        found = {
            key.removeprefix(self.prefix): value
            for key, value in configurable.items()
            if key.startswith(self.prefix)
        }
        if self.fields != "any":
            found = {key: value for key, value in found.items() if key in self.fields}
        return found

    def _select(self, configurable: Mapping[str, Any]) -> tuple[Any, bool]:
        params = self._params(configurable)
        if not params:
            return self._default(), True
        return _make({**self.defaults, **params}), False

    def _own_specs(self) -> list[ConfigurableFieldSpec]:
        if self.fields == "any":
            return []
        return [
            ConfigurableFieldSpec(
                id=f"{self.prefix}{field}",
                annotation=Any,
                # Specs end up in config_schema() JSON: a credential's value never does.
                default=None if is_credential_name(field) else self.defaults.get(field),
            )
            for field in self.fields
        ]

    def get_input_schema(self) -> dict[str, Any]:
        # The default model's, when there is one; else "anything" (the model is not known).
        has_default = "model" in self.defaults
        return self._default().get_input_schema() if has_default else {}

    def get_output_schema(self) -> dict[str, Any]:
        has_default = "model" in self.defaults
        return self._default().get_output_schema() if has_default else {}
