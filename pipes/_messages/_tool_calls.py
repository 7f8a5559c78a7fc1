"""Tool calls as the model emits them: complete, invalid, and streamed in chunks.

The shapes are LangChain's, so code reading `msg.tool_calls[0]["args"]` keeps working:

```python
tool_call(name="get_weather", args={"city": "Paris"}, id="call_1")
# {'name': 'get_weather', 'args': {'city': 'Paris'}, 'id': 'call_1', 'type': 'tool_call'}
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, with_config
from pydantic_core import from_json
from typing_extensions import TypedDict

__all__ = [
    "InvalidToolCall",
    "ToolCall",
    "ToolCallChunk",
    "invalid_tool_call",
    "parse_openai_tool_calls",
    "parse_tool_call_chunks",
    "tool_call",
    "tool_call_chunk",
]

# Providers add keys of their own (new token details, signatures ...): keep them.
_OPEN = ConfigDict(extra="allow")


@with_config(_OPEN)
class ToolCall(TypedDict):
    """A complete tool call: `args` is the parsed JSON object."""

    name: str
    args: dict[str, Any]
    id: str | None
    type: NotRequired[Literal["tool_call"]]


@with_config(_OPEN)
class ToolCallChunk(TypedDict):
    """A streamed piece of a tool call: `args` is a fragment of the JSON text."""

    name: str | None
    args: str | None
    id: str | None
    index: int | None
    type: NotRequired[Literal["tool_call_chunk"]]


@with_config(_OPEN)
class InvalidToolCall(TypedDict):
    """A tool call whose arguments did not parse: the raw `args` text and the `error`."""

    name: str | None
    args: str | None
    id: str | None
    error: str | None
    type: NotRequired[Literal["invalid_tool_call"]]


def tool_call(*, name: str, args: dict[str, Any], id: str | None = None) -> ToolCall:
    """Build a [`ToolCall`][pipes.ToolCall]: `tool_call(name="add", args={"a": 1}, id="c1")`."""
    return {"name": name, "args": args, "id": id, "type": "tool_call"}


def tool_call_chunk(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    index: int | None = None,
) -> ToolCallChunk:
    """Build a [`ToolCallChunk`][pipes.ToolCallChunk]: `tool_call_chunk(args='{"a": ', index=0)`."""
    return {"name": name, "args": args, "id": id, "index": index, "type": "tool_call_chunk"}


def invalid_tool_call(
    *,
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    error: str | None = None,
) -> InvalidToolCall:
    """Build an [`InvalidToolCall`][pipes.InvalidToolCall] keeping the raw `args` and the parse
    `error`."""
    return {"name": name, "args": args, "id": id, "error": error, "type": "invalid_tool_call"}


def parse_args(raw: object, *, partial: bool) -> tuple[dict[str, Any] | None, str | None]:
    """Parse tool-call arguments; return `(args, None)` or `(None, error)`.

    Empty text means "no arguments" (some servers send `""` for parameterless tools).
    `partial` accepts a truncated JSON prefix (while streaming). Anything but text (a server
    that sent a list or a number) is an error, never an exception.
    """
    if raw is None:
        return {}, None
    if not isinstance(raw, str):
        return None, f"arguments must be JSON text or an object, got {type(raw).__name__}"
    if not raw.strip():
        return {}, None
    if partial and raw.lstrip()[0] != "{":
        # Most streamed deltas are continuation fragments: skip a doomed parse.
        return None, "arguments must be a JSON object"
    try:
        value = from_json(raw, allow_partial="trailing-strings" if partial else False)
    except ValueError as exc:
        return None, f"arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


def parse_tool_call_chunks(
    chunks: Sequence[ToolCallChunk], *, partial: bool
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Turn (merged) tool-call chunks into tool calls and invalid tool calls."""
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for chunk in chunks:
        raw, name, call_id = chunk.get("args"), chunk.get("name"), chunk.get("id")
        args, error = parse_args(raw, partial=partial)
        if args is not None and (name or partial):
            # While streaming a name may not have arrived yet: keep the call, name "".
            calls.append(tool_call(name=name or "", args=args, id=call_id))
        else:
            invalid.append(
                invalid_tool_call(
                    name=name, args=raw, id=call_id, error=error or "the tool call has no name"
                )
            )
    return calls, invalid


def _raw_text(arguments: object) -> str | None:
    """What a server sent as arguments, kept as text for the error report (bounded)."""
    return None if arguments is None or isinstance(arguments, Mapping) else repr(arguments)[:200]


def parse_openai_tool_calls(
    raw_calls: Sequence[Any],
) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Parse OpenAI wire-format `tool_calls` (`{"id", "function": {"name", "arguments"}}`).

    Entries already in pipes/LangChain form (`{"name", "args"}`) are accepted too.
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in raw_calls:
        if not isinstance(raw, Mapping):
            text = repr(raw)
            invalid.append(
                invalid_tool_call(
                    args=text[:200], error=f"a tool call must be a dict, got {type(raw).__name__}"
                )
            )
            continue
        function = raw.get("function")
        if isinstance(function, Mapping):
            name = function.get("name")
            arguments = function.get("arguments")
            if isinstance(arguments, Mapping):  # some servers send an object, not text
                args: dict[str, Any] | None = dict(arguments)
                error = None
            else:
                args, error = parse_args(arguments, partial=False)
        else:
            name = raw.get("name")
            arguments = raw.get("args")
            if isinstance(arguments, Mapping):
                args, error = dict(arguments), None
            else:
                args, error = parse_args(arguments, partial=False)
        call_id = raw.get("id")
        if call_id is not None and not isinstance(call_id, str):
            args, error = None, f"the tool call id must be text, got {type(call_id).__name__}"
            call_id = None
        if args is not None and isinstance(name, str) and name:
            calls.append(tool_call(name=name, args=args, id=call_id))
        else:
            invalid.append(
                invalid_tool_call(
                    name=name if isinstance(name, str) else None,
                    args=arguments if isinstance(arguments, str) else _raw_text(arguments),
                    id=call_id,
                    error=error or "the tool call has no name",
                )
            )
    return calls, invalid
