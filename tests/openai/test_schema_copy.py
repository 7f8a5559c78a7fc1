"""The vendored copy of the official schemas is the one in the project's shared specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from openai_helpers import RESPONSES_SCHEMA_PATH, SCHEMA_PATH

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


@pytest.mark.parametrize("vendored", [SCHEMA_PATH, RESPONSES_SCHEMA_PATH], ids=lambda p: p.name)
def test_vendored_schema_matches_the_shared_original(vendored: Path) -> None:
    shared = SPECS / vendored.name
    if not shared.exists():
        pytest.skip("no ../shared/specs beside this checkout")
    assert vendored.read_bytes() == shared.read_bytes(), (
        f"{vendored} differs from {shared}: copy the shared file over the vendored one"
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


def test_vendored_responses_schema_has_the_wire_definitions() -> None:
    import json

    names = json.loads(RESPONSES_SCHEMA_PATH.read_text())["$defs"]
    for name in ("CreateResponse", "Response", "ResponseStreamEvent", "ErrorResponse"):
        assert name in names
