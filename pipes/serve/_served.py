"""One served runnable: its settings, and the frame every one of its routes runs in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, cast

from pydantic import SecretStr

from pipes import MessageConversionError, Runnable, RunnableConfig

from ._http import (
    ApiKey,
    ClientGone,
    HttpError,
    Message,
    Receive,
    Scope,
    Secrets,
    Send,
    failure,
    read_json,
    respond_error,
    run_or_disconnect,
)
from ._schemas import input_schema
from ._validate import first_error
from ._wire import client_config, decode

__all__ = ["Endpoint", "Handler", "Served", "envelope"]

#: A route's work: given the parsed body (`None` for GET) and `send`, answer the request.
Handler = Callable[[Any, Send], Awaitable[None]]


class Served:
    """A runnable with the settings it is served with (`add_routes` makes one per call)."""

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        *,
        name: str | None,
        api_key: str | SecretStr | None,
        max_body_bytes: int,
        timeout: float | None,
    ) -> None:
        if not isinstance(cast(object, runnable), Runnable):  # a function, a dict of steps
            from pipes import coerce_to_runnable

            runnable = coerce_to_runnable(runnable, position="the runnable to serve")
        if max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be at least 1, got {max_body_bytes}")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout}")
        self.runnable = runnable
        self.name = name or runnable.get_name()
        self.key = ApiKey(api_key) if api_key is not None else None
        self.secrets = Secrets.of(runnable, self.key.value() if self.key else None)
        self.max_body_bytes = max_body_bytes
        self.timeout = timeout
        self._input_schema: dict[str, Any] | None = None

    def __repr__(self) -> str:
        auth = ", api_key='***'" if self.key else ""
        return f"Served({self.name!r}{auth}, max_body_bytes={self.max_body_bytes})"

    @property
    def input_schema(self) -> dict[str, Any]:
        if self._input_schema is None:
            self._input_schema = input_schema(self.runnable)
        return self._input_schema

    def deadline(self) -> AbstractAsyncContextManager[Any]:
        """The bound on one run (a 504 once passed)."""
        return asyncio.timeout(self.timeout) if self.timeout is not None else nullcontext()

    # -- reading a request ------------------------------------------------------------------

    def input(self, raw: Any, loc: tuple[str | int, ...]) -> Any:
        """A client's input, checked against the input schema, messages loaded."""
        if error := first_error(raw, self.input_schema, loc):
            raise HttpError.invalid(*error)
        try:
            return decode(raw)
        except MessageConversionError as exc:
            raise HttpError.invalid(loc, str(exc)) from exc
        except RecursionError as exc:  # JSON nested just under json.loads' own limit
            raise HttpError.invalid(loc, "the JSON is nested too deeply") from exc

    def one(self, body: Any) -> tuple[Any, RunnableConfig]:
        """`{"input": ..., "config": {...}, "kwargs": {}}` -> the input and the client config."""
        envelope(body, "input", "{'input': ..., 'config': {}}")
        return self.input(body["input"], ("input",)), client_config(body.get("config"))

    # -- the frame of every route -----------------------------------------------------------

    async def serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        handler: Handler,
        *,
        body: bool = True,
        error_shape: Callable[[HttpError], dict[str, Any]] = HttpError.body,
    ) -> None:
        """Check the key, read the body, run `handler` until done or until the client leaves;
        any failure before the response started is answered as an error body."""
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            if self.key is not None:
                self.key.check(scope)
            parsed = await read_json(scope, receive, self.max_body_bytes) if body else None
            await run_or_disconnect(handler(parsed, tracked), receive)
        except ClientGone:
            return
        except Exception as exc:
            if started:  # the response is under way: nothing more can be said on it
                raise
            await respond_error(send, failure(exc, self.secrets), error_shape)


def envelope(body: Any, key: str, example: str) -> None:
    """422 unless `body` is an object with `key` and no (unsupported) `kwargs`."""
    if not isinstance(body, dict):
        raise HttpError.invalid((), f"expected a JSON object like {example}")
    if key not in body:
        raise HttpError.invalid((key,), f"field required (expected a body like {example})")
    if body.get("kwargs"):
        raise HttpError.invalid(
            ("kwargs",),
            "keyword arguments are not accepted from clients: bind them on the server "
            "(`runnable.bind(...)`) or pass them through `config.configurable`",
        )


class Endpoint:
    """A plain ASGI app for one route (Starlette mounts non-function endpoints as ASGI)."""

    def __init__(
        self,
        served: Served,
        handler: Handler,
        *,
        body: bool,
        error_shape: Callable[[HttpError], dict[str, Any]] = HttpError.body,
    ) -> None:
        self.served = served
        self.handler = handler
        self.body = body
        self.error_shape = error_shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.served.serve(
            scope, receive, send, self.handler, body=self.body, error_shape=self.error_shape
        )
