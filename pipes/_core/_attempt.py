"""Runnables that try again: `with_retry` (the same runnable, after a wait) and
`with_fallbacks` (the next runnable). Both are an `Attempting` runnable.

A policy is one generator, without I/O: `_attempts(input)` yields `Attempt` scopes
(which runnable, which input, how long to wait first) until one succeeds, and raises when it
gives up. The four methods are written once, here: each runs an attempt inside
`with attempt:`, the sync and async ones differing only in calling (or awaiting) and in
sleeping (or awaiting a sleep).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic

from typing_extensions import TypeVar

from ._config import RunnableConfig
from ._runnable import Runnable

__all__: list[str] = []

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # lazily: `import pipes` should not pay for asyncio

    await asyncio.sleep(seconds)


# Module-level so tests (and users with their own clocks) can replace the waiting.
_sleep: Callable[[float], None] = time.sleep
_asleep: Callable[[float], Awaitable[None]] = _asyncio_sleep


class Attempt(Generic[In, Out]):
    """One try: `with attempt:` keeps a failure that `recover` accepts (in `error`; the
    policy then tries again) and lets any other through. A stream that has yielded something
    (`started`) is never recovered: a partial stream cannot be taken back."""

    __slots__ = ("error", "input", "number", "recover", "runnable", "started", "wait")

    def __init__(
        self,
        runnable: Runnable[In, Out],
        input: In,
        number: int,
        recover: Callable[[Exception, int], bool],
        wait: float = 0.0,
    ) -> None:
        self.runnable = runnable
        self.input = input
        self.number = number
        self.recover = recover
        self.wait = wait  # seconds to wait before this attempt
        self.started = False
        self.error: Exception | None = None

    def __enter__(self) -> Attempt[In, Out]:
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> bool:
        if not isinstance(error, Exception) or self.started:
            return False
        if not self.recover(error, self.number):
            return False
        self.error = error
        return True


class Attempting(Runnable[In, Out]):
    """A runnable that runs its `_attempts(input)` until one succeeds."""

    def _attempts(self, input: In) -> Iterator[Attempt[In, Out]]:
        raise NotImplementedError

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        for attempt in self._attempts(input):
            if attempt.wait:
                _sleep(attempt.wait)
            with attempt:
                return attempt.runnable.invoke(attempt.input, config, **kwargs)
        raise AssertionError("unreachable: _attempts() ends by raising")

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        for attempt in self._attempts(input):
            if attempt.wait:
                await _asleep(attempt.wait)
            with attempt:
                return await attempt.runnable.ainvoke(attempt.input, config, **kwargs)
        raise AssertionError("unreachable: _attempts() ends by raising")

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        for attempt in self._attempts(input):
            if attempt.wait:
                _sleep(attempt.wait)
            with attempt:
                for chunk in attempt.runnable.stream(attempt.input, config, **kwargs):
                    attempt.started = True
                    yield chunk
                return

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        for attempt in self._attempts(input):
            if attempt.wait:
                await _asleep(attempt.wait)
            with attempt:
                async for chunk in attempt.runnable.astream(attempt.input, config, **kwargs):
                    attempt.started = True
                    yield chunk
                return
