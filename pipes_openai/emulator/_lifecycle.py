"""`with` support shared by the in-process and the child-process emulator."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Startable"]


class Startable:
    """`with x:` calls `start()` (which returns `x`) and `close()` on the way out."""

    def start(self) -> Self:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
