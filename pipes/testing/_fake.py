"""Fake chat models for tests: scripted replies (:class:`FakeChatModel`) or a function
computing them (:class:`FunctionChatModel`), in the spirit of pydantic-ai's ``TestModel`` and
``FunctionModel``.

Both are real :class:`~pipes.BaseChatModel` providers with native sync *and* async paths
(nothing is pushed to a thread), stream token by token, report usage, accept
``bind_tools`` and ``with_structured_output``, and record every call in ``.calls``::

    model = FakeChatModel(responses=["Hello world", ValueError("rate limited")])
    assert model.invoke("hi").content == "Hello world"
    assert model.calls[0].messages == [HumanMessage("hi")]
    with pytest.raises(ValueError):
        model.invoke("again")

A scripted response is one of:

* ``str`` — the reply text;
* an ``AIMessage`` — returned as is (tool calls, ids and metadata included);
* a pydantic instance or a ``dict`` — structured data: it becomes a call of the forced (or
  only) bound tool, or JSON text when no tool is bound;
* an exception instance or class — raised when its turn comes (the call is still recorded);
* a list of ``str`` / ``AIMessageChunk`` / exceptions — the exact stream chunks; an exception
  in the list is raised mid-stream after the chunks before it were yielded.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pipes._core import Runnable
from pipes._errors import PipesError
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    UsageMetadata,
    tool_call_chunk,
)
from pipes._models import BaseChatModel, LanguageModelInput
from pipes._tools import ToolLike, convert_to_openai_tool
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, Field

from ._schema_data import synthesize

__all__ = [
    "CallInfo",
    "ChatModelCall",
    "Chunking",
    "FakeChatModel",
    "FakeListChatModel",
    "FakeMessagesListChatModel",
    "FunctionChatModel",
    "GenericFakeChatModel",
    "ScriptExhaustedError",
    "ScriptedResponse",
]

ScriptedResponse: TypeAlias = (
    str
    | AIMessage
    | BaseModel
    | dict[str, Any]
    | BaseException
    | type[BaseException]
    | list[str | AIMessageChunk | BaseException]
)
"""What a :class:`FakeChatModel` response (or a :class:`FunctionChatModel` reply) may be."""

Chunking: TypeAlias = Literal["words", "whitespace", "chars"] | int | None
"""How reply text is cut into stream chunks: ``"words"`` (``"Hello", " world"``),
``"whitespace"`` (LangChain's ``GenericFakeChatModel``: ``"Hello", " ", "world"``), ``"chars"``,
an int (that many characters per chunk) or ``None`` (one chunk)."""

_WORDS = re.compile(r"\s*\S+|\s+")
_WHITESPACE = re.compile(r"(\s)")
_NOT_FORCING = frozenset({"auto", "none"})


class _FakeState:
    __slots__ = ("calls", "lock", "position")

    def __init__(self) -> None:
        self.calls: list[ChatModelCall] = []
        self.lock = threading.Lock()
        self.position = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> _FakeState:
        # A deep copy of a fake (copy.deepcopy, model_copy(deep=True)) gets its own script
        # position and call log; the lock is never copied.
        clone = _FakeState()
        clone.calls = list(self.calls)
        clone.position = self.position
        return clone


class ScriptExhaustedError(PipesError, IndexError):
    """A :class:`FakeChatModel` was called more often than it has scripted responses."""


@dataclass(slots=True)
class ChatModelCall:
    """One call that reached a fake model: what it was sent.

    ``kind`` is ``"generate"`` or ``"stream"``; ``is_async`` tells which API was used.
    """

    messages: list[BaseMessage]
    stop: list[str] | None
    kwargs: dict[str, Any]
    kind: Literal["generate", "stream"]
    is_async: bool

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered (OpenAI format), ``[]`` when none were bound."""
        return list(self.kwargs.get("tools") or [])

    @property
    def tool_choice(self) -> Any:
        """The ``tool_choice`` of the call (``None`` when not given)."""
        return self.kwargs.get("tool_choice")

    @property
    def last_text(self) -> str:
        """The text of the last message sent (usually the user's question)."""
        return self.messages[-1].text if self.messages else ""


class CallInfo:
    """What a :class:`FunctionChatModel` function learns about the call besides the messages.

    ``stop``, the call ``kwargs`` (what ``bind``/``bind_tools`` added included) and ``index``
    (how many calls the model received before this one); ``tools``, ``tool_choice``,
    ``response_format`` and ``forced_tool`` are read from ``kwargs``.
    """

    __slots__ = ("index", "kwargs", "stop")

    def __init__(self, stop: list[str] | None, kwargs: dict[str, Any], index: int = 0) -> None:
        self.stop = stop
        self.kwargs = kwargs
        self.index = index

    def __repr__(self) -> str:
        return f"CallInfo(stop={self.stop!r}, kwargs={self.kwargs!r}, index={self.index})"

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered (OpenAI format), ``[]`` when none were bound."""
        return list(self.kwargs.get("tools") or [])

    @property
    def tool_choice(self) -> Any:
        """The call's ``tool_choice`` (``None`` when not given)."""
        return self.kwargs.get("tool_choice")

    @property
    def response_format(self) -> Any:
        """The call's ``response_format`` (``None`` when not given)."""
        return self.kwargs.get("response_format")

    @property
    def forced_tool(self) -> dict[str, Any] | None:
        """The tool (OpenAI format) the model must call, if the call forces one."""
        return _forced_tool(self.tools, self.tool_choice)


def _tool_name(tool: dict[str, Any]) -> str | None:
    function = tool.get("function")
    if isinstance(function, dict):
        name = function.get("name")
        return name if isinstance(name, str) else None
    return None


def _forced_tool(tools: list[dict[str, Any]], choice: Any) -> dict[str, Any] | None:
    if not tools or choice is None or choice is False or choice in _NOT_FORCING:
        return None
    if isinstance(choice, dict):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else choice.get("name")
    elif isinstance(choice, str) and choice not in ("any", "required"):
        name = choice
    else:  # True, "any", "required": some tool must be called; take the first
        return tools[0]
    return next((t for t in tools if _tool_name(t) == name), None)


def _estimate_tokens(text: str) -> int:
    # Whitespace-separated words: deterministic and cheap; real tokenizers differ anyway.
    return len(text.split())


def _count_tokens(messages: Iterable[BaseMessage]) -> int:
    total = 0
    for message in messages:
        content = message.content
        total += len((content if type(content) is str else message.text).split())
    return total


def _usage(n_in: int, n_out: int) -> UsageMetadata:
    n_out = max(1, n_out)
    return {"input_tokens": n_in, "output_tokens": n_out, "total_tokens": n_in + n_out}


class _FakeBase(BaseChatModel):
    """Shared machinery: reply normalization, chunking, usage synthesis, call recording."""

    chunking: Chunking = "words"
    """How reply text is streamed (see :data:`Chunking`)."""
    synthesize_usage: bool = True
    """Add ``usage_metadata`` (whitespace-token counts) to replies that have none."""

    def model_post_init(self, context: Any, /) -> None:
        # Mutable state lives in one plain object stored straight in __dict__: pydantic
        # private attributes go through a slow __getattr__ on every access (hot path), and
        # copies (model_copy, with_name) share the script and the recorded calls.
        object.__setattr__(self, "_fake_state", _FakeState())

    @property
    def _state(self) -> _FakeState:
        state: _FakeState = self.__dict__["_fake_state"]
        return state

    @property
    def provider_name(self) -> str:
        return "fake"

    @property
    def calls(self) -> list[ChatModelCall]:
        """Every call that reached the model, in order (cache hits never do)."""
        return self._state.calls

    @property
    def last_call(self) -> ChatModelCall:
        """The most recent call; ``IndexError`` with a clear message if there was none."""
        calls = self._state.calls
        if not calls:
            raise IndexError(f"{type(self).__name__} has not been called yet")
        return calls[-1]

    def reset(self) -> None:
        """Forget recorded calls (a :class:`FakeChatModel` also restarts its script)."""
        state = self._state
        with state.lock:
            state.calls.clear()

    # -- tools --------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` (converted to OpenAI format, as a real provider would).

        ``tool_choice``: ``"auto"``/``"none"``/``None``, ``"required"``/``"any"``/``True``
        (call some tool), a tool name or ``{"type": "function", "function": {"name": ...}}``.
        """
        converted = [convert_to_openai_tool(t, strict=strict) for t in tools]
        names = [n for n in (_tool_name(t) for t in converted) if n]
        if (
            isinstance(tool_choice, str)
            and tool_choice
            not in (
                *_NOT_FORCING,
                "any",
                "required",
            )
            and tool_choice not in names
        ):
            raise ValueError(
                f"tool_choice={tool_choice!r} names no bound tool; bound tools: "
                f"{', '.join(names) or '(none)'}. Pass one of those names, 'auto', "
                "'required' or 'none'."
            )
        bound: dict[str, Any] = {"tools": converted, **kwargs}
        if tool_choice is not None:
            bound["tool_choice"] = tool_choice
        return self.bind(**bound)

    # -- turning a reply into a message / chunks ---------------------------------------

    def _record(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        kind: Literal["generate", "stream"],
        is_async: bool,
    ) -> tuple[int, CallInfo]:
        call = ChatModelCall(list(messages), stop, dict(kwargs), kind, is_async)
        state = self._state
        with state.lock:
            index = len(state.calls)
            state.calls.append(call)
        info = CallInfo(stop, call.kwargs, index)
        return index, info

    def _structured(self, data: Any, info: CallInfo) -> AIMessage:
        args = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
        tool = info.forced_tool
        if tool is None and info.tools and info.tool_choice not in ("none", False):
            by_class = (
                next((t for t in info.tools if _tool_name(t) == type(data).__name__), None)
                if isinstance(data, BaseModel)
                else None
            )
            tool = by_class or (info.tools[0] if len(info.tools) == 1 else None)
        if tool is not None:
            name = _tool_name(tool) or "tool"
            return AIMessage(
                "", tool_calls=[{"name": name, "args": args, "id": f"call_{info.index}_0"}]
            )
        return AIMessage(json.dumps(args))

    def _auto(self, messages: list[BaseMessage], info: CallInfo) -> AIMessage:
        """The reply when nothing is scripted: valid structured data if asked for, else text."""
        tool = info.forced_tool
        if tool is not None:
            schema = tool["function"].get("parameters") or {"type": "object"}
            return self._structured(synthesize(schema), info)
        fmt = info.response_format
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
            return AIMessage(json.dumps(synthesize(schema)))
        if isinstance(fmt, dict) and fmt.get("type") == "json_object":
            return AIMessage("{}")
        return AIMessage(self._auto_text(messages))

    def _auto_text(self, messages: list[BaseMessage]) -> str:
        return "fake response"

    def _to_reply(
        self, raw: Any, messages: list[BaseMessage], info: CallInfo
    ) -> AIMessage | list[AIMessageChunk | BaseException]:
        if isinstance(raw, BaseException):
            raise raw
        if isinstance(raw, type) and issubclass(raw, BaseException):
            raise raw(f"scripted error from {type(self).__name__}")
        if isinstance(raw, str):
            # The hot path: a str is valid content, so build without validation, usage included.
            fields: dict[str, Any] = {"content": raw}
            if self.synthesize_usage:
                fields["usage_metadata"] = _usage(_count_tokens(messages), _estimate_tokens(raw))
            return AIMessage._fast(fields)
        if isinstance(raw, AIMessage):
            return raw.model_copy(deep=True)
        if isinstance(raw, BaseModel | dict):
            return self._structured(raw, info)
        if isinstance(raw, list):
            out: list[AIMessageChunk | BaseException] = []
            for item in raw:
                if isinstance(item, str):
                    out.append(AIMessageChunk(item))
                elif isinstance(item, AIMessageChunk | BaseException):
                    out.append(item)
                else:
                    raise TypeError(_bad_response(self, item, "a stream-chunk list item"))
            return out
        raise TypeError(_bad_response(self, raw, "a response"))

    def _finish(self, message: AIMessage, messages: list[BaseMessage]) -> AIMessage:
        updates: dict[str, Any] = {}
        if message.usage_metadata is None and self.synthesize_usage:
            updates["usage_metadata"] = self._usage(messages, message)
        if not updates:
            return message
        fields = {k: v for k, v in message.__dict__.items() if k != "type"}
        fields.update(updates)
        return type(message)._fast(fields)

    def _usage(self, messages: list[BaseMessage], reply: AIMessage) -> UsageMetadata:
        out_text = reply.text + "".join(json.dumps(c["args"]) for c in reply.tool_calls)
        return _usage(_count_tokens(messages), _estimate_tokens(out_text))

    def _pieces(self, text: str) -> list[str]:
        chunking = self.chunking
        if not text:
            return []
        if chunking is None:
            return [text]
        if chunking == "words":
            return _WORDS.findall(text)
        if chunking == "chars":
            return list(text)
        if chunking == "whitespace":
            return [piece for piece in _WHITESPACE.split(text) if piece]
        size = int(chunking)
        if size <= 0:
            raise ValueError(
                f"chunking must be a positive int, 'words', 'chars' or None; got {size}"
            )
        return [text[i : i + size] for i in range(0, len(text), size)]

    def _chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        """Cut a finished message into chunks that fold back into it.

        A generator, so a 10k-chunk stream never holds all its chunks at once.
        """
        head: dict[str, Any] = {}
        if message.id is not None:
            head["id"] = message.id
        if message.name is not None:
            head["name"] = message.name
        first = True
        for chunk in self._raw_chunks(message):
            if first and head:
                # The id and name travel on the first chunk, as providers send them.
                chunk = chunk.model_copy(update=head)
            first = False
            yield chunk

    def _raw_chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        content = message.content
        produced = False
        if isinstance(content, str):
            # Pieces of a str are valid content: build without validation (10k-chunk streams).
            fast = AIMessageChunk._fast
            for piece in self._pieces(content):
                produced = True
                yield fast({"content": piece})
        elif content:
            produced = True
            yield AIMessageChunk(content)
        for i, call in enumerate(message.tool_calls):
            args = json.dumps(call["args"])
            half = len(args) // 2
            head = tool_call_chunk(name=call["name"], args=args[:half], id=call["id"], index=i)
            produced = True
            yield AIMessageChunk(tool_call_chunks=[head])
            yield AIMessageChunk(tool_call_chunks=[tool_call_chunk(args=args[half:], index=i)])
        offset = len(message.tool_calls)
        for j, bad in enumerate(message.invalid_tool_calls, start=offset):
            raw = tool_call_chunk(name=bad["name"], args=bad["args"], id=bad["id"], index=j)
            produced = True
            yield AIMessageChunk(tool_call_chunks=[raw])
        last: dict[str, Any] = {}
        if message.usage_metadata is not None:
            last["usage_metadata"] = message.usage_metadata
        if message.response_metadata:
            last["response_metadata"] = message.response_metadata
        if message.additional_kwargs:
            last["additional_kwargs"] = message.additional_kwargs
        if last or not produced:
            yield AIMessageChunk(**last)

    def _scripted_chunks(
        self, items: list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> Iterator[AIMessageChunk]:
        yielded: list[AIMessageChunk] = []
        for item in items:
            if isinstance(item, BaseException):
                raise item
            yielded.append(item)
            yield item
        if not yielded:
            raise ValueError(f"{type(self).__name__}: a scripted chunk list must not be empty")
        folded = AIMessageChunk.merge_chunks(yielded).to_message()
        final = self._finish(folded, messages)
        if final is not folded:
            # Usage the script left out arrives in one extra, empty chunk (as OpenAI sends it).
            yield AIMessageChunk(usage_metadata=final.usage_metadata)

    def _as_message(
        self, reply: AIMessage | list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> AIMessage:
        if isinstance(reply, list):
            return AIMessageChunk.merge_chunks(
                list(self._scripted_chunks(reply, messages))
            ).to_message()
        return self._finish(reply, messages)

    def _as_chunks(
        self, reply: AIMessage | list[AIMessageChunk | BaseException], messages: list[BaseMessage]
    ) -> Iterator[AIMessageChunk]:
        if isinstance(reply, list):
            return self._scripted_chunks(reply, messages)
        return self._chunks(self._finish(reply, messages))

    # -- what subclasses provide ---------------------------------------------------------

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        raise NotImplementedError

    async def _areply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        return self._reply(messages, info)

    # -- the provider contract -----------------------------------------------------------

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        _, info = self._record(messages, stop, kwargs, "generate", False)
        raw = self._reply(messages, info)
        return self._as_message(self._to_reply(raw, messages, info), messages)

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        _, info = self._record(messages, stop, kwargs, "generate", True)
        raw = await self._areply(messages, info)
        return self._as_message(self._to_reply(raw, messages, info), messages)

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        _, info = self._record(messages, stop, kwargs, "stream", False)
        raw = self._reply(messages, info)
        yield from self._as_chunks(self._to_reply(raw, messages, info), messages)

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        _, info = self._record(messages, stop, kwargs, "stream", True)
        raw = await self._areply(messages, info)
        for chunk in self._as_chunks(self._to_reply(raw, messages, info), messages):
            yield chunk


def _bad_response(model: BaseChatModel, value: Any, what: str) -> str:
    return (
        f"{type(model).__name__}: {what} must be a str, an AIMessage, a pydantic instance or "
        f"dict (structured data), an exception, or a list of str/AIMessageChunk/exception "
        f"stream chunks; got {type(value).__name__}: {value!r}"
    )


class FakeChatModel(_FakeBase):
    """A chat model that replies from a script, for tests. No network, no threads.

    ``responses`` are used in order (see the module docstring for what each may be); when
    they run out the model raises :class:`ScriptExhaustedError` — or starts over with
    ``cycle=True``. With no ``responses`` at all it answers ``auto_text`` (``"fake
    response"``), and a valid synthesized value for forced tool calls and structured output.

    Example::

        model = FakeChatModel(responses=["Bonjour", AIMessage("", tool_calls=[...])])
        chain = prompt | model | StrOutputParser()
        assert chain.invoke({"text": "Hello"}) == "Bonjour"
        assert "Hello" in model.calls[0].last_text

        person = FakeChatModel().with_structured_output(Person).invoke("x")  # a valid Person
    """

    responses: list[Any] = Field(default_factory=list)
    """The scripted responses (:data:`ScriptedResponse`), used in order."""
    cycle: bool = False
    """Start over at the first response when the script runs out (LangChain's behaviour)."""
    auto_text: str = "fake response"
    """The reply text when no ``responses`` were given."""

    def reset(self) -> None:
        """Forget recorded calls and restart the script from its first response."""
        state = self._state
        with state.lock:
            state.calls.clear()
            state.position = 0

    def _auto_text(self, messages: list[BaseMessage]) -> str:
        return self.auto_text

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        responses = self.responses
        if not responses:
            return self._auto(messages, info)
        state = self._state
        with state.lock:
            position = state.position
            if position >= len(responses):
                if not self.cycle:
                    raise ScriptExhaustedError(
                        f"{type(self).__name__} ran out of scripted responses: it was given "
                        f"{len(responses)} and this is call {position + 1}. Add responses, "
                        "pass cycle=True to repeat them, or check for an unexpected extra call "
                        f"(last input: {_last_text(messages)!r})."
                    )
                position = 0
            state.position = position + 1
        return responses[position]


def _last_text(messages: list[BaseMessage]) -> str:
    text = messages[-1].text if messages else ""
    return text if len(text) <= 60 else text[:57] + "..."


class FakeListChatModel(FakeChatModel):
    """LangChain's ``FakeListChatModel``: cycles through ``responses``, streams per character,
    adds no usage. (LangChain's ``sleep`` option is left out: tests do not sleep.)

    Example::

        model = FakeListChatModel(responses=["a", "b"])
        [model.invoke("x").content for _ in range(3)]  # ['a', 'b', 'a']
    """

    cycle: bool = True
    chunking: Chunking = "chars"
    synthesize_usage: bool = False


class FakeMessagesListChatModel(FakeChatModel):
    """LangChain's ``FakeMessagesListChatModel``: cycles through ``responses`` (messages).

    Example::

        model = FakeMessagesListChatModel(responses=[AIMessage("hi")])
    """

    cycle: bool = True
    synthesize_usage: bool = False


class GenericFakeChatModel(FakeChatModel):
    """LangChain's ``GenericFakeChatModel``: replies are drawn from the iterator ``messages``
    and stream split on whitespace (``"Hello", " ", "world"``), with no usage added.

    When the iterator is exhausted the model raises :class:`ScriptExhaustedError`.

    Example::

        model = GenericFakeChatModel(messages=iter(["hello world", AIMessage("bye")]))
        [c.content for c in model.stream("x")]  # ['hello', ' ', 'world']
    """

    messages: Iterator[Any] = Field(exclude=True)
    """The replies (anything a :data:`ScriptedResponse` may be), consumed one per call."""
    chunking: Chunking = "whitespace"
    synthesize_usage: bool = False

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        with self._state.lock:  # a shared iterator must not be advanced by two threads at once
            try:
                return next(self.messages)
            except StopIteration:
                raise ScriptExhaustedError(
                    f"{type(self).__name__}: the `messages` iterator is exhausted after "
                    f"{info.index} call(s); give it more replies (last input: "
                    f"{_last_text(messages)!r})."
                ) from None


ReplyFunction: TypeAlias = Callable[[list[BaseMessage], CallInfo], Any]
"""``(messages, info) -> reply`` (or an awaitable of it); see :class:`FunctionChatModel`."""


class FunctionChatModel(_FakeBase):
    """A chat model whose reply is computed by your function (pydantic-ai's ``FunctionModel``).

    ``func(messages, info)`` returns anything a :class:`FakeChatModel` response may be (a
    string, an ``AIMessage``, structured data, a list of stream chunks) or raises. It may be
    ``async``; the async API then awaits it on the event loop, and the sync API runs it with
    ``asyncio.run``. ``info`` carries ``stop``, the call ``kwargs``, the bound ``tools``,
    ``tool_choice``, ``response_format`` and the call ``index``.

    Example::

        def reply(messages: list[BaseMessage], info: CallInfo) -> str | AIMessage:
            if info.tools and not any(m.type == "tool" for m in messages):
                return AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2},
                                                  "id": "c1"}])
            return f"You said: {messages[-1].text}"

        model = FunctionChatModel(reply)
    """

    func: Callable[..., Any] = Field(exclude=True)
    """The reply function ``(messages, info) -> reply``."""

    def __init__(self, func: ReplyFunction | None = None, /, **data: Any) -> None:
        if func is not None:
            if "func" in data:
                raise TypeError("FunctionChatModel() got func both positionally and as func=")
            data["func"] = func
        if "func" not in data or not callable(data["func"]):
            raise TypeError(
                "FunctionChatModel needs a reply function: FunctionChatModel(func) with "
                "func(messages: list[BaseMessage], info: CallInfo) -> str | AIMessage | ..."
            )
        super().__init__(**data)

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        result = self.func(list(messages), info)
        if inspect.isawaitable(result):
            return asyncio.run(_await(result))
        return result

    async def _areply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        result = self.func(list(messages), info)
        if inspect.isawaitable(result):
            return await result
        return result


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
