"""`InMemoryVectorStore`: documents and vectors in a dict, searched by cosine similarity.

Pure Python; with numpy importable, searches over many vectors find their candidates on a
float32 matrix first (same answers, see `pipes._vectorstores._math`).

Example:
    ```python
    from pipes import InMemoryVectorStore
    from pipes.testing import DeterministicFakeEmbedding

    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=64))
    store.add_texts(["cats purr", "dogs bark"], metadatas=[{"pet": "cat"}, {"pet": "dog"}])
    store.similarity_search("purring cats", k=1)
    ```
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Literal

from pipes._documents import Document
from pipes._embeddings import Embeddings
from pipes._errors import InputTypeError

from ._base import DocumentFilter, VectorStore, as_predicate, check_k
from ._math import Matrix, Row, numpy_or_none, top_k

__all__ = ["InMemoryVectorStore"]

# Below this many rows the pure path is as fast as building and using the matrix.
_NUMPY_MIN_ROWS = 2048


class _Entry:
    __slots__ = ("document", "row")

    def __init__(self, document: Document, row: Row) -> None:
        self.document = document
        self.row = row


class InMemoryVectorStore(VectorStore):
    """A vector store in a Python dict (LangChain's `InMemoryVectorStore`).

    `use_numpy`: `"auto"` (default: numpy if importable, for stores of a few thousand vectors
    and more), `True` (require numpy) or `False` (pure Python). Both paths return the same
    documents, in the same order, with the same scores.

    Example:
        ```python
        store = InMemoryVectorStore.from_texts(
            ["Cats sleep 16 hours a day.", "Dogs are loyal."], embeddings,
            metadatas=[{"topic": "cats"}, {"topic": "dogs"}], ids=["c", "d"],
        )
        store.similarity_search_with_score("sleepy cats", k=1)   # [(Document(id='c', ...), 0.4...)]
        store.similarity_search("pets", filter=lambda doc: doc.metadata["topic"] == "dogs")
        store.get_by_ids(["d"]); store.delete(["d"])
        ```
    """

    def __init__(
        self, embedding: Embeddings, *, use_numpy: bool | Literal["auto"] = "auto"
    ) -> None:
        # Duck typing too: any object with LangChain's two methods works.
        source: object = embedding
        if not callable(getattr(source, "embed_documents", None)) or not callable(
            getattr(source, "embed_query", None)
        ):
            raise InputTypeError(
                f"InMemoryVectorStore needs an Embeddings model (e.g. OpenAIEmbeddings()), got "
                f"{type(embedding).__name__}."
            )
        self.embedding = embedding
        self.store: dict[str, _Entry] = {}
        self._np: Any = None
        if use_numpy is True:
            self._np = numpy_or_none()
            if self._np is None:
                raise ImportError(
                    "InMemoryVectorStore(use_numpy=True) needs numpy: pip install numpy (or "
                    "leave use_numpy='auto' to use it only when installed)."
                )
        elif use_numpy == "auto":
            self._np = numpy_or_none()
        elif use_numpy is not False:
            raise ValueError(f"use_numpy must be True, False or 'auto', got {use_numpy!r}.")
        # Snapshots rebuilt after a change: the entries in order, and numpy's matrix of them.
        self._dimensions: int | None = None
        self._entries: list[_Entry] | None = None
        self._matrix: Matrix | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        embedding = type(self.embedding).__name__
        return f"InMemoryVectorStore(embedding={embedding}, size={len(self.store)})"

    def __len__(self) -> int:
        return len(self.store)

    @property
    def embeddings(self) -> Embeddings:
        return self.embedding

    # -- the store contract -----------------------------------------------------------------

    def add_vectors(self, documents: list[Document], vectors: list[list[float]]) -> list[str]:
        if len(vectors) != len(documents):
            raise ValueError(
                f"got {len(vectors)} vectors for {len(documents)} documents; pass one per document."
            )
        rows = [Row(vector) for vector in vectors]  # outside the lock: the costly part
        ids: list[str] = []
        with self._lock:
            known = self._dimensions
            try:
                for row in rows:
                    self._check_dimensions(len(row.vector), "a vector to add")
            except ValueError:
                self._dimensions = known  # nothing was added
                raise
            for document, row in zip(documents, rows, strict=True):
                doc_id = document.id
                assert doc_id is not None  # the base class sets it
                self.store[doc_id] = _Entry(document, row)
                ids.append(doc_id)
            self._entries = self._matrix = None
        return ids

    def delete(self, ids: Sequence[str] | None = None) -> None:
        if isinstance(ids, str):
            raise InputTypeError(
                f"delete expects a list of ids, got the string {ids!r}; use [{ids!r}]."
            )
        if not ids:
            return
        with self._lock:
            for doc_id in ids:
                self.store.pop(doc_id, None)
            if not self.store:
                self._dimensions = None  # an emptied store takes vectors of any size again
            self._entries = self._matrix = None

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        if isinstance(ids, str):
            raise InputTypeError(
                f"get_by_ids expects a list of ids, got the string {ids!r}; use [{ids!r}]."
            )
        found = (self.store.get(doc_id) for doc_id in ids)
        return [entry.document.model_copy() for entry in found if entry is not None]

    def _search_with_vectors(
        self, embedding: Sequence[float], k: int, filter: DocumentFilter | None
    ) -> list[tuple[Document, float, Sequence[float]]]:
        check_k(k)
        predicate = as_predicate(filter)
        entries, matrix = self._snapshot()
        if entries:
            self._check_dimensions(len(embedding), "the query vector")
        allowed = None
        if predicate is not None:
            allowed = [i for i, entry in enumerate(entries) if predicate(entry.document)]
        hits = top_k(
            [entry.row for entry in entries] if matrix is None else _Rows(entries),
            embedding,
            k,
            matrix=matrix,
            np=self._np,
            allowed=allowed,
        )
        return [
            (entries[i].document.model_copy(), score, entries[i].row.vector.tolist())
            for i, score in hits
        ]

    def _check_dimensions(self, size: int, what: str) -> None:
        """Every vector of a store has one size: a mismatch is a mixed-up embedding model."""
        if self._dimensions is None:
            if size == 0:
                raise ValueError(f"{what} is empty; embeddings must have at least one dimension.")
            self._dimensions = size
        elif size != self._dimensions:
            raise ValueError(
                f"{what} has {size} dimensions but this store holds vectors of "
                f"{self._dimensions}; use the same embedding model (and `dimensions`) for "
                "adding and searching."
            )

    def _snapshot(self) -> tuple[list[_Entry], Matrix | None]:
        """The entries in insertion order and, on the numpy path, their matrix."""
        with self._lock:
            entries = self._entries
            if entries is None:
                entries = self._entries = list(self.store.values())
            matrix = self._matrix
            if matrix is None and self._np is not None and len(entries) >= _NUMPY_MIN_ROWS:
                matrix = self._matrix = Matrix(self._np, [entry.row for entry in entries])
            return entries, matrix


class _Rows(Sequence[Row]):
    """The rows of the entries without copying them into a list (the numpy path reads few)."""

    __slots__ = ("_entries",)

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: Any) -> Any:
        return self._entries[index].row
