"""Griffe extension: the names a package loads on first use are documented as its own.

pipes' packages export most names lazily (`pipes._lazy.install_lazy_getattr`): each name is imported
under `if TYPE_CHECKING:` for type checkers and loaded by the package's `__getattr__` at run
time. Griffe reads a type-guarded import as "not available at run time" and leaves it out of
star imports, so `pipes.Runnable` or `pipes.PromptTemplate` would be missing from the API
reference and from cross-references. In a package that calls `install_lazy_getattr(globals())`,
the type-guarded imports are exactly its lazy names (`tests/test_lazy.py` holds that), so they
are marked as available at run time, which they are.

Used by mkdocstrings (`mkdocs.yml`: `extensions`).
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


class LazyExports(griffe.Extension):
    """Mark the type-guarded imports of a lazily exporting package as run-time names."""

    def on_module_members(self, *, node: Any, mod: griffe.Module, **kwargs: Any) -> None:
        if not isinstance(node, ast.Module) or not any(
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id == "install_lazy_getattr"
            for statement in node.body
        ):
            return
        for member in mod.members.values():
            if member.is_alias and not member.runtime:
                member.runtime = True
