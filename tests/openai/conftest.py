"""Fixtures for the pipes_openai tests: one emulator per session, reset for every test.

Every chat-completion request a test sends through the ``emu`` fixture is validated against
``CreateChatCompletionRequest`` (a Responses request against ``CreateResponse``) of the
official schemas when the test ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai_helpers import assert_valid_request, assert_valid_responses

from pipes_openai.emulator import Emulator

KEY = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture(scope="session")
def _shared_openai_emulator() -> Iterator[Emulator]:
    # The provider's tests talk to OpenAI-compatible servers of every kind (vLLM presets,
    # made-up and future model names): the emulator serves any model id here. Its model
    # checks are tested in tests/openai/emulator.
    with Emulator(any_model=True) as emu:
        yield emu


@pytest.fixture
def emu(_shared_openai_emulator: Emulator) -> Iterator[Emulator]:
    """The session's emulator with an empty queue; request bodies are schema-checked after."""
    _shared_openai_emulator.reset()
    yield _shared_openai_emulator
    for request in _shared_openai_emulator.requests:
        if request.path.endswith("/chat/completions"):
            assert_valid_request(request.body)
        elif request.path.endswith("/responses") and request.method == "POST":
            assert_valid_responses("CreateResponse", request.body)
    _shared_openai_emulator.reset()


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never depend on (or leak) the developer's real configuration.
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "OPENAI_ORG_ID",
        "OPENAI_ORGANIZATION",
        "OPENAI_PROJECT_ID",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_AD_TOKEN",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
