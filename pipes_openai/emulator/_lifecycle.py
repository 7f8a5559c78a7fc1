"""What the in-process and the child-process emulator share: `with`, and where they listen."""

from __future__ import annotations

from types import TracebackType
from typing import Self, TypeVar

__all__ = ["Startable"]

T = TypeVar("T")


class Startable:
    """`with x:` calls `start()` (which returns `x`) and `close()` on the way out; once
    started, `url` and `base_url` say where the server listens."""

    # The server root (`http://host:port`), set by `start()`; None while not running.
    _listening: str | None = None
    # What it is and how to start it, for the error raised when an address is asked too early.
    _name = "emulator"
    _start_hint = "call start() first"

    @property
    def url(self) -> str:
        """The server root, e.g. `http://127.0.0.1:PORT` (Azure endpoints use this)."""
        return self._running(self._listening)

    def _running(self, value: T | None) -> T:
        """`value`, a piece of the running server's state; None means it is not running."""
        if value is None:
            raise RuntimeError(f"The {self._name} is not running; {self._start_hint}.")
        return value

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, e.g. `http://127.0.0.1:PORT/v1`."""
        return f"{self.url}/v1"

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
