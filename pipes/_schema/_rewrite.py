"""JSON-schema rewriting for function calling: `$ref` inlining, title removal, strict mode.

Every function here returns new dicts and never mutates its input, so a user's schema (or a
pydantic model's cached one) is never changed behind their back:

```python
params = inline_refs(Model.model_json_schema())
params = remove_titles(params)
strict = make_strict(params)   # OpenAI strict mode, or StrictSchemaError saying why not
```
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipes._schema._errors import StrictSchemaError

__all__ = ["admits_null", "drop_null_defaults", "inline_refs", "make_strict", "remove_titles"]

JsonSchema = dict[str, Any]

# Keywords whose value maps names to sub-schemas (the names themselves are not keywords).
_SCHEMA_MAPS = frozenset(
    {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}
)
# Keywords whose value is a list of sub-schemas.
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
# Keywords whose value is one sub-schema.
_SCHEMA_ONES = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)


def _map_children(node: JsonSchema, fn: Any) -> JsonSchema:
    """A copy of `node` with `fn` applied to each direct sub-schema."""
    out: JsonSchema = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {
                name: fn(sub) if isinstance(sub, dict) else sub for name, sub in value.items()
            }
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [fn(sub) if isinstance(sub, dict) else sub for sub in value]
        elif key in _SCHEMA_ONES and isinstance(value, dict):
            out[key] = fn(value)
        else:
            out[key] = value
    return out


def remove_titles(schema: JsonSchema) -> JsonSchema:
    """Drop the `title` keywords pydantic adds everywhere (a property named "title" stays).

    LangChain does the same: titles cost tokens and tell the model nothing the property names
    do not.
    """

    def walk(node: JsonSchema) -> JsonSchema:
        return _map_children({k: v for k, v in node.items() if k != "title"}, walk)

    return walk(schema)


def _def_key(ref: str) -> str | None:
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return None


def _refs_in(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        name = _def_key(ref) if isinstance(ref, str) else None
        if name is not None:
            found.add(name)
        for value in node.values():
            _refs_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs_in(value, found)
    return found


def _cyclic(defs: dict[str, JsonSchema]) -> set[str]:
    """The definitions that can reach themselves through references (cannot be inlined)."""
    edges = {name: _refs_in(body, set()) & defs.keys() for name, body in defs.items()}
    cyclic: set[str] = set()
    for start in defs:
        stack, seen = list(edges[start]), set()
        while stack:
            current = stack.pop()
            if current == start:
                cyclic.add(start)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(edges[current])
    return cyclic


def inline_refs(schema: JsonSchema) -> JsonSchema:
    """Replace each local `$ref` with the definition it names, as OpenAI expects.

    Sibling keywords of a `$ref` (pydantic puts a field's `description` there) win over the
    definition's. A one-element `allOf` (older pydantic's way of adding siblings to a ref) is
    merged. Recursive definitions cannot be inlined: they stay in `$defs` (OpenAI accepts
    `#/$defs/...` references) and every reference to them points there; a root that *is* a
    reference to one is expanded once, so the root is always an object. Idempotent.
    """
    defs: dict[str, JsonSchema] = {}
    for key in ("definitions", "$defs"):
        found = schema.get(key)
        if isinstance(found, dict):
            defs.update({name: sub for name, sub in found.items() if isinstance(sub, dict)})
    if not defs:
        return _merge_single_all_of(schema)
    cyclic = _cyclic(defs)

    def walk(node: JsonSchema) -> JsonSchema:
        ref = node.get("$ref")
        name = _def_key(ref) if isinstance(ref, str) else None
        if name is not None and name in defs:
            siblings = _map_children({k: v for k, v in node.items() if k != "$ref"}, walk)
            if name in cyclic:
                return {"$ref": f"#/$defs/{name}", **siblings}
            return {**walk(defs[name]), **siblings}
        merged = _merge_single_all_of_node(node)
        if merged is not node:
            return walk(merged)
        return _map_children(node, walk)

    body = {k: v for k, v in schema.items() if k not in ("definitions", "$defs")}
    root_ref = body.get("$ref")
    root_name = _def_key(root_ref) if isinstance(root_ref, str) else None
    if root_name in cyclic:
        assert root_name is not None
        rest = {k: v for k, v in body.items() if k != "$ref"}
        root = {**_map_children(defs[root_name], walk), **_map_children(rest, walk)}
    else:
        root = walk(body)
    if cyclic:
        used: set[str] = set()
        pending = sorted(_refs_in(root, set()) & cyclic)
        while pending:
            name = pending.pop()
            if name not in used:
                used.add(name)
                pending.extend(sorted(_refs_in(defs[name], set()) & cyclic))
        if used:
            root["$defs"] = {name: _map_children(defs[name], walk) for name in sorted(used)}
    return root


def _merge_single_all_of_node(node: JsonSchema) -> JsonSchema:
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return {**all_of[0], **rest}
    return node


def _merge_single_all_of(schema: JsonSchema) -> JsonSchema:
    def walk(node: JsonSchema) -> JsonSchema:
        return _map_children(_merge_single_all_of_node(node), walk)

    return walk(schema)


def admits_null(schema: JsonSchema) -> bool:
    """Whether `null` is an allowed value of `schema` (type, enum or an anyOf branch)."""
    typ = schema.get("type")
    if typ == "null" or (isinstance(typ, list) and "null" in typ):
        return True
    if "enum" in schema and None in schema["enum"]:
        return True
    if "const" in schema and schema["const"] is None:
        return True
    for key in ("anyOf", "oneOf"):
        variants = schema.get(key)
        if isinstance(variants, list) and any(
            isinstance(v, dict) and admits_null(v) for v in variants
        ):
            return True
    return False


_SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean"})


def _make_nullable(schema: JsonSchema) -> JsonSchema:
    """`schema` widened to accept `null` (how strict mode spells an optional field)."""
    if admits_null(schema):
        return schema
    if isinstance(schema.get("anyOf"), list):
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    typ = schema.get("type")
    if "enum" in schema:
        out = {**schema, "enum": [*schema["enum"], None]}
        if isinstance(typ, str):
            out["type"] = [typ, "null"]
        elif isinstance(typ, list):
            out["type"] = [*typ, "null"]
        return out
    if typ in _SCALAR_TYPES and "$ref" not in schema:
        return {**schema, "type": [typ, "null"]}
    # A $ref or an object schema: wrap it, keeping the annotations on the outside.
    outer_keys = ("description", "title")
    inner = {k: v for k, v in schema.items() if k not in outer_keys}
    outer = {k: schema[k] for k in outer_keys if k in schema}
    return {"anyOf": [inner, {"type": "null"}], **outer}


# Constraints OpenAI strict mode rejects but whose loss is harmless: the model is merely less
# constrained, and pipes still validates tool arguments / parsed output against the original
# schema. Dropped rather than failing the whole schema.
_DROPPED = frozenset(
    {
        "default",
        "examples",
        "minLength",
        "maxLength",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "contains",
        "minContains",
        "maxContains",
        "discriminator",
        "readOnly",
        "writeOnly",
        "deprecated",
        "nullable",
        "$schema",
        "$id",
        "$comment",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    }
)
# Keywords that change what is valid in ways strict mode cannot express: fail loudly.
_REJECTED = {
    "not": "'not' schemas",
    "if": "conditional ('if'/'then'/'else') schemas",
    "then": "conditional ('if'/'then'/'else') schemas",
    "else": "conditional ('if'/'then'/'else') schemas",
    "dependentRequired": "'dependentRequired'",
    "dependentSchemas": "'dependentSchemas'",
    "patternProperties": "'patternProperties' (objects with free-form keys)",
    "unevaluatedProperties": "'unevaluatedProperties'",
    "unevaluatedItems": "'unevaluatedItems'",
    "propertyNames": "'propertyNames' (objects with free-form keys)",
    "prefixItems": "tuples ('prefixItems'); use a list or a model with named fields",
}
_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
_TYPED_KEYS = frozenset({"type", "anyOf", "oneOf", "enum", "const", "$ref", "allOf"})


def _where(path: tuple[str, ...]) -> str:
    return "/".join(path) if path else "the root"


def make_strict(schema: JsonSchema, *, name: str = "schema") -> JsonSchema:
    """Rewrite `schema` (already ref-inlined) so OpenAI accepts it with `strict: true`.

    Every object gets `additionalProperties: false` and lists all its properties in
    `required`; a property that was optional becomes nullable instead (the model sends
    `null` where it would have left it out). `oneOf` becomes `anyOf`, `const` becomes a
    one-value `enum`, unsupported constraints (`default`, `minLength`...) are dropped.
    What strict mode cannot express at all (free-form dicts, `Any`, tuples, `not`...)
    raises [`StrictSchemaError`][pipes.StrictSchemaError] naming `name` and the path.
    """
    if schema.get("type") != "object" or any(k in schema for k in ("anyOf", "oneOf")):
        raise StrictSchemaError(
            f"{name}: OpenAI strict mode needs the top-level schema to be an object with "
            f"'properties', got {_short(schema)}. Wrap the value in a model with one field, "
            "or pass strict=False.",
            path=(),
        )

    def fail(what: str, path: tuple[str, ...], hint: str = "") -> StrictSchemaError:
        return StrictSchemaError(
            f"{name}: OpenAI strict mode does not support {what} (at {_where(path)}). "
            f"{hint}Pass strict=False to send the schema as is.",
            path=path,
        )

    def walk(node: JsonSchema, path: tuple[str, ...]) -> JsonSchema:
        for key in node:
            if key in _REJECTED:
                raise fail(_REJECTED[key], path)
        node = _merge_single_all_of_node(node)
        if "allOf" in node:
            raise fail("'allOf' with several schemas", path, "Merge them into one model. ")
        if "$ref" in node:
            # Strict mode rejects a $ref with sibling keywords; only recursive refs are left
            # after inlining, so dropping their description loses little.
            ref = node["$ref"]
            if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
                raise fail(f"the non-local reference {ref!r}", path, "Inline it. ")
            return {"$ref": ref}
        out: JsonSchema = {}
        for key, value in node.items():
            if key in _DROPPED:
                continue
            if key == "format" and value not in _STRING_FORMATS:
                continue
            if key == "const":
                out["enum"] = [value]
                continue
            if key == "oneOf":
                key = "anyOf"
            out[key] = value
        if not any(k in out for k in _TYPED_KEYS):
            raise fail(
                "a value of any type (an 'Any' or unannotated field, or an untyped list)",
                path,
                "Give it a concrete type. ",
            )
        if isinstance(out.get("anyOf"), list):
            out["anyOf"] = [
                walk(sub, (*path, "anyOf", str(i))) for i, sub in enumerate(out["anyOf"])
            ]
        typ = out.get("type")
        is_object = typ == "object" or (isinstance(typ, list) and "object" in typ)
        if is_object or "properties" in out:
            out = _strict_object(out, path)
        if isinstance(out.get("items"), dict):
            out["items"] = walk(out["items"], (*path, "items"))
        elif (typ == "array" or (isinstance(typ, list) and "array" in typ)) and "items" not in out:
            raise fail("an array without an item type", path, "Use list[SomeType]. ")
        return out

    def _strict_object(node: JsonSchema, path: tuple[str, ...]) -> JsonSchema:
        extra = node.get("additionalProperties")
        free_form = extra is not None and extra is not False
        properties = node.get("properties")
        if properties is None and not path and not free_form:
            properties = {}  # a function without arguments
        if free_form and not properties:
            raise fail(
                "objects with free-form keys (a dict[str, ...] field or additionalProperties)",
                path,
                "Use a model with named fields, or a list of key/value models. ",
            )
        if not isinstance(properties, dict):
            raise fail(
                "an object without declared properties (a plain dict field)",
                path,
                "Use a model with named fields. ",
            )
        # Extra keys next to declared properties (extra="allow") are simply not offered.
        required = set(node.get("required", ()))
        new_props: JsonSchema = {}
        for prop, sub in properties.items():
            if not isinstance(sub, dict):
                raise fail(f"the non-schema property value {sub!r}", (*path, "properties", prop))
            strict_sub = walk(sub, (*path, "properties", prop))
            new_props[prop] = strict_sub if prop in required else _make_nullable(strict_sub)
        out = {**node, "properties": new_props, "required": list(properties)}
        out["additionalProperties"] = False
        return out

    result = walk(schema, ())
    defs = schema.get("$defs")
    if isinstance(defs, dict):
        result["$defs"] = {
            def_name: walk(sub, ("$defs", def_name)) for def_name, sub in defs.items()
        }
    return result


def _short(schema: JsonSchema) -> str:
    text = repr(schema)
    return text if len(text) <= 200 else text[:197] + "..."


def _contains_none(value: Any) -> bool:
    values: Collection[Any]
    if isinstance(value, dict):
        values = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return value is None
    if None in values:
        return True
    return any(isinstance(v, (dict, list)) and _contains_none(v) for v in values)


def drop_null_defaults(schema: JsonSchema, data: Any) -> Any:
    """`data` without the `null` values `schema` does not allow on optional properties.

    OpenAI strict mode makes every optional property nullable and required, so the model
    sends `null` for "not given"; for a property that does not accept `null` (`x: int =
    3`) that means "use the default". Nested objects and lists are followed (`$ref` into
    `$defs` too). `data` is not mutated.
    """
    if not _contains_none(data):
        return data  # the common case, checked at C speed for flat argument dicts
    defs = schema.get("$defs") or schema.get("definitions") or {}

    def resolve(node: JsonSchema) -> JsonSchema:
        for _ in range(32):  # a chain of refs, bounded against cycles
            ref = node.get("$ref")
            name = _def_key(ref) if isinstance(ref, str) else None
            if name is None or name not in defs:
                return node
            node = defs[name]
        return node

    def walk(node: JsonSchema, value: Any) -> Any:
        node = resolve(node)
        if isinstance(value, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                required = node.get("required", ())
                out: dict[str, Any] = {}
                for key, item in value.items():
                    sub = properties.get(key)
                    if not isinstance(sub, dict):
                        out[key] = item
                        continue
                    sub = resolve(sub)
                    if item is None and key not in required and not admits_null(sub):
                        continue
                    out[key] = walk(sub, item)
                return out
            variants = [
                resolve(v)
                for v in node.get("anyOf", ())
                if isinstance(v, dict) and resolve(v).get("type") != "null"
            ]
            if len(variants) == 1:
                return walk(variants[0], value)
            return value
        if isinstance(value, list):
            items = node.get("items")
            if isinstance(items, dict):
                return [walk(items, item) for item in value]
        return value

    return walk(schema, data)
