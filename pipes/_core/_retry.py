"""``with_retry``: retry failures with exponential backoff and jitter."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from typing_extensions import TypeVar

from ._attempt import Attempt
from ._config import RunnableConfig
from ._runnable import Runnable

__all__ = ["RunnableRetry"]


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # lazily: `import pipes` should not pay for asyncio

    await asyncio.sleep(seconds)


# Module-level so tests (and users with their own clocks) can replace the waiting.
_sleep: Callable[[float], None] = time.sleep
_asleep: Callable[[float], Awaitable[None]] = _asyncio_sleep

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableRetry(Runnable[In, Out]):
    """Retry the wrapped runnable on the given exception types.

    Waits ``initial_wait * exponential_base ** (attempt - 1)`` seconds (capped at ``max_wait``),
    with "equal jitter" (a random wait between half and all of it) unless disabled. A stream is
    retried only while it has not yielded anything yet. The last error is raised, with a note
    counting the attempts.

    Example::

        flaky.with_retry(retry_if_exception_type=(TimeoutError,), stop_after_attempt=5)
    """

    def __init__(
        self,
        bound: Runnable[In, Out],
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        stop_after_attempt: int = 3,
        wait_exponential_jitter: bool = True,
        initial_wait: float = 0.1,
        max_wait: float = 10.0,
        exponential_base: float = 2.0,
    ) -> None:
        if stop_after_attempt < 1:
            raise ValueError(f"stop_after_attempt must be at least 1, got {stop_after_attempt}")
        self.bound = bound
        self.retry_if_exception_type = retry_if_exception_type
        self.stop_after_attempt = stop_after_attempt
        self.wait_exponential_jitter = wait_exponential_jitter
        self.initial_wait = initial_wait
        self.max_wait = max_wait
        self.exponential_base = exponential_base
        self.name = bound.get_name()

    def wait_for(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        wait = min(self.max_wait, self.initial_wait * self.exponential_base ** (attempt - 1))
        if self.wait_exponential_jitter:
            import random  # lazily: only retries that wait need it

            wait = random.uniform(wait / 2, wait)
        return wait

    def _give_up(self, exc: BaseException, attempt: int) -> bool:
        if not isinstance(exc, self.retry_if_exception_type) or attempt >= self.stop_after_attempt:
            if attempt > 1:
                exc.add_note(f"{self.get_name()!r} failed after {attempt} attempts")
            return True
        return False

    def _attempts(self, input: In) -> Iterator[Attempt[In, Out]]:
        """The attempts, one after another, until one succeeds or the retry gives up (the
        policy, without I/O: the methods wait ``wait_for(attempt.number)`` between them)."""
        number = 0
        while True:
            number += 1
            yield Attempt(self.bound, input, number, self._retries)

    def _retries(self, exc: Exception, attempt: int) -> bool:
        return not self._give_up(exc, attempt)

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        for attempt in self._attempts(input):
            with attempt:
                return attempt.runnable.invoke(attempt.input, config, **kwargs)
            _sleep(self.wait_for(attempt.number))
        raise AssertionError("unreachable: _attempts() never ends")

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        for attempt in self._attempts(input):
            with attempt:
                return await attempt.runnable.ainvoke(attempt.input, config, **kwargs)
            await _asleep(self.wait_for(attempt.number))
        raise AssertionError("unreachable: _attempts() never ends")

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        for attempt in self._attempts(input):
            with attempt:
                for chunk in attempt.runnable.stream(attempt.input, config, **kwargs):
                    attempt.started = True
                    yield chunk
                return
            _sleep(self.wait_for(attempt.number))

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        for attempt in self._attempts(input):
            with attempt:
                async for chunk in attempt.runnable.astream(attempt.input, config, **kwargs):
                    attempt.started = True
                    yield chunk
                return
            await _asleep(self.wait_for(attempt.number))

    def get_graph(self) -> Any:
        return self.bound.get_graph()
