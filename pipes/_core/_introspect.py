"""Pydantic models describing a runnable: `input_schema`, `output_schema`, `config_schema()`.

Each runnable derives its JSON schemas once (`get_input_schema()` / `get_output_schema()`);
the models here wrap those schemas, so `model.model_json_schema()` is exactly that schema (with a
title), and validate what the schema's top level says (the properties of an object, or the
root type). Built only when asked for, and cached.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._runnable import Runnable

__all__ = ["config_model", "input_model", "output_model"]

_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list[Any],
    "object": dict[str, Any],
    "null": type(None),
}


def _python_type(schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return _JSON_TYPES.get(kind, Any) if isinstance(kind, str) else Any


def input_model(runnable: Runnable[Any, Any]) -> type[BaseModel]:
    """`runnable.input_schema`: a model whose JSON schema is `get_input_schema()`."""
    step = _end(runnable, 0)
    return _model_of(step.get_input_schema(), _title(step, "Input"))


def output_model(runnable: Runnable[Any, Any]) -> type[BaseModel]:
    """`runnable.output_schema`: a model whose JSON schema is `get_output_schema()`."""
    step = _end(runnable, -1)
    return _model_of(step.get_output_schema(), _title(step, "Output"))


def _end(runnable: Runnable[Any, Any], index: int) -> Runnable[Any, Any]:
    """The runnable whose schema this one's is (and is titled after, as in LangChain): the
    first (input) or last (output) step of a sequence, through bindings and configurables."""
    from ._binding import RunnableBinding
    from ._configurable import DynamicRunnable
    from ._sequence import RunnableSequence

    while True:
        if isinstance(runnable, RunnableSequence):
            runnable = runnable.steps[index]
        elif isinstance(runnable, RunnableBinding) and not runnable.name:
            runnable = runnable.bound
        elif isinstance(runnable, DynamicRunnable) and not runnable.name:
            runnable = runnable.prepare()[0]
        else:
            return runnable


def _title(runnable: Runnable[Any, Any], suffix: str) -> str:
    from ._lambda import RunnableLambda

    if isinstance(runnable, RunnableLambda):
        # LangChain: "<function>_input" when the hints gave a type, else "RunnableLambdaInput".
        typed = runnable.get_input_schema() if suffix == "Input" else runnable.get_output_schema()
        return runnable.get_name(f"_{suffix.lower()}") if typed else f"RunnableLambda{suffix}"
    return runnable.get_name(suffix)


def _model_of(schema: dict[str, Any], title: str) -> type[BaseModel]:
    schema = {**schema, "title": schema.get("title") or title}
    # Keyed by the schema's text: equal schemas give the same class, and classes are not
    # rebuilt on every property access.
    return _build(json.dumps(schema, sort_keys=True, default=str))


class _ExactSchema:
    """Mixed into the models: their JSON schema is the runnable's own, not pydantic's rendering
    of the approximate Python types the model validates with."""

    _schema_text: ClassVar[str]

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(cls._schema_text)
        return result


@functools.lru_cache(maxsize=256)
def _build(text: str) -> type[BaseModel]:
    from pydantic import BaseModel, RootModel, create_model

    schema: dict[str, Any] = json.loads(text)
    title = schema["title"]
    namespace = {"_schema_text": text, "__module__": __name__}
    properties = schema.get("properties")
    if schema.get("type") == "object" and isinstance(properties, dict):
        required = set(schema.get("required", []))
        fields: dict[str, Any] = {
            # A field named like a BaseModel attribute would shadow it: such names stay in the
            # JSON schema only.
            name: (_python_type(sub), ... if name in required else None)
            for name, sub in properties.items()
            if name.isidentifier() and not name.startswith("_") and not hasattr(BaseModel, name)
        }
        base = type(f"{title}Base", (_ExactSchema, BaseModel), namespace)
        model: type[BaseModel] = create_model(title, __base__=base, **fields)
        return model
    root: Any = _python_type(schema)
    return type(title, (_ExactSchema, RootModel[root]), namespace)


def config_model(
    runnable: Runnable[Any, Any], include: Sequence[str] | None = None
) -> type[BaseModel]:
    """`runnable.config_schema()`: the configurable keys, plus the config keys in `include`."""
    from typing import get_type_hints

    from pydantic import Field, create_model

    from ._config import RunnableConfig

    fields: dict[str, Any] = {}
    specs = runnable.config_specs
    if specs:
        configurable = create_model(  # type: ignore[call-overload]
            "Configurable",
            **{
                spec.id: (
                    spec.annotation,
                    Field(spec.default, title=spec.name, description=spec.description),
                )
                for spec in specs
            },
        )
        fields["configurable"] = (configurable, None)
    from ._listeners import Listener

    hints = get_type_hints(RunnableConfig, localns={"Listener": Listener})
    hints["callbacks"] = list[Any]  # listeners are objects, described as a list
    for key in include or ():
        if key == "configurable":
            continue
        if key not in hints:
            from .._errors import ConfigurationError

            raise ConfigurationError(
                f"config_schema(include=[{key!r}]): {key!r} is no RunnableConfig key; the keys "
                f"are {sorted(hints)}"
            )
        fields[key] = (hints[key] | None, None)
    model: type[BaseModel] = create_model(runnable.get_name("Config"), **fields)
    return model
