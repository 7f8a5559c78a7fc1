"""`Embeddings`: the class every text-embedding provider implements.

A provider implements one method; the base class derives the rest:

```python
class LengthEmbeddings(Embeddings):
    def _embed(self, texts: list[str]) -> list[list[float]]:
        return [[float(len(text)), 1.0] for text in texts]

LengthEmbeddings().embed_query("hello")            # [5.0, 1.0]
await LengthEmbeddings().aembed_documents(["a"])   # [[1.0, 1.0]] (in a worker thread)
```

What a provider implements:

* `_embed(texts) -> list[list[float]]` — one vector per text, in order (required).
* `_aembed(texts)` — optional native async; without it async calls run the sync path in a
  worker thread.

What the base gives: `embed_documents` / `embed_query` and their async twins
`aembed_documents` / `aembed_query`, with the input checked (a list of strings; a single
string passed to `embed_documents` is an error, not a list of characters) and the provider's
answer checked (one vector per text). LangChain-style subclasses that override
`embed_documents` and `embed_query` directly keep working (their async twins run them in a
worker thread).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipes._core import run_in_thread
from pipes._errors import InputTypeError

__all__ = ["Embeddings"]


def _texts(texts: object, owner: str) -> list[str]:
    """`texts` as a list of strings, or an error saying what was passed instead."""
    if isinstance(texts, str):
        raise InputTypeError(
            f"{owner}.embed_documents got a single string; pass a list of texts "
            "(embed_documents([text])) or call embed_query(text)."
        )
    if not isinstance(texts, Sequence):
        raise InputTypeError(
            f"{owner}.embed_documents expects a list of strings, got {type(texts).__name__}."
        )
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise InputTypeError(
            f"{owner}.embed_documents expects a list of strings; item {bad[0]} is "
            f"{type(texts[bad[0]]).__name__}. Convert documents with doc.page_content first."
        )
    return list(texts)


def _query(text: object, owner: str) -> str:
    if not isinstance(text, str):
        raise InputTypeError(
            f"{owner}.embed_query expects a string, got {type(text).__name__}; "
            "use embed_documents for a list of texts."
        )
    return text


def _vectors(vectors: object, count: int, owner: str) -> list[list[float]]:
    """The provider's answer, checked: one vector per text."""
    if not isinstance(vectors, list) or len(vectors) != count:
        got = len(vectors) if isinstance(vectors, list) else type(vectors).__name__
        raise ValueError(
            f"{owner}._embed returned {got} vectors for {count} texts; it must return one "
            "list of floats per text, in order."
        )
    return vectors


class Embeddings:
    """Base class of text-embedding models; see the module docstring for the contract.

    Example:
        ```python
        from pipes.testing import DeterministicFakeEmbedding

        embeddings = DeterministicFakeEmbedding(size=64)
        vectors = embeddings.embed_documents(["cats purr", "dogs bark"])
        query = embeddings.embed_query("do cats purr?")
        ```
    """

    # -- the provider contract ------------------------------------------------------------

    def _embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order (what a provider implements)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _embed(texts) -> list[list[float]] "
            "(or override embed_documents and embed_query)."
        )

    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        """Native async embedding; the default runs the sync path in a worker thread."""
        return await run_in_thread(self.embed_documents, texts)

    # -- what the base derives --------------------------------------------------------------

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts for storage: one vector per text, in order."""
        owner = type(self).__name__
        checked = _texts(texts, owner)
        if not checked:
            return []
        return _vectors(self._embed(checked), len(checked), owner)

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        return self.embed_documents([_query(text, type(self).__name__)])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """`embed_documents` without blocking the event loop."""
        owner = type(self).__name__
        checked = _texts(texts, owner)
        if not checked:
            return []
        return _vectors(await self._aembed(checked), len(checked), owner)

    async def aembed_query(self, text: str) -> list[float]:
        """`embed_query` without blocking the event loop."""
        return (await self.aembed_documents([_query(text, type(self).__name__)]))[0]
