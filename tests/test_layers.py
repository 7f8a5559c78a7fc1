"""The import layers of CONTRIBUTING.md hold: imports only point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# layer -> the pipes modules it must never import (directly or by name)
_RETRIEVAL = ("_documents", "_embeddings", "_retrievers", "_vectorstores")
_ABOVE_MODELS = ("_history", "_models", "_load", "testing")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "pipes/_core": (
        "_messages",
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        *_ABOVE_MODELS,
        *_RETRIEVAL,
    ),
    "pipes/_messages": (
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        *_ABOVE_MODELS,
        *_RETRIEVAL,
    ),
    "pipes/_schema": ("_prompts", "_parsers", "_tools", *_ABOVE_MODELS, *_RETRIEVAL),
    "pipes/_prompts": ("_parsers", "_tools", *_ABOVE_MODELS, *_RETRIEVAL),
    "pipes/_parsers": ("_prompts", "_tools", *_ABOVE_MODELS, *_RETRIEVAL),
    "pipes/_tools": ("_prompts", "_parsers", *_ABOVE_MODELS, *_RETRIEVAL),
    "pipes/_history": ("_parsers", "_tools", "_models", "_load", "testing", *_RETRIEVAL),
    "pipes/_models": ("_load", "testing", *_RETRIEVAL),
    # Retrieval sits above core and messages: documents <- embeddings <- retrievers <- vectorstores.
    "pipes/_documents": (
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        *_ABOVE_MODELS,
        "_embeddings",
        "_retrievers",
        "_vectorstores",
    ),
    "pipes/_embeddings": (
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        *_ABOVE_MODELS,
        "_retrievers",
        "_vectorstores",
    ),
    "pipes/_retrievers": (
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        *_ABOVE_MODELS,
        "_embeddings",
        "_vectorstores",
    ),
    "pipes/_vectorstores": ("_schema", "_prompts", "_parsers", "_tools", *_ABOVE_MODELS),
    # serialization sits above the models: it knows every class it may build
    "pipes/_load": ("testing",),
    # usage tracking sits above the models; OpenTelemetry above everything
    "pipes/_usage": ("testing", "otel"),
    "pipes/otel": ("testing",),
    # integrations beside the layers they extend, on the public API
    "pipes/ray": ("testing",),
    # the server and its client: built on the public pipes API only (like a provider)
    "pipes/serve": (
        "_core",
        "_messages",
        "_schema",
        "_prompts",
        "_parsers",
        "_tools",
        "_models",
        "_errors",
        "testing",
        *_ABOVE_MODELS,
        *_RETRIEVAL,
    ),
}

# Layers on top that nothing else in pipes may import: usage tracking (above the models) and
# the optional OpenTelemetry package (above everything; `import pipes` never loads it).
# (pipes/__init__.py re-exports _usage lazily, like every layer; never otel.)
TOP_LAYERS: dict[str, tuple[str, ...]] = {"_usage": ("otel", "__init__.py"), "otel": ()}


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _layer_files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer: str) -> None:
    violations = []
    for path in _layer_files(layer):
        for lineno, module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "pipes" and len(parts) > 1 and parts[1] in FORBIDDEN[layer]:
                violations.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    assert not violations, "imports must point down the layers:\n" + "\n".join(violations)


def test_pipes_never_imports_pipes_openai() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{lineno} imports {module}"
        for path in _layer_files("pipes")
        for lineno, module in _imported_modules(path)
        if module.split(".")[0] == "pipes_openai"
    ]
    assert not violations, "\n".join(violations)


def test_pipes_openai_uses_only_public_pipes_api() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{lineno} imports {module}"
        for path in _layer_files("pipes_openai")
        for lineno, module in _imported_modules(path)
        if module.split(".")[0] == "pipes"
        and any(part.startswith("_") for part in module.split(".")[1:2])
    ]
    assert not violations, "pipes_openai may import only public pipes modules:\n" + "\n".join(
        violations
    )


def _package_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (at any level: top, function,
    ``TYPE_CHECKING``), by dotted name."""
    root = ROOT / package
    prefix = package.replace("/", ".")
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for path in root.rglob("*.py")
        if path.name != "__init__.py"
    }
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for _, imported in _imported_modules(path):
            if imported in modules and imported != name and imported.startswith(prefix):
                graph[name].add(imported)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


# Packages whose modules import one another only one way: no cycle, not even through a
# function-level or TYPE_CHECKING import (a cycle means two modules are one idea, or one of
# them reaches into the other's owner; see pipes/_models/_call.py for the protocol way out).
# Not pipes/_core: Runnable's own methods build the composites that subclass it (``|``,
# ``with_retry``, ``batch``), so _runnable and those modules import each other by design.
ACYCLIC = (
    "pipes/_load",
    "pipes/_messages",
    "pipes/_models",
    "pipes/_usage",
    "pipes/otel",
    "pipes/_parsers",
    "pipes/_schema",
    "pipes/_tools",
    "pipes/ray",
    "pipes/serve",
    "pipes/testing",
)


@pytest.mark.parametrize("package", ACYCLIC)
def test_no_import_cycles_inside_a_package(package: str) -> None:
    cycle = _cycle(_package_graph(package))
    assert cycle is None, f"import cycle in {package}: " + " -> ".join(cycle or [])


def test_only_pipes_ray_imports_ray() -> None:
    # Ray is an optional extra (pipes-llm[ray]): nothing else may need it.
    violations = [
        f"{path.relative_to(ROOT)}:{lineno} imports {module}"
        for base in ("pipes", "pipes_openai")
        for path in _layer_files(base)
        if path.relative_to(ROOT).parts[:2] != ("pipes", "ray")
        for lineno, module in _imported_modules(path)
        if module.split(".")[0] == "ray"
    ]
    assert not violations, "only pipes/ray may import ray:\n" + "\n".join(violations)


@pytest.mark.parametrize("layer", sorted(TOP_LAYERS))
def test_top_layers_are_imported_only_from_above(layer: str) -> None:
    allowed = {layer, *TOP_LAYERS[layer]}
    violations = [
        f"{path.relative_to(ROOT)}:{lineno} imports {module}"
        for path in _layer_files("pipes")
        if path.relative_to(ROOT).parts[1] not in allowed
        for lineno, module in _imported_modules(path)
        if module.split(".")[:2] == ["pipes", layer]
    ]
    assert not violations, f"only {sorted(allowed)} may import pipes.{layer}:\n" + "\n".join(
        violations
    )


def test_only_pipes_otel_imports_opentelemetry() -> None:
    violations = [
        f"{path.relative_to(ROOT)}:{lineno} imports {module}"
        for path in _layer_files("pipes")
        if path.relative_to(ROOT).parts[1] != "otel"
        for lineno, module in _imported_modules(path)
        if module.split(".")[0] == "opentelemetry"
    ]
    assert not violations, "only pipes/otel may import opentelemetry:\n" + "\n".join(violations)
