"""Deterministic fake embeddings: hashed words and character trigrams, unit norm.

The same text always gives the same vector (across processes and machines: no `hash()`),
and texts sharing words or word pieces are closer than unrelated ones, so retrieval tests
find what a reader expects. The OpenAI emulator's `/v1/embeddings` answers with the same
vectors.

Example:
    ```python
    from pipes.testing import DeterministicFakeEmbedding

    embeddings = DeterministicFakeEmbedding(size=64)
    cats, kittens, stocks = embeddings.embed_documents(["cats purr", "cat purring", "stocks fell"])
    ```
"""

from __future__ import annotations

import math
import re
import zlib

from pydantic import BaseModel, ConfigDict, Field

from pipes._embeddings import Embeddings

__all__ = ["DeterministicFakeEmbedding", "FakeEmbeddings", "hashed_embedding"]

_WORD = re.compile(r"\w+")
# A whole word says more than one of its trigrams.
_WORD_WEIGHT = 1.0
_TRIGRAM_WEIGHT = 0.5


def hashed_embedding(text: str, size: int) -> list[float]:
    """A unit vector of `size` floats for `text`: its lower-cased words and their character
    trigrams hashed (CRC-32) into the dimensions, with a hashed sign and sublinear counts.

    Example:
        ```python
        vector = hashed_embedding("The cat sat.", 8)
        round(sum(x * x for x in vector), 6)  # 1.0
        ```
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive number of dimensions, got {size!r}.")
    counts: dict[bytes, int] = {}
    for word in _WORD.findall(text.lower()) or ["\x00empty"]:
        key = b"\x01" + word.encode()  # a word, apart from a trigram of the same letters
        counts[key] = counts.get(key, 0) + 1
        padded = f" {word} ".encode()
        for i in range(len(padded) - 2):
            gram = padded[i : i + 3]
            counts[gram] = counts.get(gram, 0) + 1
    vector = [0.0] * size
    for feature, count in counts.items():
        # Sublinear counts: a word said four times is not four times the topic.
        weight = (_WORD_WEIGHT if feature[0] == 1 else _TRIGRAM_WEIGHT) * (1.0 + math.log(count))
        h = zlib.crc32(feature)
        vector[h % size] += -weight if h & 0x80000000 else weight
    length = math.sqrt(math.fsum(x * x for x in vector))
    if length == 0.0:  # every feature cancelled out (possible in tiny spaces)
        vector[zlib.crc32(text.encode()) % size] = 1.0
        return vector
    return [x / length for x in vector]


class DeterministicFakeEmbedding(BaseModel, Embeddings):
    """Fake embeddings for tests: deterministic, unit norm, similar texts close.

    LangChain's name; unlike LangChain's (random vectors seeded by the text's hash), related
    texts really are closer, so a retrieval test can assert what it finds.

    Example:
        ```python
        store = InMemoryVectorStore.from_texts(
            ["Cats purr.", "Stocks fell."], DeterministicFakeEmbedding(size=256)
        )
        store.similarity_search("Why do cats purr?", k=1)[0].page_content  # 'Cats purr.'
        ```
    """

    model_config = ConfigDict(extra="forbid")

    size: int = Field(gt=0)
    """Dimensions of every vector."""

    def _embed(self, texts: list[str]) -> list[list[float]]:
        return [hashed_embedding(text, self.size) for text in texts]

    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)  # quick CPU work: no worker thread


class FakeEmbeddings(DeterministicFakeEmbedding):
    """LangChain's other fake's name; the same deterministic vectors.

    Example:
        ```python
        FakeEmbeddings(size=16).embed_query("hello")  # 16 floats, unit norm
        ```
    """
