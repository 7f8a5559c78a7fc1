"""Rendering a planned reply: the `chat.completion` object, or its SSE chunks.

`Plan` and `ChoicePlan` are what `._engine` decides; this module only writes them out, as
OpenAI does: tool calls (function, custom, or the legacy `function_call`), audio, logprobs,
usage, and the streaming quirks of other servers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._quirks import Quirk
from ._wire import dumps, logprob_entry, tokenize

__all__ = ["ChoicePlan", "Plan", "render_response", "render_stream"]

_FUNCTION = ("function", "arguments")


@dataclass(slots=True)
class ChoicePlan:
    content: str | None
    refusal: str | None = None
    reasoning: str | None = None
    tool_calls: list[tuple[str, str, str]] = field(default_factory=list)  # (id, name, arguments)
    finish_reason: str = "stop"
    # Ids of the calls that are custom-tool calls (their "arguments" is the free-form input).
    custom_ids: frozenset[str] = frozenset()
    legacy: bool = False  # the request used `functions`: one call, as `message.function_call`
    audio: dict[str, Any] | None = None  # `message.audio` when `modalities` asks for audio


@dataclass(slots=True)
class Plan:
    id: str
    created: int
    model: str
    choices: list[ChoicePlan]
    usage: dict[str, Any] | None
    logprobs: bool = False
    top_logprobs: int = 0
    service_tier: str = "default"
    system_fingerprint: str = "fp_emulator"
    delay: float = 0.0
    chunk_delay: float = 0.0


def render_response(plan: Plan, *, omit_usage: bool) -> dict[str, Any]:
    """The non-streaming `chat.completion` object."""
    choices = []
    for index, choice in enumerate(plan.choices):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": choice.content,
            "refusal": choice.refusal,
        }
        if choice.reasoning is not None:
            message["reasoning_content"] = choice.reasoning
        if choice.legacy:
            _, name, args = choice.tool_calls[0]
            message["function_call"] = {"name": name, "arguments": args}
        elif choice.tool_calls:
            message["tool_calls"] = [_tool_call(choice, *call) for call in choice.tool_calls]
        if choice.audio is not None:
            message["audio"] = choice.audio
        message["annotations"] = []
        logprobs: dict[str, Any] | None = None
        if plan.logprobs:
            logprobs = {
                "content": [
                    logprob_entry(tok, plan.top_logprobs) for tok in tokenize(choice.content or "")
                ],
                "refusal": None,
            }
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": logprobs,
                "finish_reason": choice.finish_reason,
            }
        )
    out: dict[str, Any] = {
        "id": plan.id,
        "object": "chat.completion",
        "created": plan.created,
        "model": plan.model,
        "choices": choices,
    }
    if not omit_usage and plan.usage is not None:
        out["usage"] = plan.usage
    out["service_tier"] = plan.service_tier
    out["system_fingerprint"] = plan.system_fingerprint
    return out


def _tool_call(choice: ChoicePlan, cid: str, name: str, args: str) -> dict[str, Any]:
    if cid in choice.custom_ids:
        return {"id": cid, "type": "custom", "custom": {"name": name, "input": args}}
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


def render_stream(
    plan: Plan, *, include_usage: bool, quirks: frozenset[Quirk] = frozenset()
) -> Iterator[str]:
    """The SSE events (`data: {...}\\n\\n`) of a streamed reply, `[DONE]` excluded."""
    omit_usage = Quirk.OMIT_USAGE in quirks
    repeat_id = Quirk.REPEAT_TOOL_CALL_ID in quirks
    empty_id = Quirk.EMPTY_TOOL_CALL_ID_IN_DELTAS in quirks
    no_index = Quirk.TOOL_CALL_DELTA_WITHOUT_INDEX in quirks
    same_index = Quirk.PARALLEL_TOOL_CALLS_SAME_INDEX in quirks
    null_choices_in_usage = Quirk.NULL_CHOICES_IN_USAGE_CHUNK in quirks
    usage_tail = ',"usage":null' if include_usage and not omit_usage else ""
    head = (
        f'data: {{"id":"{plan.id}","object":"chat.completion.chunk","created":{plan.created},'
        f'"model":{dumps(plan.model)},"service_tier":"{plan.service_tier}",'
        f'"system_fingerprint":"{plan.system_fingerprint}"{usage_tail},"choices":[{{"index":'
    )
    for index, choice in enumerate(plan.choices):
        # Pre-built prefix/suffix: per token we only JSON-encode the token (the hot path).
        pre = f"{head}{index},"
        plain = ',"logprobs":null,"finish_reason":null}]}\n\n'
        yield f'{pre}"delta":{{"role":"assistant","content":"","refusal":null}}{plain}'
        if choice.reasoning:
            for tok in tokenize(choice.reasoning):
                yield f'{pre}"delta":{{"reasoning_content":{dumps(tok)}}}{plain}'
        if choice.content:
            if plan.logprobs:
                for tok in tokenize(choice.content):
                    lp = dumps(
                        {"content": [logprob_entry(tok, plan.top_logprobs)], "refusal": None}
                    )
                    yield (
                        f'{pre}"delta":{{"content":{dumps(tok)}}},"logprobs":{lp},'
                        '"finish_reason":null}]}\n\n'
                    )
            else:
                for tok in tokenize(choice.content):
                    yield f'{pre}"delta":{{"content":{dumps(tok)}}}{plain}'
        if choice.refusal:
            for tok in tokenize(choice.refusal):
                yield f'{pre}"delta":{{"refusal":{dumps(tok)}}}{plain}'
        if choice.audio is not None:
            yield from _audio_deltas(choice.audio, pre, plain)
        if choice.legacy or choice.custom_ids:
            yield from _call_deltas(choice, pre, plain)
        for call_index, (cid, name, args) in enumerate(
            () if choice.legacy or choice.custom_ids else choice.tool_calls
        ):
            idx = "" if no_index else f'"index":{0 if same_index else call_index},'
            ident = f'"id":{dumps(cid)},"type":"function",'
            yield (
                f'{pre}"delta":{{"tool_calls":[{{{idx}{ident}"function":{{"name":{dumps(name)},'
                f'"arguments":""}}}}]}}{plain}'
            )
            for piece in tokenize(args):
                if repeat_id:
                    fn = f'"function":{{"name":{dumps(name)},"arguments":{dumps(piece)}}}'
                    yield f'{pre}"delta":{{"tool_calls":[{{{idx}{ident}{fn}}}]}}{plain}'
                elif empty_id:
                    fn = f'"id":"","type":"function","function":{{"arguments":{dumps(piece)}}}'
                    yield f'{pre}"delta":{{"tool_calls":[{{{idx}{fn}}}]}}{plain}'
                else:
                    fn = f'"function":{{"arguments":{dumps(piece)}}}'
                    yield f'{pre}"delta":{{"tool_calls":[{{{idx}{fn}}}]}}{plain}'
        yield f'{pre}"delta":{{}},"logprobs":null,"finish_reason":"{choice.finish_reason}"}}]}}\n\n'
    if include_usage and not omit_usage and plan.usage is not None:
        choices = "null" if null_choices_in_usage else "[]"
        yield (
            f'data: {{"id":"{plan.id}","object":"chat.completion.chunk","created":{plan.created},'
            f'"model":{dumps(plan.model)},"service_tier":"{plan.service_tier}",'
            f'"system_fingerprint":"{plan.system_fingerprint}","choices":{choices},'
            f'"usage":{dumps(plan.usage)}}}\n\n'
        )


def _audio_deltas(audio: dict[str, Any], pre: str, plain: str) -> Iterator[str]:
    """`delta.audio`: the id and transcript pieces, then the data and expiry (as OpenAI)."""
    first = True
    for tok in tokenize(audio["transcript"]):
        head = {"id": audio["id"]} if first else {}
        first = False
        yield f'{pre}"delta":{{"audio":{dumps({**head, "transcript": tok})}}}{plain}'
    rest = {"id": audio["id"], "data": audio["data"], "expires_at": audio["expires_at"]}
    yield f'{pre}"delta":{{"audio":{dumps(rest)}}}{plain}'


def _call_deltas(choice: ChoicePlan, pre: str, plain: str) -> Iterator[str]:
    """Legacy `delta.function_call` pieces, or tool calls that include custom ones (each call
    opened with its id and name, then its arguments or input in token-sized pieces)."""
    for index, (cid, name, args) in enumerate(choice.tool_calls):
        opened: dict[str, Any]
        if choice.legacy:
            opened = {"function_call": {"name": name, "arguments": ""}}
        else:
            kind, key = ("custom", "input") if cid in choice.custom_ids else _FUNCTION
            call = {"index": index, "id": cid, "type": kind, kind: {"name": name, key: ""}}
            opened = {"tool_calls": [call]}
        yield f'{pre}"delta":{dumps(opened)}{plain}'
        for piece in tokenize(args):
            if choice.legacy:
                delta: dict[str, Any] = {"function_call": {"arguments": piece}}
            else:
                delta = {"tool_calls": [{"index": index, kind: {key: piece}}]}
            yield f'{pre}"delta":{dumps(delta)}{plain}'
