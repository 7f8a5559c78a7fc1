"""pytest plugin: the `openai_emulator` fixture.

Enable it in a `conftest.py`:

```python
pytest_plugins = ["pipes_openai.emulator.pytest_plugin"]
```

then:

```python
def test_hello(openai_emulator):
    openai_emulator.script("Hi!")
    client = OpenAI(base_url=openai_emulator.base_url, api_key="x")
    assert client.chat.completions.create(...).choices[0].message.content == "Hi!"
```

Configure the emulator of one test with the `openai_emulator` marker, whose keyword
arguments go to [`Emulator`][pipes_openai.emulator.Emulator]:

```python
@pytest.mark.openai_emulator(api_key="sk-test", quirks={"omit_usage"})
def test_strict_key(openai_emulator): ...
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._server import Emulator

__all__ = ["openai_emulator"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "openai_emulator(**kwargs): keyword arguments for the openai_emulator fixture's Emulator",
    )


@pytest.fixture
def openai_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A fresh, running [`Emulator`][pipes_openai.emulator.Emulator] on a loopback port, closed
    after the test."""
    kwargs: dict[str, Any] = {}
    marker = request.node.get_closest_marker("openai_emulator")
    if marker is not None:
        kwargs.update(marker.kwargs)
    with Emulator(**kwargs) as emulator:
        yield emulator
