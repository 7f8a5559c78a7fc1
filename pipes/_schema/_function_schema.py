"""Argument schemas from Python signatures and TypedDicts.

`args_model_from_function` builds the pydantic model a tool validates its arguments with;
its JSON schema is what the model sees:

```python
def search(query: Annotated[str, "What to look for"], limit: int = 5) -> str: ...

Args = args_model_from_function(search)
Args.model_json_schema()["properties"]["query"]["description"]  # 'What to look for'
```
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
import warnings
from collections.abc import Callable, Collection
from typing import Annotated, Any, cast, get_args, get_origin

import pydantic
import typing_extensions
from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo
from typing_extensions import is_typeddict

from pipes._schema._docstring import parse_google_docstring
from pipes._schema._errors import SchemaConversionError

__all__ = [
    "annotation_description",
    "args_model_from_function",
    "callable_name",
    "typed_dict_json_schema",
]

# Parameters LangChain never exposes to the model; kept for users porting tools.
_ALWAYS_HIDDEN = frozenset({"run_manager", "callbacks", "self", "cls"})

_ARGS_CONFIG = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())


# TypedDict key qualifiers wrapping the annotation (NotRequired[Annotated[T, "desc"]]).
_QUALIFIERS = frozenset(
    {
        typing_extensions.NotRequired,
        typing_extensions.Required,
        typing_extensions.ReadOnly,
        typing.NotRequired,
        typing.Required,
    }
)


def callable_name(func: Callable[..., Any]) -> str:
    """The name a function-like object is known by (`partial` and callables included)."""
    inner: Any = func
    while hasattr(inner, "func") and not hasattr(inner, "__name__"):
        inner = inner.func  # functools.partial
    name = getattr(inner, "__name__", None)
    if not isinstance(name, str):
        name = type(inner).__name__
    return name


def annotation_description(annotation: Any) -> str | None:
    """The description in `Annotated[T, "desc"]` (LangChain's form), if any.

    `Annotated[T, default, "desc"]` (LangChain's TypedDict form) works too: the last string
    in the metadata is the description.
    """
    while get_origin(annotation) in _QUALIFIERS:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is not Annotated:
        return None
    strings = [m for m in get_args(annotation)[1:] if isinstance(m, str)]
    return strings[-1] if strings else None


def _type_hints(func: Callable[..., Any], owner: str) -> dict[str, Any]:
    target: Any = func
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.isclass(target):
        target = target.__init__
    elif not (inspect.isfunction(target) or inspect.ismethod(target)) and callable(target):
        target = type(target).__call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception as exc:  # NameError for unresolvable forward references, mostly
        raise SchemaConversionError(
            f"Cannot resolve the type hints of {owner}: {exc}. Types named in string "
            "annotations (or under `from __future__ import annotations`) must be importable "
            "from the function's module; define them at module level."
        ) from exc


def args_model_from_function(
    func: Callable[..., Any],
    *,
    model_name: str | None = None,
    parse_docstring: bool = True,
    error_on_invalid_docstring: bool = False,
    exclude: Collection[str] = (),
) -> tuple[type[BaseModel], str]:
    """The pydantic model of `func`'s arguments, and the summary of its docstring.

    Descriptions come from a Google-style `Args:` section (when `parse_docstring`) and
    from `Annotated[T, "desc"]`; the docstring wins, as in LangChain. `*args`,
    `**kwargs`, LangChain's `run_manager` / `callbacks` and `exclude` are left out.
    """
    name = model_name or callable_name(func)
    owner = f"function {name!r}"
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise SchemaConversionError(
            f"Cannot read the signature of {owner} ({func!r}): {exc}. Pass a Python function, "
            "or give the tool an explicit args_schema."
        ) from exc
    hints = _type_hints(func, owner)
    params = [
        p
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name not in _ALWAYS_HIDDEN
        and p.name not in exclude
    ]
    doc = inspect.getdoc(func)
    if parse_docstring:
        summary, arg_docs = parse_google_docstring(
            doc,
            args=[p.name for p in params],
            error_on_invalid=error_on_invalid_docstring,
            owner=owner,
            known=list(signature.parameters),
        )
    else:
        summary, arg_docs = (doc or "").strip(), {}
    fields: dict[str, Any] = {}
    for param in params:
        annotation = hints.get(param.name, Any)
        description = arg_docs.get(param.name) or annotation_description(annotation)
        default = param.default
        if isinstance(default, FieldInfo):
            if description and not default.description:
                default.description = description
            fields[param.name] = (annotation, default)
            continue
        field_kwargs: dict[str, Any] = {}
        if description:
            field_kwargs["description"] = description
        if default is inspect.Parameter.empty:
            fields[param.name] = (annotation, pydantic.Field(**field_kwargs))
        else:
            fields[param.name] = (annotation, pydantic.Field(default, **field_kwargs))
    try:
        with warnings.catch_warnings():
            # An argument called `json` or `schema` is fine for a tool; pydantic warns that it
            # shadows a BaseModel method, which only matters for models used as models.
            warnings.filterwarnings("ignore", message=".*shadows an attribute in parent")
            model: type[BaseModel] = pydantic.create_model(name, __config__=_ARGS_CONFIG, **fields)
    except (
        pydantic.PydanticSchemaGenerationError,
        pydantic.PydanticUserError,
        TypeError,
        NameError,  # pydantic refuses field names with a leading underscore
    ) as exc:
        raise SchemaConversionError(
            f"Cannot build an argument schema for {owner}: {exc}. Argument types must be "
            "types pydantic understands (str, int, list[...], models, TypedDicts...)."
        ) from exc
    model.__doc__ = summary or None
    return model, summary


def _typed_dicts(root: Any, seen: dict[str, type]) -> None:
    """Collect every TypedDict class reachable from `root`'s type hints, by name."""
    if is_typeddict(root):
        if root.__name__ in seen:
            return
        seen[root.__name__] = root
        for hint in typing.get_type_hints(root, include_extras=True).values():
            _typed_dicts(hint, seen)
        return
    for arg in get_args(root):
        if not isinstance(arg, (str, int, float, bool, bytes)) and arg is not None:
            _typed_dicts(arg, seen)


def _describe_typed_dict(schema: dict[str, Any], td: type) -> dict[str, Any]:
    hints = typing.get_type_hints(td, include_extras=True)
    summary, arg_docs = parse_google_docstring(inspect.getdoc(td))
    out = dict(schema)
    if summary:
        out["description"] = summary
    elif "description" in out and td.__doc__ is None:
        out.pop("description")
    properties = out.get("properties")
    if isinstance(properties, dict):
        new_props: dict[str, Any] = {}
        for key, prop in properties.items():
            description = arg_docs.get(key) or annotation_description(hints.get(key))
            if description and isinstance(prop, dict) and "description" not in prop:
                prop = {**prop, "description": description}
            new_props[key] = prop
        out["properties"] = new_props
    return out


_EXTENSIONS_TYPEDDICT_META = type(cast(Any, typing_extensions.TypedDict)("_Probe", {}))


def _pydantic_ready(hint: Any, done: dict[Any, Any]) -> Any:
    """`hint` with every `typing.TypedDict` replaced by a `typing_extensions` twin.

    Before Python 3.12 pydantic refuses `typing.TypedDict` (it cannot see which keys are
    required), yet that is the form LangChain users write. The twin keeps the name, docstring,
    module and required/optional keys; nested TypedDicts are converted too.
    """
    if is_typeddict(hint):
        if type(hint) is _EXTENSIONS_TYPEDDICT_META:  # already pydantic-ready
            return hint
        twin: Any = done.get(hint)
        if twin is None:
            hints = typing.get_type_hints(hint, include_extras=True)
            fields: dict[str, Any] = {}
            for key, value in hints.items():
                while get_origin(value) in (
                    typing_extensions.Required,
                    typing_extensions.NotRequired,
                ):
                    value = get_args(value)[0]
                wrapper = (
                    typing_extensions.Required
                    if key in hint.__required_keys__
                    else typing_extensions.NotRequired
                )
                fields[key] = wrapper[_pydantic_ready(value, done)]
            make_typeddict: Any = typing_extensions.TypedDict
            twin = make_typeddict(hint.__name__, fields)
            twin.__doc__ = hint.__doc__
            twin.__module__ = hint.__module__
            done[hint] = twin
        return twin
    origin, args = get_origin(hint), get_args(hint)
    if origin is None or not args or origin is typing.Literal:
        return hint
    converted = tuple(_pydantic_ready(arg, done) for arg in args)
    if converted == args:
        return hint
    if origin is Annotated:
        return Annotated[(converted[0], *args[1:])]
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[converted]  # noqa: UP007 - a runtime union of computed members
    return origin[converted]


def typed_dict_json_schema(td: type) -> dict[str, Any]:
    """The JSON schema of a TypedDict, with docstring and `Annotated` descriptions.

    pydantic does the structural work (nesting, `NotRequired`, `Annotated[..., Field()]`);
    this adds what LangChain users write: a docstring summary (and `Args:` descriptions) and
    `Annotated[T, "desc"]` / `Annotated[T, default, "desc"]` field descriptions.
    """
    try:
        schema = pydantic.TypeAdapter(_pydantic_ready(td, {})).json_schema()
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as exc:
        raise SchemaConversionError(
            f"Cannot build a JSON schema for TypedDict {td.__name__!r}: {exc}"
        ) from exc
    found: dict[str, type] = {}
    _typed_dicts(td, found)
    schema = _describe_typed_dict(schema, td)
    defs = schema.get("$defs")
    if isinstance(defs, dict):
        new_defs: dict[str, Any] = {}
        for key, sub in defs.items():
            title = sub.get("title") if isinstance(sub, dict) else None
            match = found.get(title) if isinstance(title, str) else None
            new_defs[key] = _describe_typed_dict(sub, match) if match is not None else sub
        schema["$defs"] = new_defs
    return schema
