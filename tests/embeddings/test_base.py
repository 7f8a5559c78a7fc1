"""The `Embeddings` contract: `_embed` in, four public methods out, inputs and answers checked."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pipes import Embeddings, InputTypeError


class Lengths(Embeddings):
    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.threads: list[str] = []

    def _embed(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(texts)
        self.threads.append(threading.current_thread().name)
        return [[float(len(text)), 1.0] for text in texts]


class NativeAsync(Lengths):
    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        self.threads.append(threading.current_thread().name)
        return [[0.0] for _ in texts]


class LangChainStyle(Embeddings):
    """A LangChain subclass overrides the public methods, not `_embed`."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 2.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [3.0, 4.0]


def test_documents_and_query_come_from_embed() -> None:
    model = Lengths()
    assert model.embed_documents(["a", "bbb"]) == [[1.0, 1.0], [3.0, 1.0]]
    assert model.embed_query("hello") == [5.0, 1.0]
    assert model.calls == [["a", "bbb"], ["hello"]]


def test_an_empty_list_never_reaches_the_provider() -> None:
    model = Lengths()
    assert model.embed_documents([]) == []
    assert model.calls == []


async def test_async_twins_run_the_sync_path_in_a_worker_thread() -> None:
    model = Lengths()
    assert await model.aembed_documents(["ab"]) == [[2.0, 1.0]]
    assert await model.aembed_query("abc") == [3.0, 1.0]
    assert all(name.startswith("pipes") for name in model.threads)


async def test_native_async_stays_on_the_loop() -> None:
    model = NativeAsync()
    assert await model.aembed_query("abc") == [0.0]
    assert model.threads == [threading.current_thread().name]
    assert model.calls == []


async def test_langchain_style_subclasses_keep_working() -> None:
    model = LangChainStyle()
    assert model.embed_query("x") == [3.0, 4.0]
    assert await model.aembed_documents(["x", "y"]) == [[1.0, 2.0], [1.0, 2.0]]


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        ("abc", "single string"),
        (42, "list of strings, got int"),
        (["a", None], "item 1 is NoneType"),
    ],
)
def test_bad_documents_name_the_problem(texts: Any, match: str) -> None:
    with pytest.raises(InputTypeError, match=match):
        Lengths().embed_documents(texts)


def test_a_bad_query_names_the_problem() -> None:
    with pytest.raises(InputTypeError, match="embed_query expects a string, got list"):
        Lengths().embed_query(["a"])  # type: ignore[arg-type]


def test_a_provider_returning_the_wrong_count_is_caught() -> None:
    class Short(Embeddings):
        def _embed(self, texts: list[str]) -> list[list[float]]:
            return [[1.0]]

    with pytest.raises(ValueError, match="returned 1 vectors for 2 texts"):
        Short().embed_documents(["a", "b"])


def test_a_provider_without_embed_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match=r"must implement _embed\(texts\)"):
        Embeddings().embed_query("x")
