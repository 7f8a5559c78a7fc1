"""Static typing of retrieval: checked by `mypy --strict tests/typing` (and pyright), not run.

`# type: ignore[code]` marks lines that MUST be errors: with warn_unused_ignores (on under
--strict) the check fails if one of them stops being an error.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from typing import assert_type

from pipes import (
    BaseRetriever,
    Document,
    InMemoryVectorStore,
    Runnable,
    RunnableSequence,
    VectorStoreRetriever,
)
from pipes.testing import DeterministicFakeEmbedding
from pipes_openai import OpenAIEmbeddings


async def check_retrieval() -> None:
    embeddings = DeterministicFakeEmbedding(size=8)
    assert_type(embeddings.embed_documents(["a"]), list[list[float]])
    assert_type(await embeddings.aembed_query("a"), list[float])

    store = InMemoryVectorStore.from_texts(["a"], embeddings)
    assert_type(store, InMemoryVectorStore)
    assert_type(store.similarity_search("a"), list[Document])
    assert_type(store.similarity_search_with_score("a"), list[tuple[Document, float]])
    assert_type(await store.amax_marginal_relevance_search("a"), list[Document])
    assert_type(store.add_texts(["b"]), list[str])

    retriever = store.as_retriever(search_kwargs={"k": 1})
    assert_type(retriever, VectorStoreRetriever)
    runnable: Runnable[str, list[Document]] = retriever
    assert_type(runnable.invoke("a"), list[Document])
    assert_type(retriever.invoke("a"), list[Document])
    assert_type(await retriever.ainvoke("a"), list[Document])
    assert_type(retriever | (lambda docs: len(docs)), RunnableSequence[str, int])
    retriever.invoke(3)  # type: ignore[arg-type]
    store.similarity_search("a", k="4")  # type: ignore[arg-type]
    base: BaseRetriever = retriever
    assert_type(base.invoke("a"), list[Document])

    openai_embeddings = OpenAIEmbeddings(api_key="sk-x", dimensions=8)
    assert_type(openai_embeddings.embed_query("a"), list[float])
