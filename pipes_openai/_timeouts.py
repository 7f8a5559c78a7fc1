"""How long a request may take: connecting, each attempt as a whole, each streamed event.

Example:
    ```python
    Timeouts.coerce(30, None)      # Timeouts(total=30.0, connect=10.0, stream_chunk=None)
    Timeouts(30, 10, 2).phases(streaming=True)["read"]  # 2
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeGuard, cast

from pipes_openai._httpx_types import loaded_httpx

if TYPE_CHECKING:
    import httpx

__all__ = ["Timeouts"]


def _is_httpx_timeout(value: object) -> TypeGuard[httpx.Timeout]:
    module = loaded_httpx()
    return module is not None and isinstance(value, module.Timeout)


class Timeouts(NamedTuple):
    """Timeouts in seconds (`None` disables one; the defaults are all finite).

    `total` is the deadline of each attempt of a plain request, from sending it to the last
    byte of the reply: a server that sends its headers or body one byte at a time cannot extend
    it (it also bounds each single read, as httpx has no wall-clock deadline of its own; the
    headers' reads are capped at what is left of it by `pipes_openai._deadline`). `connect` bounds
    connection set-up. `stream_chunk` bounds the wait for each streamed event (the first one
    included), however many bytes trickle in meanwhile.
    """

    total: float | None = 60.0
    connect: float | None = 10.0
    stream_chunk: float | None = None  # None: same as total

    @classmethod
    def coerce(
        cls,
        value: float | httpx.Timeout | Timeouts | tuple[float, float] | None,
        chunk: float | None,
    ) -> Timeouts:
        """Build from what users pass as `timeout=` (a number, a pair, an httpx.Timeout)."""
        if isinstance(value, Timeouts):
            return cls(
                value.total, value.connect, chunk if chunk is not None else value.stream_chunk
            )
        if _is_httpx_timeout(value):  # httpx.Timeout(None) really disables them
            return cls(value.read, value.connect, chunk)
        if isinstance(value, tuple):  # (connect, read) like requests
            return cls(float(value[1]), float(value[0]), chunk)
        if value is None:  # "not set": the finite default, never "wait forever"
            return cls(stream_chunk=chunk)
        total = float(cast("float", value))  # an httpx.Timeout returned above
        return cls(total, min(total, 10.0), chunk)

    @property
    def event(self) -> float | None:
        """Seconds a stream may go without an event (`stream_chunk`, else `total`)."""
        return self.stream_chunk if self.stream_chunk is not None else self.total

    def phases(self, *, streaming: bool = False) -> dict[str, float | None]:
        """The per-phase timeouts of one request, as httpcore reads them (its `"timeout"`
        extension): `connect`; `read` (a stream's: `stream_chunk` when set); `write` and
        `pool` bounded by `total`."""
        read = self.total
        if streaming and self.stream_chunk is not None:
            read = self.stream_chunk
        return {"connect": self.connect, "read": read, "write": self.total, "pool": self.total}

    def httpx(self, *, streaming: bool = False) -> httpx.Timeout:
        """`phases` as an `httpx.Timeout` (for a user's client and the proxy path)."""
        import httpx

        return httpx.Timeout(**self.phases(streaming=streaming))
