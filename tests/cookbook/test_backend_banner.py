"""Every cookbook script names the server it talks to: a key beside ``OPENAI_BASE_URL`` may
belong to a gateway or a local server, which is not "the real OpenAI API"."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _backend_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_cookbook_backend", ROOT / "cookbook" / "_backend.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "OPENAI_API_BASE"])
def test_a_custom_base_url_is_named(
    variable: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv(variable, "http://127.0.0.1:9/v1")
    with _backend_module().backend() as emulator:
        assert emulator is None
    out = capsys.readouterr().out
    assert "the OpenAI-compatible server at http://127.0.0.1:9/v1" in out
    assert "real OpenAI API" not in out


def test_the_real_api_is_named_without_a_base_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with _backend_module().backend() as emulator:
        assert emulator is None
    assert "Using the real OpenAI API" in capsys.readouterr().out
