"""A served runnable's input, output and config schemas, and the OpenAPI document of its routes.

The core's `get_input_schema()` / `get_output_schema()` give JSON schemas (pydantic v2's,
`{}` where nothing is derivable: an open schema that accepts anything). Where a runnable also
has a pydantic model `input_schema` / `output_schema`, its JSON schema is used instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from pipes import Runnable

from ._wire import CLIENT_CONFIG_KEYS

__all__ = ["config_schema", "input_schema", "openapi", "output_schema"]


def _schema(runnable: Runnable[Any, Any], which: str) -> dict[str, Any]:
    model = getattr(runnable, f"{which}_schema", None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_json_schema()
    getter = runnable.get_input_schema if which == "input" else runnable.get_output_schema
    return dict(getter())


def input_schema(runnable: Runnable[Any, Any]) -> dict[str, Any]:
    """JSON schema of what `/invoke` accepts as `input` (`{}`: anything)."""
    return _schema(runnable, "input")


def output_schema(runnable: Runnable[Any, Any]) -> dict[str, Any]:
    """JSON schema of what `/invoke` answers as `output` (`{}`: anything)."""
    return _schema(runnable, "output")


_ALLOWED_KEYS = [key for key in CLIENT_CONFIG_KEYS if key != "configurable"]


def config_schema(runnable: Runnable[Any, Any]) -> dict[str, Any]:
    """JSON schema of the config a client may send: the allow-listed keys, with the runnable's
    configurable fields where it declares them (`config_schema()`)."""
    declared = getattr(runnable, "config_schema", None)
    if callable(declared):
        model = declared(include=_ALLOWED_KEYS)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_json_schema()
    return {
        "title": f"{runnable.get_name()}Config",
        "type": "object",
        "properties": {
            "tags": {"title": "Tags", "type": "array", "items": {"type": "string"}},
            "metadata": {"title": "Metadata", "type": "object"},
            "run_name": {"title": "Run Name", "type": "string"},
            "configurable": {"title": "Configurable", "type": "object"},
        },
        "description": "Other keys are dropped: only "
        + ", ".join(CLIENT_CONFIG_KEYS)
        + " are accepted from clients.",
    }


def _hoist(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` with its `$defs` moved to `defs` and `#/$defs/X` refs pointing at OpenAPI's
    `#/components/schemas/X` (a nested `$defs` does not resolve from the document root)."""
    if isinstance(schema, list):
        return [_hoist(item, defs) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$defs", "definitions") and isinstance(value, Mapping):
            for name, sub in value.items():
                defs[name] = _hoist(sub, defs)
        elif key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/$defs/", "#/components/schemas/").replace(
                "#/definitions/", "#/components/schemas/"
            )
        else:
            out[key] = _hoist(value, defs)
    return out


def _open(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": "Open schema: the runnable declares none (e.g. a function without type "
        "hints), so any JSON value is accepted here and the runnable checks its own input.",
    }


def _declared(schema: Any) -> Any:
    """`schema`, or `None` when it says nothing but its name (`{"title": "...Input"}`: an
    untyped function's schema, which accepts anything)."""
    if isinstance(schema, Mapping) and not set(schema) - {"title", "description"}:
        return None
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi(runnable: Runnable[Any, Any], *, title: str, prefix: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document of the routes `add_routes` serves for `runnable` at `prefix`."""
    defs: dict[str, Any] = {}
    name = title.replace(" ", "")
    components = {
        f"{name}Input": _declared(_hoist(input_schema(runnable), defs)) or _open(f"{name}Input"),
        f"{name}Output": _declared(_hoist(output_schema(runnable), defs)) or _open(f"{name}Output"),
        f"{name}Config": _hoist(config_schema(runnable), defs),
    }
    error = {
        "title": "Error",
        "type": "object",
        "required": ["status_code", "type", "message"],
        "properties": {
            "status_code": {"type": "integer"},
            "type": {"type": "string"},
            "message": {"type": "string"},
            "detail": {"type": "array"},
        },
    }
    components["Error"] = error
    config = _ref(f"{name}Config")
    invoke_request = {
        "type": "object",
        "required": ["input"],
        "properties": {
            "input": _ref(f"{name}Input"),
            "config": config,
            "kwargs": {"type": "object"},
        },
    }
    batch_request = {
        "type": "object",
        "required": ["inputs"],
        "properties": {
            "inputs": {"type": "array", "items": _ref(f"{name}Input")},
            "config": {"anyOf": [config, {"type": "array", "items": config}]},
            "kwargs": {"type": "object"},
        },
    }
    errors = {
        str(code): _json(_ref("Error"), text)
        for code, text in (
            (401, "missing or wrong API key"),
            (413, "body larger than max_body_bytes"),
            (422, "input that does not match the input schema (the field is named)"),
            (500, "the run failed: its exception type and message"),
            (504, "the run took longer than the server's timeout"),
        )
    }
    sse = {"description": "server-sent events", "content": {"text/event-stream": {}}}

    def post(summary: str, request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        return {
            "post": {
                "summary": summary,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": request}},
                },
                "responses": {"200": answer, **errors},
            }
        }

    def get(summary: str) -> dict[str, Any]:
        return {"get": {"summary": summary, "responses": {"200": _json({}, "a JSON schema")}}}

    invoke_answer = {
        "type": "object",
        "properties": {"output": _ref(f"{name}Output"), "metadata": {"type": "object"}},
    }
    batch_answer = {
        "type": "object",
        "properties": {
            "output": {"type": "array", "items": _ref(f"{name}Output")},
            "metadata": {"type": "object"},
        },
    }
    paths = {
        f"{prefix}/invoke": post("Run on one input", invoke_request, _json(invoke_answer, "ok")),
        f"{prefix}/batch": post("Run on many inputs", batch_request, _json(batch_answer, "ok")),
        f"{prefix}/stream": post(
            "Stream the output: `event: data` chunks, then `event: end` (or `event: error`)",
            invoke_request,
            sse,
        ),
        f"{prefix}/stream_events": post(
            "Stream run events (`event: data`), then `event: end`", invoke_request, sse
        ),
        f"{prefix}/input_schema": get("JSON schema of the input"),
        f"{prefix}/output_schema": get("JSON schema of the output"),
        f"{prefix}/config_schema": get("JSON schema of the accepted config"),
    }
    components.update(defs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
        },
    }
