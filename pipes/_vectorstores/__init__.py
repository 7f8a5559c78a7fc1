"""Vector stores and their retriever (re-exported from `pipes`)."""

from __future__ import annotations

from ._base import DocumentFilter, SearchType, VectorStore
from ._in_memory import InMemoryVectorStore
from ._retriever import VectorStoreRetriever

__all__ = [
    "DocumentFilter",
    "InMemoryVectorStore",
    "SearchType",
    "VectorStore",
    "VectorStoreRetriever",
]
