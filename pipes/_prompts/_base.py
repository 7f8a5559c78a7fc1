"""What every prompt template shares: safe template text, input coercion, partials, schema."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import typing_extensions

from pipes._core import Runnable, RunnableConfig
from pipes._errors import InputTypeError, TemplateError
from pipes._messages import PromptValue
from pipes._prompts._formatting import (
    CompiledTemplate,
    TemplateFormat,
    compile_template,
    missing_variables_error,
)

__all__ = ["BasePromptTemplate", "ComparedByValue", "TemplateText"]

InT = TypeVar("InT", contravariant=True)
PV = TypeVar("PV", bound=PromptValue, covariant=True)
# A prompt's input as its `input_type=` TypedDict declares it; given none (or None), type
# checkers take the default: any `dict[str, Any]`. So one signature types both uses
# (typing_extensions: a TypeVar default is new in Python 3.13). The constructors keep an
# overload for the untyped case: pyright applies no TypeVar default to a self-typed __init__.
TD = typing_extensions.TypeVar("TD", default=dict[str, Any])


class ComparedByValue:
    """Equality by value for the (mutable, so unhashable) prompt objects.

    Two objects are equal when the other is an instance of the class that declares
    `_compared` (or of a subclass) and both give equal `_compared()` tuples.
    """

    __slots__ = ()
    _compared_class: ClassVar[type[ComparedByValue]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_compared" in cls.__dict__:
            cls._compared_class = cls

    def _compared(self) -> tuple[object, ...]:
        raise NotImplementedError  # pragma: no cover - every comparing class declares it

    def __eq__(self, other: object) -> bool:
        return isinstance(other, self._compared_class) and other._compared() == self._compared()

    __hash__ = None  # type: ignore[assignment]


class TemplateText(ComparedByValue):
    """A template string with its compiled form, re-validated whenever it could be stale.

    The compiled form is checked at every render to still belong to the current `template`
    and `template_format` (an identity check: nanoseconds). Any way of changing the text
    after construction — assigning `template`, `copy`, `pickle`, `object.__new__` plus
    `__setattr__` — therefore recompiles, which re-runs every safety check, before
    anything is rendered.
    """

    __slots__ = ("_compiled", "template", "template_format")

    def __init__(self, template: str, template_format: TemplateFormat = "f-string") -> None:
        compiled = compile_template(template, template_format)
        self._compiled: CompiledTemplate = compiled
        # Compiled templates are cached and shared, so keep the exact string object the
        # compiled one holds: the render-time check compares identities.
        self.template = compiled.source
        self.template_format: TemplateFormat = template_format

    def compiled(self) -> CompiledTemplate:
        """The compiled template for the *current* text, recompiling (and re-checking) if needed."""
        try:
            compiled = self._compiled
        except AttributeError:  # built without __init__
            compiled = None
        if (
            compiled is None
            or compiled.source is not self.template
            or compiled.template_format != self.template_format
        ):
            compiled = compile_template(self.template, self.template_format)
            self._compiled = compiled
            self.template = compiled.source  # equal text; identical object from now on
        return compiled

    @property
    def variables(self) -> tuple[str, ...]:
        return self.compiled().variables

    def render(self, values: Mapping[str, Any]) -> str:
        return self.compiled().render(values)

    def __getstate__(self) -> tuple[str, TemplateFormat]:
        return (self.template, self.template_format)

    def __setstate__(self, state: tuple[str, TemplateFormat]) -> None:
        template, self.template_format = state
        self._compiled = compile_template(template, self.template_format)
        self.template = self._compiled.source

    def _compared(self) -> tuple[object, ...]:
        return (self.template, self.template_format)

    def __repr__(self) -> str:
        return f"TemplateText({self.template!r}, {self.template_format!r})"


def ordered_union(groups: Iterable[Iterable[str]]) -> list[str]:
    """Names from all groups, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen[name] = None
    return list(seen)


def resolve_partials(partials: Mapping[str, Any]) -> dict[str, Any]:
    """Partial values; zero-argument callables are called now (e.g. the current date)."""
    return {name: value() if callable(value) else value for name, value in partials.items()}


def check_partials(partial_variables: Mapping[str, Any] | None) -> dict[str, Any]:
    partials = dict(partial_variables or {})
    for name in partials:
        if not isinstance(name, str) or not name:
            raise TemplateError(f"Partial variable names must be non-empty strings, got {name!r}.")
    return partials


def typed_dict_keys(input_type: Any) -> tuple[frozenset[str], frozenset[str]]:
    """(all keys, required keys) of a TypedDict class; TemplateError for anything else."""
    required = getattr(input_type, "__required_keys__", None)
    optional = getattr(input_type, "__optional_keys__", None)
    if not isinstance(required, frozenset) or not isinstance(optional, frozenset):
        raise TemplateError(
            f"input_type must be a TypedDict class, got {input_type!r}. Declare the prompt's "
            "input as `class MyInput(TypedDict): text: str` and pass input_type=MyInput."
        )
    return required | optional, required


def check_input_type(
    input_type: Any, required: Iterable[str], optional: Iterable[str], owner: str
) -> None:
    """Fail when a TypedDict's keys differ from the template's variables."""
    keys, required_keys = typed_dict_keys(input_type)
    required_set, optional_set = set(required), set(optional)
    variables = required_set | optional_set
    name = getattr(input_type, "__name__", repr(input_type))
    if keys != variables:
        problems = []
        if keys - variables:
            problems.append(f"keys not used by the template: {sorted(keys - variables)}")
        if variables - keys:
            problems.append(f"template variables missing from {name}: {sorted(variables - keys)}")
        raise TemplateError(
            f"input_type {name} does not match the {owner}: {'; '.join(problems)}. "
            f"{name} has keys {sorted(keys)}; the template's variables (without partials) "
            f"are {sorted(variables)}. Make the TypedDict's keys and the template's variables "
            "the same."
        )
    loose = sorted(required_set - required_keys)
    if loose:
        raise TemplateError(
            f"input_type {name} marks {loose} as optional (NotRequired) but the {owner} needs "
            f"them on every call. Make them required keys of {name}, or make the template "
            "variable optional (e.g. an optional MessagesPlaceholder)."
        )


class BasePromptTemplate(Runnable[InT, PV]):
    """Shared behaviour of [`PromptTemplate`][pipes.PromptTemplate] and
    [`ChatPromptTemplate`][pipes.ChatPromptTemplate].

    Subclasses set `input_variables` (required, sorted), `optional_variables`,
    `partial_variables` and `input_type`, and implement `_format_values`.
    """

    run_type = "prompt"

    input_variables: list[str]
    optional_variables: list[str]
    partial_variables: dict[str, Any]
    input_type: type[Any] | None

    @abstractmethod
    def _format_values(self, values: Mapping[str, Any]) -> PV:
        """Build the prompt value from complete values (partials already merged)."""

    # -- input handling ---------------------------------------------------------------

    def _coerce_input(self, input: Any) -> Mapping[str, Any]:
        if type(input) is dict:
            values: Mapping[str, Any] = input
        elif isinstance(input, Mapping):
            values = input
        elif len(self.input_variables) == 1:
            # LangChain's convenience: a one-variable prompt takes the bare value.
            values = {self.input_variables[0]: input}
        else:
            expected = self.input_variables + self.optional_variables
            raise InputTypeError(
                f"{self.get_name()} expects a dict of its variables {expected}, got "
                f"{type(input).__name__}. Call it as .invoke({{"
                + ", ".join(f"{name!r}: ..." for name in expected)
                + "})."
            )
        if self.partial_variables:
            return {**resolve_partials(self.partial_variables), **values}
        return values

    def _merge_partials(self, kwargs: dict[str, Any]) -> Mapping[str, Any]:
        if self.partial_variables:
            return {**resolve_partials(self.partial_variables), **kwargs}
        return kwargs

    def _missing(self, values: Mapping[str, Any]) -> Exception:
        missing = [name for name in self.input_variables if name not in values]
        expected = self.input_variables + self.optional_variables
        supplied = [k for k in values if k not in self.partial_variables]
        return missing_variables_error(missing, expected, supplied)

    # -- the runnable interface ---------------------------------------------------------

    def invoke(self, input: InT, config: RunnableConfig | None = None, **kwargs: Any) -> PV:
        """Format the prompt with a dict of variables (or the bare value of a 1-variable prompt)."""
        return self._format_values(self._coerce_input(input))

    async def ainvoke(self, input: InT, config: RunnableConfig | None = None, **kwargs: Any) -> PV:
        """Like `invoke`; formatting is pure CPU work, so no worker thread is used."""
        return self._format_values(self._coerce_input(input))

    def format_prompt(self, **kwargs: Any) -> PV:
        """Format with keyword arguments: `prompt.format_prompt(topic="bears")`."""
        return self._format_values(self._merge_partials(kwargs))

    async def aformat_prompt(self, **kwargs: Any) -> PV:
        """Async `format_prompt`."""
        return self.format_prompt(**kwargs)

    # -- schema -------------------------------------------------------------------------

    def _variable_schema(self, name: str) -> dict[str, Any]:
        return {"title": name.replace("_", " ").title(), "type": "string"}

    def get_input_schema(self) -> dict[str, Any]:
        """JSON schema of the input: the TypedDict's if `input_type` is set, else one
        property per variable (strings for f-string fields, arrays of messages for
        placeholders); partial variables are not part of the input."""
        if self.input_type is not None:
            from pydantic import TypeAdapter

            return TypeAdapter(self.input_type).json_schema()
        names = self.input_variables + self.optional_variables
        schema: dict[str, Any] = {
            "title": "PromptInput",  # LangChain's title, for every prompt class
            "type": "object",
            "properties": {name: self._variable_schema(name) for name in names},
        }
        if self.input_variables:
            schema["required"] = list(self.input_variables)
        return schema
