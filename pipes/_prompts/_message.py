"""Message prompt templates: one templated message, or a placeholder for many.

Example:
    ```python
    HumanMessagePromptTemplate.from_template("Translate {text}").format(text="hi")
    # HumanMessage(content='Translate hi')

    MessagesPlaceholder("history", optional=True).format_messages()  # []
    ```
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from pipes._errors import InputTypeError, TemplateError
from pipes._messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    PromptValue,
    SystemMessage,
    convert_to_message,
    convert_to_messages,
)
from pipes._prompts._base import (
    ComparedByValue,
    TemplateText,
    check_partials,
    ordered_union,
    resolve_partials,
)
from pipes._prompts._formatting import TemplateFormat, missing_variables_error

__all__ = [
    "AIMessagePromptTemplate",
    "BaseMessagePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "HumanMessagePromptTemplate",
    "MessagesPlaceholder",
    "SystemMessagePromptTemplate",
]

# A message's content template: a string, or a list of strings and part dicts whose string
# leaves are templates (multimodal: {"type": "image_url", "image_url": {"url": "{url}"}}).
ContentTemplate = str | Sequence[str | Mapping[str, Any]]


def _build(node: Any, template_format: TemplateFormat) -> Any:
    if isinstance(node, str):
        return TemplateText(node, template_format)
    if isinstance(node, Mapping):
        for key in node:
            if not isinstance(key, str):
                raise TemplateError(f"Content part keys must be strings, got {key!r}.")
        return {key: _build(value, template_format) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_build(item, template_format) for item in node]
    return node  # numbers, booleans, None: kept as they are


def _render(node: Any, values: Mapping[str, Any]) -> Any:
    kind = type(node)
    if kind is TemplateText:
        return node.render(values)
    if kind is dict:
        return {key: _render(value, values) for key, value in node.items()}
    if kind is list:
        return [_render(item, values) for item in node]
    return node


def _variables(node: Any) -> list[str]:
    if type(node) is TemplateText:
        return list(node.variables)
    if type(node) is dict:
        return ordered_union(_variables(v) for v in node.values())
    if type(node) is list:
        return ordered_union(_variables(v) for v in node)
    return []


def _source(node: Any) -> Any:
    if type(node) is TemplateText:
        return node.template
    if type(node) is dict:
        return {key: _source(value) for key, value in node.items()}
    if type(node) is list:
        return [_source(item) for item in node]
    return node


class BaseMessagePromptTemplate(ABC):
    """Something in a chat prompt that formats to zero or more messages."""

    @property
    @abstractmethod
    def input_variables(self) -> list[str]:
        """The variables this template needs (sorted)."""

    @abstractmethod
    def _format_messages(self, values: Mapping[str, Any]) -> list[BaseMessage]:
        """Format with complete values (no copy of `values` is made)."""

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format to a list of messages: `template.format_messages(text="hi")`."""
        return self._format_messages(kwargs)

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Async `format_messages`."""
        return self._format_messages(kwargs)


class BaseStringMessagePromptTemplate(ComparedByValue, BaseMessagePromptTemplate):
    """One message whose content is a template (text, or a list of multimodal parts)."""

    # The message class built directly (validated fast path) for text content, if any.
    _fast_class: ClassVar[type[BaseMessage] | None] = None

    def __init__(
        self,
        template: ContentTemplate | None = None,
        *,
        prompt: Any = None,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        additional_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if prompt is not None:
            # LangChain's HumanMessagePromptTemplate(prompt=PromptTemplate(...)) form.
            from pipes._prompts._string import PromptTemplate

            if template is not None or not isinstance(prompt, PromptTemplate):
                raise TemplateError(
                    "Pass either a template (str or list of parts) or prompt=PromptTemplate(...)."
                )
            template = prompt.template
            template_format = prompt.template_format
            partial_variables = {**prompt.partial_variables, **(partial_variables or {})}
        if template is None:
            raise TemplateError(
                f"{type(self).__name__} needs a template, e.g. "
                f"{type(self).__name__}.from_template('Tell me about {{topic}}')."
            )
        if not isinstance(template, str | list | tuple):
            raise TemplateError(
                f"A message template must be a string or a list of content parts, got "
                f"{type(template).__name__}."
            )
        self.template_format = template_format
        self._content = _build(template, template_format)
        self.partial_variables = check_partials(partial_variables)
        self.additional_kwargs = dict(additional_kwargs or {})

    @classmethod
    def from_template(
        cls,
        template: ContentTemplate,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build from a template string or a list of content parts.

        Example:
            ```python
            HumanMessagePromptTemplate.from_template(
                [{"type": "text", "text": "{question}"},
                 {"type": "image_url", "image_url": {"url": "{image_url}"}}]
            )
            ```
        """
        return cls(
            template,
            template_format=template_format,
            partial_variables=partial_variables,
            **kwargs,
        )

    @property
    def template(self) -> Any:
        """The content template as given (a string or a list of parts)."""
        return _source(self._content)

    @property
    def input_variables(self) -> list[str]:
        return sorted(v for v in _variables(self._content) if v not in self.partial_variables)

    def _message(self, content: Any) -> BaseMessage:
        raise NotImplementedError  # pragma: no cover - every concrete class overrides it

    def _format(self, values: Mapping[str, Any]) -> BaseMessage:
        if self.partial_variables:
            values = {**resolve_partials(self.partial_variables), **values}
        content = self._content
        if type(content) is TemplateText:
            # The engine raises MissingVariablesError itself; a chat prompt checks its whole
            # variable list before getting here, so no second check on the hot path.
            text = content.compiled().render(values)
            fast = self._fast_class
            if fast is not None and not self.additional_kwargs:
                return fast._fast({"content": text})
            return self._message(text)
        return self._message(_render(content, values))

    def format(self, **kwargs: Any) -> BaseMessage:
        """Format to one message: `template.format(text="hi")`."""
        return self._format(kwargs)

    async def aformat(self, **kwargs: Any) -> BaseMessage:
        """Async `format`."""
        return self._format(kwargs)

    def _format_messages(self, values: Mapping[str, Any]) -> list[BaseMessage]:
        return [self._format(values)]

    def _fields(self, content: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {"content": content}
        if self.additional_kwargs:
            fields["additional_kwargs"] = dict(self.additional_kwargs)
        return fields

    def _compared(self) -> tuple[object, ...]:
        # The exact class too: a human and a system template of the same text differ.
        return (
            type(self),
            self.template,
            self.template_format,
            self.partial_variables,
            self.additional_kwargs,
            getattr(self, "role", None),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(template={self.template!r})"


def _make(cls: type[BaseMessage], fields: dict[str, Any]) -> BaseMessage:
    # Text content comes from our own renderer, so the validated fast path is safe; lists of
    # parts go through validation (the message layer checks image/audio part shapes).
    if type(fields["content"]) is str:
        return cls._fast(fields)
    return cls(**fields)


class HumanMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A templated [`HumanMessage`][pipes.HumanMessage]:
    `HumanMessagePromptTemplate.from_template("{q}")`."""

    _fast_class = HumanMessage

    def _message(self, content: Any) -> BaseMessage:
        return _make(HumanMessage, self._fields(content))


class AIMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A templated [`AIMessage`][pipes.AIMessage] (e.g. few-shot answers)."""

    _fast_class = AIMessage

    def _message(self, content: Any) -> BaseMessage:
        return _make(AIMessage, self._fields(content))


class SystemMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A templated [`SystemMessage`][pipes.SystemMessage]:
    `SystemMessagePromptTemplate.from_template(...)`."""

    _fast_class = SystemMessage

    def _message(self, content: Any) -> BaseMessage:
        return _make(SystemMessage, self._fields(content))


class _DeveloperMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """`("developer", ...)`: a system message sent with OpenAI's `developer` role."""

    def _message(self, content: Any) -> BaseMessage:
        # The message layer owns how "developer" is represented; go through its converter.
        message = convert_to_message({"role": "developer", "content": content})
        if self.additional_kwargs:
            message.additional_kwargs.update(self.additional_kwargs)
        return message


class ChatMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A templated [`ChatMessage`][pipes.ChatMessage] with any `role`.

    Example:
        ```python
        ChatMessagePromptTemplate.from_template("Looks good: {x}", role="critic")
        ```
    """

    def __init__(
        self,
        template: ContentTemplate | None = None,
        *,
        role: str,
        prompt: Any = None,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        additional_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(role, str) or not role:
            raise TemplateError(f"ChatMessagePromptTemplate needs a non-empty role, got {role!r}.")
        self.role = role
        super().__init__(
            template,
            prompt=prompt,
            template_format=template_format,
            partial_variables=partial_variables,
            additional_kwargs=additional_kwargs,
        )

    def _message(self, content: Any) -> BaseMessage:
        fields = self._fields(content)
        fields["role"] = self.role
        return _make(ChatMessage, fields)

    def __repr__(self) -> str:
        return f"ChatMessagePromptTemplate(template={self.template!r}, role={self.role!r})"


_MISSING: Any = object()


class MessagesPlaceholder(ComparedByValue, BaseMessagePromptTemplate):
    """A slot filled with a list of messages at invoke time (e.g. the chat history).

    Example:
        ```python
        prompt = ChatPromptTemplate.from_messages(
            [("system", "Be brief."), MessagesPlaceholder("history"), ("human", "{question}")]
        )
        prompt.invoke({"history": [("human", "hi"), ("ai", "hello")], "question": "and?"})
        ```

    `optional=True` lets the variable be omitted (no messages); `n_messages` keeps only
    the last *n* messages.
    """

    def __init__(
        self, variable_name: str, *, optional: bool = False, n_messages: int | None = None
    ) -> None:
        if not isinstance(variable_name, str) or not variable_name.isidentifier():
            raise TemplateError(
                f"MessagesPlaceholder needs a variable name like 'history', got {variable_name!r}."
            )
        if n_messages is not None and (not isinstance(n_messages, int) or n_messages < 0):
            raise TemplateError(f"n_messages must be a non-negative int, got {n_messages!r}.")
        self.variable_name = variable_name
        self.optional = optional
        self.n_messages = n_messages

    @property
    def input_variables(self) -> list[str]:
        return [] if self.optional else [self.variable_name]

    def _format_messages(self, values: Mapping[str, Any]) -> list[BaseMessage]:
        value = values.get(self.variable_name, _MISSING)
        if value is _MISSING or (value is None and self.optional):
            if self.optional:
                return []
            raise missing_variables_error([self.variable_name], [self.variable_name], values)
        if isinstance(value, PromptValue):
            messages = value.to_messages()
        elif isinstance(value, list | tuple):
            messages = convert_to_messages(list(value))
        else:
            raise InputTypeError(
                f"The variable {self.variable_name!r} of a MessagesPlaceholder must be a list of "
                f"messages (or message-likes such as ('human', 'hi')), got "
                f"{type(value).__name__}. Wrap a single message in a list."
            )
        if self.n_messages is not None:
            messages = messages[-self.n_messages :] if self.n_messages else []
        return messages

    def _compared(self) -> tuple[object, ...]:
        return (self.variable_name, self.optional, self.n_messages)

    def __repr__(self) -> str:
        extra = ", optional=True" if self.optional else ""
        if self.n_messages is not None:
            extra += f", n_messages={self.n_messages}"
        return f"MessagesPlaceholder({self.variable_name!r}{extra})"


ROLE_TEMPLATES: dict[str, type[BaseStringMessagePromptTemplate]] = {
    "human": HumanMessagePromptTemplate,
    "user": HumanMessagePromptTemplate,
    "ai": AIMessagePromptTemplate,
    "assistant": AIMessagePromptTemplate,
    "system": SystemMessagePromptTemplate,
    "developer": _DeveloperMessagePromptTemplate,
}
