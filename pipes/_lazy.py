"""A package's module-level `__getattr__` that imports a public name on first use.

Packages whose names are costly to import (or pull in other layers) list each name with the
module defining it; `import` of the package then loads none of them until one is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str, table: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """The `__getattr__` of `package`: `table` maps each lazy name to its module; a name once
    loaded is stored in `namespace` (the package's `globals()`), so it is looked up once."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # the next lookup does not come here
        return value

    return __getattr__
