"""`convert_to_openai_tool` and friends: anything tool-like → OpenAI's function-calling JSON.

Accepted, as in LangChain: a pydantic v2 model class, a TypedDict class, a dataclass, a
JSON-schema dict with a `title`, an OpenAI function or tool dict (passed through), an
Anthropic-style `{"name", "input_schema"}` dict, a plain function, or a tool:

```python
class Multiply(BaseModel):
    '''Multiply two integers.'''
    a: int = Field(description="First factor")
    b: int

convert_to_openai_tool(Multiply, strict=True)
# {'type': 'function', 'function': {'name': 'Multiply',
#   'description': 'Multiply two integers.',
#   'parameters': {'type': 'object', 'properties': {...}, 'required': ['a', 'b'],
#                  'additionalProperties': False},
#   'strict': True}}
```
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import pydantic
from pydantic import BaseModel
from typing_extensions import is_typeddict

from pipes._schema._errors import SchemaConversionError
from pipes._schema._function_schema import (
    args_model_from_function,
    callable_name,
    typed_dict_json_schema,
)
from pipes._schema._rewrite import inline_refs, make_strict, remove_titles

__all__ = [
    "ToolLike",
    "convert_to_json_schema",
    "convert_to_openai_function",
    "convert_to_openai_tool",
]


@runtime_checkable
class _HasToolCallSchema(Protocol):
    """What a tool exposes for conversion (pipes' BaseTool; LangChain's BaseTool too)."""

    name: str
    description: str

    @property
    def tool_call_schema(self) -> Any: ...


# What convert_to_openai_tool accepts (documentation for users and for bind_tools).
ToolLike = Mapping[str, Any] | type | Callable[..., Any] | _HasToolCallSchema

# OpenAI built-in tool types, passed through untouched by convert_to_openai_tool.
_OPENAI_TOOL_TYPES = frozenset(
    {
        "function",
        "file_search",
        "computer",
        "computer_use_preview",
        "code_interpreter",
        "mcp",
        "image_generation",
        "web_search",
        "web_search_preview",
        "local_shell",
        "custom",
    }
)

_ACCEPTED = (
    "Expected a pydantic BaseModel subclass, a TypedDict class, a dataclass, a function with "
    "type hints, a pipes tool (@tool / BaseTool), a JSON-schema dict with a top-level 'title', "
    "or an OpenAI function/tool dict ({'name', 'parameters'} / {'type': 'function', "
    "'function': {...}})."
)


def _describe(obj: object) -> str:
    text = repr(obj)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{text} (of type {type(obj).__name__})"


def _model_schema(model: type[BaseModel], owner: str) -> dict[str, Any]:
    try:
        return model.model_json_schema()
    except (pydantic.PydanticInvalidForJsonSchema, pydantic.PydanticUserError) as exc:
        raise SchemaConversionError(
            f"Cannot build a JSON schema for {owner}: {exc}. Tool and output schemas must be "
            "JSON-serializable: use str/int/float/bool/list/dict, enums, Literal, or nested "
            "models instead of arbitrary classes."
        ) from exc


def _from_json_schema(
    schema: Mapping[str, Any], *, name: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """Function dict from a generated JSON schema: refs inlined, titles removed."""
    # A recursive root model is emitted as {"$ref": ..., "$defs": ...}: its title and
    # description only appear once the reference is resolved.
    inlined = inline_refs(dict(schema))
    params = remove_titles(inlined)
    params.pop("description", None)
    title = inlined.get("title")
    fn_name = name or (title if isinstance(title, str) else None)
    if not fn_name:
        raise SchemaConversionError(
            f"The schema {_describe(schema)} has no title to name the function. " + _ACCEPTED
        )
    out: dict[str, Any] = {"name": fn_name}
    desc = description if description is not None else inlined.get("description")
    if desc:
        out["description"] = desc
    out["parameters"] = params
    return out


def _from_tool(tool: _HasToolCallSchema) -> dict[str, Any]:
    schema = tool.tool_call_schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        schema = _model_schema(schema, f"tool {tool.name!r}")
    if not isinstance(schema, Mapping):
        raise SchemaConversionError(
            f"Tool {tool.name!r} has a tool_call_schema of type {type(schema).__name__}; "
            "expected a JSON-schema dict or a pydantic model class."
        )
    return _from_json_schema(schema, name=tool.name, description=tool.description or None)


def _from_dict(obj: Mapping[str, Any]) -> dict[str, Any]:
    if "name" in obj and "input_schema" in obj:  # Anthropic format
        out: dict[str, Any] = {"name": obj["name"]}
        if obj.get("description"):
            out["description"] = obj["description"]
        out["parameters"] = dict(obj["input_schema"])
        return out
    if "name" in obj:  # already an OpenAI function
        return {
            k: v for k, v in obj.items() if k in ("name", "description", "parameters", "strict")
        }
    if "title" in obj:  # a JSON schema
        rest = {k: v for k, v in obj.items() if k not in ("title", "description")}
        out = {"name": obj["title"]}
        if obj.get("description"):
            out["description"] = obj["description"]
        if "properties" in rest:
            # OpenAI wants "type": "object" on the parameters; hand-written schemas omit it.
            out["parameters"] = rest if "type" in rest else {"type": "object", **rest}
        return out
    if obj.get("type") == "function" and "function" in obj:
        raise SchemaConversionError(
            "This is an OpenAI *tool* dict; convert_to_openai_function wants the function "
            "inside it. Use convert_to_openai_tool, or pass obj['function']."
        )
    hint = (
        "A JSON schema needs a top-level 'title' to name the function. "
        if "properties" in obj or "type" in obj
        else ""
    )
    raise SchemaConversionError(f"Cannot convert the dict {_describe(obj)}. {hint}{_ACCEPTED}")


def _dataclass_function(cls: type) -> dict[str, Any]:
    schema = pydantic.TypeAdapter(cls).json_schema()
    doc = cls.__doc__ or ""
    # dataclasses invent a docstring from the signature ("Point(x: int, y: int)"): not a
    # description anyone wrote.
    description = None if doc.startswith(f"{cls.__name__}(") else inspect.cleandoc(doc) or None
    return _from_json_schema(schema, name=cls.__name__, description=description or "")


def convert_to_openai_function(obj: ToolLike, *, strict: bool | None = None) -> dict[str, Any]:
    """Convert a model / TypedDict / schema dict / function / tool to an OpenAI function dict.

    Returns `{"name", "description"?, "parameters", "strict"?}`. With `strict=True` the
    parameters are rewritten for OpenAI strict mode (see
    [`convert_to_openai_tool`][pipes.convert_to_openai_tool]).

    Example:
        ```python
        def add(a: int, b: int) -> int:
            '''Add two integers.

            Args:
                a: First addend.
                b: Second addend.
            '''
            return a + b

        convert_to_openai_function(add)["parameters"]["properties"]["a"]
        # {'type': 'integer', 'description': 'First addend.'}
        ```
    """
    if isinstance(obj, Mapping):
        function = _from_dict(obj)
    elif isinstance(obj, type) and issubclass(obj, BaseModel):
        function = _from_json_schema(_model_schema(obj, f"model {obj.__name__!r}"))
    elif is_typeddict(obj):
        function = _from_json_schema(typed_dict_json_schema(obj))  # type: ignore[arg-type]
    elif isinstance(obj, _HasToolCallSchema) and not isinstance(obj, type):
        function = _from_tool(obj)
    elif isinstance(obj, type) and dataclasses.is_dataclass(obj):
        function = _dataclass_function(obj)
    elif callable(obj) and not isinstance(obj, type):
        model, summary = args_model_from_function(obj, parse_docstring=True)
        function = _from_json_schema(
            _model_schema(model, f"function {callable_name(obj)!r}"),
            name=callable_name(obj),
            description=summary,
        )
    else:
        raise SchemaConversionError(
            f"Cannot convert {_describe(obj)} to an OpenAI function. {_ACCEPTED}"
        )
    return _apply_strict(function, strict)


def _apply_strict(function: dict[str, Any], strict: bool | None) -> dict[str, Any]:
    if strict is None:
        return function
    existing = function.get("strict")
    if existing is not None and existing != strict:
        raise SchemaConversionError(
            f"Function {function.get('name')!r} already says strict={existing}, which "
            f"contradicts strict={strict}. Drop one of them."
        )
    out = dict(function)
    if strict:
        params = out.get("parameters")
        if params is None:
            params = {"type": "object", "properties": {}}
        out["parameters"] = make_strict(inline_refs(params), name=f"function {out['name']!r}")
    out["strict"] = strict
    return out


def convert_to_openai_tool(obj: ToolLike, *, strict: bool | None = None) -> dict[str, Any]:
    """Convert anything tool-like to an OpenAI tool: `{"type": "function", "function": {...}}`.

    `strict=True` makes the schema valid for OpenAI strict mode: every object lists all its
    properties in `required` and has `additionalProperties: false`; optional fields become
    nullable; `oneOf` becomes `anyOf`; constraints strict mode rejects (`default`,
    `minLength`...) are dropped (pipes still validates the arguments it receives). What
    strict mode cannot express (free-form dicts, `Any`, tuples...) raises
    `StrictSchemaError`. `strict=None` leaves the `strict` key out.

    OpenAI tool dicts are passed through (built-in tools such as `{"type": "web_search"}`
    untouched; for `"function"` tools an explicit `strict` is applied to the function).

    Example:
        ```python
        @tool
        def get_weather(city: str) -> str:
            '''Get the weather for a city.'''
            ...

        convert_to_openai_tool(get_weather)
        # {'type': 'function', 'function': {'name': 'get_weather',
        #   'description': 'Get the weather for a city.',
        #   'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}},
        #                  'required': ['city']}}}
        ```
    """
    if isinstance(obj, Mapping):
        kind = obj.get("type")
        if isinstance(kind, str) and (kind in _OPENAI_TOOL_TYPES or kind.startswith("web_search")):
            if kind == "function" and isinstance(obj.get("function"), Mapping):
                function = convert_to_openai_function(obj["function"], strict=strict)
                return {**obj, "function": function}
            return dict(obj)
    return {"type": "function", "function": convert_to_openai_function(obj, strict=strict)}


def convert_to_json_schema(obj: ToolLike, *, strict: bool | None = None) -> dict[str, Any]:
    """The JSON schema of anything tool-like: `{"title", "description"?, **parameters}`.

    What `with_structured_output(..., method="json_schema")` sends as a response format.

    Example:
        ```python
        convert_to_json_schema(Multiply)["title"]  # 'Multiply'
        ```
    """
    function = convert_to_openai_function(obj, strict=strict)
    out: dict[str, Any] = {"title": function["name"]}
    if "description" in function:
        out["description"] = function["description"]
    out.update(function.get("parameters", {"type": "object", "properties": {}}))
    return out
