"""`with_retry`: retry failures with exponential backoff and jitter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typing_extensions import TypeVar

from ._attempt import Attempt, Attempting
from ._callbacks import RetryState
from ._listeners import emit_event, listening
from ._runnable import Runnable

__all__ = ["RunnableRetry"]


In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableRetry(Attempting[In, Out]):
    """Retry the wrapped runnable on the given exception types.

    Waits `initial_wait * exponential_base ** (attempt - 1)` seconds (capped at `max_wait`),
    with "equal jitter" (a random wait between half and all of it) unless disabled. A stream is
    retried only while it has not yielded anything yet. The last error is raised, with a note
    counting the attempts.

    Example:
        ```python
        flaky.with_retry(retry_if_exception_type=(TimeoutError,), stop_after_attempt=5)
        ```
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
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
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
        """The attempts, one after another (each after its wait), until one succeeds or the
        retry gives up."""
        number, wait = 0, 0.0
        while True:
            number += 1
            yield Attempt(self.bound, input, number, self._retries, wait)
            wait = self.wait_for(number)

    def _retries(self, exc: Exception, attempt: int) -> bool:
        if self._give_up(exc, attempt):
            return False
        if listening():  # handlers' on_retry; the state only exists for them
            emit_event("retry", RetryState(attempt, exc))
        return True

    def get_graph(self) -> Any:
        return self.bound.get_graph()
