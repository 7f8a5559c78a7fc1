"""Embeddings: the base class of text-embedding models (re-exported from `pipes`)."""

from __future__ import annotations

from ._base import Embeddings

__all__ = ["Embeddings"]
