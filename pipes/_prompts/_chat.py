"""`ChatPromptTemplate`: a list of message templates formatting to a
[`ChatPromptValue`][pipes.ChatPromptValue]."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar, overload

from pipes._errors import TemplateError
from pipes._messages import BaseMessage, ChatPromptValue
from pipes._prompts._base import (
    TD,
    BasePromptTemplate,
    ComparedByValue,
    check_input_type,
    check_partials,
)
from pipes._prompts._formatting import TemplateFormat
from pipes._prompts._message import (
    ROLE_TEMPLATES,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
)

__all__ = ["ChatPromptTemplate", "MessageLikeTemplate"]

InT = TypeVar("InT", contravariant=True)

MessageLikeTemplate: TypeAlias = (
    "BaseMessagePromptTemplate | BaseMessage | ChatPromptTemplate[Any] | str "
    "| tuple[str, str | Sequence[Any]] | Mapping[str, Any]"
)
"""What `from_messages` accepts for each message (see
[`ChatPromptTemplate`][pipes.ChatPromptTemplate])."""

_ROLES_HELP = "'system', 'human'/'user', 'ai'/'assistant', 'developer' or 'placeholder'"
_PLACEHOLDER = {
    "f-string": re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}"),
    "mustache": re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}"),
    "jinja2": re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}"),
}

# How each entry of ``messages`` is formatted, decided once at construction.
_LITERAL, _ONE, _MANY = 0, 1, 2
_Step = tuple[int, Any]


def _placeholder(content: Any, template_format: str) -> MessagesPlaceholder:
    pattern = _PLACEHOLDER.get(template_format, _PLACEHOLDER["f-string"])
    match = pattern.fullmatch(content.strip()) if isinstance(content, str) else None
    if match is None:
        example = "{{history}}" if template_format != "f-string" else "{history}"
        raise TemplateError(
            f"A ('placeholder', ...) entry must name one variable, like ('placeholder', "
            f"'{example}'), got {content!r}."
        )
    return MessagesPlaceholder(match.group(1), optional=True)


def _convert(item: Any, template_format: TemplateFormat, position: int) -> list[Any]:
    """One `from_messages` entry -> message templates / literal messages."""
    if isinstance(item, BaseMessagePromptTemplate | BaseMessage):
        return [item]
    if isinstance(item, ChatPromptTemplate):
        return list(item.messages)
    if isinstance(item, str):
        return [HumanMessagePromptTemplate(item, template_format=template_format)]
    if isinstance(item, Mapping) and "role" in item and "content" in item:
        extra = set(item) - {"role", "content"}
        if extra:
            raise TemplateError(
                f"Message dict at position {position} has unsupported keys {sorted(extra)}; "
                "use {'role': ..., 'content': ...} or a message template object."
            )
        item = (item["role"], item["content"])
    if isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str):
        role, content = item
        if role == "placeholder":
            return [_placeholder(content, template_format)]
        template_class = ROLE_TEMPLATES.get(role)
        if template_class is None:
            raise TemplateError(
                f"Unknown role {role!r} at position {position}; use one of {_ROLES_HELP}, or a "
                "ChatMessagePromptTemplate for a custom role."
            )
        return [template_class(content, template_format=template_format)]
    raise TemplateError(
        f"Cannot use {item!r} (position {position}) in a chat prompt. Pass (role, template) "
        f"tuples with role {_ROLES_HELP}, message objects, message prompt templates, "
        "MessagesPlaceholder(...) or plain strings (human messages)."
    )


class ChatPromptTemplate(ComparedByValue, BasePromptTemplate[InT, ChatPromptValue]):
    """A chat prompt: messages with template content, formatted to a
    [`ChatPromptValue`][pipes.ChatPromptValue].

    Example:
        ```python
        prompt = ChatPromptTemplate.from_messages([
            ("system", "Translate from {source} to {target}."),
            MessagesPlaceholder("history", optional=True),
            ("human", "{text}"),
        ])
        prompt.input_variables          # ['source', 'target', 'text']
        prompt.invoke({"source": "English", "target": "French", "text": "I love you"})
        ```

    Entries of `messages`: `(role, template)` tuples (`system`, `human`/`user`,
    `ai`/`assistant`, `developer`, `placeholder`), message objects (kept as they are,
    never formatted), message prompt templates, [`MessagesPlaceholder`][pipes.MessagesPlaceholder],
    plain strings (human templates) and other chat prompts (their messages are inlined).

    Typed input: `ChatPromptTemplate.from_messages([...], input_type=MyTypedDict)` is a
    `Runnable[MyTypedDict, ChatPromptValue]`; construction fails if the TypedDict's keys
    differ from the template's variables.
    """

    @overload
    def __init__(
        self: ChatPromptTemplate[dict[str, Any]],
        messages: Sequence[MessageLikeTemplate],
        *,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        input_type: None = None,
        name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: ChatPromptTemplate[TD],
        messages: Sequence[MessageLikeTemplate],
        *,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        input_type: type[TD] | None,
        name: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        messages: Sequence[MessageLikeTemplate],
        *,
        template_format: TemplateFormat = "f-string",
        partial_variables: Mapping[str, Any] | None = None,
        input_type: type[Any] | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
            raise TemplateError(
                "ChatPromptTemplate takes a list of messages, e.g. "
                "ChatPromptTemplate.from_messages([('human', '{question}')]); use "
                "ChatPromptTemplate.from_template(text) for a single template string."
            )
        self.template_format: TemplateFormat = template_format
        converted: list[BaseMessagePromptTemplate | BaseMessage] = []
        for position, item in enumerate(messages):
            converted.extend(_convert(item, template_format, position))
        self.partial_variables = check_partials(partial_variables)
        for item in messages:
            if isinstance(item, ChatPromptTemplate):
                self.partial_variables = {**item.partial_variables, **self.partial_variables}
        self.input_type = input_type
        if name is not None:
            self.name = name
        self._setup(converted)

    def _setup(self, messages: list[BaseMessagePromptTemplate | BaseMessage]) -> None:
        required: dict[str, None] = {}
        optional: dict[str, None] = {}
        steps: list[_Step] = []
        for message in messages:
            if isinstance(message, BaseMessage):
                steps.append((_LITERAL, message))
            elif isinstance(message, BaseStringMessagePromptTemplate):
                steps.append((_ONE, message._format))
                required.update(dict.fromkeys(message.input_variables))
            elif isinstance(message, MessagesPlaceholder):
                steps.append((_MANY, message._format_messages))
                target = optional if message.optional else required
                target[message.variable_name] = None
            else:
                steps.append((_MANY, message._format_messages))
                required.update(dict.fromkeys(message.input_variables))
        partials = self.partial_variables
        input_variables = sorted(v for v in required if v not in partials)
        optional_variables = sorted(v for v in optional if v not in partials and v not in required)
        if self.input_type is not None:
            check_input_type(self.input_type, input_variables, optional_variables, "chat prompt")
        self.messages: tuple[BaseMessagePromptTemplate | BaseMessage, ...] = tuple(messages)
        self.input_variables = input_variables
        self.optional_variables = optional_variables
        self._placeholders = frozenset(optional) | frozenset(
            m.variable_name for m in messages if isinstance(m, MessagesPlaceholder)
        )
        self._steps: tuple[_Step, ...] = tuple(steps)
        self._required: tuple[str, ...] = tuple(input_variables)

    # -- construction -----------------------------------------------------------------

    @classmethod
    def from_messages(
        cls,
        messages: Sequence[MessageLikeTemplate],
        template_format: TemplateFormat = "f-string",
        *,
        input_type: type[TD] | None = None,
    ) -> ChatPromptTemplate[TD]:
        """Build a chat prompt from message-likes (see the class docstring).

        Example:
            ```python
            ChatPromptTemplate.from_messages(
                [("system", "You are {persona}."), ("placeholder", "{history}"), ("human", "{q}")]
            )
            ```
        """
        return ChatPromptTemplate(messages, template_format=template_format, input_type=input_type)

    @classmethod
    def from_template(
        cls,
        template: str,
        template_format: TemplateFormat = "f-string",
        *,
        input_type: type[TD] | None = None,
    ) -> ChatPromptTemplate[TD]:
        """A chat prompt of one human message: `ChatPromptTemplate.from_template("{q}")`."""
        return ChatPromptTemplate(
            [HumanMessagePromptTemplate(template, template_format=template_format)],
            template_format=template_format,
            input_type=input_type,
        )

    # -- formatting -------------------------------------------------------------------

    def _format_messages_values(self, values: Mapping[str, Any]) -> list[BaseMessage]:
        for name in self._required:
            if name not in values:
                raise self._missing(values)
        out: list[BaseMessage] = []
        for kind, step in self._steps:
            if kind == _ONE:
                out.append(step(values))
            elif kind == _LITERAL:
                out.append(step)
            else:
                out.extend(step(values))
        return out

    def _format_values(self, values: Mapping[str, Any]) -> ChatPromptValue:
        return ChatPromptValue(self._format_messages_values(values))

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format to a list of messages: `prompt.format_messages(text="hi")`."""
        return self._format_messages_values(self._merge_partials(kwargs))

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Async `format_messages`."""
        return self.format_messages(**kwargs)

    def format(self, **kwargs: Any) -> str:
        """The formatted messages as a `Role: text` transcript."""
        return self.format_prompt(**kwargs).to_string()

    async def aformat(self, **kwargs: Any) -> str:
        """Async `format`."""
        return self.format(**kwargs)

    # -- derived prompts --------------------------------------------------------------

    def partial(self, **kwargs: Any) -> ChatPromptTemplate[dict[str, Any]]:
        """A copy with some variables fixed, by value or by a zero-argument callable.

        Example:
            ```python
            prompt.partial(target="French").invoke({"source": "English", "text": "hi"})
            ```
        """
        return ChatPromptTemplate(
            list(self.messages),
            template_format=self.template_format,
            partial_variables={**self.partial_variables, **kwargs},
        )

    def _extended(self, items: Sequence[Any]) -> ChatPromptTemplate[dict[str, Any]]:
        return ChatPromptTemplate(
            [*self.messages, *items],
            template_format=self.template_format,
            partial_variables=self.partial_variables,
        )

    def __add__(
        self, other: MessageLikeTemplate | list[MessageLikeTemplate]
    ) -> ChatPromptTemplate[dict[str, Any]]:
        """`prompt + prompt`, `prompt + message`, `prompt + ("human", "...")`,
        `prompt + "text"` or `prompt + [several]`."""
        if isinstance(other, list):
            return self._extended(other)
        if isinstance(
            other, ChatPromptTemplate | BaseMessagePromptTemplate | BaseMessage | str | tuple
        ) or (isinstance(other, Mapping) and "role" in other):
            return self._extended([other])
        return NotImplemented

    def __radd__(
        self, other: MessageLikeTemplate | list[MessageLikeTemplate]
    ) -> ChatPromptTemplate[dict[str, Any]]:
        """`("system", "...") + prompt` and friends."""
        items: list[Any]
        if isinstance(other, list):
            items = other
        elif isinstance(other, BaseMessagePromptTemplate | BaseMessage | str | tuple):
            items = [other]
        else:
            return NotImplemented
        return ChatPromptTemplate(
            [*items, *self.messages],
            template_format=self.template_format,
            partial_variables=self.partial_variables,
        )

    def append(self, message: MessageLikeTemplate) -> None:
        """Add a message at the end (in place), like `list.append`."""
        self.extend([message])

    def extend(self, messages: Sequence[MessageLikeTemplate]) -> None:
        """Add messages at the end (in place)."""
        added: list[Any] = []
        for offset, item in enumerate(messages):
            added.extend(_convert(item, self.template_format, len(self.messages) + offset))
        self._setup([*self.messages, *added])

    @overload
    def __getitem__(self, index: int) -> BaseMessagePromptTemplate | BaseMessage: ...
    @overload
    def __getitem__(self, index: slice) -> ChatPromptTemplate[dict[str, Any]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> BaseMessagePromptTemplate | BaseMessage | ChatPromptTemplate[dict[str, Any]]:
        """`prompt[0]` is a message (template); `prompt[1:]` a chat prompt."""
        if isinstance(index, slice):
            return ChatPromptTemplate(
                list(self.messages[index]),
                template_format=self.template_format,
                partial_variables=self.partial_variables,
            )
        return self.messages[index]

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[BaseMessagePromptTemplate | BaseMessage]:
        return iter(self.messages)

    def _compared(self) -> tuple[object, ...]:
        return (self.messages, self.partial_variables)

    def __repr__(self) -> str:
        return (
            f"ChatPromptTemplate(input_variables={self.input_variables!r}, "
            f"messages={list(self.messages)!r})"
        )

    def pretty_repr(self) -> str:
        """The messages as readable blocks, variables shown as `{name}`."""
        blocks = []
        for message in self.messages:
            if isinstance(message, BaseMessage):
                blocks.append(message.pretty_repr())
            elif isinstance(message, MessagesPlaceholder):
                title = " Messages Placeholder ".center(80, "=")
                blocks.append(f"{title}\n\n{{{message.variable_name}}}")
            elif isinstance(message, BaseStringMessagePromptTemplate):
                role = type(message).__name__.replace("MessagePromptTemplate", "").lstrip("_")
                title = f" {role} Message ".center(80, "=")
                blocks.append(f"{title}\n\n{message.template}")
        return "\n\n".join(blocks)

    def pretty_print(self) -> None:
        """Print `pretty_repr`."""
        print(self.pretty_repr())

    def _variable_schema(self, name: str) -> dict[str, Any]:
        title = name.replace("_", " ").title()
        if name in self._placeholders:
            return {"title": title, "type": "array", "items": {"type": "object"}}
        if self.template_format == "f-string":
            return {"title": title, "type": "string"}
        return {"title": title}
