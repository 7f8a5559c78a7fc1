"""`POST /v1/embeddings`: deterministic vectors, OpenAI's parameters, limits and errors.

Vectors are hashed words and character trigrams (the same as
`pipes.testing.hashed_embedding`, written again here because the emulator never imports
`pipes`; a test holds the two equal): the same text always gives the same vector, every
vector has unit norm, and texts sharing words or word pieces are closer than unrelated ones.
A token-array input is embedded as the text of its token ids.

Per model: `text-embedding-3-small` (1536 dimensions), `text-embedding-3-large` (3072) and
`text-embedding-ada-002` (1536, no `dimensions`); other models behave like
`text-embedding-3-small`. Limits as the API's: 2048 inputs per request, 8192 tokens per
input, 300,000 tokens per request; `dimensions` from 1 to the model's size (a shortened
vector is renormalised, as OpenAI's are); `encoding_format` `"float"` or `"base64"`
(little-endian float32).

Example:
    ```python
    client = OpenAI(base_url=emulator.base_url, api_key="x")
    client.embeddings.create(model="text-embedding-3-small", input=["cats", "dogs"],
                             dimensions=256).data[0].embedding
    ```
"""

from __future__ import annotations

import base64
import math
import re
import sys
import zlib
from array import array
from typing import Any

from ._wire import ApiError, count_tokens

__all__ = ["MAX_INPUTS", "MAX_INPUT_TOKENS", "MAX_REQUEST_TOKENS", "embeddings_response"]

MAX_INPUTS = 2048
MAX_INPUT_TOKENS = 8192
MAX_REQUEST_TOKENS = 300_000
# model -> (dimensions, whether `dimensions` may shorten it)
_MODELS: dict[str, tuple[int, bool]] = {
    "text-embedding-3-small": (1536, True),
    "text-embedding-3-large": (3072, True),
    "text-embedding-ada-002": (1536, False),
}
_DEFAULT_MODEL = (1536, True)
_WORD = re.compile(r"\w+")
_INVALID_INPUT = (
    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/"
    "api-reference."
)


def hashed_vector(text: str, size: int) -> list[float]:
    """A unit vector for `text` (kept equal to `pipes.testing.hashed_embedding`)."""
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
        weight = (1.0 if feature[0] == 1 else 0.5) * (1.0 + math.log(count))
        h = zlib.crc32(feature)
        vector[h % size] += -weight if h & 0x80000000 else weight
    length = math.sqrt(math.fsum(x * x for x in vector))
    if length == 0.0:
        vector[zlib.crc32(text.encode()) % size] = 1.0
        return vector
    return [x / length for x in vector]


def _inputs(value: Any) -> list[tuple[str, int]]:
    """`(text to embed, tokens)` per input: a string, strings, a token array or arrays."""
    if value is None:
        raise ApiError(
            400,
            "Missing required parameter: 'input'.",
            param="input",
            code="missing_required_parameter",
        )
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list) and value and all(_is_token(t) for t in value):
        items = [value]  # one token array
    elif isinstance(value, list) and value:
        items = value
    else:
        raise ApiError(400, _INVALID_INPUT)
    if len(items) > MAX_INPUTS:
        raise ApiError(
            400,
            f"Invalid 'input': array too long. Expected an array with maximum length "
            f"{MAX_INPUTS}, but got an array with length {len(items)} instead.",
            param="input",
            code="array_above_max_length",
        )
    out: list[tuple[str, int]] = []
    for item in items:
        if isinstance(item, str) and item:
            out.append((item, max(1, count_tokens(item))))
        elif isinstance(item, list) and item and all(_is_token(t) for t in item):
            out.append((" ".join(map(str, item)), len(item)))
        else:
            raise ApiError(400, _INVALID_INPUT)  # empty strings and arrays too, as the API
    return out


def _is_token(value: Any) -> bool:
    return type(value) is int and value >= 0


def _size(model: str, dimensions: Any) -> int:
    full, shortenable = _MODELS.get(model, _DEFAULT_MODEL)
    if dimensions is None:
        return full
    if not shortenable:
        raise ApiError(400, "This model does not support specifying dimensions.")
    if type(dimensions) is not int:
        raise ApiError(
            400,
            f"Invalid type for 'dimensions': expected an integer, but got "
            f"{type(dimensions).__name__} instead.",
            param="dimensions",
            code="invalid_type",
        )
    if dimensions < 1:
        raise ApiError(
            400,
            "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got "
            f"{dimensions} instead.",
            param="dimensions",
            code="integer_below_min_value",
        )
    if dimensions > full:
        raise ApiError(
            400,
            f"Invalid 'dimensions': integer above maximum value. Expected a value <= {full}, "
            f"but got {dimensions} instead.",
            param="dimensions",
            code="integer_above_max_value",
        )
    return dimensions


def embeddings_response(body: Any) -> dict[str, Any]:
    """The `CreateEmbeddingResponse` for a request body, or an `ApiError` saying why not."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise ApiError(400, "you must provide a model parameter")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise ApiError(
            400,
            f"Invalid value: {encoding!r}. Supported values are: 'float' and 'base64'.",
            param="encoding_format",
            code="invalid_value",
        )
    size = _size(model, body.get("dimensions"))
    inputs = _inputs(body.get("input"))
    total = 0
    for _, tokens in inputs:
        if tokens > MAX_INPUT_TOKENS:
            raise ApiError(
                400,
                f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you"
                f" requested {tokens} tokens ({tokens} in your prompt; 0 for the completion)."
                " Please reduce your prompt; or completion length.",
            )
        total += tokens
    if total > MAX_REQUEST_TOKENS:
        raise ApiError(
            400,
            f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request",
            type="max_tokens_per_request",
            code="max_tokens_per_request",
        )
    data = []
    for index, (text, _) in enumerate(inputs):
        vector: Any = hashed_vector(text, size)
        if encoding == "base64":
            packed = array("f", vector)
            if sys.byteorder == "big":
                packed.byteswap()  # the API's bytes are little-endian
            vector = base64.b64encode(packed.tobytes()).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": total, "total_tokens": total},
    }
