"""Tools, `tool_choice`, their legacy twins (`functions`, `function_call`) and
`response_format`, checked as the API checks them (its messages, params and codes)."""

from __future__ import annotations

import re
from typing import Any

from ._checks import (
    array_too_long,
    bad,
    choose,
    missing,
    require_object,
    require_str,
    type_error,
    unsupported_value,
)
from ._synth import schema_problem
from ._wire import ApiError, message_text

__all__ = [
    "MAX_TOOLS",
    "check_custom_format",
    "check_strict_parameters",
    "strict_problem",
    "strict_schema_problem",
    "validate_tooling",
]

_TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TOOL_TYPES = ("function", "custom")
_CHOICES = ("none", "auto", "required")
_CHOICE_TYPES = ("function", "custom", "allowed_tools")
_RESPONSE_FORMATS = ("text", "json_object", "json_schema")
MAX_TOOLS = 128  # the API's limit on `tools` (and `functions`): checked before any entry


def validate_tooling(body: dict[str, Any]) -> None:
    """Check `tools`, `tool_choice`, `functions`, `function_call` and `response_format`."""
    tools = _named(body.get("tools"), "tools", _tool_spec)
    if body.get("tool_choice") is not None:
        _check_choice(body["tool_choice"], tools)
    functions = _named(body.get("functions"), "functions", _function_spec)
    call = body.get("function_call")
    if isinstance(call, str):
        choose(call, _CHOICES[:2], "function_call")
    elif call is not None:
        if not isinstance(call, dict):
            raise type_error("function_call", "a string or an object", call)
        name = require_str(call, "name", "function_call")
        if name not in functions:
            raise _not_sent("function_call", "function", name, functions)
    _check_response_format(body.get("response_format"), body["messages"])


def _named(items: Any, param: str, spec_of: Any) -> dict[str, str]:  # name -> "function" | "custom"
    """The names (and kinds) of a `tools` / `functions` array, each entry checked."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise type_error(param, "an array", items)
    if too_long := array_too_long(param, items, MAX_TOOLS):
        raise too_long
    names: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"{param}[{i}]"
        if not isinstance(item, dict):
            raise type_error(where, "an object", item)
        kind, spec, spec_param = spec_of(item, where)
        name = spec.get("name")
        if name is None:
            raise missing(f"{spec_param}.name")
        if not isinstance(name, str) or not _TOOL_NAME_RE.match(name):
            raise bad(
                f"Invalid '{spec_param}.name': string does not match pattern. Expected a"
                " string that matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).",
                f"{spec_param}.name",
                "invalid_value",
            )
        if kind == "function":
            _check_parameters(spec, name, spec_param)
        else:
            check_custom_format(spec.get("format"), f"{spec_param}.format")
        names[name] = kind
    return names


def _tool_spec(tool: dict[str, Any], where: str) -> tuple[str, dict[str, Any], str]:
    kind = choose(tool.get("type"), _TOOL_TYPES, f"{where}.type")
    return kind, require_object(tool, kind, where), f"{where}.{kind}"


def _function_spec(fn: dict[str, Any], where: str) -> tuple[str, dict[str, Any], str]:
    return "function", fn, where  # legacy `functions` entries are the function itself


def _check_parameters(fn: dict[str, Any], name: str, param: str) -> None:
    params = fn.get("parameters")
    if params is not None and not isinstance(params, dict):
        raise type_error(f"{param}.parameters", "an object", params)
    if fn.get("strict") is True:
        check_strict_parameters(params, name, f"{param}.parameters")


def check_strict_parameters(params: Any, name: str, param: str) -> None:
    """The API's 400 for a strict function whose `parameters` (at `param`) it refuses."""
    problem = strict_schema_problem(params or {"type": "object", "properties": {}})
    if problem:
        raise bad(
            f"Invalid schema for function '{name}': {problem}", param, "invalid_function_parameters"
        )


def check_custom_format(fmt: Any, param: str) -> None:
    if fmt is None:
        return
    if not isinstance(fmt, dict):
        raise type_error(param, "an object", fmt)
    if choose(fmt.get("type"), ("text", "grammar"), f"{param}.type") == "grammar":
        # Deliberately not played: the emulator cannot write text that a Lark or regex grammar
        # accepts, and a call whose input breaks the grammar would be a lie.
        raise unsupported_value(
            f"{param}.type",
            "does not support 'grammar' with this model (the pipes emulator cannot generate"
            " text from a grammar). Use {'type': 'text'} or script the call with"
            " emulator.script(ToolCall(...)).",
        )


def _not_sent(param: str, kind: str, name: str, names: dict[str, str]) -> ApiError:
    sent = ", ".join(n for n, k in names.items() if k == kind)
    return bad(
        f"Invalid value for '{param}': {kind} {name!r} was named but is not in"
        f" '{'functions' if param == 'function_call' else 'tools'}'"
        f" ({sent or f'no {kind} tools were sent'}).",
        param,
    )


def _check_choice(choice: Any, tools: dict[str, str]) -> None:
    if isinstance(choice, str):
        if choose(choice, _CHOICES, "tool_choice") == "required" and not tools:
            raise bad(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools'"
                " are specified.",
                "tool_choice",
            )
        return
    if not isinstance(choice, dict):
        raise type_error("tool_choice", "a string or an object", choice)
    kind = choose(choice.get("type"), _CHOICE_TYPES, "tool_choice.type")
    if kind != "allowed_tools":
        _check_named(choice, "tool_choice", tools)
        return
    allowed = require_object(choice, "allowed_tools", "tool_choice")
    choose(allowed.get("mode"), _CHOICES[1:], "tool_choice.allowed_tools.mode")
    listed = allowed.get("tools")
    if not isinstance(listed, list):
        raise type_error("tool_choice.allowed_tools.tools", "an array", listed)
    for i, ref in enumerate(listed):
        where = f"tool_choice.allowed_tools.tools[{i}]"
        if not isinstance(ref, dict):
            raise type_error(where, "an object", ref)
        choose(ref.get("type"), _TOOL_TYPES, f"{where}.type")
        _check_named(ref, where, tools)


def _check_named(choice: dict[str, Any], param: str, tools: dict[str, str]) -> None:
    """`{"type": kind, kind: {"name": ...}}` naming a tool of that kind in `tools`."""
    kind = str(choice["type"])
    name = require_str(require_object(choice, kind, param), "name", f"{param}.{kind}")
    if tools.get(name) != kind:
        raise _not_sent(param, kind, name, tools)


def _check_response_format(fmt: Any, messages: list[Any]) -> None:
    if fmt is None:
        return
    if not isinstance(fmt, dict):
        raise type_error("response_format", "an object", fmt)
    kind = choose(fmt.get("type"), _RESPONSE_FORMATS, "response_format.type")
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise missing("response_format.json_schema.name")
        schema = spec.get("schema")
        if schema is not None and not isinstance(schema, dict):
            raise type_error("response_format.json_schema.schema", "an object", schema)
        if spec.get("strict") is True and isinstance(schema, dict):
            prefix = f"Invalid schema for response_format '{spec['name']}': "
            if schema.get("type") != "object":
                raise bad(
                    prefix + "schema must be a JSON Schema of 'type: \"object\"', got"
                    f" 'type: \"{schema.get('type')}\"'.",
                    "response_format",
                )
            problem = strict_schema_problem(schema)
            if problem:
                raise bad(prefix + problem, "response_format")
    elif kind == "json_object" and not any(
        "json" in message_text(m.get("content")).lower() for m in messages if isinstance(m, dict)
    ):
        # The real API insists that the prompt asks for JSON in JSON mode.
        raise bad(
            "'messages' must contain the word 'json' in some form, to use 'response_format'"
            " of type 'json_object'.",
            "messages",
        )


def strict_schema_problem(schema: Any) -> str | None:
    """Why a strict schema is refused: it breaks OpenAI's strict rules, or no instance satisfies
    it (the API refuses such a schema up front rather than failing to answer)."""
    return strict_problem(schema) or schema_problem(schema)


def strict_problem(node: Any, path: tuple[str, ...] = ()) -> str | None:
    """Why `node` breaks OpenAI's strict-mode schema rules, in the API's words (or None).

    Strict mode wants every object to set `additionalProperties: false` and to list every
    property in `required`; the walk covers properties, items, anyOf and $defs.
    """
    if isinstance(node, list):
        return _first_problem((item, (*path, str(i))) for i, item in enumerate(node))
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    subs: list[tuple[Any, tuple[str, ...]]] = []
    if is_object or "properties" in node:
        if node.get("additionalProperties") is not False:
            return (
                f"In context={path!r}, 'additionalProperties' is required to be supplied and to"
                " be false."
            )
        props = node.get("properties") or {}
        if not isinstance(props, dict):
            return f"In context={path!r}, 'properties' must be an object."
        required = node.get("required") or []
        # A set (5000 properties were 25 million comparisons) of the names it holds.
        required = {n for n in required if isinstance(n, str)} if isinstance(required, list) else ()
        absent = [key for key in props if key not in required]
        if absent:
            return (
                f"In context={path!r}, 'required' is required to be supplied and to be an array"
                f" including every key in properties. Missing '{absent[0]}'."
            )
        subs += [(sub, (*path, "properties", key)) for key, sub in props.items()]
    subs += [(node[key], (*path, key)) for key in ("items", "anyOf", "prefixItems") if key in node]
    for key in ("$defs", "definitions"):
        defs = node.get(key)
        if isinstance(defs, dict):
            subs += [(sub, (*path, key, name)) for name, sub in defs.items()]
    return _first_problem(subs)


def _first_problem(nodes: Any) -> str | None:
    for sub, where in nodes:
        problem = strict_problem(sub, where)
        if problem:
            return problem
    return None
