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


def test_without_opentelemetry_the_error_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None  # as if it were not installed\n"
        "try:\n"
        "    import pipes.otel\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "    print(type(error.__cause__).__name__)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    message, cause = done.stdout.strip().splitlines()
    assert "pip install 'pipes-llm[otel]'" in message
    assert cause in ("ImportError", "ModuleNotFoundError")
