from __future__ import annotations

import threading

import pytest

from pipes._messages import AIMessage
from pipes._models._cache import BaseCache, InMemoryCache


def test_miss_then_hit() -> None:
    cache = InMemoryCache()
    assert cache.lookup("p", "llm") is None
    cache.update("p", "llm", AIMessage(content="hello"))
    hit = cache.lookup("p", "llm")
    assert hit is not None
    assert hit.content == "hello"
    assert cache.lookup("p", "other-llm") is None
    assert cache.lookup("other-p", "llm") is None


def test_hits_are_copies_so_callers_cannot_corrupt_the_cache() -> None:
    cache = InMemoryCache()
    original = AIMessage(content="hello", response_metadata={"k": ["v"]})
    cache.update("p", "llm", original)
    original.response_metadata["k"].append("mutated-after-store")
    first = cache.lookup("p", "llm")
    assert first is not None
    first.response_metadata["k"].append("mutated-after-hit")
    second = cache.lookup("p", "llm")
    assert second is not None
    assert second.response_metadata == {"k": ["v"]}
    assert second is not first


def test_lru_eviction() -> None:
    cache = InMemoryCache(maxsize=2)
    cache.update("a", "l", AIMessage(content="A"))
    cache.update("b", "l", AIMessage(content="B"))
    assert cache.lookup("a", "l") is not None  # "a" is now the most recently used
    cache.update("c", "l", AIMessage(content="C"))
    assert cache.lookup("b", "l") is None
    assert cache.lookup("a", "l") is not None
    assert cache.lookup("c", "l") is not None
    assert len(cache) == 2


def test_update_overwrites_and_clear_empties() -> None:
    cache = InMemoryCache()
    cache.update("a", "l", AIMessage(content="1"))
    cache.update("a", "l", AIMessage(content="2"))
    hit = cache.lookup("a", "l")
    assert hit is not None
    assert hit.content == "2"
    cache.clear()
    assert cache.lookup("a", "l") is None
    assert "entries=0" in repr(cache)


async def test_async_methods_default_to_sync() -> None:
    cache = InMemoryCache()
    assert await cache.alookup("a", "l") is None
    await cache.aupdate("a", "l", AIMessage(content="x"))
    hit = await cache.alookup("a", "l")
    assert hit is not None
    assert hit.content == "x"
    await cache.aclear()
    assert len(cache) == 0


def test_concurrent_updates_respect_maxsize() -> None:
    cache = InMemoryCache(maxsize=10)
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        barrier.wait()
        for i in range(200):
            cache.update(f"{n}-{i}", "l", AIMessage(content=str(i)))
            cache.lookup(f"{n}-{i - 1}", "l")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 10


def test_invalid_maxsize_and_abstract_base() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        InMemoryCache(maxsize=0)
    with pytest.raises(TypeError):
        BaseCache()  # type: ignore[abstract]


def test_copies_share_the_cache() -> None:
    import copy

    cache = InMemoryCache()
    assert copy.copy(cache) is cache
    assert copy.deepcopy({"c": cache})["c"] is cache
