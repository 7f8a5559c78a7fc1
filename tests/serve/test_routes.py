"""LangServe's routes on a real uvicorn server: wire format, validation, errors, auth, limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from pipes import (
    AIMessage,
    ChatPromptTemplate,
    HumanMessage,
    Runnable,
    RunnableLambda,
    StrOutputParser,
    get_config,
)
from pipes.serve import add_routes, create_app
from pipes.testing import FakeChatModel

Serve = Callable[..., str]


def _prompt_chain() -> Any:
    prompt = ChatPromptTemplate.from_messages([("human", "Say {word}")])
    model = FakeChatModel(responses=["Bonjour le monde"], cycle=True)
    return prompt | model | StrOutputParser()


def _events(text: str) -> list[tuple[str, str]]:
    out = []
    for block in text.replace("\r\n", "\n").strip().split("\n\n"):
        lines = dict(
            line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
            for line in block.split("\n")
        )
        out.append((lines["event"], lines.get("data", "")))
    return out


def test_invoke_answers_output_and_metadata(serve: Serve) -> None:
    url = serve(create_app(_prompt_chain()))
    response = httpx.post(url + "/invoke", json={"input": {"word": "hi"}, "config": {}})
    assert response.status_code == 200
    body = response.json()
    assert body["output"] == "Bonjour le monde"
    assert isinstance(body["metadata"]["run_id"], str)


def test_batch_keeps_order_and_accepts_a_config_per_input(serve: Serve) -> None:
    seen: list[list[str]] = []

    def echo(x: int) -> int:
        seen.append(get_config().get("tags", []))
        return x * 10

    url = serve(create_app(RunnableLambda(echo)))
    response = httpx.post(
        url + "/batch",
        json={"inputs": [1, 2, 3], "config": [{"tags": ["a"]}, {"tags": ["b"]}, {"tags": ["c"]}]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["output"] == [10, 20, 30]
    assert len(response.json()["metadata"]["run_ids"]) == 3
    assert sorted(tag for tags in seen for tag in tags) == ["a", "b", "c"]
    wrong = httpx.post(url + "/batch", json={"inputs": [1, 2], "config": [{}]})
    assert wrong.status_code == 422
    assert "one config per input" in wrong.json()["message"]


def test_stream_sends_data_events_then_end(serve: Serve) -> None:
    url = serve(create_app(_prompt_chain()))
    response = httpx.post(url + "/stream", json={"input": {"word": "hi"}})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert events[0][0] == "metadata"
    assert "".join(json.loads(d) for e, d in events if e == "data") == "Bonjour le monde"
    assert len([e for e, _ in events if e == "data"]) > 1  # really streamed, chunk by chunk
    assert events[-1][0] == "end"


def test_messages_travel_as_their_flat_dump_both_ways(serve: Serve) -> None:
    def last(messages: list[Any]) -> AIMessage:
        assert isinstance(messages[0], HumanMessage)
        return AIMessage(content=messages[0].content.upper())

    url = serve(create_app(RunnableLambda(last)))
    response = httpx.post(url + "/invoke", json={"input": [{"type": "human", "content": "hi"}]})
    assert response.status_code == 200, response.text
    output = response.json()["output"]
    assert output["type"] == "ai"
    assert output["content"] == "HI"


def test_a_failing_stream_ends_with_an_error_event(serve: Serve) -> None:
    async def boom(x: str) -> Any:
        yield "partial"
        raise ValueError("the upstream said no")

    from pipes import RunnableGenerator

    url = serve(create_app(RunnableGenerator(boom)))
    events = _events(httpx.post(url + "/stream", json={"input": "x"}).text)
    assert ("data", '"partial"') in events
    kind, data = events[-1]
    assert kind == "error"
    assert json.loads(data) == {
        "status_code": 500,
        "type": "ValueError",
        "message": "the upstream said no",
    }


def test_bad_input_is_a_422_naming_the_field(serve: Serve) -> None:
    url = serve(create_app(_prompt_chain()))
    missing = httpx.post(url + "/invoke", json={"input": {}})
    assert missing.status_code == 422
    body = missing.json()
    assert body["message"] == "input.word: field required: expected a string"
    assert body["detail"][0]["loc"] == ["body", "input", "word"]
    typed = httpx.post(url + "/invoke", json={"input": {"word": 42}})
    assert typed.status_code == 422
    assert typed.json()["message"] == "input.word: expected a string, got 42"
    assert httpx.post(url + "/invoke", json={"nope": 1}).json()["message"].startswith("input:")
    assert httpx.post(url + "/invoke", content=b"{not json").status_code == 422
    assert httpx.post(url + "/stream", json={"input": {}}).status_code == 422  # before the 200
    batch = httpx.post(url + "/batch", json={"inputs": [{"word": "a"}, {}]})
    assert batch.json()["detail"][0]["loc"] == ["body", "inputs", 1, "word"]


def test_kwargs_and_config_types_are_checked(serve: Serve) -> None:
    url = serve(create_app(RunnableLambda(lambda x: x)))
    kwargs = httpx.post(url + "/invoke", json={"input": 1, "kwargs": {"temperature": 2}})
    assert kwargs.status_code == 422
    assert kwargs.json()["detail"][0]["loc"] == ["body", "kwargs"]
    tags = httpx.post(url + "/invoke", json={"input": 1, "config": {"tags": "x"}})
    assert tags.status_code == 422
    assert tags.json()["message"] == "config.tags: expected an array, got a string"


def test_only_allow_listed_config_reaches_the_run(serve: Serve) -> None:
    seen: dict[str, Any] = {}

    def spy(x: int) -> int:
        seen.update(get_config())
        return x

    url = serve(create_app(RunnableLambda(spy)))
    config = {
        "tags": ["t"],
        "metadata": {"user": "u"},
        "run_name": "named",
        "configurable": {"k": 1},
        "callbacks": ["evil"],
        "max_concurrency": 1000,
        "recursion_limit": 100000,
    }
    response = httpx.post(url + "/invoke", json={"input": 1, "config": config})
    assert response.status_code == 200, response.text
    assert "t" in seen["tags"]
    assert seen["metadata"]["user"] == "u"
    assert seen["configurable"] == {"k": 1}
    assert "callbacks" not in seen or seen["callbacks"] != ["evil"]
    assert seen.get("max_concurrency") != 1000
    assert seen.get("recursion_limit") != 100000


def test_a_failing_run_is_a_500_with_type_and_message_but_no_traceback_or_secret(
    serve: Serve,
) -> None:
    key = "sk-live-ABCDEFGHIJKLMNOP0123"

    class Keyed(Runnable[str, str]):
        """A runnable holding a credential, whose error quotes it (a careless provider)."""

        def __init__(self) -> None:
            self.api_key = SecretStr(key)

        def invoke(self, input: str, config: Any = None, **kwargs: Any) -> str:
            raise RuntimeError(f"upstream rejected key {self.api_key.get_secret_value()} at /v1")

    url = serve(create_app(RunnableLambda(str.strip) | Keyed()))
    response = httpx.post(url + "/invoke", json={"input": "hi"})
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "status_code": 500,
        "type": "RuntimeError",
        "message": "upstream rejected key *** at /v1",
    }
    assert key not in response.text
    assert "Traceback" not in response.text


def test_the_server_api_key_is_scrubbed_and_never_echoed(serve: Serve) -> None:
    key = "server-key-0123456789"

    def leak(x: str) -> str:
        raise ValueError(f"I saw {key}")

    url = serve(create_app(RunnableLambda(leak), api_key=key))
    response = httpx.post(url + "/invoke", json={"input": "x"}, headers={"x-api-key": key})
    assert response.status_code == 500
    assert key not in response.text
    assert "***" in response.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-api-key": "wrong"}, {"authorization": "Bearer wrong"}, {"authorization": "key"}],
)
def test_api_key_missing_or_wrong_is_a_401(serve: Serve, headers: dict[str, str]) -> None:
    url = serve(create_app(RunnableLambda(lambda x: x), api_key="right-key"))
    response = httpx.post(url + "/invoke", json={"input": 1}, headers=headers)
    assert response.status_code == 401
    assert "right-key" not in response.text
    assert httpx.get(url + "/input_schema", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "headers", [{"x-api-key": "right-key"}, {"Authorization": "Bearer right-key"}]
)
def test_api_key_in_either_header_is_accepted(serve: Serve, headers: dict[str, str]) -> None:
    url = serve(create_app(RunnableLambda(lambda x: x + 1), api_key=SecretStr("right-key")))
    response = httpx.post(url + "/invoke", json={"input": 1}, headers=headers)
    assert response.json()["output"] == 2
    assert httpx.get(url + "/playground").status_code == 200  # the page itself holds no data


def test_body_over_the_limit_is_a_413(serve: Serve) -> None:
    url = serve(create_app(RunnableLambda(lambda x: x), max_body_bytes=100))
    big = {"input": "x" * 200}
    assert httpx.post(url + "/invoke", json=big).status_code == 413

    def chunked() -> Any:  # no content-length: the limit holds while reading
        yield b'{"input": "'
        for _ in range(50):
            yield b"xxxxxxxxxx"
        yield b'"}'

    response = httpx.post(url + "/invoke", content=chunked())
    assert response.status_code == 413
    assert "max_body_bytes=100" in response.json()["message"]
    assert httpx.post(url + "/invoke", json={"input": "ok"}).json()["output"] == "ok"


def test_deeply_nested_json_is_refused_not_crashed(serve: Serve) -> None:
    url = serve(create_app(RunnableLambda(lambda x: 0)))
    body = b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = httpx.post(url + "/invoke", content=body)
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["message"]
    # just under json.loads' limit: loading the messages in it must not overflow either
    for depth in (900, 950, 990):
        nested = b'{"input": ' + b"[" * depth + b"]" * depth + b"}"
        assert httpx.post(url + "/invoke", content=nested).status_code in (200, 422)


def test_a_run_past_the_timeout_is_a_504(serve: Serve) -> None:
    never = asyncio.Event()

    async def stuck(x: Any) -> Any:
        await never.wait()

    url = serve(create_app(RunnableLambda(stuck), timeout=0.05))
    response = httpx.post(url + "/invoke", json={"input": 1})
    assert response.status_code == 504
    events = _events(httpx.post(url + "/stream", json={"input": 1}).text)
    assert events[-1][0] == "error"
    assert json.loads(events[-1][1])["status_code"] == 504


def test_schema_routes_and_openapi(serve: Serve) -> None:
    url = serve(create_app(_prompt_chain(), name="translate"))
    assert httpx.get(url + "/input_schema").json()["required"] == ["word"]
    assert httpx.get(url + "/output_schema").json() == {
        "title": "StrOutputParserOutput",
        "type": "string",
    }
    config = httpx.get(url + "/config_schema").json()
    # As LangChain's config_schema(): `configurable` appears only for configurable chains.
    assert set(config["properties"]) == {"tags", "metadata", "run_name"}
    document = httpx.get(url + "/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert {"/invoke", "/batch", "/stream", "/stream_events"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert schemas["translateInput"]["properties"]["word"]["type"] == "string"
    assert "$defs" not in json.dumps(document)  # hoisted into components
    untyped = serve(create_app(RunnableLambda(lambda x: x), name="any"))
    open_schema = httpx.get(untyped + "/openapi.json").json()["components"]["schemas"]["anyInput"]
    assert "Open schema" in open_schema["description"]


def test_a_declared_config_schema_is_served(serve: Serve) -> None:
    from pydantic import BaseModel, create_model

    class Configurable(Runnable[str, str]):
        """A runnable declaring its configurable fields, as `config_schema()` does."""

        def invoke(self, input: str, config: Any = None, **kwargs: Any) -> str:
            return input

        def config_schema(self, *, include: Any = None) -> type[BaseModel]:
            fields: dict[str, Any] = {key: (Any, None) for key in include}
            inner = create_model("Configurable", temperature=(float, 0.5))
            return create_model("RunConfig", configurable=(inner, None), **fields)

    url = serve(create_app(Configurable()))
    schema = httpx.get(url + "/config_schema").json()
    assert set(schema["properties"]) == {"configurable", "tags", "metadata", "run_name"}
    assert schema["$defs"]["Configurable"]["properties"]["temperature"]["default"] == 0.5
    document = httpx.get(url + "/openapi.json").json()
    assert "temperature" in json.dumps(document["components"]["schemas"]["Configurable"])


def test_openapi_refs_all_resolve(serve: Serve) -> None:
    url = serve(create_app(FakeChatModel(responses=["x"]), name="chat"))
    document = httpx.get(url + "/openapi.json").json()
    text = json.dumps(document)
    import re

    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in document["components"]["schemas"], ref


def test_several_runnables_on_one_app_and_405(serve: Serve) -> None:
    from starlette.applications import Starlette

    app = Starlette()
    add_routes(app, RunnableLambda(lambda x: x + 1), path="/inc")
    add_routes(app, RunnableLambda(lambda x: x * 2), path="/double/")
    url = serve(app)
    assert httpx.post(url + "/inc/invoke", json={"input": 1}).json()["output"] == 2
    assert httpx.post(url + "/double/invoke", json={"input": 4}).json()["output"] == 8
    assert httpx.get(url + "/inc/invoke").status_code == 405


def test_path_without_a_slash_is_refused() -> None:
    from starlette.applications import Starlette

    with pytest.raises(ValueError, match="start with '/'"):
        add_routes(Starlette(), RunnableLambda(lambda x: x), path="chain")


def test_stream_events_sends_langchain_v2_events(serve: Serve) -> None:
    url = serve(create_app(_prompt_chain()))
    response = httpx.post(url + "/stream_events", json={"input": {"word": "hi"}})
    assert response.status_code == 200
    events = [json.loads(d) for e, d in _events(response.text) if e == "data"]
    assert _events(response.text)[-1][0] == "end"
    assert events[0]["event"] == "on_chain_start"
    assert events[-1]["event"] == "on_chain_end"
    assert events[-1]["data"]["output"] == "Bonjour le monde"
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert "".join(e["data"]["chunk"]["content"] for e in streamed) == "Bonjour le monde"
    assert streamed[0]["data"]["chunk"]["type"] == "AIMessageChunk"
    filtered = httpx.post(
        url + "/stream_events", json={"input": {"word": "hi"}, "include_types": ["prompt"]}
    )
    kinds = {json.loads(d)["event"] for e, d in _events(filtered.text) if e == "data"}
    assert kinds == {"on_prompt_start", "on_prompt_end"}
    bad = httpx.post(url + "/stream_events", json={"input": {"word": "hi"}, "include_tags": "x"})
    assert bad.status_code == 422
