"""Fixtures for the emulator tests: a running emulator, and an httpx and an `openai` client on it.

One emulator and one client serve the whole session (an httpx client costs ~40 ms to build,
an SSL context included); ``emulator`` resets the queue and the recorded requests per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from pipes_openai.emulator import Emulator

if TYPE_CHECKING:
    from openai import OpenAI


@pytest.fixture(scope="session")
def _shared_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def _shared_client(_shared_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_shared_emulator.base_url, timeout=10) as c:
        yield c


@pytest.fixture
def emulator(_shared_emulator: Emulator) -> Iterator[Emulator]:
    _shared_emulator.reset()
    yield _shared_emulator
    _shared_emulator.reset()


@pytest.fixture
def client(emulator: Emulator, _shared_client: httpx.Client) -> httpx.Client:
    return _shared_client


@pytest.fixture
def sdk(emulator: Emulator) -> Iterator[OpenAI]:
    """The official `openai` SDK on the emulator, without retries (skipped where not installed)."""
    openai = pytest.importorskip("openai")
    with openai.OpenAI(base_url=emulator.base_url, api_key="x", max_retries=0) as client:
        yield client
