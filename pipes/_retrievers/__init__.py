"""Retrievers: runnables from a query to a list of documents (re-exported from `pipes`)."""

from __future__ import annotations

from ._base import BaseRetriever

__all__ = ["BaseRetriever"]
