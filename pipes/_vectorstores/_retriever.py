"""`VectorStoreRetriever`: what `VectorStore.as_retriever()` returns.

Example:
    ```python
    retriever = store.as_retriever(search_type="similarity_score_threshold",
                                   search_kwargs={"score_threshold": 0.3, "k": 3})
    retriever.invoke("how long do cats sleep?")
    ```
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from pipes._documents import Document
from pipes._retrievers import BaseRetriever

from ._base import SearchType, VectorStore

__all__ = ["VectorStoreRetriever"]

_SEARCH_TYPES = ("similarity", "similarity_score_threshold", "mmr")
# What each search type takes (an unknown key is an error, not silently ignored).
_KWARGS = {
    "similarity": frozenset({"k", "filter"}),
    "mmr": frozenset({"k", "fetch_k", "lambda_mult", "filter"}),
    "similarity_score_threshold": frozenset({"k", "filter", "score_threshold"}),
}
# The store's method per search type; the async twin is the same name with an "a" prefix.
_METHODS = {
    "similarity": "similarity_search",
    "mmr": "max_marginal_relevance_search",
    "similarity_score_threshold": "similarity_search_with_relevance_scores",
}


class VectorStoreRetriever(BaseRetriever):
    """A retriever searching a `VectorStore` (LangChain's class of the same name).

    `search_type`: `"similarity"`, `"mmr"` or `"similarity_score_threshold"`;
    `search_kwargs`: what the search takes (`k`, `filter`, `fetch_k`, `lambda_mult`,
    `score_threshold`). Keywords given to `invoke` override `search_kwargs` for that call.

    Example:
        ```python
        retriever = VectorStoreRetriever(vectorstore=store, search_kwargs={"k": 1})
        retriever.invoke("cats")  # [Document(...)]
        ```
    """

    vectorstore: VectorStore
    """The store searched."""
    search_type: SearchType = "similarity"
    """How to search: `"similarity"`, `"mmr"` or `"similarity_score_threshold"`."""
    search_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keywords for the search: `k`, `filter`, `fetch_k`, `lambda_mult`, `score_threshold`."""

    @model_validator(mode="before")
    @classmethod
    def _check_search(cls, values: Any) -> Any:
        # Before pydantic's own Literal check, so the message lists the choices plainly.
        if isinstance(values, dict):
            search_type = values.get("search_type", "similarity")
            if search_type not in _SEARCH_TYPES:
                raise ValueError(
                    f"search_type of {search_type!r} not allowed. Valid values are: "
                    f"{', '.join(map(repr, _SEARCH_TYPES))}."
                )
            kwargs = values.get("search_kwargs") or {}
            unknown = sorted(set(kwargs) - _KWARGS[search_type]) if isinstance(kwargs, dict) else []
            if unknown:
                raise ValueError(
                    f"search_kwargs {unknown} not allowed with search_type={search_type!r}; it "
                    f"takes {sorted(_KWARGS[search_type])}."
                )
            if search_type == "similarity_score_threshold":
                threshold = kwargs.get("score_threshold")
                if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                    raise ValueError(
                        "search_type='similarity_score_threshold' needs a number in "
                        "search_kwargs, e.g. search_kwargs={'score_threshold': 0.5}."
                    )
        return values

    def _get_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        search = getattr(self.vectorstore, _METHODS[self.search_type])
        return _documents(search(query, **{**self.search_kwargs, **kwargs}))

    async def _aget_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        search = getattr(self.vectorstore, "a" + _METHODS[self.search_type])
        return _documents(await search(query, **{**self.search_kwargs, **kwargs}))


def _documents(found: list[Any]) -> list[Document]:
    """The documents of a search's answer (scored searches give `(document, score)`)."""
    return [item[0] if isinstance(item, tuple) else item for item in found]
