"""`VectorStore`: the class every vector store implements; text in, documents out.

A store implements the vector-level operations; the base class derives the text-level ones
(embedding through the store's `embeddings`) and their async twins, which differ only in
awaiting the embedding model:

* `add_vectors(documents, vectors) -> list[str]` — store documents (ids already set);
* `delete(ids)`, `get_by_ids(ids)`;
* `similarity_search_with_score_by_vector(embedding, k, filter)` — the search itself;
* `_search_with_vectors(embedding, k, filter)` — the same with the stored vectors (for
  maximal marginal relevance).

What the base gives: `add_documents` / `add_texts` (ids from the call, the documents or new
uuids), `similarity_search`, `similarity_search_with_score`, `similarity_search_by_vector`,
`similarity_search_with_relevance_scores`, `max_marginal_relevance_search` (and `..._by_vector`),
the `a`-prefixed async twins, `from_texts` / `from_documents` and `as_retriever`.

Example:
    ```python
    store = InMemoryVectorStore.from_texts(["cats purr", "dogs bark"], embeddings)
    store.similarity_search("what do cats do?", k=1)
    retriever = store.as_retriever(search_kwargs={"k": 1})
    ```
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias

from pipes._documents import Document
from pipes._embeddings import Embeddings
from pipes._errors import InputTypeError

if TYPE_CHECKING:
    from ._retriever import VectorStoreRetriever

__all__ = ["DocumentFilter", "SearchType", "VectorStore"]

DocumentFilter: TypeAlias = Callable[[Document], bool] | Mapping[str, Any]
"""A metadata filter: a predicate on each `Document`, or a mapping of metadata values that
must all be equal (`{"source": "faq.md"}`)."""

SearchType: TypeAlias = Literal["similarity", "mmr", "similarity_score_threshold"]


def check_k(k: object, name: str = "k") -> int:
    """`k` as a non-negative int, or an error naming it."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"{name} must be a non-negative integer (documents to return), got {k!r}.")
    return k


def as_predicate(filter: DocumentFilter | None) -> Callable[[Document], bool] | None:
    """A filter as a predicate (a mapping means: every listed metadata value is equal)."""
    if filter is None or callable(filter):
        return filter
    if isinstance(filter, Mapping):
        wanted = dict(filter)
        return lambda doc: all(
            key in doc.metadata and doc.metadata[key] == value for key, value in wanted.items()
        )
    raise InputTypeError(
        f"filter must be a callable taking a Document (e.g. lambda doc: doc.metadata['source'] "
        f"== 'faq.md') or a mapping of metadata values, got {type(filter).__name__}."
    )


def _with_ids(documents: Sequence[Document], ids: Sequence[str | None] | None) -> list[Document]:
    """The documents with their final ids: from `ids`, else their own, else a new uuid4."""
    given: object = documents
    if isinstance(given, Document) or not isinstance(given, Sequence):
        raise InputTypeError(
            f"expected a list of Document, got {type(given).__name__}; wrap a single "
            "document in a list."
        )
    for i, doc in enumerate(documents):
        if not isinstance(doc, Document):
            raise InputTypeError(
                f"item {i} is {type(doc).__name__}, not a Document; use add_texts for strings."
            )
    if ids is not None and len(ids) != len(documents):
        raise ValueError(
            f"ids must be the same length as the documents: got {len(ids)} ids for "
            f"{len(documents)} documents."
        )
    chosen = ids if ids is not None else [doc.id for doc in documents]
    return [
        doc.model_copy(update={"id": doc_id or str(uuid.uuid4())})
        for doc, doc_id in zip(documents, chosen, strict=True)
    ]


def _documents(
    texts: Iterable[str], metadatas: Sequence[Mapping[str, Any]] | None
) -> list[Document]:
    if isinstance(texts, str):
        raise InputTypeError(
            "texts must be a list of strings, got a single string; wrap it in a list."
        )
    texts = list(texts)
    if metadatas is not None and len(metadatas) != len(texts):
        raise ValueError(
            f"metadatas must be the same length as texts: got {len(metadatas)} metadatas for "
            f"{len(texts)} texts."
        )
    return [
        Document(text, metadata=dict(metadatas[i]) if metadatas is not None else {})
        for i, text in enumerate(texts)
    ]


class VectorStore(abc.ABC):
    """Base class of vector stores; see the module docstring for the contract.

    Example:
        ```python
        store = InMemoryVectorStore(embeddings)
        ids = store.add_documents([Document("Cats purr.", metadata={"topic": "cats"})])
        store.similarity_search_with_score("purring", k=1, filter={"topic": "cats"})
        ```
    """

    # -- what a store implements ------------------------------------------------------------

    @property
    @abc.abstractmethod
    def embeddings(self) -> Embeddings:
        """The embedding model that turns texts and queries into vectors."""

    @abc.abstractmethod
    def add_vectors(self, documents: list[Document], vectors: list[list[float]]) -> list[str]:
        """Store `documents` (their ids set) with their `vectors`; return the ids."""

    @abc.abstractmethod
    def delete(self, ids: Sequence[str] | None = None) -> bool | None:
        """Delete the documents with these ids (unknown ids are ignored)."""

    @abc.abstractmethod
    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids (unknown ids are skipped)."""

    @abc.abstractmethod
    def _search_with_vectors(
        self, embedding: Sequence[float], k: int, filter: DocumentFilter | None
    ) -> list[tuple[Document, float, Sequence[float]]]:
        """The `k` best `(document, cosine similarity, stored vector)`, best first."""

    # -- adding -------------------------------------------------------------------------

    def add_documents(self, documents: list[Document], ids: list[str] | None = None) -> list[str]:
        """Embed and store `documents`; returns their ids (`ids`, theirs, or new uuids)."""
        docs = _with_ids(documents, ids)
        return self.add_vectors(
            docs, self.embeddings.embed_documents([d.page_content for d in docs])
        )

    async def aadd_documents(
        self, documents: list[Document], ids: list[str] | None = None
    ) -> list[str]:
        """`add_documents` embedding asynchronously."""
        docs = _with_ids(documents, ids)
        vectors = await self.embeddings.aembed_documents([d.page_content for d in docs])
        return self.add_vectors(docs, vectors)

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
    ) -> list[str]:
        """Embed and store `texts` (with `metadatas`, one per text); returns their ids."""
        return self.add_documents(_documents(texts, metadatas), ids=ids)

    async def aadd_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
    ) -> list[str]:
        """`add_texts` embedding asynchronously."""
        return await self.aadd_documents(_documents(texts, metadatas), ids=ids)

    async def adelete(self, ids: Sequence[str] | None = None) -> bool | None:
        """`delete` (in-process: nothing to await)."""
        return self.delete(ids)

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """`get_by_ids` (in-process: nothing to await)."""
        return self.get_by_ids(ids)

    # -- searching ------------------------------------------------------------------------

    def similarity_search_with_score_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: DocumentFilter | None = None,
    ) -> list[tuple[Document, float]]:
        """The `k` documents most similar to `embedding`, with their cosine similarity."""
        return [(doc, score) for doc, score, _ in self._search_with_vectors(embedding, k, filter)]

    def similarity_search_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: DocumentFilter | None = None,
    ) -> list[Document]:
        """The `k` documents most similar to `embedding`."""
        return [doc for doc, _ in self.similarity_search_with_score_by_vector(embedding, k, filter)]

    async def asimilarity_search_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        filter: DocumentFilter | None = None,
    ) -> list[Document]:
        """`similarity_search_by_vector` (in-process: nothing to await)."""
        return self.similarity_search_by_vector(embedding, k, filter)

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: DocumentFilter | None = None
    ) -> list[tuple[Document, float]]:
        """The `k` documents most similar to `query`, with their cosine similarity (-1..1)."""
        return self.similarity_search_with_score_by_vector(
            self.embeddings.embed_query(query), k, filter
        )

    async def asimilarity_search_with_score(
        self, query: str, k: int = 4, filter: DocumentFilter | None = None
    ) -> list[tuple[Document, float]]:
        """`similarity_search_with_score` embedding the query asynchronously."""
        embedding = await self.embeddings.aembed_query(query)
        return self.similarity_search_with_score_by_vector(embedding, k, filter)

    def similarity_search(
        self, query: str, k: int = 4, filter: DocumentFilter | None = None
    ) -> list[Document]:
        """The `k` documents most similar to `query`."""
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    async def asimilarity_search(
        self, query: str, k: int = 4, filter: DocumentFilter | None = None
    ) -> list[Document]:
        """`similarity_search` embedding the query asynchronously."""
        return [doc for doc, _ in await self.asimilarity_search_with_score(query, k, filter)]

    def similarity_search_with_relevance_scores(
        self,
        query: str,
        k: int = 4,
        filter: DocumentFilter | None = None,
        *,
        score_threshold: float | None = None,
    ) -> list[tuple[Document, float]]:
        """Like `similarity_search_with_score`, keeping scores `>= score_threshold`."""
        return _above(self.similarity_search_with_score(query, k, filter), score_threshold)

    async def asimilarity_search_with_relevance_scores(
        self,
        query: str,
        k: int = 4,
        filter: DocumentFilter | None = None,
        *,
        score_threshold: float | None = None,
    ) -> list[tuple[Document, float]]:
        """`similarity_search_with_relevance_scores` embedding the query asynchronously."""
        found = await self.asimilarity_search_with_score(query, k, filter)
        return _above(found, score_threshold)

    def max_marginal_relevance_search_by_vector(
        self,
        embedding: Sequence[float],
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: DocumentFilter | None = None,
    ) -> list[Document]:
        """`k` documents relevant to `embedding` yet diverse: maximal marginal relevance
        among the `fetch_k` most similar (`lambda_mult` 1: relevance only, 0: diversity only).
        """
        from ._math import Row, mmr

        check_k(k)
        check_k(fetch_k, "fetch_k")
        if not 0.0 <= lambda_mult <= 1.0:
            raise ValueError(f"lambda_mult must be between 0 and 1, got {lambda_mult!r}.")
        hits = self._search_with_vectors(embedding, fetch_k, filter)
        chosen = mmr(embedding, [Row(vector) for _, _, vector in hits], k, lambda_mult)
        return [hits[i][0] for i in chosen]

    def max_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: DocumentFilter | None = None,
    ) -> list[Document]:
        """`max_marginal_relevance_search_by_vector` for the text `query`."""
        return self.max_marginal_relevance_search_by_vector(
            self.embeddings.embed_query(query), k, fetch_k, lambda_mult, filter
        )

    async def amax_marginal_relevance_search(
        self,
        query: str,
        k: int = 4,
        fetch_k: int = 20,
        lambda_mult: float = 0.5,
        filter: DocumentFilter | None = None,
    ) -> list[Document]:
        """`max_marginal_relevance_search` embedding the query asynchronously."""
        embedding = await self.embeddings.aembed_query(query)
        return self.max_marginal_relevance_search_by_vector(
            embedding, k, fetch_k, lambda_mult, filter
        )

    # -- construction and retrieval -----------------------------------------------------------

    @classmethod
    def _create(cls, embedding: Embeddings, **kwargs: Any) -> Self:
        """A new empty store for `from_texts`/`from_documents`: `cls(embedding, **kwargs)`
        (a store whose constructor takes the model otherwise overrides this)."""
        return cls(embedding, **kwargs)  # type: ignore[call-arg]

    @classmethod
    def from_documents(
        cls, documents: list[Document], embedding: Embeddings, **kwargs: Any
    ) -> Self:
        """A new store holding `documents` (`ids=` optional), embedded with `embedding`."""
        ids = kwargs.pop("ids", None)
        store = cls._create(embedding, **kwargs)
        store.add_documents(documents, ids=ids)
        return store

    @classmethod
    async def afrom_documents(
        cls, documents: list[Document], embedding: Embeddings, **kwargs: Any
    ) -> Self:
        """`from_documents` embedding asynchronously."""
        ids = kwargs.pop("ids", None)
        store = cls._create(embedding, **kwargs)
        await store.aadd_documents(documents, ids=ids)
        return store

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A new store holding `texts` (with `metadatas`, `ids=` optional)."""
        return cls.from_documents(_documents(texts, metadatas), embedding, **kwargs)

    @classmethod
    async def afrom_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Self:
        """`from_texts` embedding asynchronously."""
        return await cls.afrom_documents(_documents(texts, metadatas), embedding, **kwargs)

    def as_retriever(
        self,
        *,
        search_type: SearchType = "similarity",
        search_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> VectorStoreRetriever:
        """This store as a runnable retriever (`invoke(query) -> list[Document]`).

        `search_type`: `"similarity"` (default), `"mmr"` (maximal marginal relevance), or
        `"similarity_score_threshold"` (needs `search_kwargs={"score_threshold": 0.5}`).
        `search_kwargs` go to the search: `k`, `filter`, `fetch_k`, `lambda_mult` ...

        Example:
            ```python
            retriever = store.as_retriever(search_type="mmr", search_kwargs={"k": 2})
            chain = {"context": retriever | format_docs, "question": RunnablePassthrough()} | prompt
            ```
        """
        from ._retriever import VectorStoreRetriever

        return VectorStoreRetriever(
            vectorstore=self, search_type=search_type, search_kwargs=search_kwargs or {}, **kwargs
        )


def _above(
    found: list[tuple[Document, float]], score_threshold: float | None
) -> list[tuple[Document, float]]:
    if score_threshold is None:
        return found
    return [(doc, score) for doc, score in found if score >= score_threshold]
