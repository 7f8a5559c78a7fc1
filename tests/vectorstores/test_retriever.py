"""`as_retriever`: a runnable retriever, and LangChain's RAG how-to with only imports changed."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pipes import (
    BaseRetriever,
    ChatPromptTemplate,
    Document,
    InMemoryVectorStore,
    InputTypeError,
    Listener,
    Run,
    RunnablePassthrough,
    StrOutputParser,
    VectorStoreRetriever,
)
from pipes.testing import DeterministicFakeEmbedding, FunctionChatModel

TEXTS = [
    "Cats sleep sixteen hours a day.",
    "A kitten purrs when it is happy.",
    "Stock markets fell sharply on Monday.",
    "Dogs bark at the postman.",
]


@pytest.fixture
def store(use_numpy: bool) -> InMemoryVectorStore:
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=256), use_numpy=use_numpy)
    store.add_texts(TEXTS, metadatas=[{"pet": p} for p in (True, True, False, True)])
    return store


class Runs(Listener):
    def __init__(self) -> None:
        self.runs: list[Run] = []

    def on_start(self, run: Run) -> None:
        self.runs.append(run)


def test_as_retriever_is_a_runnable_retriever(store: InMemoryVectorStore) -> None:
    retriever = store.as_retriever(search_kwargs={"k": 1})
    assert isinstance(retriever, VectorStoreRetriever)
    assert isinstance(retriever, BaseRetriever)
    assert retriever.invoke("How long do cats sleep?")[0].page_content == TEXTS[0]
    assert retriever.batch(["cats sleep", "stock markets"]) == [
        store.similarity_search("cats sleep", k=1),
        store.similarity_search("stock markets", k=1),
    ]
    assert retriever.invoke("cats", k=3) == store.similarity_search("cats", k=3)  # call kwargs


async def test_ainvoke_gives_the_invoke_answer(store: InMemoryVectorStore) -> None:
    for retriever in (
        store.as_retriever(),
        store.as_retriever(search_type="mmr", search_kwargs={"k": 2}),
        store.as_retriever(
            search_type="similarity_score_threshold", search_kwargs={"score_threshold": 0.1}
        ),
    ):
        assert await retriever.ainvoke("kitten purring") == retriever.invoke("kitten purring")


def test_search_types(store: InMemoryVectorStore) -> None:
    mmr = store.as_retriever(search_type="mmr", search_kwargs={"k": 2, "fetch_k": 4})
    assert mmr.invoke("cats") == store.max_marginal_relevance_search("cats", k=2, fetch_k=4)
    threshold = store.as_retriever(
        search_type="similarity_score_threshold", search_kwargs={"score_threshold": 0.99}
    )
    assert threshold.invoke("nothing like these") == []
    filtered = store.as_retriever(search_kwargs={"filter": {"pet": False}})
    assert [d.page_content for d in filtered.invoke("cats")] == [TEXTS[2]]


def test_bad_search_settings_are_rejected_like_langchain(store: InMemoryVectorStore) -> None:
    with pytest.raises(ValidationError, match="search_type of 'foo' not allowed"):
        store.as_retriever(search_type="foo")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="score_threshold"):
        store.as_retriever(search_type="similarity_score_threshold")
    with pytest.raises(ValidationError, match=r"search_kwargs \['score_threshold'\] not allowed"):
        store.as_retriever(search_kwargs={"score_threshold": 0.5})
    with pytest.raises(TypeError, match="fetch_k"):
        store.as_retriever().invoke("cats", fetch_k=3)


def test_the_query_must_be_a_string(store: InMemoryVectorStore) -> None:
    with pytest.raises(InputTypeError, match=r"itemgetter\('question'\)"):
        store.as_retriever().invoke({"question": "cats"})  # type: ignore[arg-type]


def test_listeners_see_a_retriever_run(store: InMemoryVectorStore) -> None:
    runs = Runs()
    store.as_retriever().invoke("cats", {"callbacks": [runs]})
    assert [(run.name, run.run_type) for run in runs.runs] == [
        ("VectorStoreRetriever", "retriever")
    ]
    assert "run_type" not in VectorStoreRetriever.model_fields


def test_a_custom_retriever_subclass() -> None:
    class Keyword(BaseRetriever):
        docs: list[Document]

        def _get_relevant_documents(self, query: str, **kwargs: Any) -> list[Document]:
            return [d for d in self.docs if query in d.page_content]

    retriever = Keyword(docs=[Document("cats"), Document("dogs")])
    assert retriever.invoke("dog") == [Document("dogs")]
    assert repr(retriever).startswith("Keyword(docs=")


def test_langchains_rag_how_to_runs_with_only_imports_changed(
    store: InMemoryVectorStore,
) -> None:
    seen: list[str] = []

    def answer(messages: list[Any], info: Any) -> str:
        seen.append(messages[0].text)
        seen.append(messages[-1].text)
        return "They sleep a lot."

    llm = FunctionChatModel(func=answer)
    retriever = store.as_retriever(search_kwargs={"k": 2})
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from this context only:\n\n{context}"),
            ("human", "{question}"),
        ]
    )

    def format_docs(docs: list[Document]) -> str:
        return "\n\n".join(doc.page_content for doc in docs)

    rag_chain = (
        {"context": retriever | format_docs, "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    assert rag_chain.invoke("How long do cats sleep?") == "They sleep a lot."
    system, question = seen
    assert question == "How long do cats sleep?"
    assert system.startswith(f"Answer from this context only:\n\n{TEXTS[0]}\n\n")
    assert list(rag_chain.stream("How long do cats sleep?")) != []
