"""One chat completion end to end: request, reply, stream, and what the reply must pass.

The functions here are [`BaseChatOpenAI`][pipes_openai.BaseChatOpenAI]'s provider hooks
(`_generate`, `_agenerate`, `_stream`, `_astream`): the body is built, sent through the model's
`HTTPEngine`, and the reply becomes an `AIMessage` (or chunks), with the content
filter checked and `response_format=Model` parsed. A server that rejects
`stream_options` is retried once without it, and the model stops sending it.

The Responses API (`uses_responses_api`) goes through the same engine; its wire modules load
on the first call that needs them, so `import pipes_openai` does not pay for them.

Example:
    ```python
    message = generate(llm, [HumanMessage("hi")], stop=None)  # what llm.invoke("hi") runs
    ```
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from pipes_openai._errors import (
    BadRequestError,
    ContentFilterError,
    InternalServerError,
    OpenAIConfigurationError,
    OpenAIError,
)
from pipes_openai._pipes import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    OutputParserException,
    report_choices,
)
from pipes_openai._request import ENCODER, build_body
from pipes_openai._responses_request import (
    build_responses_body,
    output_version,
    uses_responses_api,
)
from pipes_openai._streaming import StreamMeta
from pipes_openai._wire import StreamState, completion_to_message

if TYPE_CHECKING:
    from pipes_openai._base import BaseChatOpenAI
    from pipes_openai._exchange import Reply

__all__ = ["agenerate", "astream", "generate", "stream"]


def _drop_stream_options(llm: BaseChatOpenAI, body: dict[str, Any], exc: OpenAIError) -> bool:
    """Whether `exc` rejected `stream_options`; if so it is dropped, here and for good.

    Servers that do not know it (older vLLM, LM Studio ...) answer 400 or 500 naming it: the
    stream is sent again without it, and this model stops sending it.
    """
    if "stream_options" not in body:
        return False
    if "stream_options" not in exc.message and exc.param != "stream_options":
        return False
    llm._stream_options_ok = False
    del body["stream_options"]
    return True


def _check_finish(
    llm: BaseChatOpenAI, message: AIMessage, meta_request_id: str | None = None
) -> None:
    metadata = message.response_metadata
    if llm.raise_on_content_filter and (
        metadata.get("finish_reason") == "content_filter"
        # The Responses API's form of it.
        or (metadata.get("incomplete_details") or {}).get("reason") == "content_filter"
    ):
        # The engine's name for the server: "OpenAI", or the host of a custom base_url.
        provider = llm._get_connection()[2].provider
        raise ContentFilterError(
            f"{provider} stopped the reply with finish_reason 'content_filter' "
            f"(partial text: {message.text[:100]!r}). The content filter blocked the "
            "completion: rephrase the input, or adjust the deployment's filter policy.",
            code="content_filter",
            request_id=meta_request_id,
        )


def _finish_message(
    llm: BaseChatOpenAI,
    data: Any,
    request_id: str | None,
    kwargs: Mapping[str, Any],
    responses: bool = False,
) -> AIMessage:
    if responses:
        from pipes_openai._responses_wire import response_to_message

        message = response_to_message(data, model=llm.model, output_version=output_version(llm))
    else:
        message = completion_to_message(data, model=llm.model)
    _check_finish(llm, message, request_id)
    response_format = kwargs.get("response_format")
    if (
        isinstance(response_format, type)
        and issubclass(response_format, BaseModel)
        and message.text
        and not message.additional_kwargs.get("refusal")
    ):
        # LangChain parity: bind(response_format=Model) puts the instance in "parsed".
        try:
            parsed = response_format.model_validate_json(message.text)
        except ValidationError as exc:
            raise OutputParserException(
                f"The reply does not match response_format={response_format.__name__}: {exc}",
                llm_output=message.text,
            ) from exc
        message.additional_kwargs["parsed"] = parsed
    return message


class _Call:
    """One call's request, and what its reply must pass, once for the sync and async hooks.

    A plain call is sent by `send` (blocking) or `asend` (on this event loop). A stream is
    driven by `stream` / `astream`: the engine converts each event with `convert`, `retry`
    decides the one retry without a rejected `stream_options`, `tail` is the usage chunk.
    """

    __slots__ = (
        "body",
        "content",
        "convert",
        "engine",
        "headers",
        "kwargs",
        "llm",
        "meta",
        "responses",
        "state",
        "url",
    )

    def __init__(
        self,
        llm: BaseChatOpenAI,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> None:
        self.llm = llm
        self.kwargs = kwargs
        self.url, self.headers, self.engine = llm._get_connection()
        self.meta = meta = StreamMeta()
        self.state: StreamState | None = None
        self.convert: Callable[[Any], AIMessageChunk | None] | None = None
        self.responses = uses_responses_api(llm, kwargs)
        if self.responses:
            self.url = llm._get_responses_url()
            self.body = build_responses_body(llm, messages, stop, kwargs, stream=stream)
            if stream:
                from pipes_openai._responses_stream import ResponsesStreamState

                state = ResponsesStreamState(self.engine, meta, llm.model, output_version(llm))
                self.convert = state.convert
        else:
            self.body = build_body(llm, messages, stop, kwargs, stream=stream)
            if stream:
                _one_choice(self.body)
                self.state = StreamState(self.body["model"], _finish_check(llm, meta))
                # The engine converts each event itself (state.convert): one generator hop
                # less per token on the hottest path of the package.
                self.convert = self.state.convert
        self.content = ENCODER.encode(self.body).encode()

    def send(self) -> AIMessage:
        headers = self.llm._request_headers(self.headers)
        return self._message(self.engine.post(self.url, self.content, headers))

    async def asend(self) -> AIMessage:
        headers = await self.llm._arequest_headers(self.headers)
        return self._message(await self.engine.apost(self.url, self.content, headers))

    def _message(self, reply: Reply) -> AIMessage:
        llm = self.llm
        message = _finish_message(llm, reply.data, reply.request_id, self.kwargs, self.responses)
        if not self.responses:
            _report_other_choices(llm, message, reply.data)
        return message

    def retry(self, exc: BadRequestError | InternalServerError) -> None:
        """Raise `exc` unless it rejected `stream_options`: then the stream is to be sent
        again without it (which `_drop_stream_options` allows once)."""
        if self.responses or not _drop_stream_options(self.llm, self.body, exc):
            raise exc
        self.content = ENCODER.encode(self.body).encode()

    def tail(self) -> list[AIMessageChunk]:
        """What ends a Chat Completions stream: its usage chunk, if the server sent usage."""
        tail = self.state.finish() if self.state is not None else None
        return [tail] if tail is not None else []


def generate(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> AIMessage:
    return _Call(llm, messages, stop, kwargs, stream=False).send()


async def agenerate(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> AIMessage:
    return await _Call(llm, messages, stop, kwargs, stream=False).asend()


def _report_other_choices(llm: BaseChatOpenAI, first: AIMessage, data: Any) -> None:
    # n > 1: the call returns the first choice (as invoke always does); generate() also
    # gets the others, each converted like the first.
    choices = data.get("choices") if isinstance(data, dict) else None
    if isinstance(choices, list) and len(choices) > 1:
        others = [
            completion_to_message(data, model=llm.model, choice=i) for i in range(1, len(choices))
        ]
        report_choices([first, *others])


def stream(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> Iterator[AIMessageChunk]:
    call = _Call(llm, messages, stop, kwargs, stream=True)
    headers = llm._request_headers(call.headers)
    while True:
        try:
            yield from call.engine.stream(call.url, call.content, headers, call.meta, call.convert)
        except (BadRequestError, InternalServerError) as exc:
            call.retry(exc)  # raises it, unless it rejected stream_options (then once only)
            continue
        break
    yield from call.tail()


def _one_choice(body: dict[str, Any]) -> None:
    # A stream is one reply: the other choices would be dropped without a word.
    n = body.get("n")
    if isinstance(n, int) and n > 1:
        raise OpenAIConfigurationError(
            f"n={n} asks for {n} choices, but a stream is one reply and the others would be "
            "lost: call generate() (every choice, as ChatGenerations) or invoke() (the first), "
            "or stream with n=1"
        )


def _finish_check(llm: BaseChatOpenAI, meta: StreamMeta) -> Callable[[AIMessageChunk], None] | None:
    if not llm.raise_on_content_filter:
        return None
    return lambda chunk: _check_finish(llm, chunk, meta.request_id)


async def astream(
    llm: BaseChatOpenAI,
    messages: list[BaseMessage],
    *,
    stop: list[str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[AIMessageChunk]:
    call = _Call(llm, messages, stop, kwargs, stream=True)
    headers = await llm._arequest_headers(call.headers)
    while True:
        try:
            async for chunk in call.engine.astream(
                call.url, call.content, headers, call.meta, call.convert
            ):
                yield chunk
        except (BadRequestError, InternalServerError) as exc:
            call.retry(exc)
            continue
        break
    for chunk in call.tail():
        yield chunk
