"""Constructor keywords of chat models: which are accepted (fields and their aliases), the error
for the others (naming close matches), and a repr showing only non-default parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from pydantic import AliasChoices, BaseModel

__all__: list[str] = []


def known_parameters(cls: type[BaseModel]) -> list[str]:
    """Every constructor keyword `cls` accepts: field names and their aliases (cached)."""
    cached: list[str] | None = cls.__dict__.get("_pipes_known_parameters")
    if cached is None:
        names: list[str] = []
        for name, info in cls.model_fields.items():
            names.append(name)
            aliases: list[Any] = [info.alias, info.validation_alias]
            if isinstance(info.validation_alias, AliasChoices):
                aliases.extend(info.validation_alias.choices)
            names.extend(a for a in aliases if isinstance(a, str) and a not in names)
        cached = names
        type.__setattr__(cls, "_pipes_known_parameters", cached)
    return cached


def reject_unknown_parameters(cls: type, unknown: list[str], known: list[str]) -> NoReturn:
    """Raise `TypeError` naming the unknown keywords, close matches and the known ones."""
    import difflib  # only on this error path: kept off `import pipes_openai`

    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1)
        hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    raise TypeError(
        f"{cls.__name__}() got unexpected keyword argument(s) {', '.join(hints)}. "
        f"Known parameters: {', '.join(sorted(known))}."
    )


def non_default_fields(model: BaseModel) -> Iterator[tuple[str | None, Any]]:
    """The fields shown in the repr: only those that differ from their defaults."""
    values = model.__dict__
    for name, info in type(model).model_fields.items():
        if not info.repr:
            continue
        value = values.get(name)
        if value != info.get_default(call_default_factory=True):
            yield name, value
