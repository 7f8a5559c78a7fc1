"""`RunnableWithMessageHistory`: a runnable that reads and extends a stored conversation.

Each call looks up the conversation from `config["configurable"]` (by `session_id` unless
`history_factory_config` names other keys), hands the runnable the history together with
the new input, and appends the new input and output messages once the run has finished —
for a stream, when it ends, with the merged output.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

from pipes._core import Runnable, RunnableConfig, coerce_to_runnable, ensure_config, merge_chunks
from pipes._errors import ConfigurationError, InputTypeError
from pipes._messages import (
    AIMessage,
    BaseMessage,
    BaseMessageChunk,
    HumanMessage,
    convert_to_messages,
)

from ._base import BaseChatMessageHistory

__all__ = ["RunnableWithMessageHistory"]


class _SessionKey:
    """The default `history_factory_config`: one `session_id` key."""

    id = "session_id"
    default: Any = None


class _Call:
    """One run: its history, the runnable's input and the new input messages to save."""

    __slots__ = ("history", "input", "new_messages")

    def __init__(self, history: BaseChatMessageHistory, input: Any, new: list[BaseMessage]):
        self.history = history
        self.input = input
        self.new_messages = new


class RunnableWithMessageHistory(Runnable[Any, Any]):
    """Give a runnable the conversation so far and record each exchange in it.

    `get_session_history(session_id)` returns a
    [`BaseChatMessageHistory`][pipes.BaseChatMessageHistory]; the session is chosen per call
    with `config={"configurable": {"session_id": "..."}}`. The input's messages are those of
    `input_messages_key` (a string, a message or a list); the history goes under
    `history_messages_key`, or, without one, before the input messages. The output's
    messages are those of `output_messages_key` (or the output itself). Streams save the
    exchange once they end.

    Example:
        ```python
        store: dict[str, InMemoryChatMessageHistory] = {}

        def get_session_history(session_id: str) -> BaseChatMessageHistory:
            return store.setdefault(session_id, InMemoryChatMessageHistory())

        prompt = ChatPromptTemplate.from_messages(
            [("system", "You are terse."), MessagesPlaceholder("history"), ("human", "{question}")]
        )
        chat = RunnableWithMessageHistory(
            prompt | model,
            get_session_history,
            input_messages_key="question",
            history_messages_key="history",
        )
        chat.invoke({"question": "hi"}, config={"configurable": {"session_id": "abc"}})
        ```

    Other keys (say a user and a conversation id) are declared with `history_factory_config`,
    a list of specs with an `id` each (LangChain's `ConfigurableFieldSpec`);
    `get_session_history` then takes them as keyword arguments.
    """

    def __init__(
        self,
        runnable: Runnable[Any, Any] | Callable[..., Any],
        get_session_history: Callable[..., BaseChatMessageHistory],
        *,
        input_messages_key: str | None = None,
        output_messages_key: str | None = None,
        history_messages_key: str | None = None,
        history_factory_config: Sequence[Any] | None = None,
    ) -> None:
        if not callable(get_session_history):
            raise TypeError(
                "RunnableWithMessageHistory(get_session_history=...) needs a function returning "
                f"a chat message history, got {type(get_session_history).__name__}; e.g. "
                "lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory())."
            )
        self.runnable = coerce_to_runnable(runnable, position="the wrapped runnable")
        self.get_session_history = get_session_history
        self.input_messages_key = input_messages_key
        self.output_messages_key = output_messages_key
        self.history_messages_key = history_messages_key
        self.history_factory_config: list[Any] = list(history_factory_config or [_SessionKey()])
        for spec in self.history_factory_config:
            if not isinstance(getattr(spec, "id", None), str):
                raise TypeError(
                    "history_factory_config takes specs with a string `id` (the config key), "
                    f"e.g. ConfigurableFieldSpec(id='user_id', annotation=str); got {spec!r}."
                )
        self._keys = [spec.id for spec in self.history_factory_config]
        self._by_keyword = self._check_factory()

    def _check_factory(self) -> bool:
        """Whether `get_session_history` takes the keys by name (else one positional value)."""
        try:
            parameters = inspect.signature(self.get_session_history).parameters
        except (TypeError, ValueError):  # a builtin or C callable: pass by position
            return False
        if len(self._keys) == 1:
            return self._keys[0] in parameters
        if set(self._keys) - set(parameters):
            raise TypeError(
                f"get_session_history takes {list(parameters)} but history_factory_config "
                f"declares the keys {self._keys}; name its parameters after the keys, e.g. "
                f"def get_session_history({', '.join(self._keys)}): ..."
            )
        return True

    def get_name(self, suffix: str | None = None) -> str:
        name = self.name or f"RunnableWithMessageHistory<{self.runnable.get_name()}>"
        return f"{name}{suffix}" if suffix else name

    def __repr__(self) -> str:
        return f"RunnableWithMessageHistory({self.runnable!r})"

    # -- the shared core --------------------------------------------------------------

    def _history(self, config: RunnableConfig) -> BaseChatMessageHistory:
        configurable = config.get("configurable") or {}
        missing = [key for key in self._keys if key not in configurable]
        if missing:
            example = {"configurable": dict.fromkeys(missing, "[your-value-here]")}
            raise ConfigurationError(
                f"Missing keys {sorted(missing)} in config['configurable']; expected keys "
                f"are {sorted(self._keys)}. Pass them with the call, e.g. "
                f"chain.invoke(input, {example!r})."
            )
        values = {key: configurable[key] for key in self._keys}
        if self._by_keyword:
            history = self.get_session_history(**values)
        else:
            history = self.get_session_history(*values.values())
        if not isinstance(history, BaseChatMessageHistory):
            raise TypeError(
                f"get_session_history returned {type(history).__name__}; it must return a "
                "BaseChatMessageHistory such as InMemoryChatMessageHistory()."
            )
        return history

    def _input_messages(self, input: Any) -> list[BaseMessage]:
        value = _messages_part(input, self.input_messages_key, "input", "the new message(s)")
        if isinstance(value, str):
            return [HumanMessage(value)]
        if isinstance(value, BaseMessage):
            return [value]
        if isinstance(value, list | tuple):
            if len(value) == 1 and isinstance(value[0], list):
                value = value[0]  # a batch of one conversation, as chat models take it
            return convert_to_messages(value)
        raise InputTypeError(
            f"RunnableWithMessageHistory cannot read messages from {type(value).__name__}: "
            "the input (or its input_messages_key) must be a string, a message or a list of "
            "messages."
        )

    def _prepare(
        self, input: Any, history: BaseChatMessageHistory, past: list[BaseMessage]
    ) -> _Call:
        new = self._input_messages(input)
        if self.history_messages_key:
            if not isinstance(input, Mapping):
                raise InputTypeError(
                    f"history_messages_key={self.history_messages_key!r} needs a dict input "
                    f"to add the history to, got {type(input).__name__}; pass e.g. "
                    f"{{{(self.input_messages_key or 'input')!r}: ...}}."
                )
            prepared: Any = {**input, self.history_messages_key: past}
        elif self.input_messages_key:
            prepared = {**input, self.input_messages_key: [*past, *new]}
        else:
            prepared = [*past, *new]
        return _Call(history, prepared, new)

    def _output_messages(self, output: Any) -> list[BaseMessage]:
        value = _messages_part(output, self.output_messages_key, "output", "the reply")
        if isinstance(value, str):
            return [AIMessage(value)]
        if isinstance(value, BaseMessage):
            return [value.to_message() if isinstance(value, BaseMessageChunk) else value]
        if isinstance(value, list | tuple):
            return convert_to_messages(value)
        raise InputTypeError(
            f"RunnableWithMessageHistory cannot save an output of type {type(value).__name__}: "
            "the runnable (or its output_messages_key) must give a string, a message or a "
            "list of messages."
        )

    def _exchange(self, call: _Call, chunks: list[Any]) -> list[BaseMessage]:
        if not chunks:
            raise InputTypeError(
                f"{self.runnable.get_name()} produced no output: nothing to save in the history."
            )
        return [*call.new_messages, *self._output_messages(merge_chunks(chunks))]

    def _start(self, input: Any, config: RunnableConfig | None) -> tuple[_Call, RunnableConfig]:
        config = ensure_config(config)
        history = self._history(config)
        return self._prepare(input, history, list(history.messages)), config

    async def _astart(
        self, input: Any, config: RunnableConfig | None
    ) -> tuple[_Call, RunnableConfig]:
        config = ensure_config(config)
        history = self._history(config)
        return self._prepare(input, history, await history.aget_messages()), config

    # -- the runnable interface (thin: every rule above is shared) ---------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        call, config = self._start(input, config)
        output = self.runnable.invoke(call.input, config, **kwargs)
        call.history.add_messages(self._exchange(call, [output]))
        return output

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        call, config = await self._astart(input, config)
        output = await self.runnable.ainvoke(call.input, config, **kwargs)
        await call.history.aadd_messages(self._exchange(call, [output]))
        return output

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        call, config = self._start(input, config)
        chunks: list[Any] = []
        for chunk in self.runnable.stream(call.input, config, **kwargs):
            chunks.append(chunk)
            yield chunk
        # Only a stream that ran to its end is recorded (an abandoned one saves nothing).
        call.history.add_messages(self._exchange(call, chunks))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        call, config = await self._astart(input, config)
        chunks: list[Any] = []
        async for chunk in self.runnable.astream(call.input, config, **kwargs):
            chunks.append(chunk)
            yield chunk
        await call.history.aadd_messages(self._exchange(call, chunks))


def _messages_part(value: Any, key: str | None, side: str, holding: str) -> Any:
    """The entry of a dict input or output that holds the messages (any other value itself).

    `key` is the configured `{side}_messages_key`; without it a dict of one entry gives that
    entry and a larger one its `side` ("input" / "output") entry, as in LangChain.
    """
    if not isinstance(value, Mapping):
        return value
    key = key or (next(iter(value)) if len(value) == 1 else side)
    if key not in value:
        raise InputTypeError(
            f"RunnableWithMessageHistory found no {key!r} in the {side} keys {sorted(value)}: "
            f"set {side}_messages_key= to the key holding {holding}."
        )
    return value[key]
