"""`RemoteRunnable`: a runnable served by `pipes.serve` (or LangServe), called over HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Literal, cast

import httpx

from pipes import Runnable, RunnableConfig, StreamEvent

from ._errors import RemoteAuthenticationError, RemoteInputError, RemoteRunnableError
from ._wire import CLIENT_CONFIG_KEYS, decode, dumps

__all__ = ["RemoteRunnable"]

_JSON = {"content-type": "application/json"}
_SSE = {"accept": "text/event-stream"}
_END = object()
_SKIP = object()


def _public(url: str) -> str:
    """`url` without a password (it goes into reprs and messages)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


def _server_config(config: RunnableConfig | None) -> dict[str, Any]:
    """The part of `config` a server accepts: the allow-listed keys, JSON values only
    (callbacks and local objects such as a listener stay on this side, as LangServe's do)."""
    out: dict[str, Any] = {}
    for key in CLIENT_CONFIG_KEYS:
        if config and key in config:
            value = cast(Mapping[str, Any], config)[key]
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if _is_json(v)}
            if _is_json(value):
                out[key] = value
    return out


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class RemoteRunnable(Runnable[Any, Any]):
    """A runnable served over HTTP by [`create_app`][pipes.serve.create_app] (or LangServe).

    `invoke`, `ainvoke`, `batch`, `abatch`, `stream`, `astream` and `astream_events` call the
    server's routes; a failure on the server comes back as a
    [`RemoteRunnableError`][pipes.serve.RemoteRunnableError] carrying its status, exception
    type and message. It composes with `|` like any runnable. Only `tags`, `metadata`,
    `run_name` and `configurable` of a config are sent; callbacks stay local.

    Args:
        url: the routes' prefix, e.g. `"http://127.0.0.1:8000/translate"`.
        headers: sent with every request, e.g. `{"x-api-key": "..."}` (never shown in a repr).
        timeout: seconds to wait for the server (connect, each read); `None`: no bound.

    Example:
        ```python
        from pipes.serve import RemoteRunnable

        translate = RemoteRunnable("http://127.0.0.1:8000/translate")
        translate.invoke({"text": "Hello", "language": "French"})
        for chunk in (translate | str.upper).stream({"text": "Hi", "language": "German"}):
            print(chunk, end="")
        ```
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = 300.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"RemoteRunnable needs an http(s) URL like 'http://127.0.0.1:8000/chain', "
                f"got {_public(url)!r}"
            )
        self.url = url.rstrip("/")
        self.name = "RemoteRunnable"
        self._headers = dict(headers or {})
        self._timeout = httpx.Timeout(timeout)
        self._lock = threading.Lock()
        self._sync: httpx.Client | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"RemoteRunnable(url={_public(self.url)!r})"

    # -- clients: one sync, one async per event loop (a pool never crosses loops) ------------

    def _all_headers(self) -> dict[str, str]:
        # every body is JSON: set once on the client, not merged into each request
        return {**_JSON, **self._headers}

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._sync is None:
                self._sync = httpx.Client(headers=self._all_headers(), timeout=self._timeout)
            return self._sync

    def _aclient(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = httpx.AsyncClient(headers=self._all_headers(), timeout=self._timeout)
            self._async[loop] = client
        return client

    def close(self) -> None:
        """Close the sync connection pool (async pools close with `aclose`)."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close this event loop's connection pool and the sync one."""
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        self.close()

    # -- the wire (shared by the sync and async paths) -------------------------------------

    def _request(self, input: Any, config: RunnableConfig | None) -> bytes:
        return dumps({"input": input, "config": _server_config(config), "kwargs": {}}).encode()

    def _batch_request(
        self, inputs: Sequence[Any], config: RunnableConfig | Sequence[RunnableConfig] | None
    ) -> bytes:
        if isinstance(config, Sequence):
            sent: Any = [_server_config(c) for c in config]
        else:
            sent = _server_config(config)
        return dumps({"inputs": list(inputs), "config": sent, "kwargs": {}}).encode()

    def _error(self, route: str, status: int, text: str) -> RemoteRunnableError:
        error_type, message = "HTTPError", text[:1000] or "(empty body)"
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            if isinstance(body.get("error"), dict):  # OpenAI's shape
                body = body["error"]
            error_type = str(body.get("type") or error_type)
            detail = body.get("message") or body.get("detail")
            message = detail if isinstance(detail, str) else json.dumps(detail)
        cls = (
            RemoteAuthenticationError
            if status == 401
            else RemoteInputError
            if status in (400, 413, 422)
            else RemoteRunnableError
        )
        return cls(
            message, status_code=status, error_type=error_type, url=_public(self.url + route)
        )

    def _output(self, route: str, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise self._error(route, response.status_code, response.text)
        try:
            return decode(response.json()["output"])
        except (ValueError, KeyError, TypeError) as exc:
            raise RemoteRunnableError(
                f"the answer is not LangServe's {{'output': ...}} JSON: {response.text[:200]!r}",
                status_code=response.status_code,
                error_type="ProtocolError",
                url=_public(self.url + route),
            ) from exc

    def _event(self, route: str, event: str, data: str) -> Any:
        """The value of one SSE event: a decoded chunk, `_END`, or `_SKIP`; raises the server's
        error."""
        if event == "data":
            return decode(json.loads(data))
        if event == "end":
            return _END
        if event == "error":
            body = json.loads(data) if data else {}
            status = body.get("status_code", 500) if isinstance(body, dict) else 500
            raise self._error(route, status, data)
        return _SKIP  # metadata and unknown events carry no output

    # -- the execution methods --------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        _no_kwargs(kwargs)
        body = self._request(input, config)
        response = self._client().post(self.url + "/invoke", content=body)
        return self._output("/invoke", response)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        _no_kwargs(kwargs)
        body = self._request(input, config)
        response = await self._aclient().post(self.url + "/invoke", content=body)
        return self._output("/invoke", response)

    def batch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """One `/batch` request; with `return_exceptions=True` one `/invoke` per input (the
        wire cannot carry a failure per slot)."""
        if return_exceptions or not inputs:
            return super().batch(inputs, config, return_exceptions=return_exceptions, **kwargs)
        _no_kwargs(kwargs)
        body = self._batch_request(inputs, config)
        response = self._client().post(self.url + "/batch", content=body)
        return cast(list[Any], self._output("/batch", response))

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async `batch`."""
        if return_exceptions or not inputs:
            return await super().abatch(
                inputs, config, return_exceptions=return_exceptions, **kwargs
            )
        _no_kwargs(kwargs)
        body = self._batch_request(inputs, config)
        response = await self._aclient().post(self.url + "/batch", content=body)
        return cast(list[Any], self._output("/batch", response))

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        _no_kwargs(kwargs)
        yield from self._stream("/stream", self._request(input, config))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        _no_kwargs(kwargs)
        async for value in self._astream("/stream", self._request(input, config)):
            yield value

    async def astream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[StreamEvent]:
        """The server's run events (LangChain's v2 dicts), from `/stream_events`; the
        `include_*` / `exclude_*` filters are applied on the server."""
        _no_kwargs(kwargs)
        if version != "v2":
            raise ValueError(f"only version='v2' events are served, got {version!r}")
        filters = {
            "include_names": include_names,
            "include_types": include_types,
            "include_tags": include_tags,
            "exclude_names": exclude_names,
            "exclude_types": exclude_types,
            "exclude_tags": exclude_tags,
        }
        payload = {
            "input": input,
            "config": _server_config(config),
            "kwargs": {},
            **{key: list(names) for key, names in filters.items() if names is not None},
        }
        async for event in self._astream("/stream_events", dumps(payload).encode()):
            yield event

    def _stream(self, route: str, body: bytes) -> Iterator[Any]:
        with self._client().stream("POST", self.url + route, content=body, headers=_SSE) as r:
            if r.status_code != 200:
                raise self._error(route, r.status_code, r.read().decode(errors="replace"))
            reader = _SSEReader(self, route)
            for line in r.iter_lines():
                if (value := reader.line(line)) is _END:
                    return
                if value is not _SKIP:
                    yield value

    async def _astream(self, route: str, body: bytes) -> AsyncIterator[Any]:
        client = self._aclient()
        async with client.stream("POST", self.url + route, content=body, headers=_SSE) as r:
            if r.status_code != 200:
                text = (await r.aread()).decode(errors="replace")
                raise self._error(route, r.status_code, text)
            reader = _SSEReader(self, route)
            async for line in r.aiter_lines():
                if (value := reader.line(line)) is _END:
                    return
                if value is not _SKIP:
                    yield value


class _SSEReader:
    """Server-sent events, line by line (the sync and async streams share it)."""

    __slots__ = ("_data", "_event", "_remote", "_route")

    def __init__(self, remote: RemoteRunnable, route: str) -> None:
        self._remote = remote
        self._route = route
        self._event = "message"
        self._data: list[str] = []

    def line(self, line: str) -> Any:
        """Feed one line: the event's value once a blank line ends it, else `_SKIP`."""
        if line.startswith("event:"):
            self._event = line[6:].strip()
        elif line.startswith("data:"):
            self._data.append(line[5:].lstrip())
        elif not line and (self._data or self._event != "message"):
            event, data = self._event, "\n".join(self._data)
            self._event, self._data = "message", []
            return self._remote._event(self._route, event, data)
        return _SKIP


def _no_kwargs(kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        raise TypeError(
            f"RemoteRunnable cannot send keyword arguments ({', '.join(kwargs)}): bind them on "
            "the server, or pass values through config={'configurable': {...}}"
        )
