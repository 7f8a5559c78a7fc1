"""Decide what the assistant answers (rendering it, as a response or as SSE chunks, is
`._render`'s; its names are re-exported here).

The decision, in order (documented in the package docstring):

1. the next scripted [`Reply`][pipes_openai.emulator.Reply] (unset fields fall back to the rules
   below);
2. tools (function or custom tools, or the legacy `functions`): `tool_choice` naming a tool
   (or `function_call` naming a function), or `"required"`, calls that tool (or the
   best-matching tool, else the first) with arguments synthesized from its JSON schema (a
   custom tool: the last user text as free-form input); `"auto"` (the default when tools are
   sent) calls every tool whose name, or one of its name's words of 4+ letters, appears in the
   last user message (only the first when `parallel_tool_calls` is false or for `functions`)
   and otherwise answers text; `allowed_tools` narrows the candidates and sets the mode;
   `"none"` never calls; a conversation that ends with tool results is answered with those
   results' text;
3. `response_format` `json_schema` -> JSON synthesized from the schema; `json_object` ->
   `{"echo": <last user text>}`;
4. otherwise the text of the last user message, verbatim (an echo).

With `modalities` including `"audio"`, the text becomes the transcript of `message.audio`.
`max_tokens` / `max_completion_tokens` cut the content (finish `length`) and `stop`
sequences cut it at the first match (finish `stop`). Reasoning models (`o1`, `o3`,
`o4-mini`, `gpt-5`...) report hidden reasoning tokens (16/64/256 per choice for
`reasoning_effort` low/medium-or-unset/high, 0 for minimal) in `completion_tokens` and
`completion_tokens_details.reasoning_tokens`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from ._audio import audio_reply
from ._render import ChoicePlan, Plan, render_response, render_stream
from ._script import Reply
from ._synth import synthesize
from ._validate import REASONING_MODEL_RE
from ._wire import (
    ApiError,
    count_tokens,
    merge_usage,
    message_text,
    tokenize,
    usage_dict,
)

__all__ = ["ChoicePlan", "Plan", "plan_reply", "render_response", "render_stream"]

_WORD_RE = re.compile(r"\w+")
_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_IMAGE_TOKENS = 85
# Hidden reasoning tokens a reasoning model reports per choice, by reasoning_effort.
_HIDDEN_REASONING = {"minimal": 0, "low": 16, "medium": 64, "high": 256}


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for msg in reversed(messages):
        if msg.get("role") == "user":
            return message_text(msg.get("content"))
    return ""


def _trailing_tool_results(messages: list[dict[str, Any]]) -> list[str]:
    results: list[str] = []
    for msg in reversed(messages):
        if msg.get("role") not in ("tool", "function"):
            break
        results.append(message_text(msg.get("content")))
    results.reverse()
    return results


def prompt_token_counts(body: dict[str, Any]) -> tuple[int, int]:
    """(prompt_tokens, prompt audio tokens), deterministic."""
    total = 3
    audio = 0
    for msg in body["messages"]:
        total += 3
        name = msg.get("name")
        if isinstance(name, str):
            total += 1 + count_tokens(name)
        content = msg.get("content")
        if isinstance(content, str):
            total += count_tokens(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    continue
                kind = part.get("type")
                if kind == "text" or kind == "refusal":
                    total += count_tokens(str(part.get("text") or part.get("refusal") or ""))
                elif kind == "image_url":
                    total += _IMAGE_TOKENS
                elif kind == "input_audio":
                    data = part.get("input_audio", {})
                    size = len(str(data.get("data", ""))) if isinstance(data, dict) else 0
                    tokens = size // 1024 + 1
                    audio += tokens
                    total += tokens
                elif kind == "file":
                    total += _IMAGE_TOKENS
        calls = msg.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict):
                continue
            total += (
                3
                + count_tokens(str(fn.get("name", "")))
                + count_tokens(str(fn.get("arguments", "")))
            )
    tools = body.get("tools") or body.get("functions")  # definitions are prompt tokens
    if tools:
        total += count_tokens(json.dumps(tools))
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        total += count_tokens(json.dumps(fmt.get("json_schema")))
    return total, audio


def _name_words(name: str) -> set[str]:
    words: set[str] = set()
    for piece in re.split(r"[_\-\s]+", name):
        for word in _CAMEL_RE.findall(piece):
            if len(word) >= 4:
                words.add(word.lower())
    return words


@dataclass(slots=True, frozen=True)
class _Tool:
    kind: str  # "function" or "custom"
    name: str
    spec: dict[str, Any]  # the function (or custom tool) object


def _tools(body: dict[str, Any]) -> tuple[list[_Tool], bool]:
    """The callable tools of a checked body, and whether they are legacy `functions`."""
    if body.get("tools"):
        tools = [_Tool(t["type"], t[t["type"]]["name"], t[t["type"]]) for t in body["tools"]]
        return tools, False
    functions = body.get("functions") or ()
    return [_Tool("function", f["name"], f) for f in functions], bool(functions)


def _tool_choice(body: dict[str, Any], tools: list[_Tool], legacy: bool) -> tuple[str, list[_Tool]]:
    """`(mode, candidates)`: mode "none", "auto" or "required" (a named tool is "required"
    with that one candidate), from `tool_choice` or the legacy `function_call`."""
    choice = body.get("function_call" if legacy else "tool_choice")
    if choice is None or isinstance(choice, str):
        return str(choice or "auto"), tools
    if legacy:
        return "required", [t for t in tools if t.name == choice["name"]]
    if choice["type"] == "allowed_tools":
        allowed = choice["allowed_tools"]
        refs = {(r["type"], r[r["type"]]["name"]) for r in allowed["tools"]}
        return allowed["mode"], [t for t in tools if (t.kind, t.name) in refs]
    named = (choice["type"], choice[choice["type"]]["name"])
    return "required", [t for t in tools if (t.kind, t.name) == named]


def _mentioned_tools(tools: list[_Tool], text: str) -> list[_Tool]:
    lowered = text.lower()
    words = set(_WORD_RE.findall(lowered))
    return [t for t in tools if t.name.lower() in lowered or _name_words(t.name) & words]


def _synth_call(tool: _Tool, call_id: str, user_text: str) -> tuple[str, str, str]:
    if tool.kind == "custom":
        return (call_id, tool.name, user_text)  # free-form input: the echo
    params = tool.spec.get("parameters") or {"type": "object", "properties": {}}
    args = synthesize(params, strict=bool(tool.spec.get("strict")))
    return (call_id, tool.name, json.dumps(args, ensure_ascii=False))


def _default_choice(
    body: dict[str, Any], seq: int, reasoning_quirk: bool, tools: list[_Tool], legacy: bool
) -> ChoicePlan:
    messages: list[dict[str, Any]] = body["messages"]
    user_text = last_user_text(messages)
    reasoning = f"The user wrote: {user_text}" if reasoning_quirk else None
    mode, candidates = _tool_choice(body, tools, legacy)
    if tools and mode != "none":
        calls: list[_Tool] = []
        tool_results = _trailing_tool_results(messages)
        if mode == "required":
            calls = (_mentioned_tools(candidates, user_text) or candidates)[:1]
        elif not tool_results:  # "auto": never loop forever after tool results came back
            calls = _mentioned_tools(candidates, user_text)
            if body.get("parallel_tool_calls") is False or legacy:
                calls = calls[:1]
        if calls:
            planned = [
                _synth_call(tool, f"call_emu{seq:06d}x{i}", user_text)
                for i, tool in enumerate(calls)
            ]
            return ChoicePlan(
                content=None,
                reasoning=reasoning,
                tool_calls=planned,
                finish_reason="function_call" if legacy else "tool_calls",
                custom_ids=frozenset(
                    c[0] for c, t in zip(planned, calls, strict=True) if t.kind == "custom"
                ),
                legacy=legacy,
            )
        if tool_results:
            return ChoicePlan(content="\n".join(tool_results), reasoning=reasoning)
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            schema = spec.get("schema") or {"type": "object", "properties": {}}
            value = synthesize(schema, strict=bool(spec.get("strict")))
            return ChoicePlan(content=json.dumps(value, ensure_ascii=False), reasoning=reasoning)
        if fmt.get("type") == "json_object":
            return ChoicePlan(content=json.dumps({"echo": user_text}), reasoning=reasoning)
    return ChoicePlan(content=user_text, reasoning=reasoning)


def _apply_limits(choice: ChoicePlan, body: dict[str, Any]) -> None:
    if choice.content is None:
        return
    stop = body.get("stop")
    if stop:
        stops = [stop] if isinstance(stop, str) else list(stop)
        cut = min((i for i in (choice.content.find(s) for s in stops if s) if i >= 0), default=-1)
        if cut >= 0:
            choice.content = choice.content[:cut]
            choice.finish_reason = "stop"
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int):
        tokens = tokenize(choice.content)
        if len(tokens) > limit:
            choice.content = "".join(tokens[:limit])
            choice.finish_reason = "length"


def plan_reply(
    body: dict[str, Any],
    reply: Reply | None,
    *,
    seq: int,
    created: int,
    reasoning_quirk: bool,
    chunk_delay: float,
    max_reply_tokens: int | None = None,
    prompt_counts: tuple[int, int] | None = None,
) -> Plan:
    """Decide the reply to `body` (see the module docstring for the rules); `prompt_counts`
    are `prompt_token_counts(body)` when the caller has them already.

    Raises a 400 `ApiError` when the reply would exceed `max_reply_tokens` (all
    choices and logprob alternatives counted), before anything is rendered.
    """
    n = body.get("n") or 1
    # The n choices are identical: plan and count one (n times a megabyte echo is not free).
    tools, legacy = _tools(body)
    default = _default_choice(body, seq, reasoning_quirk, tools, legacy)
    choice = default if reply is None else _scripted_choice(reply, default, seq, tools, legacy)
    _apply_limits(choice, body)
    if reply is not None and reply.finish_reason is not None:
        choice.finish_reason = reply.finish_reason
    if "audio" in (body.get("modalities") or ()) and choice.content is not None:
        # Spoken replies carry their text as the audio's transcript, content null.
        choice.audio = audio_reply(choice.content, body["audio"]["format"], seq, created)
        choice.content = None
    reasoning_tokens = count_tokens(choice.reasoning or "")
    content_tokens = count_tokens(choice.content or "") + count_tokens(choice.refusal or "")
    content_tokens += count_tokens((choice.audio or {}).get("transcript", ""))
    completion = reasoning_tokens + content_tokens
    for _, name, args in choice.tool_calls:
        completion += 3 + count_tokens(name) + count_tokens(args)
    if max_reply_tokens is not None:
        _check_reply_size(body, n, completion, max_reply_tokens)
    choices = [choice] + [replace(choice, tool_calls=list(choice.tool_calls)) for _ in range(n - 1)]
    reasoning_tokens *= n
    completion *= n

    prompt_tokens, audio_tokens = prompt_counts or prompt_token_counts(body)
    if REASONING_MODEL_RE.match(str(body["model"])):
        # Reasoning models think in hidden tokens, billed as completion tokens.
        hidden = _HIDDEN_REASONING.get(str(body.get("reasoning_effort")), 64) * len(choices)
        reasoning_tokens += hidden
        completion += hidden
    usage = usage_dict(
        prompt_tokens,
        completion,
        reasoning_tokens=reasoning_tokens,
        prompt_audio_tokens=audio_tokens,
    )
    if choice.audio is not None:  # the spoken reply's tokens are audio tokens
        spoken = count_tokens(choice.audio["transcript"]) * n
        usage["completion_tokens_details"]["audio_tokens"] = spoken
    if reply is not None and reply.usage:
        usage = merge_usage(usage, reply.usage)
    tier = body.get("service_tier")
    return Plan(
        id=f"chatcmpl-emu{seq:010d}",
        created=created,
        model=(reply.model if reply is not None and reply.model else None) or str(body["model"]),
        choices=choices,
        usage=usage,
        logprobs=bool(body.get("logprobs")),
        top_logprobs=int(body.get("top_logprobs") or 0),
        service_tier=tier if tier in ("default", "flex", "priority", "scale") else "default",
        delay=reply.delay if reply is not None else 0.0,
        chunk_delay=(
            reply.chunk_delay
            if reply is not None and reply.chunk_delay is not None
            else chunk_delay
        ),
    )


def _check_reply_size(body: dict[str, Any], n: int, tokens: int, limit: int) -> None:
    fanout = 1 + int(body.get("top_logprobs") or 0) if body.get("logprobs") else 1
    total = n * tokens * fanout
    if total <= limit:
        return
    if n > 1:
        param = "n"
    elif fanout > 1:
        param = "top_logprobs"
    else:
        param = "max_tokens"
    raise ApiError(
        400,
        f"This request would make the emulator produce {total} tokens (n={n} x {tokens} tokens"
        f" per choice x {fanout} logprob alternatives per token), over its limit of {limit}."
        " Lower 'n' or 'top_logprobs', set 'max_tokens', send a shorter prompt (the reply"
        " echoes it), or raise the emulator's Limits(max_reply_tokens=...).",
        param=param,
        code="reply_too_large",
    )


def _scripted_choice(
    reply: Reply, default: ChoicePlan, seq: int, tools: list[_Tool], legacy: bool
) -> ChoicePlan:
    calls = [
        (call.id or f"call_emu{seq:06d}x{i}", call.name, call.arguments_json())
        for i, call in enumerate(reply.tool_calls or ())
    ]
    if reply.content is None and not calls and reply.refusal is None:
        content: str | None = default.content
        if default.tool_calls:
            calls = default.tool_calls
    else:
        content = reply.content
    legacy = legacy and bool(calls)  # a `functions` request gets `function_call`
    custom = {t.name for t in tools if t.kind == "custom"}
    finish = ("function_call" if legacy else "tool_calls") if calls else "stop"
    return ChoicePlan(
        content=content,
        refusal=reply.refusal,
        reasoning=reply.reasoning_content
        if reply.reasoning_content is not None
        else default.reasoning,
        tool_calls=calls[:1] if legacy else calls,
        finish_reason=finish,
        # A scripted call of one of the request's custom tools is a custom call, as the model's
        # own would be.
        custom_ids=default.custom_ids
        if calls is default.tool_calls
        else frozenset(c[0] for c in calls if c[1] in custom),
        legacy=legacy,
    )
