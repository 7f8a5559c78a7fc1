"""Documents: a piece of text with metadata and an optional id (re-exported from `pipes`)."""

from __future__ import annotations

from ._document import Document

__all__ = ["Document"]
