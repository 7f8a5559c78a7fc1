"""Looking classes up in the id table, and the registration plugins use.

pipes' own classes are added to the table on the first dump or load (`_builtins`, which
imports every layer); a plugin's with [`register_serializable`][pipes.register_serializable],
at its import, which costs nothing more.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypedDict

from ._table import BY_CLASS, BY_ID, Entry, Group, defer, entry, register, run_deferred

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["entry_for_class", "entry_for_id", "known_ids", "model_entry", "register_serializable"]

_builtins_loaded = False


def _ensure_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        from . import _builtins

        _builtins.register_all()
        _builtins_loaded = True


def entry_for_class(cls: type[Any]) -> Entry | None:
    """The entry of exactly `cls` (a subclass is not its parent: it may behave differently)."""
    _ensure_builtins()
    entry = BY_CLASS.get(cls)
    if entry is None:
        run_deferred(f"{cls.__module__}:{cls.__qualname__}")
        entry = BY_CLASS.get(cls)
    return entry


def entry_for_id(key: tuple[str, ...]) -> Entry | None:
    """The entry a document's id names, or `None` (never imports anything the id names)."""
    _ensure_builtins()
    entry = BY_ID.get(key)
    if entry is None:
        run_deferred(None)  # plugin classes registered lazily: import them (plugins' own code)
        entry = BY_ID.get(key)
    return entry


def known_ids() -> list[str]:
    """Every id loadable now, for error messages."""
    _ensure_builtins()
    return sorted(".".join(entry.id) for entry in BY_CLASS.values())


def _aliases(info: Any) -> list[str]:
    from pydantic import AliasChoices

    alias = info.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [info.alias] if isinstance(info.alias, str) else []


class _Options(TypedDict):
    """`register_serializable`'s options (see there)."""

    also: list[Sequence[str]]
    names: Mapping[str, str] | None
    secrets: Mapping[str, str] | None
    secret_entries: Mapping[str, Callable[[str], bool]] | None
    secret_if: Mapping[str, Callable[[Any], bool]] | None
    ignore: list[str]


def model_entry(cls: type[BaseModel], id: Sequence[str], group: Group, options: _Options) -> Entry:
    """The entry of a pydantic model: its explicitly set fields (and secret fields that hold a
    value), under `names` where LangChain spells them differently. A field excluded from
    dumps (an HTTP client, a token provider) that was set is written too, as the
    `not_implemented` node it becomes: never dropped silently."""
    from pydantic import BaseModel

    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise TypeError(
            f"register_serializable() takes a pydantic model class, got {cls!r}; other classes "
            "are not serializable"
        )
    if isinstance(id, str) or not id or not all(isinstance(part, str) and part for part in id):
        raise ValueError(
            f"a serialization id is a non-empty list of names like ['my_plugin', 'chat_models', "
            f"'MyChat'], got {id!r}"
        )
    names = dict(options["names"] or {})
    secrets = dict(options["secrets"] or {})
    secret_entries, secret_if = options["secret_entries"], options["secret_if"]
    fields = cls.model_fields
    for name in [*names, *secrets, *(secret_entries or {}), *(secret_if or {})]:
        if name not in fields:
            raise ValueError(
                f"{cls.__qualname__} has no serializable field {name!r}; name fields of "
                f"{sorted(fields)}"
            )

    def document_keys(name: str) -> set[str]:
        """Every key a document may use for the field `name` (its written name first)."""
        return {name, names.get(name, name), *_aliases(fields[name])}

    # Secrets are keyed by every name a document may give their field.
    written_secrets = {key: env for name, env in secrets.items() for key in document_keys(name)}
    written_entries = {
        key: hidden
        for name, hidden in (secret_entries or {}).items()
        for key in document_keys(name)
    }
    written_if = {
        key: holds for name, holds in (secret_if or {}).items() for key in document_keys(name)
    }
    accepted = {key for name, info in fields.items() for key in (name, *_aliases(info))}
    accepted |= set(names.values())
    # A document key -> the keyword the constructor takes for it (a renamed field by its own
    # name, or its alias when the model only validates aliases).
    keyword = {key: key for key in accepted}
    for name, info in fields.items():
        aliases = _aliases(info)
        own = name if not aliases or name in aliases else aliases[0]
        keyword[name] = own
        if name in names:
            keyword[names[name]] = own

    def build(values: dict[str, Any]) -> Any:
        given: dict[str, Any] = {}
        for key, value in values.items():
            if keyword[key] in given:
                raise ValueError(f"the field {keyword[key]!r} is given twice (as {key!r} too)")
            given[keyword[key]] = value
        return cls(**given)

    def kwargs(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in fields:
            value = getattr(obj, name)
            if fields[name].exclude and value is None:
                continue
            if name in obj.model_fields_set or (name in secrets and value is not None):
                out[names.get(name, name)] = value
        return out

    plain = entry(
        cls,
        id,
        kwargs,
        build,
        accepted,
        group=group,
        also=options["also"],
        ignored=options["ignore"],
    )
    return replace(
        plain, secrets=written_secrets, secret_entries=written_entries, secret_if=written_if
    )


def register_serializable(
    cls: type[BaseModel] | str,
    id: Sequence[str],
    *,
    also: Iterable[Sequence[str]] = (),
    names: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    secret_entries: Mapping[str, Callable[[str], bool]] | None = None,
    secret_if: Mapping[str, Callable[[Any], bool]] | None = None,
    ignore: Iterable[str] = (),
) -> None:
    """Opt a plugin's pydantic class into [`dumpd`][pipes.dumpd] / [`load`][pipes.load].

    A document is written with `id` and the fields the object was built with (under
    `names`, for fields LangChain spells differently); loading `id` (or one of `also`)
    builds `cls` from the document's kwargs, refusing keys that are not fields of `cls`
    (`ignore` lists keys that carry nothing and are dropped). Secret fields are written as
    `{"lc": 1, "type": "secret", "id": [ENV_VAR]}` references and read back from the
    loader's `secrets_map` or that environment variable; the entries of the dict fields of
    `secret_entries` whose name the predicate accepts are written as references too
    (`"<field>.<entry>"`), and so is the whole value of a `secret_if` field when its
    predicate says it holds a secret (a URL with a password); those two are read back from
    `secrets_map` only.

    `cls` may be `"package.module:ClassName"`: the module is imported on first use only (the
    plugin names its own module; nothing a document names is ever imported).

    Example:
        ```python
        register_serializable(
            ChatOpenAI,
            ["langchain", "chat_models", "openai", "ChatOpenAI"],
            names={"model": "model_name", "api_key": "openai_api_key"},
            secrets={"api_key": "OPENAI_API_KEY"},
            secret_entries={"default_headers": is_credential_name},
        )
        ```
    """
    options: _Options = {
        "also": list(also),
        "names": names,
        "secrets": secrets,
        "secret_entries": secret_entries,
        "secret_if": secret_if,
        "ignore": list(ignore),
    }
    if isinstance(cls, str):
        module, sep, name = cls.partition(":")
        if not (sep and module and name):
            raise ValueError(
                f"register_serializable: expected 'package.module:ClassName', got {cls!r}"
            )

        def later() -> None:
            loaded = getattr(importlib.import_module(module), name)
            register(model_entry(loaded, id, "plugin", options))

        defer(cls, later)
        return
    register(model_entry(cls, id, "plugin", options))
