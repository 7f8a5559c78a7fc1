"""`POST /v1/embeddings`: deterministic unit vectors, OpenAI's parameters, limits and errors."""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes.testing import hashed_embedding
from pipes_openai.emulator import Emulator
from pipes_openai.emulator._embeddings import hashed_vector

openai: Any = pytest.importorskip("openai")


def _post(client: httpx.Client, body: dict[str, Any], path: str = "/embeddings") -> httpx.Response:
    return client.post(path, json=body)


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_answers_in_the_apis_shape_with_usage(client: httpx.Client) -> None:
    response = _post(client, {"model": "text-embedding-3-small", "input": ["cats purr", "dogs"]})
    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
    data = response.json()
    assert data["object"] == "list"
    assert data["model"] == "text-embedding-3-small"
    assert [(d["object"], d["index"], len(d["embedding"])) for d in data["data"]] == [
        ("embedding", 0, 1536),
        ("embedding", 1, 1536),
    ]
    assert data["usage"] == {"prompt_tokens": 3, "total_tokens": 3}


def test_same_text_same_unit_vector_and_related_texts_closer(client: httpx.Client) -> None:
    texts = ["The cat purrs on the sofa.", "A purring cat on a sofa.", "Bond yields rose."]
    body = {"model": "text-embedding-3-small", "input": texts, "dimensions": 256}
    first = [d["embedding"] for d in _post(client, body).json()["data"]]
    again = [d["embedding"] for d in _post(client, body).json()["data"]]
    assert first == again
    assert all(math.isclose(_dot(v, v), 1.0, rel_tol=1e-9) for v in first)
    assert _dot(first[0], first[1]) > _dot(first[0], first[2]) + 0.3


def test_base64_is_little_endian_float32_of_the_same_vector(client: httpx.Client) -> None:
    body: dict[str, Any] = {"model": "text-embedding-3-large", "input": "hello", "dimensions": 8}
    floats = _post(client, body).json()["data"][0]["embedding"]
    encoded = _post(client, {**body, "encoding_format": "base64"}).json()["data"][0]["embedding"]
    decoded = list(struct.unpack("<8f", base64.b64decode(encoded)))
    assert decoded == [struct.unpack("<f", struct.pack("<f", x))[0] for x in floats]


def test_token_array_inputs(client: httpx.Client) -> None:
    one = _post(
        client, {"model": "text-embedding-3-small", "input": [1, 2, 3], "dimensions": 4}
    ).json()
    many = _post(
        client, {"model": "text-embedding-3-small", "input": [[1, 2, 3], [4]], "dimensions": 4}
    ).json()
    assert len(one["data"]) == 1
    assert one["usage"]["prompt_tokens"] == 3
    assert many["data"][0]["embedding"] == one["data"][0]["embedding"]
    assert many["usage"]["prompt_tokens"] == 4


def test_azure_deployment_route(emulator: Emulator, client: httpx.Client) -> None:
    response = client.post(
        emulator.url + "/openai/deployments/emb/embeddings",
        params={"api-version": "2024-10-21"},
        json={"input": "x"},
    )
    assert response.status_code == 200
    assert response.json()["model"] == "emb"


@pytest.mark.parametrize(
    ("body", "param", "code", "message"),
    [
        ({"input": "x"}, None, None, "you must provide a model parameter"),
        (
            {"model": "text-embedding-3-small"},
            "input",
            "missing_required_parameter",
            "Missing required parameter",
        ),
        ({"model": "text-embedding-3-small", "input": ""}, None, None, "'$.input' is invalid"),
        ({"model": "text-embedding-3-small", "input": []}, None, None, "'$.input' is invalid"),
        (
            {"model": "text-embedding-3-small", "input": ["a", 3]},
            None,
            None,
            "'$.input' is invalid",
        ),
        (
            {"model": "text-embedding-3-small", "input": ["a"] * 2049},
            "input",
            "array_above_max_length",
            "2048",
        ),
        (
            {"model": "text-embedding-3-small", "input": "x", "dimensions": 0},
            "dimensions",
            "integer_below_min_value",
            ">= 1",
        ),
        (
            {"model": "text-embedding-3-small", "input": "x", "dimensions": 1537},
            "dimensions",
            "integer_above_max_value",
            "<= 1536",
        ),
        (
            {"model": "text-embedding-ada-002", "input": "x", "dimensions": 8},
            None,
            None,
            "does not support specifying dimensions",
        ),
        (
            {"model": "text-embedding-3-small", "input": "x", "encoding_format": "hex"},
            "encoding_format",
            "invalid_value",
            "'hex'",
        ),
        (
            {"model": "text-embedding-3-small", "input": "word " * 8193},
            None,
            None,
            "maximum context length is 8192",
        ),
    ],
)
def test_bad_requests_get_the_apis_errors(
    client: httpx.Client, body: dict[str, Any], param: str | None, code: str | None, message: str
) -> None:
    response = _post(client, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)
    assert message in error["message"]


def test_too_many_tokens_per_request(client: httpx.Client) -> None:
    response = _post(
        client, {"model": "text-embedding-3-small", "input": [("word " * 8000).strip()] * 38}
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Requested 304000 tokens, max 300000 tokens per request",
        "type": "max_tokens_per_request",
        "param": None,
        "code": "max_tokens_per_request",
    }


def test_a_queued_error_answers_an_embeddings_request(
    emulator: Emulator, client: httpx.Client
) -> None:
    emulator.fail(429, retry_after=0.01)
    emulator.script("for the chat request")
    assert _post(client, {"model": "text-embedding-3-small", "input": "x"}).status_code == 429
    assert _post(client, {"model": "text-embedding-3-small", "input": "x"}).status_code == 200
    assert emulator.pending == 1  # the scripted chat reply waits for a chat request


def test_the_official_sdk_creates_embeddings(emulator: Emulator) -> None:
    client = openai.OpenAI(base_url=emulator.base_url, api_key="x", max_retries=0)
    try:
        # The SDK asks for base64 unless told otherwise, and decodes it.
        result = client.embeddings.create(
            model="text-embedding-3-small", input=["cats", "dogs"], dimensions=32
        )
        floats = client.embeddings.create(
            model="text-embedding-3-small", input="cats", dimensions=32, encoding_format="float"
        )
    finally:
        client.close()
    assert emulator.requests[0].body["encoding_format"] == "base64"
    assert len(result.data) == 2
    assert result.usage.prompt_tokens == 2
    assert result.data[0].embedding == pytest.approx(floats.data[0].embedding, abs=1e-6)


@settings(derandomize=True, max_examples=50, deadline=None)
@given(st.text(max_size=60), st.integers(min_value=1, max_value=64))
def test_the_vectors_are_pipes_testing_ones(text: str, size: int) -> None:
    # Written twice (the emulator never imports pipes); this keeps the two equal.
    assert hashed_vector(text, size) == hashed_embedding(text, size)
