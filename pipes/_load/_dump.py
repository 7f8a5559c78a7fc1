"""`dumpd` / `dumps`: objects to LangChain's `{"lc": 1, "type": "constructor", ...}` documents.

Registered classes are written with their id and constructor kwargs; secrets as
`{"lc": 1, "type": "secret", "id": [NAME]}` references, never their value; anything else
that is not plain JSON (functions, lambdas, tools, clients) as `{"lc": 1, "type":
"not_implemented", "id": [...]}`, which loading refuses. A plain dict holding an `"lc"` key
is wrapped as `{"__lc_escaped__": {...}}` so that it is read back as data, never as an object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pipes._core import Runnable

from ._registry import entry_for_class
from ._table import Entry

__all__ = ["ESCAPED", "dumpd", "dumps", "needs_escaping", "secret_reference"]

ESCAPED = "__lc_escaped__"
_SCALARS = (str, bool, int, float, type(None))
#: Deeper than any real chain (and than what `load` reads by default), shallow enough to fail
#: well before the interpreter's recursion limit.
MAX_DUMP_DEPTH = 200


def needs_escaping(value: Mapping[Any, Any]) -> bool:
    """Could this plain dict be mistaken for a document node (LangChain's rule)?"""
    return "lc" in value or (len(value) == 1 and ESCAPED in value)


def secret_reference(name: str) -> dict[str, Any]:
    """The node standing for a secret: its name, never its value."""
    return {"lc": 1, "type": "secret", "id": [name]}


def _not_implemented(value: Any) -> dict[str, Any]:
    cls = value if isinstance(value, type) else type(value)
    node: dict[str, Any] = {
        "lc": 1,
        "type": "not_implemented",
        "id": [*cls.__module__.split("."), cls.__qualname__],
    }
    # A repr could show a secret held by an arbitrary object: only a class's is written
    # (the retry and fallback exception types need it to be read back).
    if isinstance(value, type):
        node["repr"] = repr(value)
    if isinstance(value, Runnable):
        node["name"] = value.get_name()
    return node


def _plain(value: Any, depth: int = 0) -> Any:
    """User data inside an escaped dict: JSON values as they are, anything else marked."""
    if isinstance(value, _SCALARS):
        return value
    if depth > MAX_DUMP_DEPTH:
        raise ValueError(f"cannot dump a value nested more than {MAX_DUMP_DEPTH} levels deep")
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return _not_implemented(value)


def _encode(value: Any, depth: int = 0) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if depth > MAX_DUMP_DEPTH:
        # A cycle (a list holding itself) or absurd nesting: fail clearly, not by recursion.
        raise ValueError(
            f"cannot dump a value nested more than {MAX_DUMP_DEPTH} levels deep (a container "
            f"that holds itself?): {type(value).__name__}"
        )
    entry = entry_for_class(type(value))
    if entry is not None:
        return _constructor(value, entry, depth)
    if isinstance(value, Mapping):
        if not all(isinstance(k, _SCALARS) for k in value):
            return _not_implemented(value)
        if needs_escaping(value):
            return {ESCAPED: _plain(value)}
        return {str(k): _encode(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v, depth + 1) for v in value]
    return _not_implemented(value)


def _constructor(obj: Any, entry: Entry, depth: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key, value in entry.kwargs(obj).items():
        if key in entry.secrets:
            kwargs[key] = None if value is None else secret_reference(entry.secrets[key])
        elif key in entry.secret_if and value is not None and entry.secret_if[key](value):
            kwargs[key] = secret_reference(key)
        elif key in entry.secret_entries and isinstance(value, Mapping):
            hidden = entry.secret_entries[key]
            kwargs[key] = {
                str(name): secret_reference(f"{key}.{name}")
                if hidden(str(name))
                else _encode(item, depth + 1)
                for name, item in value.items()
            }
        else:
            kwargs[key] = _encode(value, depth + 1)
    node: dict[str, Any] = {"lc": 1, "type": "constructor", "id": list(entry.id), "kwargs": kwargs}
    if isinstance(obj, Runnable):
        node["name"] = obj.get_name()
    return node


def dumpd(obj: Any) -> Any:
    """`obj` as a JSON-compatible document (LangChain's format): what [`load`][pipes.load]
    reads back.

    Secrets (API keys, Azure AD tokens, credential-named headers) are written as
    `{"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]}` references, never as values.
    Functions and other objects that cannot be rebuilt from data are written as
    `"not_implemented"` nodes, which loading refuses.

    Example:
        ```python
        from pipes import ChatPromptTemplate, dumpd

        dumpd(ChatPromptTemplate.from_messages([("human", "{question}")]))["id"]
        # ['langchain', 'prompts', 'chat', 'ChatPromptTemplate']
        ```
    """
    return _encode(obj)


def dumps(obj: Any, *, pretty: bool = False, **kwargs: Any) -> str:
    """[`dumpd`][pipes.dumpd] as a JSON string (`pretty=True` indents it; other keyword
    arguments go to `json.dumps`).

    Example:
        ```python
        from pipes import HumanMessage, dumps, loads

        text = dumps(HumanMessage("hi"))
        loads(text)  # HumanMessage(content='hi')
        ```
    """
    if pretty:
        kwargs.setdefault("indent", 2)
    return json.dumps(dumpd(obj), **kwargs)
