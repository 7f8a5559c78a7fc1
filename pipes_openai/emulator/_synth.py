"""Synthesize a plausible JSON instance from a JSON Schema.

Used for forced tool calls (the arguments come from the tool's `parameters`) and for
`response_format={"type": "json_schema", ...}`. With `strict`, the instance validates against
everything OpenAI's strict mode honours, and a schema no instance satisfies raises `ValueError`
(the request is then answered with a 400) instead of yielding an invalid instance.

OpenAI's strict subset ("Structured Outputs: supported schemas"):

- types `string`, `number`, `integer`, `boolean`, `object`, `array`, `null`, plus `enum`,
  `const` and `anyOf` (the root must be an object, not an `anyOf`);
- strings: `pattern` and `format` (`date-time`, `time`, `date`, `duration`, `email`,
  `hostname`, `ipv4`, `ipv6`, `uuid`);
- numbers: `multipleOf`, `minimum`, `exclusiveMinimum`, `maximum`, `exclusiveMaximum`;
- arrays: `items`, `minItems`, `maxItems`;
- objects: `additionalProperties: false` and every property listed in `required`; an optional
  field is nullable instead (`"type": ["string", "null"]` or `anyOf` with `{"type": "null"}`);
- `$defs` with `$ref` to them, and recursion (`"$ref": "#"` or a definition naming itself);
- limits: 5000 object properties and 10 levels of nesting, 1000 enum values, 120,000
  characters of property, definition, enum and const names; `minLength`/`maxLength`,
  `minProperties`, `uniqueItems`, `contains` and friends are outside the subset (honoured here
  where they are easy, for non-strict schemas).

The rules are deterministic:

- `const` wins, then `default`, then the first `enum` value, then `examples[0]`;
- `$ref` is resolved against the root (`#`, `#/$defs/...`, `#/definitions/...`);
- `anyOf` / `oneOf` take the first non-null alternative that has an instance, `allOf` is
  merged;
- objects get every required property; with `strict` (or `additionalProperties: false` and
  every property required, as OpenAI's strict mode demands) every property, otherwise optional
  properties are filled only when they declare a `default`;
- strings are chosen from the `format`, else the property name (`location` ->
  `"San Francisco"`, `email` -> `"alice@example.com"`), and fitted to `pattern` (by a small
  regex-instance generator), `minLength` and `maxLength`;
- numbers are the plausible value for the name moved inside the bounds, onto a `multipleOf`
  (exactly, and as `jsonschema`'s float arithmetic checks it);
- arrays hold `max(minItems, 1)` items (capped by `maxItems`). Past a few levels of nesting, or
  a few thousand values, arrays shrink to `minItems` and unions take the branch with the
  shallowest instance (null where allowed), which ends every recursion a finite instance can
  satisfy; a recursion that admits none is unsatisfiable.

```pycon
>>> synthesize({"type": "object", "properties": {"city": {"type": "string"}},
...             "required": ["city"]})
{'city': 'San Francisco'}
```
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ._regex_match import Unsupported, found
from ._regex_synth import MAX_LENGTH, regex_instance
from ._synth_scalars import FORMAT_STRINGS, named_string, number

__all__ = ["schema_problem", "synthesize"]

# Past _SOFT_DEPTH (or _SOFT_NODES values) the walk takes the shallowest instance; _MAX_DEPTH
# is the hard stop, _MAX_NODES refuses schemas whose smallest instance is enormous. Synthesis
# runs on the server's event loop: 20,000 values bound the worst schema to ~50 ms (100,000 let
# one request hold every other client for half a second).
_SOFT_DEPTH = 6
_MAX_DEPTH = 64
_SOFT_NODES = 2_000
_MAX_NODES = 20_000
_INF = math.inf
_T = TypeVar("_T")


def synthesize(schema: Any, *, strict: bool = False, name: str = "") -> Any:
    """Return a JSON value that validates against `schema`, chosen to look plausible.

    `name` is the property name the value is for (it picks plausible strings); `strict`
    fills every object property, as OpenAI's strict structured outputs do, and refuses a
    schema that no instance satisfies.

    Raises:
        ValueError: with `strict`, when no instance satisfies the schema (bounds that exclude
            each other, a `pattern` no string matches, a recursion without a finite instance)
            or its smallest instance is too large to build; the message says where, as
            `In context=(...)`. Without `strict` a best-effort value is returned instead.

    ```pycon
    >>> synthesize({"type": "array", "items": {"enum": ["a", "b"]}})
    ['a']
    ```
    """
    if strict:
        try:
            key = json.dumps([schema, name], allow_nan=False)  # key order kept: it orders output
        except (TypeError, ValueError, RecursionError):  # not JSON (a caller's own objects)
            key = ""
        if 0 < len(key) <= _CACHED_KEY_CHARS:
            return json.loads(_strict_json(key))
    return _synthesize(schema, strict, name)


# Validation proves a strict schema satisfiable by synthesizing it (`schema_problem`), and the
# reply then needs that same instance: the last strict instances are kept, as JSON text (each
# caller gets its own copy), by the schema's JSON, so a request synthesizes once. Larger schemas
# are not kept (64 keys of at most 64 KiB each bound the cache).
_CACHED_KEY_CHARS = 65_536


@functools.lru_cache(maxsize=64)
def _strict_json(key: str) -> str:
    schema, name = json.loads(key)
    return json.dumps(_synthesize(schema, True, name), ensure_ascii=False)


def _synthesize(schema: Any, strict: bool, name: str) -> Any:
    try:
        return _Synth(schema, strict).value(schema, name, 0)
    except RecursionError as exc:
        raise ValueError("the schema nests too deeply to synthesize an instance") from exc


def schema_problem(schema: Any) -> str | None:
    """Why no instance satisfies the strict `schema`, or None: for request validation.

    ```pycon
    >>> schema_problem({"type": "integer", "minimum": 5, "maximum": 3})
    "In context=(), no integer satisfies 'minimum' 5, 'maximum' 3."
    ```
    """
    try:
        synthesize(schema, strict=True)
    except ValueError as exc:
        return str(exc)
    return None


class _Synth:
    def __init__(self, root: Any, strict: bool) -> None:
        self.root = root
        self.strict = strict
        self.nodes = 0
        self.path: list[str] = []
        # Depth of the shallowest instance of each $ref target: a fixpoint over the refs,
        # each round settling the refs whose shallowest instance nests one more ref deep.
        self.ref_rank: dict[str, float] = {}
        self.memo: dict[int, tuple[Any, float]] | None = None
        refs = sorted(_refs(root))
        for _ in range(len(refs) + 1):
            changed = False
            for ref in refs:
                rank = self.rank(self.resolve(ref))
                if rank < self.ref_rank.get(ref, _INF):
                    self.ref_rank[ref] = rank
                    changed = True
            if not changed:
                break
        # Settled: ranks are memoized from here on (the node is kept, so its id stays its own).
        self.memo = {}

    def fail(self, problem: str, fallback: _T, cause: BaseException | None = None) -> _T:
        """Raise the problem under `strict`; otherwise answer `fallback`, best effort."""
        if self.strict:
            raise ValueError(f"In context={tuple(self.path)!r}, {problem}") from cause
        return fallback

    @contextmanager
    def at(self, key: str) -> Iterator[None]:
        self.path.append(key)
        try:
            yield
        finally:
            self.path.pop()

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

    def rank(self, node: Any) -> float:
        """Nesting depth of the shallowest instance of `node` (inf: it has none)."""
        if self.memo is None or not isinstance(node, dict):
            return self.compute_rank(node)
        hit = self.memo.get(id(node))
        if hit is None:
            hit = self.memo[id(node)] = (node, self.compute_rank(node))
        return hit[1]

    def compute_rank(self, node: Any) -> float:
        if not isinstance(node, dict):
            return _INF if node is False else 0
        if "$ref" in node:
            return 1 + self.ref_rank.get(str(node["$ref"]), _INF)
        if "const" in node or "default" in node:
            return 0
        if isinstance(node.get("enum"), list):
            return 0 if node["enum"] else _INF
        for key in ("anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                return 1 + min((self.rank(o) for o in node[key]), default=_INF)
        if isinstance(node.get("allOf"), list):
            return 1 + max((self.rank(o) for o in node["allOf"]), default=0)
        return min((self.kind_rank(node, kind) for kind in _kinds(node)), default=_INF)

    def kind_rank(self, node: dict[str, Any], kind: str) -> float:
        if kind == "object":
            props = node.get("properties")
            props = props if isinstance(props, dict) else {}
            return 1 + max((self.rank(props.get(k)) for k in self.fill_keys(node)), default=0)
        if kind == "array":
            low, high = _int(node.get("minItems")), _int(node.get("maxItems"))
            prefix = node.get("prefixItems")
            prefix = prefix if isinstance(prefix, list) else []
            if high is not None and high < max(low or 0, 0):
                return _INF
            ranks = [self.rank(p) for p in prefix[: high if high is not None else None]]
            if (low or 0) > len(prefix):
                ranks.append(self.rank(node.get("items", {})))
            return 1 + max(ranks, default=0)
        if kind in ("integer", "number"):
            try:
                number(node, "", integer=kind == "integer")
            except ValueError:
                return _INF
        return 0

    def shallow(self, depth: int) -> bool:
        """Past this point the walk heads for the shallowest instance."""
        return depth > _SOFT_DEPTH or self.nodes > _SOFT_NODES

    def value(self, schema: Any, name: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            return self.fail(
                f"the smallest instance of this schema has more than {_MAX_NODES} values, too"
                " many to synthesize (lower 'minItems').",
                None,
            )
        if schema is True or schema is None or schema == {}:
            return self.untyped(name)
        if schema is False or not isinstance(schema, dict):
            return self.fail("the schema 'false' admits no value.", None)
        if "$ref" in schema:
            ref = str(schema["$ref"])
            target = self.resolve(ref)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if self.strict and self.ref_rank.get(ref, _INF) == _INF:
                return self.fail(
                    f"'$ref' {ref!r} admits no finite instance (every path through it recurses"
                    " or is unsatisfiable); make the recursion optional, e.g. nullable.",
                    self.minimal(target),
                )
            if depth > _MAX_DEPTH:
                return self.fail(
                    f"'$ref' {ref!r} nests its instances deeper than {_MAX_DEPTH} levels.",
                    self.minimal(target),
                )
            merged = {**target, **rest} if isinstance(target, dict) else rest
            return self.value(merged, name, depth + 1)
        if "const" in schema:
            return schema["const"]
        if "default" in schema:
            return schema["default"]
        if isinstance(schema.get("enum"), list):
            return schema["enum"][0] if schema["enum"] else self.fail("'enum' is empty.", None)
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                base = {k: v for k, v in schema.items() if k != key}
                return self.union(key, base, options, name, depth)
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, dict) and "$ref" in part:
                    part = self.resolve(str(part["$ref"]))
                if isinstance(part, dict):
                    merged = _merge(merged, part)
            return self.value(merged, name, depth + 1)
        kinds = _kinds(schema)
        if not kinds:
            return self.fail("'type' lists no type.", None)
        if kinds == ["any"]:
            return self.untyped(name)
        ranks = [self.kind_rank(schema, kind) for kind in kinds] if len(kinds) > 1 else [0]
        if self.shallow(depth):
            kind = min(zip(ranks, kinds, strict=True), key=lambda rk: rk[0])[1]
        else:  # the first non-null type that has an instance, else null, else the first
            order = [k for k, r in zip(kinds, ranks, strict=True) if r < _INF and k != "null"]
            kind = (order or (["null"] if "null" in kinds else kinds))[0]
        if depth > _MAX_DEPTH:
            return self.fail("the schema nests too deeply.", self.minimal(schema))
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "string":
            return self.string(schema, name)
        if kind in ("integer", "number"):
            try:
                return number(schema, name, integer=kind == "integer")
            except ValueError as exc:
                return self.fail(str(exc), 0, exc)
        if kind == "boolean":
            return True
        return None

    def union(
        self, key: str, base: dict[str, Any], options: list[Any], name: str, depth: int
    ) -> Any:
        """The first alternative with an instance (non-null first); shallowest when deep."""
        nullable = [_is_null(o, self) for o in options]
        if self.shallow(depth) and any(nullable):
            return None
        ranks = [self.rank(o) for o in options]
        order = sorted(range(len(options)), key=lambda i: (nullable[i], i))
        if self.shallow(depth):
            order.sort(key=lambda i: ranks[i])
        order = [i for i in order if ranks[i] < _INF]
        if not order:
            return self.fail(
                f"no alternative of '{key}' admits an instance.", self.minimal(options[0])
            )
        error: ValueError | None = None
        for i in order:
            chosen = options[i]
            if isinstance(chosen, dict):
                chosen = {**base, **chosen}
            try:
                with self.at(f"{key}[{i}]"):
                    return self.value(chosen, name, depth + 1)
            except ValueError as exc:  # only under strict: try the next alternative
                error = error or exc
        assert error is not None
        raise error

    def fill_keys(self, schema: dict[str, Any]) -> list[str]:
        """The object's keys that get a value: required ones, or all of them under strict."""
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required = schema.get("required")
        required_set = (
            {k for k in required if isinstance(k, str)} if isinstance(required, list) else set()
        )
        fill_all = self.strict or (
            schema.get("additionalProperties") is False and required_set == set(props)
        )
        keys = [
            key
            for key, sub in props.items()
            if fill_all or key in required_set or (isinstance(sub, dict) and "default" in sub)
        ]
        # Required names without a property schema still need a value.
        return keys + sorted(k for k in required_set - set(props) if isinstance(k, str))

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        out: dict[str, Any] = {}
        for key in self.fill_keys(schema):
            with self.at(key):
                out[key] = self.value(props.get(key, {}), key, depth + 1)
        min_props = schema.get("minProperties")
        if isinstance(min_props, int):
            min_props = min(min_props, _SOFT_NODES)  # outside the strict subset: best effort
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
        if isinstance(items, list):  # draft-4 tuple form
            prefix, items = items, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        low, high = _int(schema.get("minItems")), _int(schema.get("maxItems"))
        if low is not None and high is not None and low > high:
            return self.fail(f"'minItems' {low} is greater than 'maxItems' {high}.", [])
        count = len(prefix)
        if low is not None:
            count = max(count, low)
        elif not prefix and not self.shallow(depth) and self.rank(items) < _INF:
            count = 1  # one item looks more plausible than none
        if high is not None:
            count = min(count, high)
        if count > _MAX_NODES:
            count = self.fail(f"'minItems' {count} is more items than the emulator builds.", 0)
        if count > len(prefix) and items is False:
            return self.fail(f"'minItems' {low} needs more items than 'prefixItems' holds.", [])
        out: list[Any] = []
        for i in range(count):
            with self.at(str(i)):
                sub = prefix[i] if i < len(prefix) else items if isinstance(items, dict) else {}
                value = self.value(sub, _singular(name), depth + 1)
            if schema.get("uniqueItems") and value in out:
                value = _distinct(value, len(out))
            out.append(value)
        return out

    def string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        low = _int(schema.get("minLength")) or 0
        high = _int(schema.get("maxLength"))
        samples = FORMAT_STRINGS.get(fmt, ()) if isinstance(fmt, str) else ()
        plausible = samples or (named_string(name),)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            fitting = _first_fitting(plausible, low, high, pattern)
            if fitting is not None:
                return fitting
            try:  # a format sample that misses the pattern loses to the pattern
                return regex_instance(pattern, min_length=low, max_length=high)
            except ValueError as exc:
                return self.fail(str(exc), plausible[0], exc)
        if high is not None and high < low:
            return self.fail(f"'minLength' {low} is greater than 'maxLength' {high}.", "")
        if low > MAX_LENGTH:  # padding to it would build (and send) a string of any size
            return self.fail(
                f"'minLength' {low} is longer than the {MAX_LENGTH} characters the emulator"
                " synthesizes.",
                plausible[0],
            )
        fitting = _first_fitting(plausible, low, high, None)
        if fitting is not None:
            return fitting
        text = plausible[0]
        return (text + "x" * max(0, low - len(text)))[: high if high is not None else None]

    def untyped(self, name: str) -> Any:
        return named_string(name)

    def minimal(self, schema: Any) -> Any:
        """The smallest value of the schema's type: the best effort where none is valid."""
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


def _refs(root: Any) -> set[str]:
    """Every `$ref` string anywhere in `root` (iteratively: the schema may nest deeply)."""
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _kinds(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    if "properties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema:
        return ["array"]
    return ["any"]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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


def _first_fitting(
    candidates: tuple[str, ...], low: int, high: int | None, pattern: str | None
) -> str | None:
    for text in candidates:
        if low <= len(text) and (high is None or len(text) <= high):
            try:
                if pattern is None or found(pattern, text):  # not re.search: see found
                    return text
            except (re.error, OverflowError, Unsupported):
                return None  # regex_instance reports the bad pattern
    return None
