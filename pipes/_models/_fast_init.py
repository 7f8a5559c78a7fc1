"""Chat-model construction without pydantic's validator when validation could only copy.

A model class builds its pydantic validator on its first instantiation (`defer_build`), and
the first validator of a process also scans every installed distribution's entry points for
pydantic plugins (`importlib.metadata`): ~15-25 ms of a cold start, more than the whole
first call over loopback. Most constructions pass a few plain values (`model="gpt-4o"`,
`temperature=0`, `api_key="sk-..."`) that validation would copy unchanged, or turn into a
float or a `SecretStr`; for those the instance is filled directly with exactly what
validation produces (tests/models/test_fast_init.py compares both on every eligible field).
Anything else goes through pydantic as before: an alias (`model_name=`), a value of another
type, a field with a validator or constraints, a missing required field, a class with model
validators, its own core schema or a config that changes validation.

Example:
    ```python
    if not fill_without_validation(self, data):  # in BaseChatModel.__init__
        super().__init__(**data)
    ```
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import BaseModel, SecretStr

from pipes._messages._base import SLOW, checked_in_place, plain_str

__all__ = ["fill_without_validation"]

_set = object.__setattr__

# Config keys that do not change how the simple field types below validate; any other key
# (strict, str_strip_whitespace, validate_default, extra="allow" ...) keeps pydantic.
_NEUTRAL_CONFIG = frozenset(
    {
        "defer_build",
        "populate_by_name",
        "validate_by_name",
        "protected_namespaces",
        "arbitrary_types_allowed",
        "title",
        "use_attribute_docstrings",
        "json_schema_extra",
    }
)
_IMMUTABLE_DEFAULTS = (type(None), str, int, float, bool)
_EXACT_FLOAT = 2**53  # ints up to this convert to float exactly, as validation does


def _int(value: Any) -> Any:
    return value if type(value) is int else SLOW


def _bool(value: Any) -> Any:
    return value if type(value) is bool else SLOW


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int and -_EXACT_FLOAT <= value <= _EXACT_FLOAT:
        return float(value)  # `temperature=0` validates to 0.0
    return SLOW


def _secret(value: Any) -> Any:
    kind = type(value)
    if kind is SecretStr:
        return value  # validation keeps the instance
    return SecretStr(value) if kind is str else SLOW


_CHECKS: dict[Any, Callable[[Any], Any]] = {
    str: plain_str,
    int: _int,
    bool: _bool,
    float: _float,
    SecretStr: _secret,
}


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _check_for(annotation: Any) -> Callable[[Any], Any] | None:
    """The check for `X` or `X | None` with `X` one of `_CHECKS`, else None (validate)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) != 1 or len(typing.get_args(annotation)) != 2:
            return None
        check = _CHECKS.get(args[0])
        return None if check is None else _optional(check)
    try:
        return _CHECKS.get(annotation)
    except TypeError:  # an unhashable annotation (a string or an odd generic)
        return None


class _Spec(NamedTuple):
    """What `fill_without_validation` needs of one class, computed on its first use."""

    checks: dict[str, Callable[[Any], Any]]
    defaults: list[tuple[str, Any, Callable[[], Any] | None]]
    required: frozenset[str]
    post_init: bool


def _spec(cls: type[BaseModel]) -> _Spec | None:
    """`cls`'s spec, or None when no construction of `cls` may skip validation."""
    config = cls.model_config
    decorators = cls.__pydantic_decorators__
    if (
        not config.keys() - {"extra"} <= _NEUTRAL_CONFIG
        or config.get("extra", "ignore") not in ("ignore", "forbid")
        or decorators.model_validators
        # pydantic's deprecated V1 decorators run too: @root_validator and @validator
        or decorators.root_validators
        or decorators.validators
        or not getattr(cls, "__pydantic_fields_complete__", True)
        or getattr(cls, "__pydantic_root_model__", False)
        or cls.__get_pydantic_core_schema__.__func__  # type: ignore[attr-defined]
        is not BaseModel.__get_pydantic_core_schema__.__func__  # type: ignore[attr-defined]
    ):
        return None
    validated: set[str] = set()
    for dec in decorators.field_validators.values():
        validated.update(dec.info.fields)
    if "*" in validated:
        return None
    # A field with an alias is set by its name only when the config allows it (pydantic's
    # effective rule); otherwise the name is an extra keyword pydantic rejects or ignores.
    by_name = config.get("validate_by_name")
    if by_name is None:
        by_name = bool(config.get("populate_by_name"))
    checks: dict[str, Callable[[Any], Any]] = {}
    defaults: list[tuple[str, Any, Callable[[], Any] | None]] = []
    required: set[str] = set()
    for name, info in cls.model_fields.items():
        if info.validate_default or getattr(info, "default_factory_takes_data", False):
            return None
        if info.is_required():
            required.add(name)
        elif info.default_factory is None and not isinstance(info.default, _IMMUTABLE_DEFAULTS):
            return None  # a mutable default: validation's copy semantics are pydantic's
        defaults.append((name, info.default, info.default_factory))  # type: ignore[arg-type]
        aliased = info.alias is not None or info.validation_alias is not None
        if info.metadata or name in validated or (aliased and not by_name):
            check = None
        else:
            check = _check_for(info.annotation)
        if check is not None:
            checks[name] = check
    return _Spec(checks, defaults, frozenset(required), bool(cls.__pydantic_post_init__))


_INELIGIBLE = object()


def fill_without_validation(model: BaseModel, data: dict[str, Any]) -> bool:
    """Fill `model` from `data` as validation would, if it could only copy; else False.

    `data` holds constructor keywords (field names or aliases). On False nothing was done
    and the caller validates as usual.
    """
    cls = type(model)
    spec = cls.__dict__.get("_pipes_fast_init")
    if spec is None:
        spec = _spec(cls) or _INELIGIBLE
        type.__setattr__(cls, "_pipes_fast_init", spec)
    if spec is _INELIGIBLE:
        return False
    assert isinstance(spec, _Spec)
    given = dict(data)
    if not checked_in_place(given, spec.checks):
        return False
    if not spec.required <= given.keys():
        return False  # pydantic's error names what is missing
    values: dict[str, Any] = {}
    for name, default, factory in spec.defaults:  # field order, as validation fills them
        if name in given:
            values[name] = given[name]
        else:
            values[name] = default if factory is None else factory()
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(given))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    if spec.post_init:
        model.model_post_init(None)  # sets the private attributes' defaults, as validation does
    return True
