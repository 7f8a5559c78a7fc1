"""`InMemoryVectorStore`: LangChain's behaviour, on the pure path and the numpy path."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes import Document, Embeddings, InMemoryVectorStore, InputTypeError
from pipes.testing import DeterministicFakeEmbedding

from .conftest import HAS_NUMPY

TEXTS = [
    "Cats sleep sixteen hours a day.",
    "A kitten purrs when it is happy.",
    "Stock markets fell sharply on Monday.",
    "Dogs bark at the postman.",
    "The central bank raised interest rates.",
]


class Table(Embeddings):
    """Fixed vectors per text (exact scores in assertions)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return [self.table[text] for text in texts]


def _store(use_numpy: bool, **kwargs: Any) -> InMemoryVectorStore:
    return InMemoryVectorStore(DeterministicFakeEmbedding(size=256), use_numpy=use_numpy, **kwargs)


def test_add_texts_with_ids_and_metadatas_then_get_and_delete(use_numpy: bool) -> None:
    store = _store(use_numpy)
    ids = store.add_texts(TEXTS[:2], metadatas=[{"n": 0}, {"n": 1}], ids=["a", "b"])
    assert ids == ["a", "b"]
    assert store.get_by_ids(["b", "missing", "a"]) == [
        Document(TEXTS[1], metadata={"n": 1}, id="b"),
        Document(TEXTS[0], metadata={"n": 0}, id="a"),
    ]
    store.delete(["a", "missing"])
    assert store.get_by_ids(["a", "b"]) == [Document(TEXTS[1], metadata={"n": 1}, id="b")]
    assert len(store) == 1
    store.delete()  # nothing: LangChain's delete(None) deletes nothing
    assert len(store) == 1


def test_ids_come_from_the_call_then_the_documents_then_uuids() -> None:
    store = _store(False)
    ids = store.add_documents([Document("x", id="own"), Document("y")])
    assert ids[0] == "own"
    assert len(ids[1]) == 36
    assert ids[1].count("-") == 4
    assert store.add_documents([Document("z", id="own")], ids=["call"]) == ["call"]
    assert store.get_by_ids(["call"])[0].id == "call"


def test_adding_an_existing_id_replaces_it_in_place() -> None:
    store = _store(False)
    store.add_texts(["one", "two"], ids=["1", "2"])
    store.add_texts(["uno"], ids=["1"])
    assert [doc.page_content for doc in store.get_by_ids(["1", "2"])] == ["uno", "two"]
    assert len(store) == 2


def test_similarity_search_finds_the_related_text(use_numpy: bool) -> None:
    store = _store(use_numpy)
    store.add_texts(TEXTS)
    assert store.similarity_search("Why do cats sleep so much?", k=1)[0].page_content == TEXTS[0]
    found = store.similarity_search("interest rates and the bank", k=2)
    assert found[0].page_content == TEXTS[4]
    assert len(store.similarity_search("anything")) == 4  # k defaults to 4


def test_scores_are_cosine_similarities_best_first() -> None:
    table = {"q": [1.0, 0.0], "same": [2.0, 0.0], "diag": [1.0, 1.0], "opposite": [-3.0, 0.0]}
    store = InMemoryVectorStore(Table(table))
    store.add_texts(["opposite", "diag", "same"])
    found = store.similarity_search_with_score("q", k=3)
    assert [(doc.page_content, round(score, 12)) for doc, score in found] == [
        ("same", 1.0),
        ("diag", round(1 / math.sqrt(2), 12)),
        ("opposite", -1.0),
    ]


def test_zero_vectors_score_zero_like_langchain() -> None:
    store = InMemoryVectorStore(Table({"q": [0.0, 0.0], "a": [1.0, 0.0]}))
    store.add_texts(["a"])
    assert store.similarity_search_with_score("q", k=1)[0][1] == 0.0


def test_by_vector_and_k_edges(use_numpy: bool) -> None:
    store = _store(use_numpy)
    store.add_texts(TEXTS)
    vector = store.embeddings.embed_query(TEXTS[3])
    assert store.similarity_search_by_vector(vector, k=1)[0].page_content == TEXTS[3]
    assert store.similarity_search_by_vector(vector, k=0) == []
    assert len(store.similarity_search_by_vector(vector, k=50)) == len(TEXTS)
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        store.similarity_search("x", k=-1)
    assert _store(use_numpy).similarity_search("empty store") == []


def test_filter_callable_or_metadata_mapping(use_numpy: bool) -> None:
    store = _store(use_numpy)
    store.add_texts(TEXTS, metadatas=[{"topic": t} for t in "ccmdm"])
    found = store.similarity_search("cats", k=5, filter=lambda doc: doc.metadata["topic"] == "m")
    assert {doc.page_content for doc in found} == {TEXTS[2], TEXTS[4]}
    dogs = store.similarity_search("cats", k=5, filter={"topic": "d"})
    assert [doc.page_content for doc in dogs] == [TEXTS[3]]
    assert store.similarity_search("cats", filter={"missing": 1}) == []
    with pytest.raises(InputTypeError, match="filter must be a callable"):
        store.similarity_search("cats", filter="topic == 'c'")  # type: ignore[arg-type]


def test_returned_documents_are_copies() -> None:
    store = _store(False)
    store.add_texts(["x"], ids=["1"])
    store.similarity_search("x")[0].page_content = "changed"
    store.get_by_ids(["1"])[0].id = "other"
    assert store.get_by_ids(["1"]) == [Document("x", id="1")]


def test_max_marginal_relevance_prefers_diverse_documents() -> None:
    table = {
        "q": [1.0, 0.0, 0.0],
        "a": [1.0, 0.01, 0.0],
        "a-again": [1.0, 0.011, 0.0],
        "b": [0.8, 0.0, 0.6],
    }
    store = InMemoryVectorStore(Table(table))
    store.add_texts(["a", "a-again", "b"])
    assert [d.page_content for d in store.similarity_search("q", k=2)] == ["a", "a-again"]
    mmr = store.max_marginal_relevance_search("q", k=2, fetch_k=3)
    assert [d.page_content for d in mmr] == ["a", "b"]
    only_relevance = store.max_marginal_relevance_search("q", k=2, fetch_k=3, lambda_mult=1.0)
    assert [d.page_content for d in only_relevance] == ["a", "a-again"]
    with pytest.raises(ValueError, match="lambda_mult must be between 0 and 1"):
        store.max_marginal_relevance_search("q", lambda_mult=2)
    with pytest.raises(ValueError, match="fetch_k must be"):
        store.max_marginal_relevance_search("q", fetch_k=-1)


def test_relevance_scores_keep_those_above_the_threshold() -> None:
    table = {"q": [1.0, 0.0], "same": [1.0, 0.0], "far": [0.0, 1.0]}
    store = InMemoryVectorStore(Table(table))
    store.add_texts(["same", "far"])
    found = store.similarity_search_with_relevance_scores("q", score_threshold=0.5)
    assert [(d.page_content, s) for d, s in found] == [("same", 1.0)]


async def test_async_twins_give_the_sync_answers(use_numpy: bool) -> None:
    store = await InMemoryVectorStore.afrom_texts(
        TEXTS, DeterministicFakeEmbedding(size=64), ids=[str(i) for i in range(5)]
    )
    sync = InMemoryVectorStore.from_texts(
        TEXTS, DeterministicFakeEmbedding(size=64), ids=[str(i) for i in range(5)]
    )
    query = "cats and kittens"
    assert await store.asimilarity_search(query, k=3) == sync.similarity_search(query, k=3)
    assert await store.asimilarity_search_with_score(query) == sync.similarity_search_with_score(
        query
    )
    assert await store.amax_marginal_relevance_search(
        query, k=2
    ) == sync.max_marginal_relevance_search(query, k=2)
    vector = sync.embeddings.embed_query(query)
    assert await store.asimilarity_search_by_vector(vector) == sync.similarity_search_by_vector(
        vector
    )
    assert await store.aadd_texts(["more"], ids=["m"]) == ["m"]
    assert await store.aget_by_ids(["m"]) == [Document("more", id="m")]
    await store.adelete(["m"])
    assert await store.aget_by_ids(["m"]) == []
    docs = [Document("d", metadata={"k": 1}, id="d")]
    from_docs = await InMemoryVectorStore.afrom_documents(docs, DeterministicFakeEmbedding(size=8))
    assert from_docs.get_by_ids(["d"]) == docs


def test_from_documents_and_from_texts() -> None:
    embeddings = DeterministicFakeEmbedding(size=8)
    docs = [Document("a", metadata={"x": 1}, id="1"), Document("b")]
    store = InMemoryVectorStore.from_documents(docs, embeddings)
    assert store.get_by_ids(["1"]) == [docs[0]]
    assert len(store) == 2
    store = InMemoryVectorStore.from_texts(["a"], embeddings, metadatas=[{"y": 2}], ids=["i"])
    assert store.get_by_ids(["i"]) == [Document("a", metadata={"y": 2}, id="i")]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: s.add_texts("abc"), InputTypeError, "single string"),
        (lambda s: s.add_texts(["a"], metadatas=[{}, {}]), ValueError, "2 metadatas for 1"),
        (lambda s: s.add_texts(["a"], ids=["1", "2"]), ValueError, "2 ids for 1 documents"),
        (lambda s: s.add_documents(Document("a")), InputTypeError, "wrap a single document"),
        (lambda s: s.add_documents(["a"]), InputTypeError, "use add_texts for strings"),
        (lambda s: s.delete("id"), InputTypeError, r"use \['id'\]"),
        (lambda s: s.get_by_ids("id"), InputTypeError, r"use \['id'\]"),
        (lambda s: s.similarity_search("x", score_threshold=0.5), TypeError, "score_threshold"),
    ],
)
def test_bad_arguments_name_the_problem(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call(_store(False))


def test_vectors_of_another_size_are_refused(use_numpy: bool) -> None:
    store = InMemoryVectorStore(
        Table({"a": [1.0, 0.0], "b": [1.0, 0.0, 0.0], "q": [1.0, 0.0, 0.0]}), use_numpy=use_numpy
    )
    store.add_texts(["a"])
    with pytest.raises(ValueError, match="a vector to add has 3 dimensions but this store holds"):
        store.add_texts(["b"])
    assert len(store) == 1
    with pytest.raises(ValueError, match="the query vector has 3 dimensions"):
        store.similarity_search("q")
    store.delete(list(store.store))
    with pytest.raises(ValueError, match="a vector to add has 3 dimensions but"):
        store.add_texts(["a", "b"])  # one batch, two sizes
    assert len(store) == 0
    store.add_texts(["b"])  # an emptied store takes any size again
    assert store.similarity_search("q", k=1)[0].page_content == "b"


def test_the_embedding_model_is_checked() -> None:
    with pytest.raises(InputTypeError, match="needs an Embeddings model"):
        InMemoryVectorStore("text-embedding-3-small")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="use_numpy must be"):
        InMemoryVectorStore(DeterministicFakeEmbedding(size=4), use_numpy="yes")  # type: ignore[arg-type]


@pytest.mark.skipif(HAS_NUMPY, reason="numpy is installed")
def test_use_numpy_true_without_numpy_says_how_to_get_it() -> None:
    with pytest.raises(ImportError, match="pip install numpy"):
        InMemoryVectorStore(DeterministicFakeEmbedding(size=4), use_numpy=True)


@pytest.mark.skipif(not HAS_NUMPY, reason="numpy not installed")
def test_numpy_and_pure_paths_give_identical_answers() -> None:
    # Enough rows for the matrix path, near-ties included (duplicated and scaled vectors).
    rng = random.Random(7)
    vectors = [[rng.gauss(0, 1) for _ in range(32)] for _ in range(3000)]
    vectors += [list(vectors[5]), [2 * x for x in vectors[5]], [x + 1e-9 for x in vectors[9]]]
    table = {f"t{i}": v for i, v in enumerate(vectors)}
    queries = [vectors[5], vectors[9], [rng.gauss(0, 1) for _ in range(32)]]
    table.update({f"q{i}": q for i, q in enumerate(queries)})
    texts = [f"t{i}" for i in range(len(vectors))]
    meta = [{"even": i % 2 == 0} for i in range(len(vectors))]
    pure = InMemoryVectorStore(Table(table), use_numpy=False)
    fast = InMemoryVectorStore(Table(table), use_numpy=True)
    for store in (pure, fast):
        store.add_texts(texts, metadatas=meta, ids=texts)
    for i in range(len(queries)):
        for k in (1, 4, 50):
            for flt in (None, {"even": True}):
                assert fast.similarity_search_with_score(
                    f"q{i}", k=k, filter=flt
                ) == pure.similarity_search_with_score(f"q{i}", k=k, filter=flt)
        assert fast.max_marginal_relevance_search(f"q{i}") == pure.max_marginal_relevance_search(
            f"q{i}"
        )
    assert fast._matrix is not None
    assert pure._matrix is None
    fast.delete(["t5"])  # the matrix is rebuilt after a change
    pure.delete(["t5"])
    assert fast.similarity_search("q0", k=3) == pure.similarity_search("q0", k=3)


_COORD = st.floats(min_value=-4, max_value=4, allow_nan=False).map(lambda x: round(x, 1))


@pytest.mark.skipif(not HAS_NUMPY, reason="numpy not installed")
@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_COORD, min_size=3, max_size=3), min_size=1, max_size=40),
    st.lists(_COORD, min_size=3, max_size=3),
    st.integers(min_value=0, max_value=12),
    st.booleans(),
)
def test_numpy_candidates_never_change_the_answer(
    vectors: list[list[float]], query: list[float], k: int, filtered: bool
) -> None:
    # Rounded coordinates make ties and duplicates common: the order among equals must be
    # insertion order on both paths.
    import numpy

    from pipes._vectorstores._math import Matrix, Row, cosine, norm, top_k

    rows = [Row(v) for v in vectors]
    allowed = list(range(0, len(rows), 2)) if filtered else None
    exact = top_k(rows, query, k, allowed=allowed)
    fast = top_k(rows, query, k, matrix=Matrix(numpy, rows), np=numpy, allowed=allowed)
    assert fast == exact
    # The k best by brute force: best first, insertion order among equals.
    query_norm = norm(query)
    every = [(i, cosine(query, query_norm, rows[i])) for i in (allowed or range(len(rows)))]
    assert exact == sorted(every, key=lambda item: (-item[1], item[0]))[:k]
