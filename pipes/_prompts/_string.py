"""`PromptTemplate`: a single text template that formats to a
[`StringPromptValue`][pipes.StringPromptValue]."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, overload

from pipes._errors import TemplateError
from pipes._messages import StringPromptValue
from pipes._prompts._base import (
    TD,
    BasePromptTemplate,
    ComparedByValue,
    TemplateText,
    check_input_type,
    check_partials,
)
from pipes._prompts._formatting import TemplateFormat

__all__ = ["PromptTemplate"]

InT = TypeVar("InT", contravariant=True)


class PromptTemplate(ComparedByValue, BasePromptTemplate[InT, StringPromptValue]):
    """A text prompt: `{name}` fields (or jinja2 / mustache), formatted safely.

    Example:
        ```python
        prompt = PromptTemplate.from_template("Tell me a joke about {topic}")
        prompt.input_variables             # ['topic']
        prompt.format(topic="bears")       # 'Tell me a joke about bears'
        prompt.invoke({"topic": "bears"})  # StringPromptValue(text='Tell me a joke about bears')
        prompt.invoke("bears")             # the same: one variable takes a bare value
        (prompt + " in {style} style").input_variables  # ['style', 'topic']
        ```

    Formats: `"f-string"` (default; fields must be bare names, literal braces are `{{ }}`),
    `"mustache"` and `"jinja2"` (sandboxed). See `pipes._prompts._formatting`.
    """

    @overload
    def __init__(
        self: PromptTemplate[dict[str, Any]],
        template: str,
        *,
        template_format: TemplateFormat = "f-string",
        input_variables: Sequence[str] | None = None,
        partial_variables: Mapping[str, Any] | None = None,
        input_type: None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: PromptTemplate[TD],
        template: str,
        *,
        template_format: TemplateFormat = "f-string",
        input_variables: Sequence[str] | None = None,
        partial_variables: Mapping[str, Any] | None = None,
        input_type: type[TD] | None,
        name: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        template: str,
        *,
        template_format: TemplateFormat = "f-string",
        input_variables: Sequence[str] | None = None,
        partial_variables: Mapping[str, Any] | None = None,
        input_type: type[Any] | None = None,
        name: str | None = None,
    ) -> None:
        self._text = TemplateText(template, template_format)
        self.partial_variables = check_partials(partial_variables)
        self.input_variables = sorted(
            v for v in self._text.variables if v not in self.partial_variables
        )
        self.optional_variables = []
        if input_variables is not None and sorted(set(input_variables)) != self.input_variables:
            raise TemplateError(
                f"input_variables {sorted(set(input_variables))} do not match the variables of "
                f"the template {self.input_variables} (partials excluded). Omit "
                "input_variables: they are inferred from the template."
            )
        self.input_type = input_type
        if input_type is not None:
            check_input_type(input_type, self.input_variables, (), "prompt template")
        if name is not None:
            self.name = name

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_template(
        cls,
        template: str,
        *,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        input_type: type[TD] | None = None,
    ) -> PromptTemplate[TD]:
        """Build a prompt from a template string; its variables are inferred.

        Example:
            ```python
            PromptTemplate.from_template("Hi {{name}}", template_format="mustache")
            ```
        """
        return PromptTemplate(
            template,
            template_format=template_format,
            partial_variables=partial_variables,
            input_type=input_type,
        )

    # -- attributes -------------------------------------------------------------------

    @property
    def template(self) -> str:
        """The template text."""
        return self._text.template

    @template.setter
    def template(self, value: str) -> None:
        # Validate now (a clear error at the assignment) and keep the variables in step.
        text = TemplateText(value, self._text.template_format)
        variables = sorted(v for v in text.variables if v not in self.partial_variables)
        if self.input_type is not None:
            check_input_type(self.input_type, variables, (), "prompt template")
        self._text = text
        self.input_variables = variables

    @property
    def template_format(self) -> TemplateFormat:
        """`"f-string"`, `"mustache"` or `"jinja2"`."""
        return self._text.template_format

    # -- formatting -------------------------------------------------------------------

    def _format_values(self, values: Mapping[str, Any]) -> StringPromptValue:
        return StringPromptValue(self._render(values))

    def _render(self, values: Mapping[str, Any]) -> str:
        for name in self.input_variables:
            if name not in values:
                raise self._missing(values)
        return self._text.render(values)

    def format(self, **kwargs: Any) -> str:
        """The formatted text: `prompt.format(topic="bears")`."""
        return self._render(self._merge_partials(kwargs))

    async def aformat(self, **kwargs: Any) -> str:
        """Async `format`."""
        return self.format(**kwargs)

    def partial(self, **kwargs: Any) -> PromptTemplate[dict[str, Any]]:
        """A copy with some variables fixed, by value or by a zero-argument callable.

        Example:
            ```python
            prompt.partial(date=lambda: datetime.date.today().isoformat())
            ```
        """
        return PromptTemplate(
            self.template,
            template_format=self._text.template_format,
            partial_variables={**self.partial_variables, **kwargs},
        )

    def __add__(self, other: PromptTemplate[Any] | str) -> PromptTemplate[dict[str, Any]]:
        """Concatenate templates: `prompt + "more {text}"` or `prompt + other_prompt`."""
        if isinstance(other, PromptTemplate):
            if other.template_format != self.template_format:
                raise TemplateError(
                    f"Cannot add a {other.template_format!r} prompt to a "
                    f"{self.template_format!r} prompt; both must use the same template_format."
                )
            partials = dict(self.partial_variables)
            for key, value in other.partial_variables.items():
                if key in partials and partials[key] != value:
                    raise TemplateError(
                        f"Both prompts fix the partial variable {key!r} to different values; "
                        "fix it on only one of them."
                    )
                partials[key] = value
            text = other.template
        elif isinstance(other, str):
            partials, text = dict(self.partial_variables), other
        else:
            return NotImplemented
        return PromptTemplate(
            self.template + text,
            template_format=self._text.template_format,
            partial_variables=partials,
        )

    def _compared(self) -> tuple[object, ...]:
        return (self._text, self.partial_variables)

    def __repr__(self) -> str:
        return (
            f"PromptTemplate(input_variables={self.input_variables!r}, "
            f"template={self.template!r}, template_format={self.template_format!r})"
        )

    def _variable_schema(self, name: str) -> dict[str, Any]:
        if self.template_format == "f-string":
            return super()._variable_schema(name)
        # jinja2 / mustache variables may be lists or dicts (loops, sections).
        return {"title": name.replace("_", " ").title()}
