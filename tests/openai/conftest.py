"""Fixtures for the pipes_openai tests: one emulator per session, reset for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipes_openai.emulator import Emulator


@pytest.fixture(scope="session")
def _shared_openai_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emu(_shared_openai_emulator: Emulator) -> Iterator[Emulator]:
    """The session's emulator with an empty queue and no recorded requests."""
    _shared_openai_emulator.reset()
    yield _shared_openai_emulator
    _shared_openai_emulator.reset()
