"""Walk an official OpenAI request schema: every `oneOf`/`anyOf` branch, `enum` value and
property, each as one minimal instance.

The walk covers each branch once (not their cross product): an object yields its minimal
instance, then that instance with one property set to each variant of that property; a union
yields the variants of each branch; an array holds one variant of its items. Past `max_depth`
nested objects only yield their minimal instance, which keeps the walk finite and small.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

__all__ = ["RequestWalk", "SchemaWalk"]

# Strings in a `format` (unchecked by jsonschema, but checked by the API: an image URL).
_FORMATS = {"uri": "https://example.com/cat.png", "email": "alice@example.com"}


class SchemaWalk:
    """Minimal instances and per-branch variants of the schemas in `defs` (a `$defs` map).

    ```python
    walk = SchemaWalk({"Pet": {"enum": ["cat", "dog"]}})
    assert [v for _, v in walk.variants({"$ref": "#/$defs/Pet"})] == ["cat", "dog"]
    ```
    """

    def __init__(self, defs: dict[str, Any], *, max_depth: int = 6) -> None:
        self.defs = defs
        self.max_depth = max_depth

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            rest = {k: v for k, v in node.items() if k not in ("$ref", "description")}
            node = {**self.defs[ref.rsplit("/", 1)[-1]], **rest}
        if isinstance(node, dict) and "allOf" in node:
            merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in node["allOf"]:
                part = self.resolve(part)
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
            node = merged
        return node

    def minimal(self, node: Any, depth: int = 0) -> Any:
        """The smallest instance of `node`: required properties only, first branches."""
        node = self.resolve(node)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in node:
                branches = [b for b in node[key] if self.resolve(b).get("type") != "null"]
                return self.minimal((branches or node[key])[0], depth + 1)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        if kind == "object" or "properties" in node:
            props = node.get("properties", {})
            return {k: self.minimal(props.get(k, {}), depth + 1) for k in node.get("required", [])}
        if kind == "array":
            return [self.minimal(node.get("items", {}), depth + 1)] * node.get("minItems", 0)
        if kind == "string":
            return _FORMATS.get(node.get("format", ""), "x" * max(1, node.get("minLength", 1)))
        if kind in ("integer", "number"):
            low = node.get("minimum", 1)
            return max(low, min(1, node.get("maximum", 1)))
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return {}  # an unconstrained value (free-form JSON): an empty object

    def variants(self, node: Any, label: str = "", depth: int = 0) -> list[tuple[str, Any]]:
        """`(label, instance)` for every branch, enum value and property below `node`."""
        seen: set[str] = set()
        out: list[tuple[str, Any]] = []
        for name, value in self._variants(node, label, depth):
            key = json.dumps(value, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append((name, value))
        return out

    def _variants(self, node: Any, label: str, depth: int) -> Iterator[tuple[str, Any]]:
        ref = node.get("$ref", "").rsplit("/", 1)[-1] if isinstance(node, dict) else ""
        node = self.resolve(node)
        if depth > self.max_depth:
            yield label, self.minimal(node, depth)
            return
        if "const" in node:
            yield label, node["const"]
            return
        if "enum" in node:
            for value in node["enum"]:
                yield f"{label}={value}", value
            return
        for key in ("anyOf", "oneOf"):
            if key in node:
                for i, branch in enumerate(node[key]):
                    name = branch.get("$ref", "").rsplit("/", 1)[-1] or f"{key}[{i}]"
                    yield from self._variants(branch, f"{label}<{name}>", depth + 1)
                return
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            base = self.minimal(node, depth)
            yield label + (f"<{ref}>" if ref else ""), base
            for prop, sub in node.get("properties", {}).items():
                for name, value in self._variants(sub, f"{label}.{prop}", depth + 1):
                    yield name, {**base, prop: value}
            return
        if kind == "array":
            count = max(1, node.get("minItems", 0))
            for name, value in self._variants(node.get("items", {}), f"{label}[]", depth + 1):
                yield name, [value] * count
            return
        yield label, self.minimal(node, depth)


class RequestWalk:
    """The walked variants of one request schema's top-level properties, each made a whole
    request body by `contextualise(prop, value)` (what the API requires beside the value)."""

    def __init__(
        self,
        validator: Any,
        name: str,
        contextualise: Callable[[str, Any], dict[str, Any]],
        *,
        not_walked: frozenset[str] = frozenset({"model"}),
        max_depth: int = 6,
    ) -> None:
        self.validator = validator
        self.walk = SchemaWalk(validator.schema["$defs"], max_depth=max_depth)
        self.top = self.walk.resolve({"$ref": f"#/$defs/{name}"})
        self.contextualise = contextualise
        self.properties = set(self.top["properties"]) - not_walked
        self.variants = [
            (label, prop, value)
            for prop, sub in self.top["properties"].items()
            if prop in self.properties
            for label, value in self.walk.variants(sub, prop)
        ]

    def body(self, prop: str, value: Any) -> dict[str, Any]:
        """The request body around `value` (a copy: contextualise may edit it)."""
        return self.contextualise(prop, json.loads(json.dumps(value)))

    def assert_covers(self, forms: tuple[str, ...], at_least: int, invalid: list[str]) -> None:
        """Every walked property has variants, each of `forms` is in some label, there are
        `at_least` variants, and the bodies the schema rejects are exactly `invalid`."""
        assert {prop for _, prop, _ in self.variants} == self.properties
        labels = " ".join(label for label, _, _ in self.variants)
        assert [form for form in forms if form not in labels] == []
        assert len(self.variants) >= at_least
        assert self.invalid() == invalid  # the test over the variants skips these

    def invalid(self) -> list[str]:
        """The labels whose body the schema rejects: the walk merges `allOf` parts loosely and
        takes the first branch of nested unions, so a handful break a rule it does not model."""
        return [
            label
            for label, prop, value in self.variants
            if not self.validator.is_valid(self.body(prop, value))
        ]

    def valid_body(self, prop: str, value: Any) -> dict[str, Any]:
        """`body(prop, value)`, or skip the test when the schema rejects it (see `invalid`)."""
        body = self.body(prop, value)
        error = next(iter(self.validator.iter_errors(body)), None)
        if error is not None:
            pytest.skip(f"not a valid request: {error.message[:200]}")
        return body

    def parametrize(self) -> Any:
        """`pytest.mark.parametrize` over `("prop", "value")`, each id the variant's label."""
        return pytest.mark.parametrize(
            ("prop", "value"),
            [v[1:] for v in self.variants],
            ids=[v[0] for v in self.variants],
        )
