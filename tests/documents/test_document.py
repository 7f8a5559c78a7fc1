"""`Document`: LangChain's constructor, repr, str and equality."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipes import Document


def test_positional_or_keyword_content_with_metadata_and_id() -> None:
    doc = Document("Cats purr.", metadata={"topic": "cats"}, id="c1")
    assert doc == Document(page_content="Cats purr.", metadata={"topic": "cats"}, id="c1")
    assert (doc.page_content, doc.metadata, doc.id, doc.type) == (
        "Cats purr.",
        {"topic": "cats"},
        "c1",
        "Document",
    )
    assert Document("x").metadata == {}
    assert Document("x").id is None


def test_repr_and_str_match_langchain() -> None:
    doc = Document("x", metadata={"a": 1}, id="z")
    assert repr(doc) == "Document(id='z', metadata={'a': 1}, page_content='x')"
    assert str(doc) == "page_content='x' metadata={'a': 1}"
    assert str(Document("x")) == "page_content='x'"


def test_bad_content_and_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="page_content"):
        Document(3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="metdata"):
        Document("x", metdata={})


def test_round_trips_through_a_dump() -> None:
    doc = Document("x", metadata={"a": [1, 2]}, id="i")
    assert Document.model_validate(doc.model_dump()) == doc
    assert Document.model_validate_json(doc.model_dump_json()) == doc
