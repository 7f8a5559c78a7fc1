"""The vendored copy of the official schemas is the one in the project's shared specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from openai_helpers import SCHEMA_PATH

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / SCHEMA_PATH.name


@pytest.mark.skipif(not SHARED.exists(), reason="no ../shared/specs beside this checkout")
def test_vendored_schema_matches_the_shared_original() -> None:
    assert SCHEMA_PATH.read_bytes() == SHARED.read_bytes(), (
        f"{SCHEMA_PATH} differs from {SHARED}: copy the shared file over the vendored one"
    )


def test_vendored_schema_has_the_wire_definitions() -> None:
    import json

    names = json.loads(SCHEMA_PATH.read_text())["$defs"]
    for name in (
        "CreateChatCompletionRequest",
        "CreateChatCompletionResponse",
        "CreateChatCompletionStreamResponse",
        "ErrorResponse",
    ):
        assert name in names
