"""Quirk modes: deviations of real OpenAI-compatible servers that the emulator can reproduce."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Quirk", "parse_quirks"]


class Quirk(StrEnum):
    """One deviation from the OpenAI API, as seen in real OpenAI-compatible servers.

    Pass them (or their string values) as `Emulator(quirks={...})`.

    - `reject_stream_options` – a request with `stream_options` gets a 400 "Unrecognized
      request argument" (older vLLM and LM Studio releases).
    - `repeat_tool_call_id` – every streamed tool-call delta repeats `id`, `type` and
      `function.name` instead of sending them only in the first delta (vLLM).
    - `reject_null_content` – an assistant message with `tool_calls` and `content: null`
      (or no content) is refused with a 400 (llama.cpp's server and others want `""`).
    - `errors_as_500` – validation errors are answered with HTTP 500 instead of 400, with the
      same error body (several servers surface pydantic errors that way).
    - `omit_usage` – no `usage` in responses and no usage chunk in streams, whatever
      `stream_options` says (servers that do not count tokens).
    - `null_choices_in_usage_chunk` – the final usage chunk carries `"choices": null`
      instead of `[]`.
    - `empty_tool_call_id_in_deltas` – after the first delta of a tool call, every delta
      carries `"id": ""` and `"type": "function"` (vLLM): a client that copies `id` from
      each delta loses the real one.
    - `parallel_tool_calls_same_index` – every streamed tool call uses `index: 0`; a new
      call is recognisable only by its new `id` (seen with some vLLM tool parsers).
    - `tool_call_delta_without_index` – streamed tool-call deltas have no `index`.
    - `reasoning_content` – default replies carry a `reasoning_content` ("The user wrote:
      ...") in the message and as `delta.reasoning_content` chunks before the content, and count
      it in `completion_tokens_details.reasoning_tokens` (DeepSeek, vLLM reasoning parsers).
      Scripted `Reply(reasoning_content=...)` is sent with or without this quirk.
    """

    REJECT_STREAM_OPTIONS = "reject_stream_options"
    REPEAT_TOOL_CALL_ID = "repeat_tool_call_id"
    REJECT_NULL_CONTENT = "reject_null_content"
    ERRORS_AS_500 = "errors_as_500"
    OMIT_USAGE = "omit_usage"
    NULL_CHOICES_IN_USAGE_CHUNK = "null_choices_in_usage_chunk"
    EMPTY_TOOL_CALL_ID_IN_DELTAS = "empty_tool_call_id_in_deltas"
    PARALLEL_TOOL_CALLS_SAME_INDEX = "parallel_tool_calls_same_index"
    TOOL_CALL_DELTA_WITHOUT_INDEX = "tool_call_delta_without_index"
    REASONING_CONTENT = "reasoning_content"


def parse_quirks(quirks: Iterable[str | Quirk] | None) -> frozenset[Quirk]:
    """Validate quirk names; unknown names raise `ValueError` listing the known ones."""
    if quirks is None:
        return frozenset()
    if isinstance(quirks, str):
        quirks = [quirks]
    out: set[Quirk] = set()
    for name in quirks:
        try:
            out.add(Quirk(name))
        except ValueError:
            known = ", ".join(q.value for q in Quirk)
            raise ValueError(
                f"Unknown emulator quirk {name!r}; expected one of: {known}."
            ) from None
    return frozenset(out)
