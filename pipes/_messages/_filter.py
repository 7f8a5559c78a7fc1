"""`filter_messages` and `merge_message_runs`: reshape a conversation before a model reads it.

Both take messages (or anything `convert_to_messages` accepts) and return a new list; called
without messages they return a runnable doing the same, for use in a chain:

```python
from pipes import filter_messages, merge_message_runs

filter_messages(messages, include_types=["human", "ai"])
chain = merge_message_runs() | model
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial, wraps
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeAlias, TypeVar, overload

from pipes._core import Runnable, RunnableLambda

from ._ai import AIMessage
from ._base import MESSAGE_TYPES, BaseMessage, BaseMessageChunk
from ._convert import convert_to_messages
from ._tool import ToolMessage

__all__ = [
    "MessageTypes",
    "MessagesInput",
    "filter_messages",
    "is_message_type",
    "merge_message_runs",
    "messages_runnable",
]

P = ParamSpec("P")
R_co = TypeVar("R_co", covariant=True)

MessagesInput: TypeAlias = Iterable[Any]
"""Messages, message-likes (`("human", "hi")`, dicts, strings) or a prompt value."""

MessageTypes: TypeAlias = str | type[BaseMessage] | Sequence[str | type[BaseMessage]]
"""Message types by name (`"human"`, `"ai"`, `"system"`, `"tool"` ...) or by class."""


class MessagesFunction(Protocol, Generic[P, R_co]):
    """A message utility: applied to messages, or a runnable when called without them."""

    @overload
    def __call__(
        self, messages: None = None, *args: P.args, **kwargs: P.kwargs
    ) -> Runnable[Any, R_co]: ...

    @overload
    def __call__(self, messages: MessagesInput, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def messages_runnable(
    func: Callable[Concatenate[MessagesInput, P], R_co],
) -> MessagesFunction[P, R_co]:
    """Let `func(messages, **options)` also be called as `func(**options)`, giving a runnable
    that applies it to its input (LangChain's `trim_messages(max_tokens=...) | model`)."""

    @wraps(func)
    def wrapped(messages: MessagesInput | None = None, *args: Any, **kwargs: Any) -> Any:
        if messages is not None:
            return func(messages, *args, **kwargs)
        return RunnableLambda(partial(func, **kwargs), name=func.__name__)

    return wrapped


def is_message_type(message: BaseMessage, types: MessageTypes) -> bool:
    """Whether `message` is one of `types` (names compare with `message.type`)."""
    wanted = [types] if isinstance(types, str | type) else types
    names = [t for t in wanted if isinstance(t, str)]
    classes = tuple(t for t in wanted if isinstance(t, type))
    return message.type in names or isinstance(message, classes)


def _without_tool_calls(message: AIMessage, excluded: Sequence[str]) -> AIMessage | None:
    """`message` without the tool calls whose id is in `excluded` (None: none left)."""
    calls = [call for call in message.tool_calls if call["id"] not in excluded]
    if not calls:
        return None
    content = message.content
    if isinstance(content, list):
        # Anthropic-style content repeats each call as a `tool_use` block.
        content = [
            block
            for block in content
            if not (
                isinstance(block, dict)
                and block.get("type") == "tool_use"
                and block.get("id") in excluded
            )
        ]
    return message.model_copy(update={"tool_calls": calls, "content": content})


@messages_runnable
def filter_messages(
    messages: MessagesInput,
    *,
    include_names: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    include_types: MessageTypes | None = None,
    exclude_types: MessageTypes | None = None,
    include_ids: Sequence[str] | None = None,
    exclude_ids: Sequence[str] | None = None,
    exclude_tool_calls: Sequence[str] | bool | None = None,
) -> list[BaseMessage]:
    """The messages matching any `include_*` condition (all if none is given) and no
    `exclude_*` one.

    `exclude_tool_calls=True` drops every AI message with tool calls and every tool message;
    a list of tool-call ids drops those calls' tool messages and removes the calls from AI
    messages (an AI message left without calls is dropped).

    Example:
        ```python
        filter_messages(
            messages,
            include_names=("example_user", "example_assistant"),
            include_types=("system",),
            exclude_ids=("bar",),
        )
        ```
    """
    if isinstance(exclude_tool_calls, str):
        raise TypeError(
            f"filter_messages(exclude_tool_calls={exclude_tool_calls!r}): pass True or a list "
            f"of tool-call ids, e.g. exclude_tool_calls=[{exclude_tool_calls!r}]."
        )
    filtered: list[BaseMessage] = []
    for message in convert_to_messages(messages):
        if (
            (exclude_names and message.name in exclude_names)
            or (exclude_types and is_message_type(message, exclude_types))
            or (exclude_ids and message.id in exclude_ids)
        ):
            continue
        if exclude_tool_calls is True and (
            (isinstance(message, AIMessage) and message.tool_calls)
            or isinstance(message, ToolMessage)
        ):
            continue
        if exclude_tool_calls and exclude_tool_calls is not True:
            if isinstance(message, AIMessage) and message.tool_calls:
                kept = _without_tool_calls(message, exclude_tool_calls)
                if kept is None:
                    continue
                message = kept
            elif isinstance(message, ToolMessage) and message.tool_call_id in exclude_tool_calls:
                continue
        if (
            not (include_types or include_ids or include_names)
            or (include_names and message.name in include_names)
            or (include_types and is_message_type(message, include_types))
            or (include_ids and message.id in include_ids)
        ):
            filtered.append(message)
    return filtered


# Each message class's chunk class: every class has entered MESSAGE_TYPES by now (this
# module imports _ai, _tool and, through _convert, _simple).
_CHUNK_CLASSES: dict[type[BaseMessage], type[BaseMessageChunk]] = {
    cls._message_class: cls for cls in MESSAGE_TYPES.values() if issubclass(cls, BaseMessageChunk)
}


def _as_chunk(message: BaseMessage) -> BaseMessageChunk:
    if isinstance(message, BaseMessageChunk):
        return message
    for message_class in type(message).__mro__:
        chunk_class = _CHUNK_CLASSES.get(message_class)
        if chunk_class is not None:
            return chunk_class(**message.model_dump(exclude={"type"}))
    raise TypeError(
        f"merge_message_runs() cannot merge a {type(message).__name__}: it merges human, ai, "
        "system and chat messages (and subclasses of them)."
    )


@messages_runnable
def merge_message_runs(
    messages: MessagesInput, *, chunk_separator: str = "\n"
) -> list[BaseMessage]:
    """Merge each run of consecutive messages of the same type into one message.

    Two string contents are joined with `chunk_separator`; if either is a list of parts
    the result is a list. Tool calls add up; the first message's id is kept. Tool messages
    are never merged (each answers its own tool call).

    Example:
        ```python
        merge_message_runs([HumanMessage("a"), HumanMessage("b")])  # [HumanMessage('a\\nb')]
        ```
    """
    merged: list[BaseMessage] = []
    for message in convert_to_messages(messages):
        last = merged[-1] if merged else None
        if last is None or isinstance(message, ToolMessage) or not isinstance(message, type(last)):
            merged.append(message)
            continue
        head = _as_chunk(last)
        tail = _as_chunk(message)
        if tail.response_metadata:
            tail = tail.model_copy(update={"response_metadata": {}})
        if (
            isinstance(head.content, str)
            and isinstance(tail.content, str)
            and head.content
            and tail.content
        ):
            head = head.model_copy(update={"content": head.content + chunk_separator})
        result = (head + tail).to_message()
        if not isinstance(result, AIMessage) and result.id != last.id:
            # LangChain keeps the first message's id (even None) except for AI messages,
            # whose ids merge as streamed chunks' do.
            result = result.model_copy(update={"id": last.id})
        merged[-1] = result
    return merged
