"""Fixtures for the pipes.serve tests: real apps served by uvicorn on a free loopback port.

The listening socket is bound and listening before uvicorn starts, so a client can connect
at once (the kernel queues it until uvicorn accepts): no sleep, no readiness poll.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from pipes_openai.emulator import Emulator


class Served:
    """A running server: its base URL and the uvicorn server (to stop it)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, port: int) -> None:
        self.server = server
        self.thread = thread
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        assert not self.thread.is_alive(), "uvicorn did not shut down within 10 s"


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[Served]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    served = Served(server, thread, port)
    try:
        yield served
    finally:
        served.stop()
        sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """`serve(app)` starts a server for the test and returns its base URL."""
    stack: list[Any] = []

    def start(app: Any, **config: Any) -> str:
        manager = serving(app, **config)
        stack.append(manager)
        return manager.__enter__().url

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _shared_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emu(_shared_emulator: Emulator) -> Iterator[Emulator]:
    """The session's OpenAI emulator, reset around the test."""
    _shared_emulator.reset()
    yield _shared_emulator
    _shared_emulator.reset()
