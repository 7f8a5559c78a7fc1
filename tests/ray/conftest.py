"""One real local Ray instance for the Ray tests (2 CPUs, no dashboard), and an emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ray

from pipes_openai.emulator import Emulator


@pytest.fixture(scope="session")
def ray_instance() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    # Ray's workers reach it over loopback like any client; no request log limit is needed
    # for the 2,000-row jobs here.
    with Emulator() as emu:
        yield emu
