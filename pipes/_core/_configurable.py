"""Runnables configured per call: `configurable_fields` and `configurable_alternatives`.

`config={"configurable": {...}}` picks, for one call, the values of a runnable's fields or one
of several alternative runnables. The wrappers here resolve the runnable to run from the call's
config and delegate everything to it; runnables that are not configurable pay nothing.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, cast

from typing_extensions import TypeVar

from .._errors import ConfigurationError
from ._config import RunnableConfig, ensure_config
from ._credentials import is_credential_name
from ._runnable import Runnable

__all__ = [
    "ConfigurableField",
    "ConfigurableFieldSpec",
    "DynamicRunnable",
    "RunnableConfigurableAlternatives",
    "RunnableConfigurableFields",
]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


# Methods of chat models that build a new runnable from the model: on a configurable model they
# are recorded and replayed on the model each call resolves (LangChain's "declarative" methods).
_DECLARATIVE = frozenset({"bind_tools", "with_structured_output"})


class ConfigurableField(NamedTuple):
    """A field (or the choice of an alternative) settable per call under `id`.

    Example:
        ```python
        model = FakeChatModel().configurable_fields(
            temperature=ConfigurableField(id="llm_temperature", name="LLM Temperature")
        )
        model.invoke("hi", config={"configurable": {"llm_temperature": 0.9}})
        ```
    """

    id: str
    name: str | None = None
    description: str | None = None
    annotation: Any | None = None
    is_shared: bool = False

    def __hash__(self) -> int:
        return hash((self.id, self.annotation))


class ConfigurableFieldSpec(NamedTuple):
    """What `config_specs` reports of one configurable key: its type, default and labels.

    Example:
        ```python
        [spec.id for spec in chain.config_specs]  # ["llm_temperature"]
        ```
    """

    id: str
    annotation: Any
    name: str | None = None
    description: str | None = None
    default: Any = None
    is_shared: bool = False
    dependencies: list[str] | None = None


def unique_specs(specs: Sequence[ConfigurableFieldSpec]) -> list[ConfigurableFieldSpec]:
    """Specs sorted by id, one per id; two different specs for one id are an error."""
    by_id: dict[str, ConfigurableFieldSpec] = {}
    for spec in specs:
        seen = by_id.setdefault(spec.id, spec)
        if seen != spec:
            raise ConfigurationError(
                f"configurable key {spec.id!r} is declared twice with different settings "
                f"({seen} and {spec}); give one of the ConfigurableFields another id"
            )
    return [by_id[key] for key in sorted(by_id)]


def config_specs(runnable: Runnable[Any, Any]) -> list[ConfigurableFieldSpec]:
    """Every configurable key of `runnable` and the runnables it is made of."""
    specs: list[ConfigurableFieldSpec] = []
    # The graph's nodes are the leaves of a composition; configurable wrappers are leaves that
    # report their own keys (and those of their alternatives).
    for node in runnable.get_graph().nodes.values():
        if isinstance(node.runnable, DynamicRunnable):
            specs += node.runnable._own_specs()
    return unique_specs(specs)


class DynamicRunnable(Runnable[In, Out]):
    """A runnable resolved per call from `config["configurable"]`; see the two subclasses.

    Attribute reads fall through to the default runnable; `bind_tools` and
    `with_structured_output` are recorded and applied to whichever runnable a call resolves.
    """

    _traced = False  # the resolved runnable is the run

    def __init__(
        self,
        default: Runnable[In, Out],
        *,
        ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        self.default = default
        self._ops = ops
        self._default_resolved: Runnable[In, Out] | None = None

    # -- resolution -------------------------------------------------------------------------

    def _select(self, configurable: Mapping[str, Any]) -> tuple[Runnable[In, Out], bool]:
        """The runnable these values select, and whether it is the default one."""
        raise NotImplementedError

    def _own_specs(self) -> list[ConfigurableFieldSpec]:
        raise NotImplementedError

    def _with_ops(self, ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]) -> Any:
        raise NotImplementedError

    def prepare(
        self, config: RunnableConfig | None = None
    ) -> tuple[Runnable[In, Out], RunnableConfig]:
        """The runnable a call with `config` runs, and the config it runs with."""
        config = ensure_config(config)
        runnable, is_default = self._select(config.get("configurable") or {})
        if self._ops:
            if is_default:
                if self._default_resolved is None:
                    self._default_resolved = self._apply_ops(runnable)
                runnable = self._default_resolved
            else:
                runnable = self._apply_ops(runnable)
        while isinstance(runnable, DynamicRunnable):
            runnable, config = runnable.prepare(config)
        return runnable, config

    def _apply_ops(self, runnable: Runnable[Any, Any]) -> Any:
        for name, args, kwargs in self._ops:
            runnable = getattr(runnable, name)(*args, **kwargs)
        return runnable

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("default", "_ops", "_default_resolved"):
            raise AttributeError(name)
        if name in _DECLARATIVE:

            def record(*args: Any, **kwargs: Any) -> Any:
                return self._with_ops((*self._ops, (name, args, kwargs)))

            return record
        return getattr(self.default, name)

    def get_name(self, suffix: str | None = None) -> str:
        return self.name or self.default.get_name(suffix)

    def get_input_schema(self) -> dict[str, Any]:
        return self.prepare()[0].get_input_schema()

    def get_output_schema(self) -> dict[str, Any]:
        return self.prepare()[0].get_output_schema()

    def _sync_only(self) -> bool:
        return self.default._sync_only()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(default={self.default!r})"

    # -- delegation -------------------------------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        runnable, config = self.prepare(config)
        return runnable.invoke(input, config, **kwargs)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        runnable, config = self.prepare(config)
        return await runnable.ainvoke(input, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        runnable, config = self.prepare(config)
        yield from runnable.stream(input, config, **kwargs)

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        runnable, config = self.prepare(config)
        async for chunk in runnable.astream(input, config, **kwargs):
            yield chunk

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        runnable, config = self.prepare(config)
        yield from runnable.transform(input, config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        runnable, config = self.prepare(config)
        async for chunk in runnable.atransform(input, config, **kwargs):
            yield chunk


def _field_names(default: Any) -> dict[str, str]:
    """Accepted keys of a pydantic runnable: field names and their aliases -> field name."""
    from pydantic import AliasChoices

    names: dict[str, str] = {}
    for field_name, info in type(default).model_fields.items():
        names[field_name] = field_name
        aliases: list[Any] = [info.alias]
        if isinstance(info.validation_alias, AliasChoices):
            aliases += info.validation_alias.choices
        else:
            aliases.append(info.validation_alias)
        for alias in aliases:
            if isinstance(alias, str):
                names.setdefault(alias, field_name)
    return names


class RunnableConfigurableFields(DynamicRunnable[In, Out]):
    """A pydantic runnable (a chat model) whose fields may be set per call.

    Made by [`Runnable.configurable_fields`][pipes.Runnable.configurable_fields]: each value is
    validated against the field's type, and a copy of the runnable with those values runs.

    Example:
        ```python
        model = FakeChatModel().configurable_fields(temperature=ConfigurableField(id="temp"))
        model.invoke("hi", {"configurable": {"temp": 0.2}})
        ```
    """

    def __init__(
        self,
        default: Runnable[In, Out],
        fields: Mapping[str, ConfigurableField],
        *,
        ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        from pydantic import BaseModel, TypeAdapter

        if not isinstance(default, BaseModel):
            raise ConfigurationError(
                f"configurable_fields() needs a runnable whose settings are pydantic fields (a "
                f"chat model); {default.get_name()!r} has none. Use "
                "configurable_alternatives() to switch between whole runnables instead."
            )
        names = _field_names(default)
        resolved: dict[str, tuple[str, ConfigurableField]] = {}
        for key, field in fields.items():
            if not isinstance(field, ConfigurableField):
                raise ConfigurationError(
                    f"configurable_fields({key}=...) expects a ConfigurableField, got "
                    f"{type(field).__name__}; write {key}=ConfigurableField(id={key!r})"
                )
            if key not in names:
                raise ConfigurationError(
                    f"{default.get_name()!r} has no field {key!r} to make configurable; its "
                    f"fields are {sorted(type(default).model_fields)}"
                )
            resolved[field.id] = (names[key], field)
        super().__init__(default, ops=ops)
        self.fields = dict(fields)
        self._by_id = resolved
        infos = type(default).model_fields
        self._annotations: dict[str, Any] = {
            field_id: field.annotation or infos[name].annotation
            for field_id, (name, field) in resolved.items()
        }
        self._adapters = {key: TypeAdapter[Any](kind) for key, kind in self._annotations.items()}

    def _with_ops(self, ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]) -> Any:
        return RunnableConfigurableFields(self.default, self.fields, ops=ops)

    def configurable_fields(
        self, **fields: ConfigurableField
    ) -> RunnableConfigurableFields[In, Out]:
        return RunnableConfigurableFields(self.default, {**self.fields, **fields}, ops=self._ops)

    def _select(self, configurable: Mapping[str, Any]) -> tuple[Runnable[In, Out], bool]:
        update: dict[str, Any] = {}
        for key, value in configurable.items():
            entry = self._by_id.get(key)
            if entry is None:
                continue  # keys for other runnables (or nobody) are ignored, like LangChain
            from pydantic import ValidationError

            try:
                update[entry[0]] = self._adapters[key].validate_python(value)
            except ValidationError as exc:
                secret = is_credential_name(entry[0])
                # pydantic's error shows the value: for a credential it is not chained either.
                raise ConfigurationError(
                    f"configurable {key!r} (field {entry[0]!r} of "
                    f"{self.default.get_name()!r}) got {'a value' if secret else repr(value)}: "
                    f"{exc.errors(include_url=False)[0]['msg']}"
                ) from (None if secret else exc)
        if not update:
            return self.default, True
        copy = cast(Any, self.default).model_copy(update=update)
        return cast(Runnable[In, Out], copy), False

    def _own_specs(self) -> list[ConfigurableFieldSpec]:
        infos = type(cast(Any, self.default)).model_fields
        return [
            ConfigurableFieldSpec(
                id=field_id,
                annotation=self._annotations[field_id],
                name=field.name,
                description=field.description or infos[name].description,
                default=None if is_credential_name(name) else getattr(self.default, name),
                is_shared=field.is_shared,
            )
            for field_id, (name, field) in self._by_id.items()
        ]


@functools.lru_cache(maxsize=256)
def _choice_enum(name: str, keys: tuple[str, ...]) -> type[enum.StrEnum]:
    # One class per choice: specs of the same alternatives (used twice in a chain) compare
    # equal, and the JSON schema names it once.
    return enum.StrEnum(name, {key: key for key in keys})  # type: ignore[return-value]


class RunnableConfigurableAlternatives(DynamicRunnable[In, Out]):
    """One of several runnables, chosen per call by `config["configurable"][which.id]`.

    Made by [`Runnable.configurable_alternatives`][pipes.Runnable.configurable_alternatives];
    an alternative may also be a function returning the runnable (built on first use).

    Example:
        ```python
        prompt = PromptTemplate.from_template("Tell me a joke about {topic}")
        either = prompt.configurable_alternatives(
            ConfigurableField(id="prompt"),
            default_key="joke",
            poem=PromptTemplate.from_template("Write a short poem about {topic}"),
        )
        either.invoke({"topic": "bears"}, {"configurable": {"prompt": "poem"}})
        ```
    """

    def __init__(
        self,
        default: Runnable[In, Out],
        which: ConfigurableField,
        alternatives: Mapping[str, Runnable[In, Out] | Callable[[], Runnable[In, Out]]],
        *,
        default_key: str = "default",
        prefix_keys: bool = False,
        ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...] = (),
    ) -> None:
        if not isinstance(which, ConfigurableField):
            raise ConfigurationError(
                "configurable_alternatives() takes the ConfigurableField that selects the "
                f"alternative first, got {type(which).__name__}; write "
                'configurable_alternatives(ConfigurableField(id="..."), key=runnable, ...)'
            )
        if default_key in alternatives:
            raise ConfigurationError(
                f"alternative {default_key!r} is also the default_key; rename the alternative "
                "or pass another default_key="
            )
        for key, alternative in alternatives.items():
            if not isinstance(alternative, Runnable) and not callable(alternative):
                raise ConfigurationError(
                    f"alternative {key!r} must be a runnable or a function returning one, got "
                    f"{type(alternative).__name__}"
                )
        super().__init__(default, ops=ops)
        self.which = which
        self.alternatives = dict(alternatives)
        self.default_key = default_key
        self.prefix_keys = prefix_keys
        self._built: dict[str, Runnable[In, Out]] = {}

    def _with_ops(self, ops: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]) -> Any:
        return RunnableConfigurableAlternatives(
            self.default,
            self.which,
            self.alternatives,
            default_key=self.default_key,
            prefix_keys=self.prefix_keys,
            ops=ops,
        )

    def prepare(
        self, config: RunnableConfig | None = None
    ) -> tuple[Runnable[In, Out], RunnableConfig]:
        config = ensure_config(config)
        if self.prefix_keys:
            # The chosen alternative sees its own keys without the "<which>==<key>/" prefix.
            configurable = config.get("configurable") or {}
            prefix = f"{self.which.id}=={configurable.get(self.which.id, self.default_key)}/"
            config = cast(
                RunnableConfig,
                {
                    **config,
                    "configurable": {k.removeprefix(prefix): v for k, v in configurable.items()},
                },
            )
        return super().prepare(config)

    def _sync_only(self) -> bool:
        # Only if every option is: a sync-only segment of a sequence calls `invoke` in a thread,
        # which an async-only alternative could not serve.
        options = [self.default, *self.alternatives.values()]
        return all(isinstance(o, Runnable) and o._sync_only() for o in options)

    def _select(self, configurable: Mapping[str, Any]) -> tuple[Runnable[In, Out], bool]:
        key = configurable.get(self.which.id, self.default_key)
        if key == self.default_key:
            return self.default, True
        if key not in self.alternatives:
            known = sorted([self.default_key, *self.alternatives])
            raise ConfigurationError(
                f"unknown alternative {key!r} for configurable {self.which.id!r}; choose one of "
                f"{known}"
            )
        return self._alternative(key), False

    def _alternative(self, key: str) -> Runnable[In, Out]:
        alternative = self.alternatives[key]
        if isinstance(alternative, Runnable):
            return alternative
        built = self._built.get(key)
        if built is None:
            built = alternative()
            if not isinstance(built, Runnable):
                raise ConfigurationError(
                    f"alternative {key!r} of {self.which.id!r} is a function that returned "
                    f"{type(built).__name__}, not a runnable"
                )
            self._built[key] = built
        return built

    def _own_specs(self) -> list[ConfigurableFieldSpec]:
        keys = (*self.alternatives, self.default_key)
        choice = _choice_enum(self.which.name or self.which.id, keys)
        specs = [
            ConfigurableFieldSpec(
                id=self.which.id,
                annotation=choice,
                name=self.which.name,
                description=self.which.description,
                default=self.default_key,
                is_shared=self.which.is_shared,
            )
        ]
        options: list[tuple[str, Runnable[Any, Any]]] = [(self.default_key, self.default)]
        # Alternatives given as functions are not built just to describe them (LangChain
        # does the same).
        options += [(k, a) for k, a in self.alternatives.items() if isinstance(a, Runnable)]
        for key, option in options:
            for spec in config_specs(option):
                if self.prefix_keys and not spec.is_shared:
                    spec = spec._replace(id=f"{self.which.id}=={key}/{spec.id}")
                specs.append(spec)
        return specs
