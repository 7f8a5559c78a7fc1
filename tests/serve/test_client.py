"""`RemoteRunnable` against a real server: every method, typed errors, composition."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pipes import (
    AIMessage,
    ChatPromptTemplate,
    RunnableLambda,
    StrOutputParser,
    get_config,
)
from pipes.serve import (
    RemoteAuthenticationError,
    RemoteInputError,
    RemoteRunnable,
    RemoteRunnableError,
    create_app,
)
from pipes.testing import FakeChatModel

Serve = Callable[..., str]


def _translate() -> Any:
    prompt = ChatPromptTemplate.from_messages([("human", "Translate {text}")])
    return prompt | FakeChatModel(responses=["Bonjour le monde"], cycle=True) | StrOutputParser()


def test_sync_methods(serve: Serve) -> None:
    remote = RemoteRunnable(serve(create_app(_translate())))
    assert remote.invoke({"text": "hi"}) == "Bonjour le monde"
    chunks = list(remote.stream({"text": "hi"}))
    assert len(chunks) > 1
    assert "".join(chunks) == "Bonjour le monde"
    assert remote.batch([{"text": "a"}, {"text": "b"}]) == ["Bonjour le monde"] * 2
    assert remote.batch([]) == []
    remote.close()


async def test_async_methods(serve: Serve) -> None:
    remote = RemoteRunnable(serve(create_app(_translate())))
    assert await remote.ainvoke({"text": "hi"}) == "Bonjour le monde"
    chunks = [chunk async for chunk in remote.astream({"text": "hi"})]
    assert "".join(chunks) == "Bonjour le monde"
    assert await remote.abatch([{"text": "a"}]) == ["Bonjour le monde"]
    await remote.aclose()


def test_messages_come_back_as_messages(serve: Serve) -> None:
    model = FakeChatModel(responses=["hello there"], cycle=True)
    remote = RemoteRunnable(serve(create_app(model)))
    message = remote.invoke("hi")
    assert isinstance(message, AIMessage)
    assert message.content == "hello there"
    chunks = list(remote.stream("hi"))
    assert all(type(c).__name__ == "AIMessageChunk" for c in chunks)


def test_composes_with_pipe_and_sends_allowed_config(serve: Serve) -> None:
    seen: list[Any] = []

    def spy(x: str) -> str:
        seen.append(get_config())
        return x.upper()

    remote = RemoteRunnable(serve(create_app(RunnableLambda(spy))))
    chain = RunnableLambda(lambda x: x + "!") | remote | (lambda x: f"<{x}>")
    assert chain.invoke("hi", {"tags": ["t1"], "metadata": {"m": 1, "obj": object()}}) == "<HI!>"
    assert "t1" in seen[0]["tags"]
    assert seen[0]["metadata"]["m"] == 1
    assert "obj" not in seen[0]["metadata"]  # not JSON: stays local


def test_batch_with_return_exceptions_returns_them_per_slot(serve: Serve) -> None:
    def picky(x: int) -> int:
        if x == 2:
            raise ValueError("two is not allowed")
        return x

    remote = RemoteRunnable(serve(create_app(RunnableLambda(picky))))
    results = remote.batch([1, 2, 3], return_exceptions=True)
    assert results[0] == 1
    assert results[2] == 3
    assert isinstance(results[1], RemoteRunnableError)
    assert results[1].error_type == "ValueError"
    with pytest.raises(RemoteRunnableError, match="two is not allowed"):
        remote.batch([1, 2])


def test_errors_are_typed_and_carry_the_servers_message(serve: Serve) -> None:
    def boom(x: Any) -> Any:
        raise KeyError("no such thing")

    url = serve(create_app(RunnableLambda(boom)))
    remote = RemoteRunnable(url)
    with pytest.raises(RemoteRunnableError) as info:
        remote.invoke(1)
    assert info.value.status_code == 500
    assert info.value.error_type == "KeyError"
    assert info.value.message == "'no such thing'"
    with pytest.raises(RemoteRunnableError, match="no such thing"):
        list(remote.stream(1))

    strict = RemoteRunnable(serve(create_app(_translate())))
    with pytest.raises(RemoteInputError) as bad:
        strict.invoke({"txt": "x"})
    assert isinstance(bad.value, ValueError)
    assert bad.value.status_code == 422
    assert "input.text: field required" in bad.value.message
    with pytest.raises(RemoteInputError):
        list(strict.stream({}))


async def test_async_errors_too(serve: Serve) -> None:
    def boom(x: Any) -> Any:
        raise RuntimeError("async boom")

    remote = RemoteRunnable(serve(create_app(RunnableLambda(boom))))
    with pytest.raises(RemoteRunnableError, match="async boom"):
        await remote.ainvoke(1)
    with pytest.raises(RemoteRunnableError, match="async boom"):
        [c async for c in remote.astream(1)]
    await remote.aclose()


def test_api_key_in_headers_and_never_in_repr(serve: Serve) -> None:
    url = serve(create_app(RunnableLambda(lambda x: x), api_key="the-key-123"))
    with pytest.raises(RemoteAuthenticationError) as info:
        RemoteRunnable(url).invoke(1)
    assert info.value.status_code == 401
    remote = RemoteRunnable(url, headers={"x-api-key": "the-key-123"})
    assert remote.invoke(7) == 7
    assert "the-key-123" not in repr(remote)
    with_password = RemoteRunnable("http://user:pa55word@127.0.0.1:1/chain")
    assert "pa55word" not in repr(with_password)


def test_bad_url_and_kwargs_are_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        RemoteRunnable("127.0.0.1:8000")
    remote = RemoteRunnable("http://127.0.0.1:1")
    with pytest.raises(TypeError, match="keyword arguments"):
        remote.invoke(1, temperature=0)


def test_one_async_pool_per_event_loop(serve: Serve) -> None:
    remote = RemoteRunnable(serve(create_app(RunnableLambda(lambda x: x * 2))))
    assert asyncio.run(remote.ainvoke(1)) == 2
    assert asyncio.run(remote.ainvoke(2)) == 4  # a second loop: no "Event loop is closed"


async def test_astream_events_from_the_server(serve: Serve) -> None:
    remote = RemoteRunnable(serve(create_app(_translate())))
    events = [e async for e in remote.astream_events({"text": "hi"}, include_types=["chat_model"])]
    kinds = [e["event"] for e in events]
    assert "on_chat_model_stream" in kinds
    assert all(e["event"].startswith("on_chat_model") for e in events)
    await remote.aclose()
