from __future__ import annotations

import pytest

from pipes._core import RunnableLambda
from pipes._errors import InputTypeError
from pipes._messages import AIMessage, AIMessageChunk, HumanMessage
from pipes._parsers import StrOutputParser

from .helpers import ChunkModel, aiter_of


def test_invoke_message_and_text() -> None:
    parser = StrOutputParser()
    assert parser.invoke(AIMessage("hello")) == "hello"
    assert parser.invoke("plain") == "plain"
    assert parser.invoke(HumanMessage("any message")) == "any message"


def test_content_parts_give_their_text() -> None:
    msg = AIMessage(
        content=[
            {"type": "text", "text": "a"},
            {"type": "image_url", "image_url": {"url": "http://x/y.png"}},
            "b",
        ]
    )
    assert StrOutputParser().invoke(msg) == "ab"


def test_transform_passes_each_chunk_through() -> None:
    chunks = [
        AIMessageChunk(content="Bon"),
        AIMessageChunk(content=""),
        "jour",
        AIMessageChunk(content="!"),
    ]
    assert list(StrOutputParser().transform(iter(chunks))) == ["Bon", "", "jour", "!"]


async def test_atransform_and_ainvoke() -> None:
    parser = StrOutputParser()
    out = [c async for c in parser.atransform(aiter_of([AIMessageChunk(content="a"), "b"]))]
    assert out == ["a", "b"]
    assert await parser.ainvoke(AIMessage("x")) == "x"


def test_chain_streams_end_to_end() -> None:
    chain = RunnableLambda(lambda x: x) | ChunkModel(["Hel", "lo", " world"]) | StrOutputParser()
    assert list(chain.stream("q")) == ["Hel", "lo", " world"]
    assert chain.invoke("q") == "Hello world"


async def test_chain_astreams_end_to_end() -> None:
    chain = RunnableLambda(lambda x: x) | ChunkModel(["a", "b"]) | StrOutputParser()
    assert [c async for c in chain.astream("q")] == ["a", "b"]
    assert await chain.ainvoke("q") == "ab"


def test_bad_input_type_is_clear() -> None:
    with pytest.raises(InputTypeError, match="expected a message"):
        StrOutputParser().invoke(42)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError):
        list(StrOutputParser().transform(iter([3])))  # type: ignore[list-item]


def test_streaming_many_chunks_is_linear_and_cheap() -> None:
    import time

    n = 20_000
    chunks = [AIMessageChunk(content="x")] * n
    parser = StrOutputParser()
    start = time.perf_counter()
    count = sum(1 for _ in parser.transform(iter(chunks)))
    per_chunk = (time.perf_counter() - start) / n
    assert count == n
    # The parser's own per-chunk work is far below the 5 µs chain budget (generous bound for CI).
    assert per_chunk < 2e-6
