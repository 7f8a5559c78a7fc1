"""OpenAIEmbeddings / AzureOpenAIEmbeddings: batching, order, the shared HTTP layer, Azure."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import KEY
from pydantic import SecretStr, TypeAdapter, ValidationError

from pipes import InMemoryVectorStore
from pipes.testing import hashed_embedding
from pipes_openai import (
    APITimeoutError,
    AuthenticationError,
    AzureOpenAIEmbeddings,
    BadRequestError,
    OpenAIConfigurationError,
    OpenAIEmbeddings,
    RateLimitError,
    ResponseProtocolError,
)
from pipes_openai.emulator import Emulator

openai: Any = pytest.importorskip("openai")


def _check_body(body: Any) -> None:
    """The body is a valid `EmbeddingCreateParams` of the official SDK (the specs we vendor
    have no embeddings schema): its keys and their types."""
    params = openai.types.EmbeddingCreateParams
    assert set(body) <= set(params.__annotations__), body.keys()
    assert {"model", "input"} <= set(body)
    TypeAdapter(params).validate_python(body)


def embeddings(emu: Emulator, **kwargs: Any) -> OpenAIEmbeddings:
    settings: dict[str, Any] = {"base_url": emu.base_url, "api_key": KEY, "max_retries": 0}
    settings.update(kwargs)
    return OpenAIEmbeddings(**settings)


def _float32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def test_vectors_are_the_servers_in_input_order(emu: Emulator) -> None:
    model = embeddings(emu, model="text-embedding-3-small", dimensions=32)
    texts = ["cats purr", "dogs bark", "stocks fell"]
    assert model.embed_documents(texts) == [_float32(hashed_embedding(t, 32)) for t in texts]
    assert model.embed_query("cats purr") == _float32(hashed_embedding("cats purr", 32))
    body = emu.requests[0].body
    assert body == {
        "model": "text-embedding-3-small",
        "input": texts,
        "encoding_format": "base64",
        "dimensions": 32,
    }
    for request in emu.requests:
        _check_body(request.body)
        assert request.path == "/v1/embeddings"
        assert request.headers["authorization"].startswith("Bearer ")  # recorded redacted


def test_chunk_size_batches_the_requests(emu: Emulator) -> None:
    model = embeddings(emu, chunk_size=2, dimensions=4, model="text-embedding-3-small")
    vectors = model.embed_documents([f"text {i}" for i in range(5)])
    assert len(vectors) == 5
    assert [r.body["input"] for r in emu.requests] == [
        ["text 0", "text 1"],
        ["text 2", "text 3"],
        ["text 4"],
    ]
    assert vectors[4] == _float32(hashed_embedding("text 4", 4))


async def test_async_gives_the_sync_answer(emu: Emulator) -> None:
    model = embeddings(emu, chunk_size=2, dimensions=8, model="text-embedding-3-small")
    texts = ["a", "b", "c"]
    assert await model.aembed_documents(texts) == model.embed_documents(texts)
    assert await model.aembed_query("a") == model.embed_query("a")


def test_model_kwargs_and_langchain_aliases(emu: Emulator) -> None:
    model = OpenAIEmbeddings(
        openai_api_base=emu.base_url,
        openai_api_key=KEY,
        request_timeout=5,
        model_kwargs={"user": "u-1"},
    )
    model.embed_query("x")
    assert emu.requests[-1].body["user"] == "u-1"
    assert emu.requests[-1].body["model"] == "text-embedding-ada-002"  # LangChain's default
    assert "dimensions" not in emu.requests[-1].body


def test_langchains_local_switches_off_are_accepted_on_are_refused(emu: Emulator) -> None:
    model = embeddings(emu, check_embedding_ctx_length=False, tiktoken_enabled=False)
    assert len(model.embed_query("x")) == 1536
    with pytest.raises(OpenAIConfigurationError, match="split texts longer"):
        embeddings(emu, check_embedding_ctx_length=True)
    with pytest.raises(OpenAIConfigurationError, match=r"show_progress_bar=True\) is not"):
        embeddings(emu, show_progress_bar=True)


def test_retries_then_succeeds(emu: Emulator) -> None:
    emu.fail(429, retry_after=0.01, times=2)
    model = embeddings(emu, max_retries=2)
    assert len(model.embed_query("x")) == 1536
    assert len(emu.requests) == 3


def test_typed_errors_from_the_server(emu: Emulator) -> None:
    emu.fail(429, times=1)
    with pytest.raises(RateLimitError):
        embeddings(emu).embed_query("x")
    with pytest.raises(BadRequestError) as info:
        embeddings(emu, model="text-embedding-ada-002", dimensions=8).embed_query("x")
    assert "does not support specifying dimensions" in info.value.message
    with Emulator(api_key="right") as strict:
        with pytest.raises(AuthenticationError):
            embeddings(strict, api_key="wrong").embed_query("x")


def _mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def _reply(data: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"object": "list", "data": data, "model": "m"})


def _b64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def test_data_out_of_order_and_float_lists_are_put_in_input_order() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _reply(
            [
                {"object": "embedding", "index": 1, "embedding": [0.5, 1]},
                {"object": "embedding", "index": 0, "embedding": _b64([0.25, -1.0])},
            ]
        )

    with _mock(handler) as client:
        model = OpenAIEmbeddings(api_key=KEY, http_client=client)
        assert model.embed_documents(["a", "b"]) == [[0.25, -1.0], [0.5, 1.0]]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([{"index": 0, "embedding": [1.0]}], "with 1 embeddings"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}], "repeated"),
        ([{"index": 0, "embedding": [1.0]}, {"index": 5, "embedding": [1.0]}], "out-of-range"),
        ([{"index": 0, "embedding": "!!"}, {"index": 1, "embedding": [1.0]}], "invalid base64"),
        ([{"index": 0, "embedding": {"a": 1}}, {"index": 1, "embedding": [1.0]}], "dict"),
    ],
)
def test_malformed_replies_raise_protocol_errors(data: list[dict[str, Any]], match: str) -> None:
    with _mock(lambda request: _reply(data)) as client:
        model = OpenAIEmbeddings(api_key=KEY, http_client=client)
        with pytest.raises(ResponseProtocolError, match=match):
            model.embed_documents(["a", "b"])


def test_timeouts_and_secrets_go_through_the_chat_http_layer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("x-case") == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(
            400, json={"error": {"message": f"bad key {KEY}", "type": "invalid_request_error"}}
        )

    with _mock(handler) as client:
        model = OpenAIEmbeddings(api_key=KEY, http_client=client, max_retries=0)
        with pytest.raises(BadRequestError) as info:
            model.embed_query("x")
        assert KEY not in str(info.value)
        assert KEY not in repr(model)
        assert KEY not in model.model_dump_json()
        timing_out = OpenAIEmbeddings(
            api_key=KEY, http_client=client, max_retries=0, default_headers={"x-case": "timeout"}
        )
        with pytest.raises(APITimeoutError):
            timing_out.embed_query("x")


def test_credential_headers_are_hidden_in_repr_and_dumps() -> None:
    model = OpenAIEmbeddings(api_key=KEY, default_headers={"x-api-key": "hdr-SECRET-123456"})
    assert "hdr-SECRET-123456" not in repr(model)
    assert "hdr-SECRET-123456" not in model.model_dump_json()


def test_changing_a_connection_setting_reconnects(emu: Emulator) -> None:
    model = OpenAIEmbeddings(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    model.base_url = emu.base_url
    model.api_key = KEY  # type: ignore[assignment]  # a str is kept as a secret
    assert len(model.embed_query("x")) == 1536
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == KEY


def test_a_copy_with_new_settings_reconnects(emu: Emulator) -> None:
    model = OpenAIEmbeddings(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    model.embed_documents([])  # no request: nothing to connect yet
    copied = model.model_copy(update={"base_url": emu.base_url, "api_key": "sk-other-123456"})
    assert len(copied.embed_query("x")) == 1536
    assert isinstance(copied.api_key, SecretStr)
    assert model.base_url == "http://127.0.0.1:9/v1"


def test_configuration_errors_name_the_embeddings_class(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OpenAIConfigurationError, match="to OpenAIEmbeddings"):
        OpenAIEmbeddings()
    with pytest.raises(OpenAIConfigurationError, match="AzureOpenAIEmbeddings is not configured"):
        AzureOpenAIEmbeddings()
    with pytest.raises(ValidationError, match="chunk_size"):
        OpenAIEmbeddings(api_key=KEY, chunk_size=0)
    with pytest.raises(ValidationError, match="dimensions"):
        OpenAIEmbeddings(api_key=KEY, dimensions=-1)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert OpenAIEmbeddings().api_key is not None


def test_azure_deployment_url_and_key() -> None:
    # This emulator demands the key, so a 200 proves the api-key header was sent.
    with Emulator(api_key=KEY) as emu:
        _azure_call(emu)


def _azure_call(emu: Emulator) -> None:
    model = AzureOpenAIEmbeddings(
        azure_endpoint=emu.url,
        azure_deployment="emb-small",
        api_version="2024-10-21",
        api_key=KEY,
        dimensions=8,
        model="text-embedding-3-small",
    )
    assert model.embed_query("x") == _float32(hashed_embedding("x", 8))
    request = emu.requests[-1]
    assert request.path == "/openai/deployments/emb-small/embeddings"
    assert request.query == {"api-version": "2024-10-21"}
    assert "api-key" in request.headers


async def test_azure_token_providers_are_called_per_request(emu: Emulator) -> None:
    calls: list[int] = []

    async def provider() -> str:
        calls.append(1)
        return f"tok-{len(calls)}-abcdefgh"

    model = AzureOpenAIEmbeddings(
        azure_endpoint=emu.url,
        azure_deployment="emb",
        api_version="2024-10-21",
        azure_ad_async_token_provider=provider,
    )
    await model.aembed_query("x")
    await model.aembed_query("y")
    assert len(calls) == 2
    assert all(r.headers["authorization"].startswith("Bearer ") for r in emu.requests)


def test_agrees_with_the_official_sdk(emu: Emulator) -> None:
    client = openai.OpenAI(base_url=emu.base_url, api_key=KEY, max_retries=0)
    try:
        sdk = client.embeddings.create(model="text-embedding-3-small", input=["a b", "c"])
    finally:
        client.close()
    ours = embeddings(emu, model="text-embedding-3-small").embed_documents(["a b", "c"])
    assert ours == [item.embedding for item in sdk.data]
    assert json.loads(json.dumps(emu.requests[0].body)) == emu.requests[1].body


def test_feeds_a_vector_store(emu: Emulator) -> None:
    model = embeddings(emu, model="text-embedding-3-small", dimensions=256)
    store = InMemoryVectorStore.from_texts(
        ["Cats sleep most of the day.", "Interest rates rose again."], model
    )
    assert store.similarity_search("Why do cats sleep?", k=1)[0].page_content.startswith("Cats")


def test_langchains_rag_how_to_against_the_emulator(emu: Emulator) -> None:
    from pipes import ChatPromptTemplate, Document, RunnablePassthrough, StrOutputParser
    from pipes_openai import ChatOpenAI

    vectorstore = InMemoryVectorStore.from_texts(
        ["Cats sleep sixteen hours a day.", "Bond yields rose on Monday."],
        embeddings(emu, model="text-embedding-3-small"),
    )
    retriever = vectorstore.as_retriever(search_kwargs={"k": 1})
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Context:\n{context}"), ("human", "{question}")]
    )
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=emu.base_url, api_key=KEY)

    def format_docs(docs: list[Document]) -> str:
        return "\n\n".join(doc.page_content for doc in docs)

    rag_chain = (
        {"context": retriever | format_docs, "question": RunnablePassthrough()}
        | prompt
        | llm
        | StrOutputParser()
    )
    emu.script("Sixteen hours.")
    assert rag_chain.invoke("How long do cats sleep?") == "Sixteen hours."
    chat = emu.requests[-1].body
    assert chat["messages"][0]["content"] == "Context:\nCats sleep sixteen hours a day."
    assert [r.path for r in emu.requests] == [
        "/v1/embeddings",
        "/v1/embeddings",
        "/v1/chat/completions",
    ]
