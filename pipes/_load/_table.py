"""The id table: which classes serialize, under which ids, and how their kwargs are read.

Loading builds only classes found here: pipes' own (`_builtins`) and those plugins add
with [`register_serializable`][pipes.register_serializable]. Nothing named in a document is
ever imported: an id either is a key of this table or the document is refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BY_CLASS",
    "BY_ID",
    "Entry",
    "Group",
    "defer",
    "entry",
    "named",
    "register",
    "run_deferred",
]

Group = Literal["messages", "core", "plugin"]


@dataclass(frozen=True, slots=True)
class Entry:
    """How one class is written and rebuilt."""

    cls: type[Any]
    id: tuple[str, ...]
    #: The object's constructor kwargs (values may be registered objects, secrets, ...).
    kwargs: Callable[[Any], dict[str, Any]]
    #: kwargs (revived, secrets resolved) -> the object.
    build: Callable[[dict[str, Any]], Any]
    #: The kwargs a document may carry; any other key is refused.
    fields: frozenset[str]
    group: Group
    #: Other ids read as this class (LangChain's module paths).
    also: tuple[tuple[str, ...], ...] = ()
    #: Keys LangChain writes that carry nothing for pipes: dropped on load.
    ignored: frozenset[str] = frozenset()
    #: kwarg -> the environment variable a secret reference to it is written as / read from.
    secrets: Mapping[str, str] = field(default_factory=dict)
    #: kwarg (a dict) -> which entry names hold a credential (written as references).
    secret_entries: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    #: kwarg -> whether a value holds a secret (a URL with a password): such a value is written
    #: as a reference named after the kwarg, read back from `secrets_map` only.
    secret_if: Mapping[str, Callable[[Any], bool]] = field(default_factory=dict)
    #: kwargs holding lists of exception classes (retry, fallbacks): the only places a class
    #: reference (a builtin or pipes exception) is read.
    exception_types: frozenset[str] = frozenset()


def entry(
    cls: type[Any],
    id: Sequence[str],
    kwargs: Callable[[Any], dict[str, Any]],
    build: Callable[[dict[str, Any]], Any],
    fields: Iterable[str],
    *,
    group: Group = "core",
    also: Iterable[Sequence[str]] = (),
    ignored: Iterable[str] = (),
    exception_types: Iterable[str] = (),
) -> Entry:
    """An entry of pipes' own classes (the keyword form of `Entry`, ids as sequences)."""
    return Entry(
        cls=cls,
        id=tuple(id),
        kwargs=kwargs,
        build=build,
        fields=frozenset(fields),
        group=group,
        also=tuple(tuple(key) for key in also),
        ignored=frozenset(ignored),
        exception_types=frozenset(exception_types),
    )


def named(obj: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` with the runnable's `name`, if one was given."""
    if obj.name is not None:
        kwargs["name"] = obj.name
    return kwargs


_lock = threading.Lock()
BY_CLASS: dict[type[Any], Entry] = {}
BY_ID: dict[tuple[str, ...], Entry] = {}
# "module:Name" -> the registration to run once the class is imported (lazy plugin classes).
_PENDING: dict[str, Callable[[], None]] = {}


def register(entry: Entry) -> None:
    """Add `entry` to the table (pipes' own classes and `register_serializable`)."""
    with _lock:
        known_class = BY_CLASS.get(entry.cls)
        if known_class is not None and known_class.id != entry.id:
            raise ValueError(
                f"{entry.cls.__qualname__} is already serializable as {list(known_class.id)}; "
                "a class is written under one id (add other ids to also=)"
            )
        for key in (entry.id, *entry.also):
            known = BY_ID.get(key)
            if known is not None and known.cls is not entry.cls:
                raise ValueError(
                    f"the serialization id {list(key)} is taken by {known.cls.__qualname__}; "
                    f"register {entry.cls.__qualname__} under another id"
                )
        BY_CLASS[entry.cls] = entry
        for key in (entry.id, *entry.also):
            BY_ID[key] = entry


def run_deferred(key: str | None) -> None:
    """Register the lazy classes: the one named `key`, or all of them (`None`)."""
    with _lock:
        if key is None:
            todo = list(_PENDING.values())
            _PENDING.clear()
        else:
            run = _PENDING.pop(key, None)
            todo = [run] if run is not None else []
    for run in todo:
        run()


def defer(key: str, registration: Callable[[], None]) -> None:
    """Run `registration` when the class `key` ("module:Name") is first needed."""
    with _lock:
        _PENDING[key] = registration
