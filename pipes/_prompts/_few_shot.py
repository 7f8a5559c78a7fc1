"""Few-shot prompts: fixed examples formatted with an example prompt.

Example:
    ```python
    examples = [{"input": "2+2", "output": "4"}, {"input": "2+3", "output": "5"}]
    few_shot = FewShotChatMessagePromptTemplate(
        examples=examples,
        example_prompt=ChatPromptTemplate.from_messages([("human", "{input}"), ("ai", "{output}")]),
    )
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a calculator."), few_shot, ("human", "{input}")]
    )
    ```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pipes._errors import TemplateError
from pipes._messages import BaseMessage, ChatPromptValue, StringPromptValue
from pipes._prompts._base import BasePromptTemplate, TemplateText, check_partials
from pipes._prompts._chat import ChatPromptTemplate
from pipes._prompts._formatting import TemplateFormat
from pipes._prompts._message import BaseMessagePromptTemplate
from pipes._prompts._string import PromptTemplate

__all__ = ["FewShotChatMessagePromptTemplate", "FewShotPromptTemplate"]

InT = TypeVar("InT", contravariant=True)


def _check_examples(examples: Any, example_prompt: Any, prompt_type: type) -> list[dict[str, Any]]:
    if not isinstance(example_prompt, prompt_type):
        raise TemplateError(
            f"example_prompt must be a {prompt_type.__name__}, got {type(example_prompt).__name__}."
        )
    if isinstance(examples, str | bytes) or not isinstance(examples, Sequence):
        raise TemplateError("examples must be a list of dicts, one dict of variables per example.")
    checked: list[dict[str, Any]] = []
    prompt: Any = example_prompt
    needed = set(prompt.input_variables)
    for position, example in enumerate(examples):
        if not isinstance(example, Mapping):
            raise TemplateError(
                f"Example {position} is a {type(example).__name__}; each example must be a dict "
                f"of the example prompt's variables {sorted(needed)}."
            )
        missing = needed - set(example)
        if missing:
            raise TemplateError(
                f"Example {position} lacks {sorted(missing)}; the example prompt needs "
                f"{sorted(needed)} and the example has {sorted(example)}."
            )
        checked.append(dict(example))
    return checked


def _check_source(
    owner: str, examples: Any, example_selector: Any, example_prompt: Any, prompt_type: type
) -> list[dict[str, Any]] | None:
    """The checked fixed examples, or None when `example_selector` supplies them per call."""
    if (examples is None) == (example_selector is None):
        raise TemplateError(
            f"{owner} takes exactly one of examples=[...] (fixed examples) or "
            "example_selector=... (examples chosen per call)."
        )
    if example_selector is not None and not callable(
        getattr(example_selector, "select_examples", None)
    ):
        raise TemplateError(
            f"example_selector must have a select_examples(values) method, got "
            f"{type(example_selector).__name__}."
        )
    # The example prompt is checked even when a selector supplies the examples.
    checked = _check_examples(examples or [], example_prompt, prompt_type)
    return None if examples is None else checked


def _chosen(
    examples: list[dict[str, Any]] | None,
    example_selector: Any,
    values: Mapping[str, Any],
    example_prompt: Any,
    prompt_type: type,
) -> list[dict[str, Any]]:
    """The examples of one call: the fixed ones, or the selector's pick from the call's
    values, partials included (as LangChain passes them), checked."""
    if examples is not None:
        return examples
    selected = example_selector.select_examples(dict(values))
    return _check_examples(selected, example_prompt, prompt_type)


class FewShotChatMessagePromptTemplate(
    BaseMessagePromptTemplate, BasePromptTemplate[dict[str, Any], ChatPromptValue]
):
    """Example conversations, on their own or inserted into a chat prompt.

    Each example (a dict of variables) is formatted with `example_prompt` (a chat prompt);
    the resulting messages stand where this template stands in an outer prompt, or come out
    of `invoke` / `format_messages` as any prompt's do. Fixed `examples` are checked when the
    template is built: each must supply the example prompt's variables. An `example_selector`
    (any object with `select_examples(values)`, as LangChain's) picks examples per call from
    the template's `input_variables` instead.

    Example:
        ```python
        pair = ChatPromptTemplate.from_messages([("human", "{input}"), ("ai", "{output}")])
        few_shot = FewShotChatMessagePromptTemplate(
            examples=[{"input": "2 🦜 2", "output": "4"}], example_prompt=pair
        )
        few_shot.invoke({}).to_messages()  # [HumanMessage('2 🦜 2'), AIMessage('4')]
        ```
    """

    def __init__(
        self,
        *,
        example_prompt: ChatPromptTemplate[Any],
        examples: Sequence[Mapping[str, Any]] | None = None,
        example_selector: Any = None,
        input_variables: Sequence[str] | None = None,
    ) -> None:
        self.examples = _check_source(
            "FewShotChatMessagePromptTemplate",
            examples,
            example_selector,
            example_prompt,
            ChatPromptTemplate,
        )
        self.example_selector = example_selector
        self.example_prompt = example_prompt
        self._input_variables = sorted(input_variables or [])
        self.optional_variables: list[str] = []
        self.partial_variables: dict[str, Any] = {}
        self.input_type = None

    @property
    def input_variables(self) -> list[str]:  # type: ignore[override]
        """The variables given to the example selector (fixed examples need none)."""
        return self._input_variables

    def _format_messages(self, values: Mapping[str, Any]) -> list[BaseMessage]:
        messages: list[BaseMessage] = []
        needed = self.example_prompt.input_variables
        chosen = _chosen(
            self.examples,
            self.example_selector,
            values,
            self.example_prompt,
            ChatPromptTemplate,
        )
        for example in chosen:
            messages.extend(self.example_prompt.format_messages(**{k: example[k] for k in needed}))
        return messages

    def _format_values(self, values: Mapping[str, Any]) -> ChatPromptValue:
        for name in self._input_variables:
            if name not in values:
                raise self._missing(values)
        return ChatPromptValue(self._format_messages(values))

    def format(self, **kwargs: Any) -> str:
        """The example messages as a `Role: text` transcript."""
        return self._format_values(kwargs).to_string()

    def __repr__(self) -> str:
        source = (
            f"examples={self.examples!r}"
            if self.examples is not None
            else f"example_selector={self.example_selector!r}"
        )
        return f"FewShotChatMessagePromptTemplate({source}, example_prompt={self.example_prompt!r})"


class FewShotPromptTemplate(BasePromptTemplate[InT, StringPromptValue]):
    """A text prompt: `prefix`, the formatted examples, then `suffix`.

    `prefix` and `suffix` are templates (in `template_format`) and supply the prompt's
    variables; the examples are formatted with `example_prompt` and joined with
    `example_separator`. Instead of fixed `examples`, an `example_selector` (see
    [`BaseExampleSelector`][pipes.BaseExampleSelector]) picks them per call.

    Example:
        ```python
        prompt = FewShotPromptTemplate(
            examples=[{"q": "2+2", "a": "4"}],
            example_prompt=PromptTemplate.from_template("Q: {q}\\nA: {a}"),
            prefix="Answer like the examples.",
            suffix="Q: {question}\\nA:",
        )
        prompt.format(question="3+3")
        # 'Answer like the examples.\\n\\nQ: 2+2\\nA: 4\\n\\nQ: 3+3\\nA:'
        ```
    """

    def __init__(
        self: FewShotPromptTemplate[dict[str, Any]],
        *,
        example_prompt: PromptTemplate[Any],
        suffix: str,
        examples: Sequence[Mapping[str, Any]] | None = None,
        example_selector: Any = None,
        prefix: str = "",
        example_separator: str = "\n\n",
        template_format: TemplateFormat = "f-string",
        input_variables: Sequence[str] | None = None,
        partial_variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.examples = _check_source(
            "FewShotPromptTemplate", examples, example_selector, example_prompt, PromptTemplate
        )
        self.example_selector = example_selector
        self.example_prompt = example_prompt
        self.example_separator = example_separator
        self._prefix = TemplateText(prefix, template_format)
        self._suffix = TemplateText(suffix, template_format)
        self.template_format = template_format
        self.partial_variables = check_partials(partial_variables)
        names = {*self._prefix.variables, *self._suffix.variables}
        self.input_variables = sorted(names - set(self.partial_variables))
        self.optional_variables = []
        self.input_type = None
        if input_variables is not None and sorted(set(input_variables)) != self.input_variables:
            raise TemplateError(
                f"input_variables {sorted(set(input_variables))} do not match the variables of "
                f"prefix and suffix {self.input_variables} (partials excluded). Omit "
                "input_variables: they are inferred."
            )

    @property
    def prefix(self) -> str:
        return self._prefix.template

    @property
    def suffix(self) -> str:
        return self._suffix.template

    def _render(self, values: Mapping[str, Any]) -> str:
        for name in self.input_variables:
            if name not in values:
                raise self._missing(values)
        pieces = [self._prefix.render(values)] if self._prefix.template else []
        chosen = _chosen(
            self.examples,
            self.example_selector,
            values,
            self.example_prompt,
            PromptTemplate,
        )
        pieces.extend(self.example_prompt.format(**example) for example in chosen)
        pieces.append(self._suffix.render(values))
        return self.example_separator.join(pieces)

    def _format_values(self, values: Mapping[str, Any]) -> StringPromptValue:
        return StringPromptValue(self._render(values))

    def format(self, **kwargs: Any) -> str:
        """The formatted text: `prompt.format(question="3+3")`."""
        return self._render(self._merge_partials(kwargs))

    async def aformat(self, **kwargs: Any) -> str:
        """Async `format`."""
        return self.format(**kwargs)

    def partial(self, **kwargs: Any) -> FewShotPromptTemplate[dict[str, Any]]:
        """A copy with some variables fixed, by value or by a zero-argument callable."""
        return FewShotPromptTemplate(
            examples=self.examples,
            example_selector=self.example_selector,
            example_prompt=self.example_prompt,
            suffix=self.suffix,
            prefix=self.prefix,
            example_separator=self.example_separator,
            template_format=self.template_format,
            partial_variables={**self.partial_variables, **kwargs},
        )

    def __repr__(self) -> str:
        return (
            f"FewShotPromptTemplate(input_variables={self.input_variables!r}, "
            + (
                f"examples={len(self.examples)}, "
                if self.examples is not None
                else f"example_selector={self.example_selector!r}, "
            )
            + f"prefix={self.prefix!r}, suffix={self.suffix!r})"
        )
