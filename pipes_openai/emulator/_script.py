"""What the emulator can be told to do next: scripted replies and injected faults."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack

__all__ = [
    "ErrorFields",
    "Fault",
    "FaultKind",
    "Reply",
    "ToolCall",
    "parse_script_item",
    "script_item_to_json",
]

FaultKind = Literal["status", "drop", "slow", "non_json", "stream_error", "truncate"]
_FAULT_KINDS = ("status", "drop", "slow", "non_json", "stream_error", "truncate")
_FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter", "function_call")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call for a scripted reply.

    `arguments` may be a dict (sent as JSON) or a raw string (sent verbatim, e.g. to test
    unparseable arguments). `id` defaults to a deterministic `call_...` id.

    ```pycon
    >>> ToolCall("GetWeather", {"location": "Paris"})
    ToolCall(name='GetWeather', arguments={'location': 'Paris'}, id=None)
    ```
    """

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """A scripted assistant reply, served to the next chat completion (or Responses) request.

    Every field is optional: unset fields fall back to what the emulator would do anyway
    (e.g. `Reply(finish_reason="length")` keeps the echo but ends with `length`).
    `usage` entries override the computed usage (nested details are merged).
    `delay` waits before the response starts; `chunk_delay` waits between streamed chunks.
    `headers` go on the reply's HTTP response (over the emulator's own of the same name, e.g.
    `Reply("hi", headers={"x-ratelimit-remaining-requests": "0"})`).

    Responses API only: `annotations` (e.g. `url_citation`s) go on the reply's text,
    `output_items` (built-in tool calls with their results: `web_search_call`,
    `file_search_call` ...) come before the message; `reasoning_content` becomes the summary
    of a reasoning item, `finish_reason` `"length"` / `"content_filter"` an incomplete
    response.

    ```pycon
    >>> Reply("Bonjour !")
    Reply(content='Bonjour !', ...)
    >>> Reply(tool_calls=[ToolCall("add", {"a": 1, "b": 2})])  # doctest: +SKIP
    ```
    """

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] | list[ToolCall] | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    delay: float = 0.0
    chunk_delay: float | None = None
    annotations: tuple[dict[str, Any], ...] | list[dict[str, Any]] | None = None
    output_items: tuple[dict[str, Any], ...] | list[dict[str, Any]] | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if self.finish_reason is not None and self.finish_reason not in _FINISH_REASONS:
            raise ValueError(
                f"Reply(finish_reason={self.finish_reason!r}) is not a Chat Completions finish "
                f"reason; expected one of {', '.join(_FINISH_REASONS)}."
            )
        for name in ("tool_calls", "annotations", "output_items"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for item in self.output_items or ():
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise ValueError(
                    f"Reply(output_items=...) holds Responses output items (dicts with a "
                    f"'type', e.g. {{'type': 'web_search_call', ...}}), got {item!r}."
                )


class _StreamErrorFields(TypedDict, total=False):
    message: str | None
    error_type: str | None
    code: str | None


class ErrorFields(_StreamErrorFields, total=False):
    """The keyword arguments of `Fault.error` and `Emulator.fail`: the error body's fields
    (`None`: the status's usual ones), `retry-after` (seconds) / `retry-after-ms`, and
    extra response headers."""

    retry_after: float | None
    retry_after_ms: int | None
    param: str | None
    headers: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault injected into the next chat completion (or Responses) request.

    Kinds (use the constructors):

    - `Fault.error(429, retry_after=0.5)` – an error status with an ErrorResponse body and
      optional `retry-after` (seconds) / `retry-after-ms` headers;
    - `Fault.drop(after_chunks=0)` – close the connection: before any response (0), or, after
      sending the headers, after N stream chunks (a non-streaming body is cut in half);
    - `Fault.slow(chunk_delay=0.05, delay=0.0)` – a normal reply, slowly;
    - `Fault.non_json(status=200)` – a body that is not JSON (an HTML proxy page);
    - `Fault.stream_error(after_chunks=1)` – an SSE `data: {"error": {...}}` event after N
      chunks, then the stream ends (a non-streaming request gets a 500 with that error);
    - `Fault.truncate(after_chunks=1)` – the stream ends cleanly after N chunks, without a
      finish chunk and without `data: [DONE]`.

    ```pycon
    >>> Fault.error(503)
    Fault(kind='status', status=503, ...)
    ```
    """

    kind: FaultKind
    status: int = 200
    after_chunks: int = 0
    delay: float = 0.0
    chunk_delay: float = 0.0
    retry_after: float | None = None
    retry_after_ms: int | None = None
    message: str | None = None
    error_type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] | None = None
    body: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(
                f"Fault(kind={self.kind!r}) is unknown; expected one of {', '.join(_FAULT_KINDS)}."
            )
        if not 100 <= self.status <= 599:
            raise ValueError(f"Fault status {self.status} is not an HTTP status (100-599).")
        if self.after_chunks < 0:
            raise ValueError(f"Fault after_chunks must be >= 0, got {self.after_chunks}.")

    @classmethod
    def error(cls, status: int, **fields: Unpack[ErrorFields]) -> Fault:
        """An HTTP error `status` with an OpenAI error body (fields: `ErrorFields`)."""
        return cls("status", status=status, **fields)

    @classmethod
    def drop(cls, after_chunks: int = 0) -> Fault:
        """Close the connection before the response (0) or after `after_chunks` chunks."""
        return cls("drop", after_chunks=after_chunks)

    @classmethod
    def slow(cls, chunk_delay: float = 0.05, *, delay: float = 0.0) -> Fault:
        """Answer normally but wait `delay` first and `chunk_delay` between chunks."""
        return cls("slow", delay=delay, chunk_delay=chunk_delay)

    @classmethod
    def non_json(cls, status: int = 200, body: str | None = None) -> Fault:
        """Answer `status` with an HTML body instead of JSON."""
        return cls("non_json", status=status, body=body)

    @classmethod
    def stream_error(cls, after_chunks: int = 1, **fields: Unpack[_StreamErrorFields]) -> Fault:
        """Send an SSE error event after `after_chunks` chunks (`message`, `error_type`,
        `code`: the event's error fields)."""
        return cls("stream_error", after_chunks=after_chunks, **fields)

    @classmethod
    def truncate(cls, after_chunks: int = 1) -> Fault:
        """End the stream cleanly after `after_chunks` chunks, without `[DONE]`."""
        return cls("truncate", after_chunks=after_chunks)


ScriptItem = Reply | Fault


def parse_script_item(item: Any) -> ScriptItem:
    """Build a [`Reply`][pipes_openai.emulator.Reply] or [`Fault`][pipes_openai.emulator.Fault] from
    its JSON form (used by `--script`).

    A string is a text reply; an object with `"fault"` is a fault (`{"fault": "status",
    "status": 429}`); any other object holds [`Reply`][pipes_openai.emulator.Reply] fields, with
    `tool_calls` as `[{"name": ..., "arguments": {...}}]`.
    """
    if isinstance(item, str):
        return Reply(content=item)
    if not isinstance(item, dict):
        raise ValueError(
            f"A script item must be a string or an object, got {type(item).__name__}: {item!r}."
        )
    data = dict(item)
    if "fault" in data:
        kind = data.pop("fault")
        try:
            return Fault(kind=kind, **data)
        except TypeError as exc:
            raise ValueError(f"Bad fault in script {item!r}: {exc}") from exc
    calls = data.pop("tool_calls", None)
    tool_calls: list[ToolCall] | None = None
    if calls is not None:
        if not isinstance(calls, list):
            raise ValueError(f"Script 'tool_calls' must be a list, got {calls!r}.")
        tool_calls = []
        for call in calls:
            if not isinstance(call, dict) or "name" not in call:
                raise ValueError(f"A scripted tool call needs a 'name': {call!r}.")
            tool_calls.append(
                ToolCall(name=call["name"], arguments=call.get("arguments", {}), id=call.get("id"))
            )
    try:
        return Reply(tool_calls=tool_calls, **data)
    except TypeError as exc:
        raise ValueError(f"Bad reply in script {item!r}: {exc}") from exc


def script_item_to_json(item: Reply | Fault | ToolCall | str) -> Any:
    """The JSON form `parse_script_item` reads back (used to script a child process)."""
    if isinstance(item, str):
        return item
    if isinstance(item, ToolCall):
        item = Reply(tool_calls=(item,))
    if isinstance(item, Fault):
        data: dict[str, Any] = {"fault": item.kind}
        for name in Fault.__dataclass_fields__:
            value = getattr(item, name)
            if name != "kind" and value != Fault.__dataclass_fields__[name].default:
                data[name] = value
        return data
    out: dict[str, Any] = {}
    for name in Reply.__dataclass_fields__:
        value = getattr(item, name)
        if value is None or (name == "delay" and value == 0.0):
            continue
        if name in ("annotations", "output_items"):
            value = list(value)
        if name == "tool_calls":
            value = [
                {"name": c.name, "arguments": c.arguments, **({"id": c.id} if c.id else {})}
                for c in value
            ]
        out[name] = value
    return out
