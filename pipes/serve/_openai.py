"""`POST /v1/chat/completions` and `GET /v1/models`: a chain as an OpenAI chat model.

The runnable receives the request's messages (a list of pipes messages, or `{"messages":
[...]}` when its input schema has a `messages` property) and returns a message or a string.
Sampling parameters (`temperature`, `max_tokens`, ...) are the chain's business and are
ignored; `n` other than 1 and tools are refused (a chain answers once, in text). Usage comes
from the output message's `usage_metadata`; a chain that reports none (a string output)
answers without `usage`, which the schema allows, rather than with made-up counts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from pipes import BaseMessage, MessageConversionError, content_text, convert_to_messages

from ._http import HttpError, Send, closing, respond_json, stream_sse
from ._served import Endpoint, Served
from ._wire import dumps

__all__ = ["openai_routes"]

_DONE = b"data: [DONE]\n\n"


def _frame(data: dict[str, Any]) -> bytes:
    return b"data: " + dumps(data).encode() + b"\n\n"


def openai_error(error: HttpError) -> dict[str, Any]:
    """OpenAI's `ErrorResponse` shape, so the SDK raises its own typed errors."""
    kinds = {401: "authentication_error", 413: "invalid_request_error"}
    kind = kinds.get(
        error.status, "invalid_request_error" if error.status < 500 else "server_error"
    )
    param = None
    if error.detail:
        param = ".".join(str(p) for p in error.detail[0]["loc"][1:]) or None
    return {"error": {"message": error.message, "type": kind, "param": param, "code": None}}


def _text(output: Any) -> tuple[str, dict[str, int] | None]:
    """The answer's text and usage, from what the runnable returned."""
    if isinstance(output, dict) and isinstance(output.get("messages"), list) and output["messages"]:
        output = output["messages"][-1]  # a graph-like state: its last message is the answer
    if isinstance(output, str):
        return output, None
    if isinstance(output, BaseMessage):
        usage = getattr(output, "usage_metadata", None)
        counts = None
        if usage:
            counts = {
                "prompt_tokens": usage.get("input_tokens", 0),
                "completion_tokens": usage.get("output_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            }
        return content_text(output.content), counts
    raise TypeError(
        f"the chain returned a {type(output).__name__}; /v1/chat/completions needs a chain "
        "that returns a message or a string (end it with StrOutputParser() or a chat model)"
    )


def _add(total: dict[str, int] | None, more: dict[str, int] | None) -> dict[str, int] | None:
    if more is None:
        return total
    if total is None:
        return dict(more)
    return {key: total[key] + more[key] for key in total}


def openai_routes(served: Served, prefix: str) -> dict[str, tuple[str, Endpoint]]:
    """`{path: (method, endpoint)}` of the OpenAI-compatible routes under `prefix`."""
    runnable = served.runnable

    def request(body: Any) -> tuple[Any, str, bool, bool]:
        if not isinstance(body, dict):
            raise HttpError.invalid((), "expected a chat completion request object")
        raw = body.get("messages")
        if not isinstance(raw, list) or not raw:
            raise HttpError.invalid(("messages",), "expected a non-empty array of messages")
        if body.get("n", 1) != 1:
            raise HttpError.invalid(("n",), "this chain answers once: n must be 1")
        if body.get("tools"):
            raise HttpError.invalid(("tools",), "this chain does not call tools: send none")
        try:
            messages = convert_to_messages(raw)
        except MessageConversionError as exc:
            raise HttpError.invalid(("messages",), str(exc)) from exc
        properties = served.input_schema.get("properties")
        takes_dict = isinstance(properties, dict) and "messages" in properties
        value = {"messages": messages} if takes_dict else messages
        model = body.get("model")
        options = body.get("stream_options") or {}
        usage = isinstance(options, dict) and options.get("include_usage") is True
        return (
            value,
            model if isinstance(model, str) else served.name,
            bool(body.get("stream")),
            usage,
        )

    async def completions(body: Any, send: Send) -> None:
        value, model, streaming, include_usage = request(body)
        ident = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not streaming:
            async with served.deadline():
                output = await runnable.ainvoke(value)
            text, usage = _text(output)
            answer: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
            }
            if usage is not None:
                answer["usage"] = usage
            await respond_json(send, 200, dumps(answer).encode())
            return

        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return _frame(
                {
                    "id": ident,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [choice],
                }
            )

        async def frames() -> AsyncGenerator[bytes, None]:
            yield chunk({"role": "assistant", "content": ""}, None)
            usage: dict[str, int] | None = None
            async with closing(runnable.astream(value)) as pieces:
                async for piece in pieces:
                    text, more = _text(piece)
                    usage = _add(usage, more)
                    if text:
                        yield chunk({"content": text}, None)
            yield chunk({}, "stop")
            if include_usage and usage is not None:
                yield _frame(
                    {
                        "id": ident,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                )

        await stream_sse(
            send,
            frames(),
            secrets=served.secrets,
            deadline=served.deadline(),
            error_frame=lambda error: _frame(openai_error(error)) + _DONE,
            end_frame=_DONE,
        )

    async def models(body: Any, send: Send) -> None:
        listing = {
            "object": "list",
            "data": [{"id": served.name, "object": "model", "created": 0, "owned_by": "pipes"}],
        }
        await respond_json(send, 200, dumps(listing).encode())

    return {
        f"{prefix}/v1/chat/completions": (
            "POST",
            Endpoint(served, completions, body=True, error_shape=openai_error),
        ),
        f"{prefix}/v1/models": (
            "GET",
            Endpoint(served, models, body=False, error_shape=openai_error),
        ),
    }
