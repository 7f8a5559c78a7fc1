"""One try of a runnable that may be retried (``with_retry``) or replaced (``with_fallbacks``).

Both policies are written once, without I/O, as a generator of :class:`Attempt` scopes; each
of the four methods (``invoke``, ``ainvoke``, ``stream``, ``astream``) runs the try inside
``with attempt:`` and differs from its twin only in calling (or awaiting) and sleeping::

    for attempt in self._attempts(input):
        with attempt:
            return attempt.runnable.invoke(attempt.input, config)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

if TYPE_CHECKING:
    from ._runnable import Runnable

__all__: list[str] = []

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class Attempt(Generic[In, Out]):
    """``with attempt:`` keeps a failure that ``recover`` accepts (in ``error``; the policy
    then tries again) and lets any other through. A stream that has yielded something
    (``started``) is never recovered: a partial stream cannot be taken back."""

    __slots__ = ("error", "input", "number", "recover", "runnable", "started")

    def __init__(
        self,
        runnable: Runnable[In, Out],
        input: In,
        number: int,
        recover: Callable[[Exception, int], bool],
    ) -> None:
        self.runnable = runnable
        self.input = input
        self.number = number
        self.recover = recover
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
