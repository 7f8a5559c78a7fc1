"""Fixtures for the emulator tests: a running emulator and an httpx client on it.

One emulator and one client serve the whole session (an httpx client costs ~40 ms to build,
an SSL context included); ``emulator`` resets the queue and the recorded requests per test.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipes_openai.emulator import Emulator


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
