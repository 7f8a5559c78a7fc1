"""`load` / `loads`: documents back to objects, building only allow-listed classes.

The document is walked from the top. A constructor node is looked up in the id table
(`_registry`): an id that is not there is refused, and nothing it names is imported. Its
kwargs must be fields the class declares; secrets are read only where the class declares a
secret, from `secrets_map` or (for the variable the class declares) the environment; class
references only where a retry or fallback lists exception types. Every refusal is a
[`LoadError`][pipes.LoadError] naming the path of the node (`$.kwargs.first`).
"""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import ValidationError

from pipes._errors import PipesError

from ._dump import ESCAPED
from ._errors import LoadError, refuse
from ._registry import entry_for_id, known_ids
from ._table import Entry

__all__ = ["DEFAULT_NAMESPACES", "load", "loads"]

DEFAULT_NAMESPACES = ("pipes", "langchain", "langchain_core", "langchain_openai")
"""The first id parts loading accepts without `valid_namespaces`."""

_NODE_KEYS = frozenset({"lc", "type", "id", "kwargs", "name", "repr", "graph"})
_MAX_ID_PARTS = 16

AllowedObjects = Literal["all", "core", "messages"] | Iterable[type[Any]]
_GROUPS: dict[str, frozenset[str]] = {
    "all": frozenset({"messages", "core", "plugin"}),
    "core": frozenset({"messages", "core"}),
    "messages": frozenset({"messages"}),
}


def _short(value: Any, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_node(value: Any, kind: str) -> bool:
    return isinstance(value, dict) and value.get("lc") == 1 and value.get("type") == kind


class _Reviver:
    def __init__(
        self,
        *,
        secrets_map: Mapping[str, str] | None,
        valid_namespaces: Iterable[str] | None,
        secrets_from_env: bool,
        allowed_objects: AllowedObjects,
        ignore_unserializable_fields: bool,
        max_depth: int,
    ) -> None:
        if isinstance(valid_namespaces, str):
            raise TypeError(
                f"valid_namespaces takes a list of namespaces, got the string "
                f"{valid_namespaces!r}; pass [{valid_namespaces!r}]"
            )
        self.secrets_map = dict(secrets_map or {})
        self.namespaces = frozenset((*DEFAULT_NAMESPACES, *(valid_namespaces or ())))
        self.secrets_from_env = secrets_from_env
        self.ignore_unserializable = ignore_unserializable_fields
        self.max_depth = max_depth
        if isinstance(allowed_objects, str):
            if allowed_objects not in _GROUPS:
                raise ValueError(
                    f"allowed_objects must be 'all', 'core', 'messages' or a list of classes, "
                    f"got {allowed_objects!r}"
                )
            self.groups: frozenset[str] | None = _GROUPS[allowed_objects]
            self.classes: frozenset[type[Any]] = frozenset()
        else:
            self.groups = None
            self.classes = frozenset(allowed_objects)

    # -- values ---------------------------------------------------------------------------

    def value(self, node: Any, path: str, depth: int) -> Any:
        if depth > self.max_depth:
            raise refuse(
                f"the document is nested more than {self.max_depth} levels deep; pass "
                "max_depth= to load deeper documents you trust",
                path,
            )
        if isinstance(node, list):
            return [self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            if isinstance(node, str | int | float | bool) or node is None:
                return node
            raise refuse(f"{type(node).__name__} is not a JSON value: {_short(node)}", path)
        if len(node) == 1 and ESCAPED in node:
            return self.plain(node[ESCAPED], f"{path}.{ESCAPED}", depth + 1)
        if "lc" in node and node.get("type") in ("constructor", "secret", "not_implemented"):
            if node["lc"] != 1:
                raise refuse(
                    f"unsupported document version lc={_short(node['lc'])}; expected 1", path
                )
            kind = node["type"]
            if kind == "constructor":
                return self.construct(node, path, depth)
            if kind == "secret":
                raise refuse(
                    f"a secret reference {_short(node.get('id'))} is read only in a secret field "
                    "of a class that declares it (e.g. ChatOpenAI's openai_api_key)",
                    path,
                )
            return self.not_implemented(node, path)
        return {
            str(key): self.value(item, f"{path}.{key}", depth + 1) for key, item in node.items()
        }

    def plain(self, node: Any, path: str, depth: int) -> Any:
        """Escaped user data: returned as data, never revived (but still depth-bounded)."""
        if depth > self.max_depth:
            raise refuse(f"the document is nested more than {self.max_depth} levels deep", path)
        if isinstance(node, dict):
            return {k: self.plain(v, f"{path}.{k}", depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [self.plain(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
        return node

    def not_implemented(self, node: dict[str, Any], path: str) -> Any:
        if self.ignore_unserializable:
            return None
        what = ".".join(str(part) for part in node.get("id") or ["?"])
        raise refuse(
            f"{what} was written as not_implemented: it cannot be rebuilt from data (a "
            "function, lambda, tool, class or client). Rebuild that part in code, or pass "
            "ignore_unserializable_fields=True to load it as None",
            path,
        )

    # -- constructors ---------------------------------------------------------------------

    def entry(self, node: dict[str, Any], path: str) -> Entry:
        extra = set(node) - _NODE_KEYS
        if extra:
            raise refuse(f"unexpected keys {sorted(extra)} in a constructor node", path)
        key = node.get("id")
        if (
            not isinstance(key, list)
            or not key
            or len(key) > _MAX_ID_PARTS
            or not all(isinstance(part, str) for part in key)
        ):
            raise refuse(
                f"a constructor 'id' must be a list of strings like "
                f"['langchain', 'schema', 'messages', 'HumanMessage'], got {_short(key)}",
                path,
            )
        dotted = ".".join(key)
        if key[0] not in self.namespaces:
            raise refuse(
                f"{dotted} is outside the namespaces loading accepts ({sorted(self.namespaces)}); "
                "pass valid_namespaces=[...] to accept a plugin's namespace",
                path,
            )
        entry = entry_for_id(tuple(key))
        if entry is None:
            raise refuse(
                f"{dotted} is not a class pipes loads: only its own serializable classes and "
                "those plugins register with register_serializable() are built, and nothing "
                "named in a document is imported (import the plugin that provides the class "
                f"first). Loadable ids: {', '.join(known_ids())}",
                path,
            )
        allowed = (
            entry.group in self.groups if self.groups is not None else entry.cls in self.classes
        )
        if not allowed:
            raise refuse(f"{dotted} ({entry.cls.__name__}) is not in allowed_objects", path)
        return entry

    def construct(self, node: dict[str, Any], path: str, depth: int) -> Any:
        entry = self.entry(node, path)
        kwargs = node.get("kwargs", {})
        if not isinstance(kwargs, dict):
            raise refuse(f"'kwargs' must be a dict, got {_short(kwargs)}", path)
        unknown = set(kwargs) - entry.fields - entry.ignored
        if unknown:
            raise refuse(
                f"{entry.cls.__name__} has no field {', '.join(map(repr, sorted(unknown)))}; "
                f"its fields are {sorted(entry.fields)}",
                path,
            )
        values: dict[str, Any] = {}
        for key, item in kwargs.items():
            where = f"{path}.kwargs.{key}"
            if key in entry.ignored:
                continue
            if key in entry.secrets or (key in entry.secret_if and _is_node(item, "secret")):
                values[key] = self.secret(item, entry, key, where)
            elif key in entry.secret_entries and isinstance(item, dict):
                values[key] = {
                    name: self.secret(value, entry, key, f"{where}.{name}")
                    if _is_node(value, "secret")
                    else self.value(value, f"{where}.{name}", depth + 2)
                    for name, value in item.items()
                }
            elif key in entry.exception_types and isinstance(item, list):
                values[key] = [self.exception(x, f"{where}[{i}]") for i, x in enumerate(item)]
            else:
                values[key] = self.value(item, where, depth + 1)
        try:
            return entry.build(values)
        except LoadError:
            raise
        except ValidationError as exc:
            from pipes._schema._errors import format_validation_error  # only when it failed

            problems = format_validation_error(exc)
            raise refuse(
                f"cannot build {entry.cls.__name__} from its kwargs:\n{problems}\n", path
            ) from exc
        except Exception as exc:
            raise refuse(f"cannot build {entry.cls.__name__}: {exc}", path) from exc

    def secret(self, node: Any, entry: Entry, key: str, path: str) -> Any:
        if node is None or isinstance(node, str):
            return node  # a value written in clear by its author
        if not _is_node(node, "secret"):
            raise refuse(
                f"{entry.cls.__name__}.{key} is a secret: expected a secret reference "
                f'{{"lc": 1, "type": "secret", "id": ["NAME"]}} or a string, got {_short(node)}',
                path,
            )
        ref = node.get("id")
        if not (isinstance(ref, list) and len(ref) == 1 and isinstance(ref[0], str)):
            raise refuse(f"a secret 'id' must be a list of one name, got {_short(ref)}", path)
        name = ref[0]
        if name in self.secrets_map:
            return self.secrets_map[name]
        declared = entry.secrets.get(key)
        # Only the variable the class declares is read: a document naming another one
        # (AWS_SECRET_ACCESS_KEY) must not send it to a server the document chose.
        if self.secrets_from_env and name == declared and os.environ.get(name):
            return os.environ[name]
        if self.secrets_from_env and name == declared:
            where = f"is neither in secrets_map nor in the environment variable {declared}"
        else:
            where = "is not in secrets_map"
            if self.secrets_from_env and declared:
                where += f" (only {declared} is read from the environment for this field)"
        raise refuse(
            f"the secret {name!r} for {entry.cls.__name__}.{key} {where}; pass "
            f"secrets_map={{{name!r}: ...}}",
            path,
        )

    def exception(self, node: Any, path: str) -> type[BaseException]:
        """An exception class named by a not_implemented node: a builtin exception or one of
        the pipes tree (pipes' own and its providers', already imported: none is imported)."""
        ref = node.get("id") if _is_node(node, "not_implemented") else None
        if isinstance(ref, list) and len(ref) >= 2 and all(isinstance(p, str) for p in ref):
            found: Any = getattr(builtins, ref[-1], None) if ref[:-1] == ["builtins"] else None
            if found is None:
                found = _pipes_exceptions().get(tuple(ref))
            if isinstance(found, type) and issubclass(found, BaseException):
                return found
        raise refuse(
            f"{_short(node)} is not an exception class pipes loads: only builtin exceptions "
            "(ValueError, TimeoutError ...) and those of the pipes tree (PipesError and its "
            "subclasses, providers' included) are read back",
            path,
        )


def _pipes_exceptions() -> dict[tuple[str, ...], type[BaseException]]:
    """Every class of the pipes exception tree, by the id a dump writes for it."""
    found: dict[tuple[str, ...], type[BaseException]] = {}
    pending: list[type[BaseException]] = [PipesError]
    while pending:
        cls = pending.pop()
        found[(*cls.__module__.split("."), cls.__qualname__)] = cls
        pending.extend(cls.__subclasses__())
    return found


def load(
    obj: Any,
    *,
    secrets_map: Mapping[str, str] | None = None,
    valid_namespaces: Iterable[str] | None = None,
    secrets_from_env: bool = True,
    allowed_objects: AllowedObjects = "all",
    ignore_unserializable_fields: bool = False,
    max_depth: int = 200,
) -> Any:
    """Rebuild the objects of a document written by [`dumpd`][pipes.dumpd] (or LangChain's
    `dumpd`).

    Only allow-listed classes are built: pipes' own serializable classes and those plugins
    register with [`register_serializable`][pipes.register_serializable] (`allowed_objects`
    narrows them to `"core"` — pipes' own — `"messages"`, or a list of classes). Anything
    else — an unknown id, a module path, kwargs the class does not declare, a
    `not_implemented` node, nesting deeper than `max_depth`, a template reaching for private
    attributes — raises [`LoadError`][pipes.LoadError].

    Secret references are read from `secrets_map`, else (with `secrets_from_env`) from the
    environment variable the class declares for that field, and nowhere else.

    Example:
        ```python
        from pipes import ChatPromptTemplate, dumpd, load

        prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
        load(dumpd(prompt)).invoke({"question": "hi"})
        ```
    """
    reviver = _Reviver(
        secrets_map=secrets_map,
        valid_namespaces=valid_namespaces,
        secrets_from_env=secrets_from_env,
        allowed_objects=allowed_objects,
        ignore_unserializable_fields=ignore_unserializable_fields,
        max_depth=max_depth,
    )
    return reviver.value(obj, "$", 0)


def loads(
    text: str | bytes,
    *,
    secrets_map: Mapping[str, str] | None = None,
    valid_namespaces: Iterable[str] | None = None,
    secrets_from_env: bool = True,
    allowed_objects: AllowedObjects = "all",
    ignore_unserializable_fields: bool = False,
    max_depth: int = 200,
) -> Any:
    """[`load`][pipes.load] a JSON string written by [`dumps`][pipes.dumps] (or LangChain's).

    Example:
        ```python
        from pipes import AIMessage, dumps, loads

        loads(dumps(AIMessage("hello")))  # AIMessage(content='hello')
        ```
    """
    try:
        obj = json.loads(text)
    except RecursionError as exc:
        raise LoadError(
            f"the JSON text is nested too deeply to parse (more than {max_depth} levels are "
            "refused anyway)"
        ) from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise LoadError(f"not a JSON document: {exc}") from exc
    return load(
        obj,
        secrets_map=secrets_map,
        valid_namespaces=valid_namespaces,
        secrets_from_env=secrets_from_env,
        allowed_objects=allowed_objects,
        ignore_unserializable_fields=ignore_unserializable_fields,
        max_depth=max_depth,
    )
