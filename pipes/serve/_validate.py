"""Check a JSON value against a runnable's input schema, naming the first field that is wrong.

The schemas pipes derives (prompt variables, pydantic `TypeAdapter`/model schemas, the chat
model's message-likes) use a small part of JSON Schema: `type`, `properties`, `required`,
`additionalProperties`, `items`/`prefixItems`, `minItems`/`maxItems`, `enum`, `const`,
`anyOf`/`oneOf`/`allOf` and local `$ref`s. That part is checked here; any other keyword is
not a constraint (an open schema, `{}`, accepts anything). The runnable still validates its
own input: this exists so that a client gets a 422 naming the field instead of a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["first_error"]

Loc = tuple[str | int, ...]

_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _is(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False  # JSON's true is not 1
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, object))


def _describe(schema: Mapping[str, Any]) -> str:
    if "const" in schema:
        return f"the value {schema['const']!r}"
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(f"{_article(k)}" for k in kind)
    if isinstance(kind, str):
        return _article(kind)
    title = schema.get("title")
    return f"a {title}" if title else "a value"


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while isinstance(ref := schema.get("$ref"), str) and ref.startswith("#/") and seen < 32:
            node: Any = self.root
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, Mapping) else {}
            # keywords beside the $ref (pydantic puts "description" there) are kept
            schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
            seen += 1
        return schema

    def check(self, value: Any, schema: Any, loc: Loc) -> tuple[Loc, str] | None:
        if not isinstance(schema, Mapping):
            return None
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                errors = [self.check(value, option, loc) for option in options]
                if all(errors):
                    # one option that gets past the top level explains best what is wrong inside
                    deeper = [e for e in errors if e is not None and len(e[0]) > len(loc)]
                    if len(deeper) == 1:
                        return deeper[0]
                    expected = " or ".join(_describe(self.resolve(o)) for o in options)
                    return loc, f"expected {expected}, got {_show(value)}"
        for option in schema.get("allOf", ()) or ():
            if (error := self.check(value, option, loc)) is not None:
                return error
        if "const" in schema and value != schema["const"]:
            return loc, f"expected {_describe(schema)}, got {_show(value)}"
        if isinstance(schema.get("enum"), list) and value not in schema["enum"]:
            return loc, f"expected {_describe(schema)}, got {_show(value)}"
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else None
        if kinds is not None and not any(_is(value, k) for k in kinds):
            return loc, f"expected {_describe(schema)}, got {_show(value)}"
        if isinstance(value, dict):
            return self.check_object(value, schema, loc)
        if isinstance(value, list):
            return self.check_array(value, schema, loc)
        return None

    def check_object(
        self, value: dict[str, Any], schema: Mapping[str, Any], loc: Loc
    ) -> tuple[Loc, str] | None:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in schema.get("required", ()) or ():
            if name not in value:
                expected = _describe(self.resolve(properties.get(name, {})))
                return (*loc, name), f"field required: expected {expected}"
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                if (error := self.check(item, properties[name], (*loc, name))) is not None:
                    return error
            elif extra is False:
                allowed = ", ".join(sorted(properties)) or "none"
                return (*loc, name), f"unexpected field (allowed: {allowed})"
            elif isinstance(extra, Mapping) and (error := self.check(item, extra, (*loc, name))):
                return error
        return None

    def check_array(
        self, value: list[Any], schema: Mapping[str, Any], loc: Loc
    ) -> tuple[Loc, str] | None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) and len(value) < low:
            return loc, f"expected at least {low} items, got {len(value)}"
        if isinstance(high, int) and len(value) > high:
            return loc, f"expected at most {high} items, got {len(value)}"
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = schema.get("items")
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else items
            if (error := self.check(item, sub, (*loc, index))) is not None:
                return error
        return None


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def first_error(value: Any, schema: Mapping[str, Any], loc: Loc = ()) -> tuple[Loc, str] | None:
    """`(where, what was expected)` for the first place `value` breaks `schema`, else `None`.

    Example:
        ```python
        first_error({"n": "x"}, {"properties": {"n": {"type": "integer"}}}, ("input",))
        # (("input", "n"), "expected an integer, got 'x'")
        ```
    """
    return _Checker(schema).check(value, schema, loc)
