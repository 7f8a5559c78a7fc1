"""The model registry: unknown models, context windows and output limits on every endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai_helpers import SCHEMA_PATH, schema_validator

from pipes_openai.emulator import DEFAULT_MODELS, Emulator, ModelSpec
from pipes_openai.emulator.__main__ import _models
from pipes_openai.emulator._models import parse_model_option

from .helpers import assert_valid, chat

_MODELS_SCHEMA = SCHEMA_PATH.with_name("openai-batch-files-models.schema.json")


def _message(exc: openai.APIStatusError) -> str:
    body: Any = exc.body
    return str(body["message"])


def _error(response: httpx.Response) -> dict[str, Any]:
    assert_valid("ErrorResponse", response.json())
    error: dict[str, Any] = response.json()["error"]
    return error


# -- unknown models ------------------------------------------------------------------------


def test_an_unknown_model_is_a_404_model_not_found_saying_how_to_serve_it(
    sdk: openai.OpenAI,
) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.create(model="gpt-nope", messages=[{"role": "user", "content": "x"}])
    assert caught.value.code == "model_not_found"
    body: Any = caught.value.body
    assert body["message"].startswith(
        "The model `gpt-nope` does not exist or you do not have access to it."
    )
    assert "Emulator(models=[*DEFAULT_MODELS, 'gpt-nope'])" in body["message"]
    assert "--any-model" in body["message"]
    assert body["param"] is None
    assert body["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chat/completions", chat(model="gpt-nope")),
        ("/chat/completions", chat(model="gpt-nope", stream=True)),
        ("/responses", {"model": "gpt-nope", "input": "hi"}),
        ("/responses", {"model": "gpt-nope", "input": "hi", "stream": True}),
        ("/responses/input_tokens", {"model": "gpt-nope", "input": "hi"}),
        ("/embeddings", {"model": "gpt-nope", "input": "hi"}),
    ],
)
def test_every_endpoint_refuses_an_unknown_model(
    client: httpx.Client, emulator: Emulator, path: str, body: dict[str, Any]
) -> None:
    emulator.script("kept for the next request")
    response = client.post(path, json=body)
    assert response.status_code == 404
    assert _error(response)["code"] == "model_not_found"
    assert emulator.pending == 1  # the scripted reply was not spent on a refused request


def test_models_retrieve_and_list(sdk: openai.OpenAI, client: httpx.Client) -> None:
    listed = client.get("/models").json()
    assert not list(schema_validator("ListModelsResponse", _MODELS_SCHEMA).iter_errors(listed))
    retrieved = client.get("/models/gpt-4.1-mini").json()
    assert not list(schema_validator("Model", _MODELS_SCHEMA).iter_errors(retrieved))
    assert {m["id"] for m in listed["data"]} == {m.id for m in DEFAULT_MODELS}
    assert sdk.models.retrieve("gpt-4.1-mini").id == "gpt-4.1-mini"
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.models.retrieve("gpt-nope")
    assert caught.value.code == "model_not_found"
    fine_tune = sdk.models.retrieve("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    assert fine_tune.owned_by == "user-emulator"


def test_a_batch_line_with_an_unknown_model_fails_alone(emulator: Emulator) -> None:
    lines = [
        {"custom_id": "ok", "body": chat()},
        {"custom_id": "bad", "body": chat(model="gpt-nope")},
    ]
    content = "".join(
        json.dumps({"method": "POST", "url": "/v1/chat/completions", **line}) + "\n"
        for line in lines
    )
    with openai.OpenAI(base_url=emulator.base_url, api_key="x") as sdk:
        upload = sdk.files.create(file=("in.jsonl", content.encode()), purpose="batch")
        batch = sdk.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        done = sdk.batches.retrieve(batch.id)
        assert done.status == "completed"
        assert done.error_file_id is not None
        failed = json.loads(sdk.files.content(done.error_file_id).text)
    assert failed["custom_id"] == "bad"
    assert failed["response"]["status_code"] == 404
    assert failed["response"]["body"]["error"]["code"] == "model_not_found"


# -- kinds ---------------------------------------------------------------------------------


def test_an_embeddings_model_on_chat_and_a_chat_model_on_embeddings(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as on_chat:
        sdk.chat.completions.create(
            model="text-embedding-3-small", messages=[{"role": "user", "content": "x"}]
        )
    assert _message(on_chat.value).startswith("This is not a chat model")
    assert on_chat.value.param == "model"
    with pytest.raises(openai.BadRequestError) as on_embeddings:
        sdk.embeddings.create(model="gpt-4o-mini", input="x")
    assert on_embeddings.value.param == "model"
    assert "does not support embeddings" in _message(on_embeddings.value)


def test_a_responses_only_model_is_refused_on_chat_and_served_on_responses(
    sdk: openai.OpenAI,
) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.create(model="o3-pro", messages=[{"role": "user", "content": "x"}])
    assert "only supported in v1/responses" in _message(caught.value)
    assert sdk.responses.create(model="o3-pro", input="hello").output_text == "hello"


# -- limits --------------------------------------------------------------------------------

_SMALL = ModelSpec("small", context_window=40, max_output_tokens=10)


@pytest.fixture
def small() -> Iterator[openai.OpenAI]:
    with (
        Emulator(models=[*DEFAULT_MODELS, _SMALL]) as emulator,
        openai.OpenAI(base_url=emulator.base_url, api_key="x", max_retries=0) as client,
    ):
        yield client


def test_a_prompt_over_the_window_is_context_length_exceeded(small: openai.OpenAI) -> None:
    long = " ".join(["word"] * 50)  # 50 tokens + 3 per message + 3
    with pytest.raises(openai.BadRequestError) as caught:
        small.chat.completions.create(model="small", messages=[{"role": "user", "content": long}])
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"
    assert _message(caught.value) == (
        "This model's maximum context length is 40 tokens. However, your messages resulted in"
        " 56 tokens. Please reduce the length of the messages."
    )


def test_the_requested_completion_counts_against_the_window(small: openai.OpenAI) -> None:
    prompt = " ".join(["word"] * 30)  # 36 tokens with the message overhead
    with pytest.raises(openai.BadRequestError) as caught:
        small.chat.completions.create(
            model="small", messages=[{"role": "user", "content": prompt}], max_tokens=8
        )
    assert caught.value.code == "context_length_exceeded"
    assert "you requested 44 tokens (36 in the messages, 8 in the completion)" in _message(
        caught.value
    )
    ok = small.chat.completions.create(
        model="small", messages=[{"role": "user", "content": prompt}], max_tokens=4
    )
    assert ok.choices[0].message.content == "word word word word"


@pytest.mark.parametrize("param", ["max_tokens", "max_completion_tokens"])
def test_an_output_limit_over_the_models_is_refused(small: openai.OpenAI, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        small.chat.completions.create(
            model="small",
            messages=[{"role": "user", "content": "hi"}],
            **{param: 11},  # type: ignore[arg-type]
        )
    assert caught.value.param == param
    assert caught.value.code is None
    assert _message(caught.value) == (
        f"{param} is too large: 11. This model supports at most 10 completion tokens, whereas"
        " you provided 11."
    )


def test_responses_limits(small: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as over_window:
        small.responses.create(model="small", input=" ".join(["word"] * 50))
    assert over_window.value.code == "context_length_exceeded"
    assert over_window.value.param == "input"
    assert _message(over_window.value) == (
        "Your input exceeds the context window of this model. Please adjust your input and try"
        " again."
    )
    with pytest.raises(openai.BadRequestError) as over_output:
        small.responses.create(model="small", input="hi", max_output_tokens=11)
    assert over_output.value.param == "max_output_tokens"


def test_real_limits_of_a_default_model(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=chat(model="gpt-4o", max_tokens=16_385))
    assert response.status_code == 400
    assert "at most 16384 completion tokens" in _error(response)["message"]
    assert client.post("/chat/completions", json=chat(model="gpt-4o", max_tokens=16_384)).is_success


# -- configuration -------------------------------------------------------------------------


def test_any_model_serves_made_up_ids_and_keeps_known_limits() -> None:
    with Emulator(any_model=True) as emulator:
        made_up = httpx.post(f"{emulator.base_url}/chat/completions", json=chat(model="acme-1"))
        assert made_up.json()["choices"][0]["message"]["content"] == "Hello, world!"
        known = httpx.post(
            f"{emulator.base_url}/chat/completions", json=chat(model="gpt-4o", max_tokens=10**6)
        )
        assert known.status_code == 400


def test_azure_deployments_are_the_users_names() -> None:
    with Emulator() as emulator:
        url = f"{emulator.url}/openai/deployments/my-deployment/chat/completions"
        answer = httpx.post(url, params={"api-version": "2024-10-21"}, json=chat(model=None))
        assert answer.is_success
        # A deployment named after a known model gets its limits.
        url = f"{emulator.url}/openai/deployments/gpt-4o/chat/completions"
        over = httpx.post(url, params={"api-version": "2024-10-21"}, json=chat(max_tokens=10**6))
        assert over.status_code == 400


def test_bad_model_configuration_says_what_to_pass() -> None:
    with pytest.raises(TypeError, match="takes model ids or ModelSpec"):
        Emulator(models=[3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="positive int"):
        ModelSpec("x", context_window=0)
    with pytest.raises(ValueError, match="kind"):
        ModelSpec("x", kind="image")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mine", ModelSpec("mine")),
        ("mine:8192", ModelSpec("mine", 8192)),
        ("mine:8192:1024", ModelSpec("mine", 8192, 1024)),
        ("gpt-4o", ModelSpec("gpt-4o", 128_000, 16_384)),
        ("gpt-4o:1000", ModelSpec("gpt-4o", 1000, 16_384)),
        ("text-embedding-3-small", ModelSpec("text-embedding-3-small", 8192, None, "embedding")),
        ("ft:gpt-4o:acme::x", ModelSpec("ft:gpt-4o:acme::x")),
    ],
)
def test_the_model_option(text: str, expected: ModelSpec) -> None:
    assert parse_model_option(text) == expected


@pytest.mark.parametrize("text", ["", "x:", "x:0", "x:1:2:3", "x:big"])
def test_a_bad_model_option_says_the_form(text: str) -> None:
    with pytest.raises(ValueError, match="ID:CONTEXT:OUTPUT"):
        parse_model_option(text)


def test_cli_models_add_to_the_defaults() -> None:
    served = _models([ModelSpec("mine", 100), ModelSpec("gpt-4o", 1000)])
    ids = [m.id for m in served]
    assert len(ids) == len(set(ids)) == len(DEFAULT_MODELS) + 1
    assert next(m for m in served if m.id == "gpt-4o").context_window == 1000
