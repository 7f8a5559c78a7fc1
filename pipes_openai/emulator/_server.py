"""The [`Emulator`][pipes_openai.emulator.Emulator] handle: configuration, the reply queue, and its
thread/loop lifecycle.

Everything here is called from the test's thread; what runs on the server loop lives in
`._dispatch` (with `._respond`, `._recording` and `._record_replay`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Unpack

from ._cassette import Cassette, CassetteMiss
from ._dispatch import Dispatcher
from ._http import HttpRequest, Listener, serve, shutdown
from ._lifecycle import Startable
from ._limits import Limits
from ._models import DEFAULT_MODELS, ModelRegistry, ModelSpec
from ._quirks import Quirk, parse_quirks
from ._ratelimit import RateLimits
from ._recording import RecordedRequest
from ._script import ErrorFields, Fault, Reply, ToolCall

if TYPE_CHECKING:
    import httpx

__all__ = ["Emulator"]

log = logging.getLogger("pipes_openai.emulator")


def _log_request(request: HttpRequest, status: int, seconds: float) -> None:
    # status 0: nothing was sent (a dropped connection, or a client that went away first).
    log.info("%s %s %s %.1f ms", request.method, request.path, status or "-", seconds * 1000)


class Emulator(Dispatcher, Startable):
    """An OpenAI-compatible Chat Completions server for tests, demos and benchmarks.

    Runs on an ephemeral loopback port in a background thread (its own event loop), as a
    sync or async context manager. See the package docstring for the reply rules.

    ```pycon
    >>> with Emulator() as emulator:  # doctest: +SKIP
    ...     emulator.script("Bonjour !")
    ...     httpx.post(emulator.base_url + "/chat/completions", json={...})
    ...     emulator.requests[-1].body["model"]
    ```

    Args:
        api_key: when set, requests must carry it (`Authorization: Bearer`, or `api-key`
            on Azure paths) or get a 401 `invalid_api_key`; by default any key is accepted.
        quirks: [`Quirk`][pipes_openai.emulator.Quirk] names reproducing real servers' deviations.
        host, port: where to listen (port 0 picks a free port).
        chunk_delay: seconds between streamed chunks for every reply (default 0).
        models: the models served (ids or [`ModelSpec`][pipes_openai.emulator.ModelSpec]s;
            default `DEFAULT_MODELS`, current OpenAI ids with their real context windows
            and output limits). A request naming another model gets the API's 404
            `model_not_found` on every endpoint; add yours with
            `models=[*DEFAULT_MODELS, "my-model"]` (an id outside the defaults has no
            limits) or `ModelSpec("my-model", context_window=8192, max_output_tokens=1024)`.
        any_model: serve every model id (those of `models` keep their limits).
        record_requests: keep `requests` (turn off for long benchmarks).
        upstream, record: proxy every request to `upstream` (e.g.
            `"https://api.openai.com/v1"`) and save the exchanges to the cassette `record`.
        cassette: replay the cassette file offline; a miss answers 400 `cassette_miss`.
            In record and replay modes the queue (scripts, faults) is not used, and in record
            mode the upstream checks the API key, not the emulator.
        limits: bounds on request size, slow clients and reply size (`Limits`; each
            crossing answers a 4xx naming the limit).
        log_requests: log one INFO line per request (method, path, status, ms) on the
            `pipes_openai.emulator` logger (the command line does unless `--quiet`).
        rpm: emulate a requests-per-minute limit on chat completions (`None`: unlimited).
        tpm: emulate a tokens-per-minute limit (each completion charged its `usage` total).
            Either answers 429 with `retry-after` when spent, and every answer carries the
            `x-ratelimit-limit|remaining|reset-requests|tokens` headers; `rate_limits.refused`
            counts the 429s.

    Queue replies and faults with `script`, `fail` and `fault`; assert on
    `requests`; park requests with `hold` / `release` for concurrency tests.
    """

    _start_hint = "use `with Emulator() as e:` first"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        quirks: Iterable[str | Quirk] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
        models: Iterable[str | ModelSpec] = DEFAULT_MODELS,
        any_model: bool = False,
        record_requests: bool = True,
        upstream: str | None = None,
        record: str | os.PathLike[str] | None = None,
        cassette: str | os.PathLike[str] | None = None,
        system_fingerprint: str = "fp_emulator",
        limits: Limits | None = None,
        log_requests: bool = False,
        rpm: int | None = None,
        tpm: int | None = None,
    ) -> None:
        if record is not None and upstream is None:
            raise ValueError(
                "Emulator(record=...) needs upstream= (the real API base URL to proxy to, e.g."
                " 'https://api.openai.com/v1')."
            )
        if upstream is not None and cassette is not None:
            raise ValueError(
                "Emulator: use either upstream=/record= (record) or cassette= (replay)."
            )
        self.api_key = api_key
        self.quirks = parse_quirks(quirks)
        self.host = host
        self.chunk_delay = chunk_delay
        self.model_registry = ModelRegistry(models, any_model=any_model)
        self.record_requests = record_requests
        self.upstream = upstream.rstrip("/") if upstream else None
        self.system_fingerprint = system_fingerprint
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(
                f"Emulator(limits=...) takes a Limits, got {type(limits).__name__}: use"
                " Limits(max_body_bytes=..., ...)."
            )
        self.limits = limits if limits is not None else Limits()
        # Emulated per-minute rate limits (429s with retry-after and x-ratelimit-* headers).
        self.rate_limits = RateLimits(rpm, tpm) if rpm or tpm else None
        self.log_requests = log_requests
        self._recorder = Cassette(record, load=False) if record is not None else None
        self._player = Cassette(cassette, load=True) if cassette is not None else None
        self._requested_port = port
        self._port: int | None = None
        self._queue: deque[Reply | Fault] = deque()
        self._responses_stored: dict[str, Any] = {}  # the Responses API's stored responses
        self._requests: list[RecordedRequest] = []
        self._misses: list[CassetteMiss] = []
        self._seq = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: Listener | None = None
        self._http: httpx.AsyncClient | None = None
        self._hold = False
        self._gate: asyncio.Event | None = None
        self._held_count = 0
        self._changed = threading.Condition()
        self._q_reject_stream_options = Quirk.REJECT_STREAM_OPTIONS in self.quirks
        self._q_reject_null = Quirk.REJECT_NULL_CONTENT in self.quirks
        self._q_500 = Quirk.ERRORS_AS_500 in self.quirks
        self._q_omit_usage = Quirk.OMIT_USAGE in self.quirks
        self._q_reasoning = Quirk.REASONING_CONTENT in self.quirks

    # -- where it listens, what it received -------------------------------------------------
    @property
    def port(self) -> int:
        """The port the server listens on (after `start`)."""
        return self._running(self._port)

    @property
    def models(self) -> tuple[ModelSpec, ...]:
        """The models served (see `Emulator(models=..., any_model=...)`)."""
        return tuple(self.model_registry.specs.values())

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (oldest first), secrets redacted."""
        return self._requests

    @property
    def misses(self) -> list[CassetteMiss]:
        """Replayed requests that matched nothing in the cassette."""
        return self._misses

    @property
    def pending(self) -> int:
        """How many scripted replies and faults are still queued."""
        return len(self._queue)

    # -- the reply queue (popped by Dispatcher, one item per chat completion) ---------------
    def script(self, *replies: Reply | Fault | ToolCall | str) -> Emulator:
        """Queue replies (served one per chat completion request, in order).

        A `str` is a text reply, a [`ToolCall`][pipes.ToolCall] a reply with that call, a
        [`Fault`][pipes_openai.emulator.Fault] a fault. Returns the emulator so calls chain.

        ```pycon
        >>> emulator.script("first", ToolCall("add", {"a": 1}))  # doctest: +SKIP
        ```
        """
        items: list[Reply | Fault] = []
        for reply in replies:
            if isinstance(reply, str):
                items.append(Reply(content=reply))
            elif isinstance(reply, ToolCall):
                items.append(Reply(tool_calls=(reply,)))
            elif isinstance(reply, Reply | Fault):
                items.append(reply)
            else:
                raise TypeError(
                    f"Emulator.script() takes Reply, ToolCall, Fault or str, got"
                    f" {type(reply).__name__}: {reply!r}."
                )
        self._queue.extend(items)
        return self

    enqueue = script

    def fault(self, fault: Fault, *, times: int = 1) -> Emulator:
        """Queue `fault` for the next `times` chat completion requests.

        ```pycon
        >>> emulator.fault(Fault.drop(after_chunks=3))  # doctest: +SKIP
        ```
        """
        if times < 1:
            raise ValueError(f"fault(times={times}) must be at least 1.")
        self._queue.extend([fault] * times)
        return self

    def fail(self, status: int = 500, *, times: int = 1, **error: Unpack[ErrorFields]) -> Emulator:
        """Answer the next `times` chat completion requests with HTTP `status` (`error`: the
        keyword arguments of [`Fault.error`][pipes_openai.emulator.Fault.error]).

        ```pycon
        >>> emulator.fail(429, retry_after=0.01, times=2).script("ok")  # doctest: +SKIP
        ```
        """
        return self.fault(Fault.error(status, **error), times=times)

    def reset(self) -> None:
        """Forget recorded requests, misses, queued replies/faults and stored responses (and
        release held requests)."""
        self._queue.clear()
        self._responses_stored.clear()
        self._requests.clear()
        self._misses.clear()
        if self._hold:
            self.release()

    # -- hold / release (deterministic concurrency tests) -----------------------------------
    def hold(self) -> Emulator:
        """Park chat completion requests (answered later, on `release`).

        Deterministic concurrency, cancellation and timeout tests without sleeps: hold, fire
        requests, `wait_held` until they are parked, assert, release:

        ```python
        emulator.hold()
        task = asyncio.create_task(model.ainvoke("hi"))
        await asyncio.to_thread(emulator.wait_held, 1)
        emulator.release()
        ```
        """
        self._hold = True
        return self

    def release(self) -> Emulator:
        """Answer every held request and stop holding new ones."""
        self._hold = False
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(self._open_gate)
        return self

    @property
    def held(self) -> int:
        """How many requests are parked by `hold` right now."""
        return self._held_count

    def wait_held(self, count: int, timeout: float = 10.0) -> None:
        """Block until at least `count` requests are held (`TimeoutError` after `timeout`)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._held_count >= count, timeout):
                raise TimeoutError(
                    f"Only {self._held_count} of {count} requests were held after {timeout} s."
                )

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until `count` requests were received; return the recorded requests.

        ```pycon
        >>> emulator.wait_for_requests(2)[-1].body["stream"]  # doctest: +SKIP
        ```
        """
        if not self.record_requests:
            raise RuntimeError("wait_for_requests() needs Emulator(record_requests=True).")
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= count, timeout):
                raise TimeoutError(
                    f"Only {len(self._requests)} of {count} requests arrived within {timeout} s."
                )
        return list(self._requests)

    # -- lifecycle: the server's thread and event loop --------------------------------------
    def start(self) -> Emulator:
        """Start serving in a background thread (idempotent); returns the emulator."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._listener = loop.run_until_complete(self._serve())
                self._port = self._listener.port
                self._listening = f"http://{self.host}:{self._port}"
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._aclose_loop_resources())
                loop.close()

        thread = threading.Thread(target=run, name="pipes-openai-emulator", daemon=True)
        self._thread = thread
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("The emulator did not start within 10 s.")
        if errors:
            self._thread = None
            raise OSError(
                f"The emulator could not listen on {self.host}:{self._requested_port}: {errors[0]}"
            ) from errors[0]
        return self

    def close(self) -> None:
        """Stop the server and wait for its thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    async def serve_forever(
        self, stop: asyncio.Event | None = None, ready: asyncio.Event | None = None
    ) -> None:
        """Serve on the *current* event loop until `stop` is set (used by the CLI).

        `ready` is set once the socket listens (then `base_url` is known).
        """
        self._loop = asyncio.get_running_loop()
        self._listener = await self._serve()
        self._port = self._listener.port
        self._listening = f"http://{self.host}:{self._port}"
        if ready is not None:
            ready.set()
        try:
            if stop is None:
                await asyncio.Event().wait()
            else:
                await stop.wait()
        finally:
            await self._aclose_loop_resources()

    async def _serve(self) -> Listener:
        access_log = _log_request if self.log_requests else None
        return await serve(self._handle, self.host, self._requested_port, self.limits, access_log)

    async def _aclose_loop_resources(self) -> None:
        if self._listener is not None:
            await shutdown(self._listener)
            self._listener = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Emulator:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Joining the thread blocks briefly; do it off the caller's loop.
        await asyncio.to_thread(self.close)

    def __repr__(self) -> str:
        where = f"{self.host}:{self._port}" if self._port else "not started"
        return f"<Emulator {where} quirks={sorted(self.quirks)} pending={self.pending}>"
