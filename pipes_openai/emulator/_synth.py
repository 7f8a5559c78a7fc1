"""Synthesize a plausible JSON instance from a JSON Schema.

Used for forced tool calls (the arguments come from the tool's `parameters`) and for
`response_format={"type": "json_schema", ...}`. The rules are deterministic:

- `const` wins, then `default`, then the first `enum` value, then `examples[0]`;
- `$ref` is resolved against the root (`#/$defs/...`, `#/definitions/...`);
- `anyOf` / `oneOf` take the first non-null alternative, `allOf` is merged;
- objects get every required property; with `strict` (or `additionalProperties: false` and
  every property required, as OpenAI's strict mode demands) every property, otherwise optional
  properties are filled only when they declare a `default`;
- strings are chosen from the property name (`location` -> `"San Francisco"`, `email`
  -> `"alice@example.com"`) or the `format`, padded to `minLength` and cut to `maxLength`;
- numbers respect `minimum` / `maximum` / exclusive bounds / `multipleOf`;
- arrays hold `max(minItems, 1)` items (capped by `maxItems`); deep inside recursive
  schemas arrays shrink to `minItems` and nullable values become `null`.

```pycon
>>> synthesize({"type": "object", "properties": {"city": {"type": "string"}},
...             "required": ["city"]})
{'city': 'San Francisco'}
```
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["synthesize"]

# Past _SOFT_DEPTH arrays get only their minItems and optional (nullable) values become null,
# which ends every recursion a finite instance can satisfy; _MAX_DEPTH is the hard stop.
_SOFT_DEPTH = 6
_MAX_DEPTH = 32

# Lower-cased property-name fragments -> plausible string values (first match wins).
_NAMED_STRINGS: tuple[tuple[str, str], ...] = (
    ("email", "alice@example.com"),
    ("url", "https://example.com"),
    ("uri", "https://example.com"),
    ("website", "https://example.com"),
    ("phone", "+1-555-0100"),
    ("location", "San Francisco"),
    ("city", "San Francisco"),
    ("address", "1 Market St, San Francisco, CA"),
    ("country", "United States"),
    ("state", "CA"),
    ("zip", "94105"),
    ("postal", "94105"),
    ("language", "English"),
    ("unit", "celsius"),
    ("currency", "USD"),
    ("timezone", "America/Los_Angeles"),
    ("datetime", "2024-01-01T12:00:00Z"),
    ("timestamp", "2024-01-01T12:00:00Z"),
    ("date", "2024-01-01"),
    ("time", "12:00:00"),
    ("first_name", "Alice"),
    ("firstname", "Alice"),
    ("last_name", "Smith"),
    ("lastname", "Smith"),
    ("username", "alice"),
    ("name", "Alice"),
    ("title", "A short title"),
    ("setup", "Why did the chicken cross the road?"),
    ("punchline", "To get to the other side."),
    ("joke", "Why did the chicken cross the road? To get to the other side."),
    ("query", "example query"),
    ("question", "What is the answer?"),
    ("answer", "42"),
    ("summary", "A short summary."),
    ("description", "A short description."),
    ("reason", "Because it fits the request."),
    ("color", "blue"),
    ("colour", "blue"),
    ("id", "id_1"),
    ("text", "Hello"),
    ("content", "Hello"),
    ("message", "Hello"),
)

_FORMAT_STRINGS: dict[str, str] = {
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "alice@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "hostname": "example.com",
    "duration": "PT1H",
}

_NAMED_NUMBERS: tuple[tuple[str, float], ...] = (
    ("age", 30),
    ("year", 2024),
    ("month", 1),
    ("day", 1),
    ("hour", 12),
    ("temperature", 22),
    ("rating", 5),
    ("count", 1),
    ("quantity", 1),
    ("price", 9.99),
    ("score", 1),
    ("lat", 37.7749),
    ("lon", -122.4194),
    ("lng", -122.4194),
)


def synthesize(schema: Any, *, strict: bool = False, name: str = "") -> Any:
    """Return a JSON value that validates against `schema`, chosen to look plausible.

    `name` is the property name the value is for (it picks plausible strings); `strict`
    fills every object property, as OpenAI's strict structured outputs do.

    ```pycon
    >>> synthesize({"type": "array", "items": {"enum": ["a", "b"]}})
    ['a']
    ```
    """
    return _Synth(schema, strict).value(schema, name, 0)


class _Synth:
    def __init__(self, root: Any, strict: bool) -> None:
        self.root = root
        self.strict = strict

    def resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return {}
        return node

    def value(self, schema: Any, name: str, depth: int) -> Any:
        if schema is True or schema is None or schema == {}:
            return self.untyped(name)
        if schema is False or not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            target = self.resolve(str(schema["$ref"]))
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if depth > _MAX_DEPTH:
                return self.minimal(target)
            merged = {**target, **rest} if isinstance(target, dict) else rest
            return self.value(merged, name, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "default" in schema:
            return schema["default"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                base = {k: v for k, v in schema.items() if k != key}
                if depth > _SOFT_DEPTH and any(_is_null(o, self) for o in options):
                    return None
                chosen = next((o for o in options if not _is_null(o, self)), options[0])
                if isinstance(chosen, dict):
                    chosen = {**base, **chosen}
                return self.value(chosen, name, depth + 1)
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, dict) and "$ref" in part:
                    part = self.resolve(str(part["$ref"]))
                if isinstance(part, dict):
                    merged = _merge(merged, part)
            return self.value(merged, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            kind = non_null[0] if non_null else "null"
        if kind is None:
            if "properties" in schema or "required" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                return self.untyped(name)
        if depth > _MAX_DEPTH:
            return self.minimal(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "string":
            return _string(schema, name)
        if kind == "integer":
            return int(_number(schema, name, integer=True))
        if kind == "number":
            return _number(schema, name, integer=False)
        if kind == "boolean":
            return True
        return None

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required = schema.get("required")
        required_set = set(required) if isinstance(required, list) else set()
        fill_all = self.strict or (
            schema.get("additionalProperties") is False and required_set == set(props)
        )
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if fill_all or key in required_set or (isinstance(sub, dict) and "default" in sub):
                out[key] = self.value(sub, key, depth + 1)
        # Required names without a property schema still need a value.
        for key in sorted(required_set - set(props)):
            out[key] = self.untyped(key)
        min_props = schema.get("minProperties")
        if isinstance(min_props, int):
            extra = schema.get("additionalProperties")
            i = 0
            while len(out) < min_props and extra is not False:
                key = f"key{i}"
                i += 1
                if key not in out:
                    sub = extra if isinstance(extra, dict) else {}
                    out[key] = self.value(sub, key, depth + 1)
        return out

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        out: list[Any] = []
        if isinstance(prefix, list):
            out = [self.value(p, _singular(name), depth + 1) for p in prefix]
        if isinstance(items, list):  # draft-4 tuple form
            out = [self.value(p, _singular(name), depth + 1) for p in items]
            items = schema.get("additionalItems", {})
        min_items = schema.get("minItems", 1 if not out and depth <= _SOFT_DEPTH else 0)
        max_items = schema.get("maxItems")
        count = max(int(min_items) if isinstance(min_items, int) else 0, len(out))
        if isinstance(max_items, int):
            count = min(count, max_items)
        if items is False:
            return out[:count]
        item_schema = items if isinstance(items, dict) else {}
        while len(out) < count:
            value = self.value(item_schema, _singular(name), depth + 1)
            if schema.get("uniqueItems") and value in out:
                value = _distinct(value, len(out))
            out.append(value)
        return out[:count] if isinstance(max_items, int) else out

    def untyped(self, name: str) -> Any:
        return _string({}, name)

    def minimal(self, schema: Any) -> Any:
        """The smallest valid value, used to end recursion."""
        if not isinstance(schema, dict):
            return None
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list):
                for option in options:
                    if _is_null(option, self):
                        return None
        kind = schema.get("type")
        if isinstance(kind, list):
            if "null" in kind:
                return None
            kind = kind[0] if kind else None
        if kind == "array":
            return []
        if kind == "string":
            return ""
        if kind in ("integer", "number"):
            return 0
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return {}


def _is_null(option: Any, synth: _Synth) -> bool:
    if isinstance(option, dict) and "$ref" in option:
        option = synth.resolve(str(option["$ref"]))
    return isinstance(option, dict) and option.get("type") == "null"


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        elif key == "required" and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        else:
            out[key] = value
    return out


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _distinct(value: Any, i: int) -> Any:
    if isinstance(value, str):
        return f"{value} {i + 1}"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + i
    return value


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    text: str | None = _FORMAT_STRINGS.get(fmt) if isinstance(fmt, str) else None
    if text is None:
        lowered = name.lower()
        for fragment, candidate in _NAMED_STRINGS:
            if fragment in lowered:
                text = candidate
                break
    if text is None:
        text = name.replace("_", " ").strip() or "example"
    min_len = schema.get("minLength")
    max_len = schema.get("maxLength")
    if isinstance(min_len, int) and len(text) < min_len:
        text = text + "x" * (min_len - len(text))
    if isinstance(max_len, int) and len(text) > max_len:
        text = text[:max_len]
    return text


def _number(schema: dict[str, Any], name: str, *, integer: bool) -> float:
    lowered = name.lower()
    value: float = 1
    for fragment, candidate in _NAMED_NUMBERS:
        if fragment in lowered:
            value = candidate
            break
    if integer:
        value = float(math.floor(value))
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    xlo = schema.get("exclusiveMinimum")
    xhi = schema.get("exclusiveMaximum")
    step = 1.0 if integer else 0.5
    if isinstance(xlo, int | float) and not isinstance(xlo, bool) and value <= xlo:
        value = math.floor(xlo) + 1 if integer else xlo + step
    if isinstance(lo, int | float) and not isinstance(lo, bool) and value < lo:
        value = math.ceil(lo) if integer else lo
    if isinstance(xhi, int | float) and not isinstance(xhi, bool) and value >= xhi:
        value = math.ceil(xhi) - 1 if integer else xhi - step
    if isinstance(hi, int | float) and not isinstance(hi, bool) and value > hi:
        value = math.floor(hi) if integer else hi
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
        value = math.ceil(value / multiple) * multiple
        if isinstance(hi, int | float) and value > hi:
            value -= multiple
    if integer or float(value).is_integer():
        return int(value)
    return value
