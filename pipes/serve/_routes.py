"""LangServe's routes for one served runnable: invoke, batch, stream, stream_events, schemas."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Any

from pipes import RunnableConfig

from ._http import HttpError, Send, closing, respond_json, stream_sse
from ._schemas import config_schema, openapi, output_schema
from ._served import Endpoint, Handler, Served, envelope
from ._wire import client_config, dumps, sse

__all__ = ["langserve_routes"]

_EVENT_FILTERS = (
    "include_names",
    "include_types",
    "include_tags",
    "exclude_names",
    "exclude_types",
    "exclude_tags",
)


def _metadata() -> dict[str, Any]:
    return {"run_id": str(uuid.uuid4()), "feedback_tokens": []}


def langserve_routes(served: Served, prefix: str) -> dict[str, tuple[str, Endpoint]]:
    """`{path: (method, endpoint)}` of LangServe's routes under `prefix`."""
    runnable = served.runnable

    async def invoke(body: Any, send: Send) -> None:
        value, config = served.one(body)
        async with served.deadline():
            output = await runnable.ainvoke(value, config)
        answer = dumps({"output": output, "metadata": _metadata()})
        await respond_json(send, 200, answer.encode())

    async def batch(body: Any, send: Send) -> None:
        envelope(body, "inputs", "{'inputs': [...], 'config': {}}")
        raw = body["inputs"]
        if not isinstance(raw, list):
            raise HttpError.invalid(("inputs",), "expected an array of inputs")
        values = [served.input(item, ("inputs", i)) for i, item in enumerate(raw)]
        configs: RunnableConfig | list[RunnableConfig]
        if isinstance(body.get("config"), list):
            configs = [client_config(c, ("config", i)) for i, c in enumerate(body["config"])]
            if len(configs) != len(values):
                raise HttpError.invalid(
                    ("config",),
                    f"expected one config per input ({len(values)}), got {len(configs)}",
                )
        else:
            configs = client_config(body.get("config"))
        async with served.deadline():
            outputs = await runnable.abatch(values, configs)
        metadata = {"run_ids": [str(uuid.uuid4()) for _ in outputs]}
        await respond_json(send, 200, dumps({"output": outputs, "metadata": metadata}).encode())

    async def stream(body: Any, send: Send) -> None:
        value, config = served.one(body)

        async def frames() -> AsyncGenerator[bytes, None]:
            yield sse("metadata", dumps({"run_id": str(uuid.uuid4())}))
            async with closing(runnable.astream(value, config)) as chunks:
                async for chunk in chunks:
                    yield sse("data", dumps(chunk))

        await stream_sse(send, frames(), secrets=served.secrets, deadline=served.deadline())

    async def stream_events(body: Any, send: Send) -> None:
        value, config = served.one(body)
        filters: dict[str, list[str]] = {}
        for key in _EVENT_FILTERS:
            names = body.get(key)
            if names is None:
                continue
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise HttpError.invalid((key,), "expected an array of strings")
            filters[key] = names

        async def frames() -> AsyncGenerator[bytes, None]:
            async with closing(
                runnable.astream_events(value, config, version="v2", **filters)
            ) as events:
                async for event in events:
                    yield sse("data", dumps(event))

        await stream_sse(send, frames(), secrets=served.secrets, deadline=served.deadline())

    def schema_route(make: Any) -> Handler:
        async def handler(body: Any, send: Send) -> None:
            await respond_json(send, 200, dumps(make()).encode())

        return handler

    document = schema_route(lambda: openapi(runnable, title=served.name, prefix=prefix))
    return {
        f"{prefix}/invoke": ("POST", Endpoint(served, invoke, body=True)),
        f"{prefix}/batch": ("POST", Endpoint(served, batch, body=True)),
        f"{prefix}/stream": ("POST", Endpoint(served, stream, body=True)),
        f"{prefix}/stream_events": ("POST", Endpoint(served, stream_events, body=True)),
        f"{prefix}/input_schema": (
            "GET",
            Endpoint(served, schema_route(lambda: served.input_schema), body=False),
        ),
        f"{prefix}/output_schema": (
            "GET",
            Endpoint(served, schema_route(lambda: output_schema(runnable)), body=False),
        ),
        f"{prefix}/config_schema": (
            "GET",
            Endpoint(served, schema_route(lambda: config_schema(runnable)), body=False),
        ),
        f"{prefix}/openapi.json": ("GET", Endpoint(served, document, body=False)),
    }
