"""An independent checker of OpenAI strict-mode schema rules, used by the tool tests.

Written from OpenAI's documented rules (not from pipes' implementation) so the tests can fail:
the root is an object; every object has ``additionalProperties: false`` and lists all its
properties in ``required``; every schema says what it is (type / anyOf / enum / $ref); a
``$ref`` has no siblings and resolves locally; unsupported keywords are absent.
"""

from __future__ import annotations

from typing import Any

import jsonschema

ALLOWED_KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "enum",
    "$ref",
    "$defs",
    "description",
    "title",
    "pattern",
    "format",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "minItems",
    "maxItems",
}
STRING_FORMATS = {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6"}
STRING_FORMATS |= {"uuid"}


def _resolve(root: dict[str, Any], ref: str) -> Any:
    assert ref == "#" or ref.startswith("#/"), ref
    node: Any = root
    for part in ref[2:].split("/") if ref != "#" else []:
        node = node[part]
    return node


def violations(root: dict[str, Any]) -> list[str]:
    """Every strict-mode rule ``root`` (a function's ``parameters``) breaks, with its path."""
    problems: list[str] = []
    if root.get("type") != "object":
        problems.append("root: not an object")

    def check(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            problems.append(f"{path}: not a schema object")
            return
        for key in node:
            if key not in ALLOWED_KEYWORDS:
                problems.append(f"{path}: unsupported keyword {key!r}")
        if "$ref" in node:
            if len(node) != 1:
                problems.append(f"{path}: $ref with siblings {sorted(node)}")
            try:
                _resolve(root, node["$ref"])
            except (KeyError, AssertionError):
                problems.append(f"{path}: unresolvable $ref {node['$ref']!r}")
            return
        if not any(k in node for k in ("type", "anyOf", "enum")):
            problems.append(f"{path}: no type")
        if "format" in node and node["format"] not in STRING_FORMATS:
            problems.append(f"{path}: unsupported format {node['format']!r}")
        types = node.get("type")
        types = types if isinstance(types, list) else [types]
        if "object" in types or "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties is not false")
            props = node.get("properties")
            if not isinstance(props, dict):
                problems.append(f"{path}: object without properties")
            else:
                if sorted(node.get("required", [])) != sorted(props):
                    problems.append(f"{path}: required != all properties")
                for name, sub in props.items():
                    check(sub, f"{path}/properties/{name}")
        if "array" in types:
            if "items" not in node:
                problems.append(f"{path}: array without items")
            else:
                check(node["items"], f"{path}/items")
        for i, sub in enumerate(node.get("anyOf", [])):
            check(sub, f"{path}/anyOf/{i}")
        for name, sub in node.get("$defs", {}).items():
            check(sub, f"{path}/$defs/{name}")

    check(root, "#")
    jsonschema.Draft202012Validator.check_schema(root)
    return problems
