"""What fake chat models are scripted with and what they record: the script types, the
call log (`ChatModelCall`), what a reply function sees (`CallInfo`) and token estimates."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel

from pipes._errors import PipesError
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata

__all__ = ["CallInfo", "ChatModelCall", "Chunking", "ScriptExhaustedError", "ScriptedResponse"]

ScriptedResponse: TypeAlias = (
    str
    | AIMessage
    | BaseModel
    | dict[str, Any]
    | BaseException
    | type[BaseException]
    | list[str | AIMessageChunk | BaseException]
)
"""What a [`FakeChatModel`][pipes.testing.FakeChatModel] response (or a
[`FunctionChatModel`][pipes.testing.FunctionChatModel] reply) may be."""

Chunking: TypeAlias = Literal["words", "whitespace", "chars"] | int | None
"""How reply text is cut into stream chunks: `"words"` (`"Hello", " world"`),
`"whitespace"` (LangChain's `GenericFakeChatModel`: `"Hello", " ", "world"`), `"chars"`,
an int (that many characters per chunk) or `None` (one chunk)."""

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

    # A pickled fake (sent to a worker process) keeps its script position and call log; the
    # lock is made anew there.
    def __getstate__(self) -> tuple[list[ChatModelCall], int]:
        return self.calls, self.position

    def __setstate__(self, state: tuple[list[ChatModelCall], int]) -> None:
        self.calls, self.position = state
        self.lock = threading.Lock()


class ScriptExhaustedError(PipesError, IndexError):
    """A [`FakeChatModel`][pipes.testing.FakeChatModel] was called more often than it has
    scripted responses."""


class _OffersTools:
    """`tools`, read from the call's `kwargs` (what `bind_tools` added)."""

    __slots__ = ()
    kwargs: dict[str, Any]

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools offered (OpenAI format), `[]` when none were bound."""
        return list(self.kwargs.get("tools") or [])


@dataclass(slots=True)
class ChatModelCall(_OffersTools):
    """One call that reached a fake model: what it was sent.

    `kind` is `"generate"` or `"stream"`; `is_async` tells which API was used.
    """

    messages: list[BaseMessage]
    stop: list[str] | None
    kwargs: dict[str, Any]
    kind: Literal["generate", "stream"]
    is_async: bool

    @property
    def tool_choice(self) -> Any:
        """The `tool_choice` of the call (`None` when not given)."""
        return self.kwargs.get("tool_choice")

    @property
    def last_text(self) -> str:
        """The text of the last message sent (usually the user's question)."""
        return self.messages[-1].text if self.messages else ""


class CallInfo(_OffersTools):
    """What a [`FunctionChatModel`][pipes.testing.FunctionChatModel] function learns about the call
    besides the messages.

    `stop`, the call `kwargs` (what `bind`/`bind_tools` added included) and `index`
    (how many calls the model received before this one); `tools`, `tool_choice`,
    `response_format` and `forced_tool` are read from `kwargs`.
    """

    __slots__ = ("index", "kwargs", "stop")

    def __init__(self, stop: list[str] | None, kwargs: dict[str, Any], index: int = 0) -> None:
        self.stop = stop
        self.kwargs = kwargs
        self.index = index

    def __repr__(self) -> str:
        return f"CallInfo(stop={self.stop!r}, kwargs={self.kwargs!r}, index={self.index})"

    @property
    def tool_choice(self) -> Any:
        """The call's `tool_choice` (`None` when not given)."""
        return self.kwargs.get("tool_choice")

    @property
    def response_format(self) -> Any:
        """The call's `response_format` (`None` when not given)."""
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
