"""`BaseRetriever`: a runnable from a query string to the relevant `Document`s.

A retriever implements one method; the base class makes it a runnable:

```python
class KeywordRetriever(BaseRetriever):
    docs: list[Document]

    def _get_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        return [doc for doc in self.docs if query.lower() in doc.page_content.lower()]

retriever = KeywordRetriever(docs=[Document("Cats purr."), Document("Dogs bark.")])
retriever.invoke("cats")        # [Document(page_content='Cats purr.')]
(retriever | format_docs).invoke("dogs")
```

What a retriever implements: `_get_relevant_documents(query, **kwargs)` (required) and
optionally `_aget_relevant_documents` (native async; the default runs the sync one in a
worker thread). Call keywords (`retriever.invoke(q, k=2)`) reach both. Listeners see the
run with `run_type == "retriever"`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from pipes._core import Runnable, RunnableConfig, run_in_thread
from pipes._documents import Document
from pipes._errors import InputTypeError

__all__ = ["BaseRetriever"]


def _query(input: object, owner: str) -> str:
    if not isinstance(input, str):
        hint = (
            " (a dict: pick the question first, e.g. itemgetter('question') | retriever)"
            if isinstance(input, dict)
            else ""
        )
        raise InputTypeError(
            f"{owner} expects the query as a string, got {type(input).__name__}{hint}."
        )
    return input


class BaseRetriever(BaseModel, Runnable[str, list[Document]]):
    """Base class of retrievers; see the module docstring for the contract.

    Example:
        ```python
        retriever = vectorstore.as_retriever(search_kwargs={"k": 2})
        docs = retriever.invoke("What do cats do all day?")
        docs = await retriever.ainvoke("What do cats do all day?")
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    # A ClassVar, so pydantic does not turn Runnable's ``run_type`` into a model field; the
    # events core tells retrievers apart by it.
    run_type: ClassVar[str] = "retriever"  # type: ignore[misc]

    def __repr_args__(self) -> Any:
        # Runnable's `name` is a field here; shown only when set.
        return [(k, v) for k, v in super().__repr_args__() if k != "name" or v is not None]

    def _get_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        """The documents relevant to `query` (what a retriever implements)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _get_relevant_documents(query, **kwargs)."
        )

    async def _aget_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
        """Native async retrieval; the default runs the sync method in a worker thread."""
        return await run_in_thread(self._get_relevant_documents, query, **kwargs)

    def get_input_schema(self) -> dict[str, Any]:
        """A string: the query."""
        return {"title": f"{self.get_name()}Input", "type": "string"}

    def get_output_schema(self) -> dict[str, Any]:
        """A list of documents."""
        return {
            "title": f"{self.get_name()}Output",
            "type": "array",
            "items": Document.model_json_schema(),
        }

    def invoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        """The documents relevant to the query `input`."""
        return self._get_relevant_documents(_query(input, type(self).__name__), **kwargs)

    async def ainvoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        """`invoke` without blocking the event loop."""
        query = _query(input, type(self).__name__)
        return await self._aget_relevant_documents(query, **kwargs)
