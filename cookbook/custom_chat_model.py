"""A chat-model provider written against pipes' public contract, checked by the conformance kit.

    python cookbook/custom_chat_model.py            # a short demo, then the conformance kit
    pytest cookbook/custom_chat_model.py            # just the conformance kit

``ChatAcme`` talks to "Acme", a made-up JSON-over-HTTP chat API. Everything a real provider
needs is here: the parameters as pydantic fields (the key a ``SecretStr``), message conversion,
``_generate`` / ``_stream`` and their native async twins, usage, tool calls, ``bind_tools``,
and errors mapped to a ``ChatModelError`` subclass. Structured output comes for free from
``BaseChatModel`` (a forced tool call through ``bind_tools``).

The tests run against ``FakeAcmeServer``, an in-process stand-in for the API plugged in as an
``httpx.MockTransport`` — no sockets, no network — which the kit scripts through
``script_replies`` / ``script_error``.

The Acme API::

    POST {base_url}/chat   Authorization: Bearer KEY
    {"model": "acme-1", "messages": [{"role": "user", "content": "Hi"}, ...],
     "tools": [{"name", "description", "parameters"}], "tool_choice": "auto" | "required" | NAME,
     "stop": [...], "stream": false}
    -> {"text": "Hello", "tool_calls": [{"id", "name", "arguments": {...}}],
        "usage": {"input": 3, "output": 1}}
    With "stream": true, NDJSON lines: {"delta": "Hel"} {"delta": "lo"} {"tool_call": {...}}
    {"usage": {...}}. Errors: a 4xx/5xx status with {"error": "what went wrong"}.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import Field, SecretStr

from pipes import (
    AIMessage,
    AIMessageChunk,
    BaseChatModel,
    BaseMessage,
    ChatModelError,
    LanguageModelInput,
    Runnable,
    ToolCall,
    ToolLike,
    UsageMetadata,
    convert_to_openai_tool,
    tool_call_chunk,
)
from pipes.testing import ChatModelConformanceTests, ScriptedReply

# -- the provider ------------------------------------------------------------------------------


# --8<-- [start:error]
class AcmeError(ChatModelError):
    """The Acme API answered with an error status (``status_code`` says which)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message, status_code=status_code)
        self.status_code = status_code


# --8<-- [end:error]


_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}


def _to_acme(message: BaseMessage) -> dict[str, Any]:
    """One pipes message in Acme's wire form."""
    role = _ROLES.get(message.type)
    if role is None:
        raise ValueError(f"Acme does not support {message.type!r} messages")
    wire: dict[str, Any] = {"role": role, "content": message.text}
    if isinstance(message, AIMessage) and message.tool_calls:
        wire["tool_calls"] = [
            {"id": c["id"], "name": c["name"], "arguments": c["args"]} for c in message.tool_calls
        ]
    tool_call_id = getattr(message, "tool_call_id", None)
    if tool_call_id is not None:
        wire["tool_call_id"] = tool_call_id
    return wire


def _usage(data: dict[str, int]) -> UsageMetadata:
    return {
        "input_tokens": data["input"],
        "output_tokens": data["output"],
        "total_tokens": data["input"] + data["output"],
    }


# --8<-- [start:provider]
class ChatAcme(BaseChatModel):
    """Acme's chat models.

    Example::

        llm = ChatAcme(model="acme-1", api_key="acme-...")
        llm.invoke("Hello").content
    """

    model: str = "acme-1"
    api_key: SecretStr = Field(default=SecretStr(""), repr=False)
    base_url: str = "https://api.acme.example/v1"
    timeout: float = 30.0
    # Tests plug a fake server in here; real users leave it unset.
    transport: Any = Field(default=None, exclude=True, repr=False)

    @property
    def provider_name(self) -> str:
        return "acme"

    # -- request building ---------------------------------------------------------------------

    def _body(
        self, messages: list[BaseMessage], stop: list[str] | None, stream: bool, kwargs: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_to_acme(m) for m in messages],
            "stream": stream,
        }
        if stop:
            body["stop"] = stop
        for key in ("tools", "tool_choice"):  # set by bind_tools()
            if kwargs.get(key) is not None:
                body[key] = kwargs[key]
        return body

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key.get_secret_value()}"}

    @staticmethod
    def _check(response: httpx.Response, body: bytes) -> None:
        if response.status_code >= 400:
            try:
                detail = json.loads(body)["error"]
            except (ValueError, KeyError, TypeError):
                detail = body[:200].decode(errors="replace")
            raise AcmeError(
                f"Acme API error {response.status_code}: {detail}", status_code=response.status_code
            )

    @staticmethod
    def _message(data: dict[str, Any]) -> AIMessage:
        calls: list[ToolCall] = [
            {"name": c["name"], "args": c["arguments"], "id": c["id"]}
            for c in data.get("tool_calls", [])
        ]
        return AIMessage(
            data.get("text", ""), tool_calls=calls, usage_metadata=_usage(data["usage"])
        )

    @staticmethod
    def _chunk(event: dict[str, Any], index: int) -> AIMessageChunk:
        if "delta" in event:
            return AIMessageChunk(content=event["delta"])
        if "tool_call" in event:
            call = event["tool_call"]
            return AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(
                        name=call["name"],
                        args=json.dumps(call["arguments"]),
                        id=call["id"],
                        index=index,
                    )
                ],
            )
        return AIMessageChunk(content="", usage_metadata=_usage(event["usage"]))

    # -- the contract: sync -------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=self.timeout, transport=self.transport)

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        try:
            with self._client() as client:
                response = client.post(
                    "/chat", json=self._body(messages, stop, False, kwargs), headers=self._headers()
                )
        except httpx.HTTPError as exc:
            raise AcmeError(f"could not reach the Acme API: {exc}", status_code=0) from exc
        self._check(response, response.content)
        return self._message(response.json())

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        body = self._body(messages, stop, True, kwargs)
        with (
            self._client() as client,
            client.stream("POST", "/chat", json=body, headers=self._headers()) as response,
        ):
            if response.status_code >= 400:
                self._check(response, response.read())
            calls = 0
            for line in response.iter_lines():
                if line.strip():
                    event = json.loads(line)
                    yield self._chunk(event, calls)
                    calls += "tool_call" in event

    # -- the contract: native async (never pushed to a thread) ---------------------------------

    def _aclient(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url, timeout=self.timeout, transport=self.transport
        )

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        try:
            async with self._aclient() as client:
                response = await client.post(
                    "/chat", json=self._body(messages, stop, False, kwargs), headers=self._headers()
                )
        except httpx.HTTPError as exc:
            raise AcmeError(f"could not reach the Acme API: {exc}", status_code=0) from exc
        self._check(response, response.content)
        return self._message(response.json())

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        body = self._body(messages, stop, True, kwargs)
        async with (
            self._aclient() as client,
            client.stream("POST", "/chat", json=body, headers=self._headers()) as response,
        ):
            if response.status_code >= 400:
                self._check(response, await response.aread())
            calls = 0
            async for line in response.aiter_lines():
                if line.strip():
                    event = json.loads(line)
                    yield self._chunk(event, calls)
                    calls += "tool_call" in event

    # -- tools ------------------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        functions = [convert_to_openai_tool(t)["function"] for t in tools]
        if tool_choice == "any" or tool_choice is True:
            tool_choice = "required"
        return self.bind(tools=functions, tool_choice=tool_choice, **kwargs)


# --8<-- [end:provider]


# -- a fake Acme server for the tests ---------------------------------------------------------


@dataclass
class FakeAcmeServer:
    """Scripted stand-in for the Acme API; ``transport`` plugs it into ``ChatAcme``."""

    replies: list[ScriptedReply | int] = field(default_factory=list)  # an int: an error status
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if request.headers.get("authorization") != "Bearer acme-test-key":
            return httpx.Response(401, json={"error": "invalid API key"})
        reply = self.replies.pop(0) if self.replies else ScriptedReply(self._echo(body))
        if isinstance(reply, int):
            return httpx.Response(reply, json={"error": "the server had an error"})
        text = reply.text
        for stop in body.get("stop", []):
            text = text.split(stop)[0]
        calls = [
            {"id": c["id"], "name": c["name"], "arguments": c["args"]} for c in reply.tool_calls
        ]
        prompt = " ".join(m["content"] for m in body["messages"])
        usage = (
            {"input": reply.usage["input_tokens"], "output": reply.usage["output_tokens"]}
            if reply.usage
            else {"input": len(prompt.split()), "output": len(text.split())}
        )
        if not body.get("stream"):
            return httpx.Response(200, json={"text": text, "tool_calls": calls, "usage": usage})
        events: list[dict[str, Any]] = [{"delta": word} for word in _words(text)]
        events += [{"tool_call": call} for call in calls]
        events.append({"usage": usage})
        ndjson = "".join(json.dumps(event) + "\n" for event in events)
        return httpx.Response(200, content=ndjson.encode())

    @staticmethod
    def _echo(body: dict[str, Any]) -> str:
        return str(body["messages"][-1]["content"])


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)] if text else []


# -- the conformance kit ----------------------------------------------------------------------


# --8<-- [start:kit]
class TestChatAcme(ChatModelConformanceTests):
    """Everything pipes promises users, checked for ChatAcme."""

    supports_structured_output = True
    structured_output_methods = ("function_calling",)
    provider_error_type = AcmeError

    @pytest.fixture
    def chat_model(self) -> ChatAcme:
        self.server = FakeAcmeServer()
        return ChatAcme(api_key=SecretStr("acme-test-key"), transport=self.server.transport)

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        self.server.replies.extend(replies)
        return True

    def script_error(self, chat_model: BaseChatModel) -> bool:
        self.server.replies.append(500)
        return True


# --8<-- [end:kit]


def demo() -> None:
    server = FakeAcmeServer()
    llm = ChatAcme(api_key=SecretStr("acme-test-key"), transport=server.transport)
    print(repr(llm))  # no key in the repr
    print(repr(llm.invoke("Hello, Acme!")))
    print([chunk.content for chunk in llm.stream("streams word by word")])
    server.replies.append(
        ScriptedReply(tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}])
    )

    def get_weather(city: str) -> str:
        """Get the weather in a city."""
        return "sunny"

    print(llm.bind_tools([get_weather]).invoke("Weather in Paris?").tool_calls)


if __name__ == "__main__":
    import sys

    demo()
    print("\nRunning the conformance kit:")
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
