"""`Document`: what loaders produce, vector stores hold and retrievers return.

Example:
    ```python
    from pipes import Document

    doc = Document("Paris is the capital of France.", metadata={"source": "atlas.txt"})
    doc.page_content, doc.metadata["source"], doc.id  # id: None until a store assigns one
    ```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Document"]


class Document(BaseModel):
    """A piece of text (`page_content`) with `metadata` and an optional `id`.

    LangChain's `Document`: `page_content` may be given positionally, `str(doc)` shows only
    the content and the metadata (what a prompt that formats documents directly sees).

    Example:
        ```python
        doc = Document("Cats sleep 16 hours a day.", metadata={"topic": "cats"}, id="c1")
        str(doc)  # "page_content='Cats sleep 16 hours a day.' metadata={'topic': 'cats'}"
        ```
    """

    model_config = ConfigDict(extra="forbid")

    page_content: str
    """The text."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Anything about the text: its source, page, section ..."""
    id: str | None = None
    """A unique id (vector stores set it when they store the document)."""
    type: Literal["Document"] = "Document"
    """The serialization tag (LangChain's)."""

    def __init__(self, page_content: str, **kwargs: Any) -> None:
        super().__init__(page_content=page_content, **kwargs)

    def __repr_args__(self) -> Any:
        # LangChain's repr: id, metadata, page_content (the constant type tag left out).
        return [(name, getattr(self, name)) for name in ("id", "metadata", "page_content")]

    def __str__(self) -> str:
        if self.metadata:
            return f"page_content={self.page_content!r} metadata={self.metadata!r}"
        return f"page_content={self.page_content!r}"
