"""Chat models built from plain values skip pydantic's validator, with the same result."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from pipes._models import BaseChatModel

from .conftest import Recorder


class _Secret(SecretStr):
    pass


def _knobs() -> type[Recorder]:
    """A fresh class per test: whether its validator was built is part of what is checked."""

    class Knobs(Recorder):
        text: str = "x"
        maybe_text: str | None = None
        count: int = 1
        ratio: float | None = None
        plain_ratio: float = 0.5
        flag: bool = False
        key: SecretStr | None = Field(default_factory=lambda: SecretStr("from-env"))
        positive: int = Field(default=1, gt=0)
        aliased: str = Field(default="a", validation_alias=AliasChoices("aliased", "other"))
        checked: str | None = None
        items: list[str] = Field(default_factory=list)
        _private: int = PrivateAttr(default=3)
        _seen: list[str] = PrivateAttr(default_factory=list)

        @field_validator("checked")
        @classmethod
        def _upper(cls, value: str | None) -> str | None:
            return None if value is None else value.upper()

    return Knobs


VALUES = st.sampled_from(
    [
        None,
        "",
        "s",
        " padded ",
        0,
        1,
        -7,
        2**53,
        2**53 + 1,
        2**70,
        0.0,
        1.5,
        float("inf"),
        True,
        False,
        SecretStr("k"),
        _Secret("k"),
        ["a"],
        b"bytes",
    ]
)
NAMES = st.sampled_from(
    [
        "text",
        "maybe_text",
        "count",
        "ratio",
        "plain_ratio",
        "flag",
        "key",
        "positive",
        "aliased",
        "other",
        "checked",
        "items",
        "name",
        "disable_streaming",
    ]
)


def _validated(cls: type[BaseChatModel], data: dict[str, Any]) -> BaseChatModel:
    """What pydantic's validator makes of `data` (`model_validate` would call `__init__`)."""
    model = cls.__new__(cls)
    cls.__pydantic_validator__.validate_python(data, self_instance=model)
    return model


def _state(model: BaseChatModel) -> tuple[Any, ...]:
    values = {
        k: (v.get_secret_value(), type(v)) if isinstance(v, SecretStr) else (v, type(v))
        for k, v in model.__dict__.items()
    }
    return values, model.model_fields_set, model.__pydantic_extra__, model.__pydantic_private__


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, VALUES, max_size=5))
def test_construction_equals_validation(data: dict[str, Any]) -> None:
    knobs = _knobs()
    outcomes = []
    for build in (lambda: _validated(knobs, data), lambda: knobs(**data)):
        try:
            outcomes.append(_state(build()))
        except ValidationError as exc:  # the same errors, when pydantic rejects the values
            outcomes.append(exc.errors())
    assert outcomes[1] == outcomes[0]


def test_plain_values_do_not_build_the_validator() -> None:
    knobs = _knobs()
    model = knobs(text="t", count=2, ratio=0, flag=True, key="sk", maybe_text=None)
    assert not knobs.__pydantic_complete__, "the validator was built"
    assert type(model.ratio) is float
    assert model.ratio == 0.0
    assert isinstance(model.key, SecretStr)
    assert model.key.get_secret_value() == "sk"
    assert model.model_fields_set == {"text", "count", "ratio", "flag", "key", "maybe_text"}
    assert (model._private, model._seen) == (3, [])
    assert knobs().items is not knobs().items  # factories run per instance
    assert model.model_dump()["count"] == 2  # the serializer builds on first use


@pytest.mark.parametrize(
    "data",
    [
        {"other": "alias"},  # an alias: pydantic resolves it
        {"checked": "v"},  # a field validator
        {"positive": 5},  # a constraint
        {"items": ["a"]},  # a container
        {"count": True},  # a bool for an int
        {"key": _Secret("k")},  # a SecretStr subclass
        {"ratio": 2**60},  # an int a float cannot hold exactly
    ],
)
def test_other_values_are_validated(data: dict[str, Any]) -> None:
    knobs = _knobs()
    model = knobs(**data)
    assert knobs.__pydantic_complete__, "validation was skipped"
    assert _state(model) == _state(_validated(knobs, data))


def test_a_class_that_changes_validation_is_always_validated() -> None:
    class Stripped(Recorder):
        model_config = ConfigDict(str_strip_whitespace=True)
        text: str = ""

    class AfterCheck(Recorder):
        text: str = ""

        @model_validator(mode="after")
        def _shout(self) -> AfterCheck:
            self.__dict__["text"] = self.text.upper()
            return self

    assert Stripped(text=" a ").text == "a"
    assert AfterCheck(text="a").text == "A"
    assert Stripped.__pydantic_complete__
    assert AfterCheck.__pydantic_complete__


def test_missing_required_fields_raise_pydantics_error() -> None:
    class Needs(Recorder):
        endpoint: str

    with pytest.raises(ValidationError, match="endpoint"):
        Needs()
    assert Needs(endpoint="e").endpoint == "e"


def test_pydantics_v1_style_validators_still_run() -> None:
    # `@root_validator` / `@validator` (deprecated, common in code written for LangChain) are
    # kept apart from the V2 decorators by pydantic; skipping them changed the values.
    import warnings

    from pydantic import root_validator, validator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)

        class RootBefore(Recorder):
            text: str = "x"

            @root_validator(pre=True)
            @classmethod
            def _shout(cls, values: dict[str, Any]) -> dict[str, Any]:
                return {**values, "text": str(values.get("text", "x")).upper()}

        class RootAfter(Recorder):
            text: str = "x"

            @root_validator(skip_on_failure=True)
            @classmethod
            def _shout(cls, values: dict[str, Any]) -> dict[str, Any]:
                return {**values, "text": values["text"].upper()}

        class FieldV1(Recorder):
            text: str = "x"

            @validator("text")
            @classmethod
            def _shout(cls, value: str) -> str:
                return value.upper()

    for cls in (RootBefore, RootAfter, FieldV1):
        assert cls(text="a").text == "A", cls.__name__


def test_a_field_name_the_config_refuses_is_validated() -> None:
    # Without validate_by_name (or populate_by_name) an aliased field is set by its alias only:
    # its name is an extra keyword, which extra="forbid" rejects.
    class AliasOnly(Recorder):
        model_config = ConfigDict(populate_by_name=False)
        text: str = Field(default="x", alias="words")

    class ByName(Recorder):
        model_config = ConfigDict(validate_by_name=True, populate_by_name=False)
        text: str = Field(default="x", alias="words")

    with pytest.raises(ValidationError, match="text"):
        AliasOnly(text="a")
    assert AliasOnly(words="a").text == "a"
    assert ByName(text="a").text == "a"
