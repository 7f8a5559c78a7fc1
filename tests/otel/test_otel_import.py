"""`import pipes` (and everything it re-exports) never loads OpenTelemetry or pipes.otel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_import_pipes_never_imports_opentelemetry() -> None:
    code = (
        "import sys, pipes, pipes_openai\n"
        "from pipes import *\n"
        "loaded = [m for m in sys.modules if m.startswith(('opentelemetry', 'pipes.otel'))]\n"
        "print(loaded)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
