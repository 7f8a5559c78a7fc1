"""`FunctionChatModel`: a fake chat model whose reply is computed by your function."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from pydantic import Field

from pipes._messages import BaseMessage

from ._calls import CallInfo
from ._fake_base import _FakeBase

__all__ = ["FunctionChatModel", "ReplyFunction"]

ReplyFunction: TypeAlias = Callable[[list[BaseMessage], CallInfo], Any]
"""`(messages, info) -> reply` (or an awaitable of it); see
[`FunctionChatModel`][pipes.testing.FunctionChatModel]."""


class FunctionChatModel(_FakeBase):
    """A chat model whose reply is computed by your function (pydantic-ai's `FunctionModel`).

    `func(messages, info)` returns anything a [`FakeChatModel`][pipes.testing.FakeChatModel]
    response may be (a string, an `AIMessage`, structured data, a list of stream chunks) or raises.
    It may be `async`; the async API then awaits it on the event loop, and the sync API runs it with
    `asyncio.run`. `info` carries `stop`, the call `kwargs`, the bound `tools`,
    `tool_choice`, `response_format` and the call `index`.

    Example:
        ```python
        def reply(messages: list[BaseMessage], info: CallInfo) -> str | AIMessage:
            if info.tools and not any(m.type == "tool" for m in messages):
                return AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2},
                                                  "id": "c1"}])
            return f"You said: {messages[-1].text}"

        model = FunctionChatModel(reply)
        ```
    """

    func: Callable[..., Any] = Field(exclude=True)
    """The reply function `(messages, info) -> reply`."""

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
