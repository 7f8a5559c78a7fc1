"""The ``openai_emulator`` fixture, enabled the way users enable it (``pytest_plugins``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_fixture_and_marker_in_a_user_project(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["pipes_openai.emulator.pytest_plugin"]\n'
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest

            BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

            def test_default(openai_emulator):
                openai_emulator.script("scripted")
                r = httpx.post(openai_emulator.base_url + "/chat/completions", json=BODY)
                assert r.json()["choices"][0]["message"]["content"] == "scripted"
                assert openai_emulator.requests[-1].body == BODY

            def test_fresh_per_test(openai_emulator):
                assert openai_emulator.requests == []
                assert openai_emulator.pending == 0

            @pytest.mark.openai_emulator(api_key="sk-test", quirks={"omit_usage"})
            def test_marker(openai_emulator):
                r = httpx.post(openai_emulator.base_url + "/chat/completions", json=BODY)
                assert r.status_code == 401
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--strict-markers",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
