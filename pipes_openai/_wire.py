"""Chat Completions wire format: pipes messages to request JSON, responses to `AIMessage`.

Pure functions (no HTTP), so the mapping can be tested in isolation:

```python
body = {"model": "gpt-4o-mini", "messages": messages_to_wire([HumanMessage("hi")])}
message = completion_to_message(response_json)
state = StreamState("gpt-4o-mini")
chunks = [c for event in events if (c := state.convert(event)) is not None]
tail = state.finish()  # the usage chunk, if the server reported usage
```

Requests follow the official API (`../shared/specs/openai-chat-completions.schema.json`);
responses are read tolerantly, because OpenAI-compatible servers deviate (`choices: null`,
tool-call deltas without `index`, ids and names repeated in every delta, usage in every
chunk, `reasoning_content` / `reasoning` fields).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pipes_openai._errors import ResponseProtocolError
from pipes_openai._pipes import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    MessageConversionError,
    PipesError,
    SystemMessage,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
    audio_format,
    parse_openai_tool_calls,
)

__all__ = [
    "MALFORMED",
    "StreamState",
    "completion_to_message",
    "content_to_wire",
    "is_o_series",
    "is_reasoning_model",
    "message_to_wire",
    "messages_to_wire",
    "reasoning_text",
    "source_type",
    "token_count",
    "usage_to_metadata",
    "usage_totals",
]

_O_SERIES = re.compile(r"^o\d")
# Delta keys of a plain text token (OpenAI may add "obfuscation" padding); "refusal": null
# and the like take the full path.
_PLAIN_DELTA = frozenset({"content", "role", "obfuscation"})
_REASONING = re.compile(r"^(o\d|gpt-5)")


def _base_name(model: str) -> str:
    # "openai/o3-mini" (proxies, OpenRouter) and "O3" count too.
    return model.rsplit("/", 1)[-1].lower()


def is_o_series(model: str | None) -> bool:
    """o1, o3, o4-mini ...: these take `developer` instead of `system` messages."""
    return bool(model) and _O_SERIES.match(_base_name(model or "")) is not None


def is_reasoning_model(model: str | None) -> bool:
    """o-series and gpt-5 models: these reject `max_tokens` (`max_completion_tokens` only)."""
    return bool(model) and _REASONING.match(_base_name(model or "")) is not None


# -- messages -> request ---------------------------------------------------------------------


def _fail(what: str, fix: str) -> MessageConversionError:
    return MessageConversionError(f"OpenAI Chat Completions: {what}. {fix}")


def _data_url(part: Mapping[str, Any], default_mime: str | None) -> str:
    data = part.get("data")
    mime = part.get("mime_type") or default_mime
    if not isinstance(data, str) or not data:
        raise _fail(f"a base64 {part.get('type')} part has no 'data'", "Pass data=... (base64).")
    if data.startswith("data:"):
        return data
    if not mime:
        raise _fail(
            f"a base64 {part.get('type')} part needs a 'mime_type'",
            "E.g. image_part(data=png_bytes, mime_type='image/png').",
        )
    return f"data:{mime};base64,{data}"


def source_type(part: Mapping[str, Any]) -> str:
    """Where a media part's content is: `"url"`, `"base64"`, `"id"` or `"text"`."""
    source = part.get("source_type")
    if isinstance(source, str):
        return source
    for key, kind in (("url", "url"), ("data", "base64"), ("id", "id"), ("text", "text")):
        if key in part:
            return kind
    return "url"


def _user_part(part: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        if isinstance(image, str):
            return {"type": "image_url", "image_url": {"url": image}}
        if isinstance(image, Mapping):
            out = {"url": image.get("url")}
            if image.get("detail"):
                out["detail"] = image["detail"]
            return {"type": "image_url", "image_url": out}
        raise _fail("an image_url part has no 'image_url'", "Use {'image_url': {'url': ...}}.")
    if kind == "image":
        source = source_type(part)
        if source == "url":
            url = part.get("url")
        elif source == "base64":
            url = _data_url(part, None)
        else:
            raise _fail(
                "images cannot be referenced by file id in Chat Completions",
                "Pass the image as url= or base64 data= instead.",
            )
        image_url: dict[str, Any] = {"url": url}
        if part.get("detail"):
            image_url["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image_url}
    if kind == "audio":
        if source_type(part) != "base64":
            raise _fail(
                "audio input must be base64 data",
                "Use audio_part(wav_or_mp3_bytes, format='wav') (URLs and ids are not accepted).",
            )
        data = part.get("data", "")
        mime = part.get("mime_type") or "audio/wav"
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format(mime)}}
    if kind == "file" and "file" not in part:
        source = source_type(part)
        if source == "text":
            return {"type": "text", "text": part.get("text", "")}
        if source == "id":
            return {"type": "file", "file": {"file_id": part.get("id")}}
        if source == "base64":
            file: dict[str, Any] = {"file_data": _data_url(part, "application/pdf")}
            file["filename"] = part.get("filename") or "file"
            return {"type": "file", "file": file}
        raise _fail(
            "files cannot be passed by URL in Chat Completions",
            "Download the file and pass it as base64 data=, or upload it and pass its id=.",
        )
    # OpenAI-native parts (input_audio, file with "file", refusal ...) pass through untouched.
    return dict(part)


def content_to_wire(content: str | Sequence[Any], *, role: str) -> str | list[dict[str, Any]]:
    """Message content for `role`: a string, or content parts in the API's shapes.

    User messages keep every part (images, audio, files); other roles accept text only, so
    non-text parts of assistant messages (e.g. reasoning blocks from another provider) are
    dropped and a system/tool message with non-text parts fails clearly.
    """
    if isinstance(content, str):
        return content
    if role == "user":
        return [_user_part(part) for part in content] or ""
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, str):
            if part:
                parts.append({"type": "text", "text": part})
        elif part.get("type") == "text":
            parts.append({"type": "text", "text": part.get("text", "")})
        elif role == "assistant":
            if part.get("type") == "refusal":
                parts.append({"type": "refusal", "refusal": part.get("refusal", "")})
            # Other assistant parts (tool_use, reasoning ...) have no Chat Completions form.
        elif role == "tool":
            parts.append({"type": "text", "text": json.dumps(part, ensure_ascii=False)})
        else:
            raise _fail(
                f"a {role} message can only hold text, got a {part.get('type')!r} part",
                "Move images, audio and files to a user message.",
            )
    return parts or ""  # the API wants at least one part in a list


def _wire_tool_calls(message: AIMessage) -> list[dict[str, Any]]:
    calls = [
        {
            "id": call["id"] or f"call_{i}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
        }
        for i, call in enumerate(message.tool_calls)
    ]
    # Unparseable calls are sent back verbatim: the model must see what it produced.
    calls.extend(
        {
            "id": bad["id"] or f"call_invalid_{i}",
            "type": "function",
            "function": {"name": bad["name"] or "", "arguments": bad["args"] or ""},
        }
        for i, bad in enumerate(message.invalid_tool_calls)
    )
    return calls


def message_to_wire(
    message: BaseMessage,
    *,
    system_role: str = "system",
    null_content: bool = True,
    reasoning: bool = False,
) -> dict[str, Any]:
    """One message as the API expects it.

    `system_role` is `"developer"` for o-series models; `null_content=False` sends
    `""` instead of `null` beside tool calls (for servers that reject `null`);
    `reasoning=True` sends an assistant message's reasoning back as `reasoning_content`
    (DeepSeek wants it on tool-call turns).
    """
    out: dict[str, Any]
    if isinstance(message, HumanMessage):
        out = {"role": "user", "content": content_to_wire(message.content, role="user")}
    elif isinstance(message, AIMessage):
        out = {"role": "assistant"}
        content = content_to_wire(message.content, role="assistant")
        if message.tool_calls or message.invalid_tool_calls:
            out["tool_calls"] = _wire_tool_calls(message)
            out["content"] = content or (None if null_content else "")
        else:
            out["content"] = content
        if reasoning:
            text = reasoning_text(message)
            if text:
                out["reasoning_content"] = text
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__") or system_role
        out = {"role": role, "content": content_to_wire(message.content, role="system")}
    elif isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": content_to_wire(message.content, role="tool"),
        }
    elif isinstance(message, ChatMessage):
        role = message.role
        if role == "system":
            role = system_role
        out = {"role": role, "content": content_to_wire(message.content, role=role)}
    else:
        raise _fail(
            f"cannot send a {type(message).__name__} (type {message.type!r})",
            "Use HumanMessage, AIMessage, SystemMessage, ToolMessage or ChatMessage.",
        )
    if message.name:
        out["name"] = message.name
    return out


def messages_to_wire(
    messages: Sequence[BaseMessage],
    *,
    system_role: str = "system",
    null_content: bool = True,
    reasoning: bool = False,
) -> list[dict[str, Any]]:
    """Every message of a conversation (see `message_to_wire`)."""
    if not messages:
        raise _fail("there are no messages to send", "Pass at least one message.")
    return [
        message_to_wire(m, system_role=system_role, null_content=null_content, reasoning=reasoning)
        for m in messages
    ]


# -- response -> AIMessage ---------------------------------------------------------------------


def token_count(value: Any) -> int:
    # Token counts are ints on the wire; tolerate floats/strings from odd servers.
    if type(value) is int:
        return value
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def usage_totals(usage: Mapping[str, Any], input_key: str, output_key: str) -> UsageMetadata:
    """The three token counts of a `usage` object whose API names its input and output
    counts `input_key` and `output_key` (a missing total is their sum)."""
    input_tokens = token_count(usage.get(input_key))
    output_tokens = token_count(usage.get(output_key))
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": token_count(usage.get("total_tokens")) or input_tokens + output_tokens,
    }


def usage_to_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """OpenAI `usage` to `usage_metadata` (cached and reasoning token details included)."""
    result = usage_totals(usage, "prompt_tokens", "completion_tokens")
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    input_details = {
        key: token_count(prompt_details[wire])
        for key, wire in (("audio", "audio_tokens"), ("cache_read", "cached_tokens"))
        if prompt_details.get(wire) is not None
    }
    output_details = {
        key: token_count(completion_details[wire])
        for key, wire in (("audio", "audio_tokens"), ("reasoning", "reasoning_tokens"))
        if completion_details.get(wire) is not None
    }
    if input_details:
        result["input_token_details"] = input_details  # type: ignore[typeddict-item]
    if output_details:
        result["output_token_details"] = output_details  # type: ignore[typeddict-item]
    return result


def _with_reasoning(reasoning: str, content: Any) -> list[Any]:
    """`content` after a reasoning block (LangChain's standard `{"type": "reasoning"}`)."""
    blocks: list[Any] = [{"type": "reasoning", "reasoning": reasoning}]
    if isinstance(content, str):
        if content:
            blocks.append({"type": "text", "text": content})
    else:
        blocks.extend(content)
    return blocks


def reasoning_text(message: AIMessage) -> str | None:
    """The reasoning of an assistant message: its reasoning blocks, else `reasoning_content`."""
    content = message.content
    if not isinstance(content, str):
        parts = [
            part["reasoning"]
            for part in content
            if isinstance(part, Mapping)
            and part.get("type") == "reasoning"
            and isinstance(part.get("reasoning"), str)
        ]
        if parts:
            return "".join(parts)
    value = message.additional_kwargs.get("reasoning_content")
    return value if isinstance(value, str) and value else None


def _reasoning(message: Mapping[str, Any]) -> str | None:
    # vLLM/DeepSeek: "reasoning_content"; newer vLLM, Ollama, OpenRouter: "reasoning".
    value = message.get("reasoning_content")
    if value is None:
        value = message.get("reasoning")
    return value if isinstance(value, str) else None


def _refusal_and_reasoning(message: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    # The `additional_kwargs` a message or a delta starts with, and its reasoning text.
    additional: dict[str, Any] = {}
    if message.get("refusal"):
        additional["refusal"] = message["refusal"]
    reasoning = _reasoning(message)
    if reasoning:
        additional["reasoning_content"] = reasoning
    return additional, reasoning


# What indexing into a wrongly-typed server body raises (a list where an object belongs, an
# object where text belongs), for the Chat Completions and the Responses converters alike;
# pydantic's ValidationError is a ValueError.
MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)


def _malformed(what: str, error: Exception) -> ResponseProtocolError:
    return ResponseProtocolError(
        f"The server sent a malformed {what}: {type(error).__name__}: {error!s:.300}. Check "
        "that base_url points at an OpenAI-compatible Chat Completions API."
    )


def completion_to_message(data: Any, *, model: str | None = None, choice: int = 0) -> AIMessage:
    """A `chat.completion` JSON object to an [`AIMessage`][pipes.AIMessage] (its first
    choice, or the `choice`-th of several: `n > 1`).

    `response_metadata` holds `token_usage`, `model_name`, `system_fingerprint`,
    `id`, `finish_reason`, `logprobs` (and `service_tier` when sent), like LangChain.
    A body whose fields have the wrong types raises
    [`ResponseProtocolError`][pipes_openai.ResponseProtocolError].
    """
    try:
        return _completion_to_message(data, model, choice)
    except PipesError:  # already typed (and a content filter's error is the user's)
        raise
    except MALFORMED as error:
        raise _malformed("chat.completion", error) from error


def _completion_to_message(data: Any, model: str | None, index: int = 0) -> AIMessage:
    if not isinstance(data, Mapping):
        raise ResponseProtocolError(
            f"Expected a chat.completion JSON object, got {type(data).__name__}. Check that "
            "base_url points at an OpenAI-compatible Chat Completions API."
        )
    choices = data.get("choices")
    if not choices or not isinstance(choices, list) or not isinstance(choices[0], Mapping):
        raise ResponseProtocolError(
            f"The response has no choices (keys: {sorted(data)}). Check that base_url points "
            "at an OpenAI-compatible Chat Completions API."
        )
    choice = choices[index]
    raw = choice.get("message") or {}
    content = raw.get("content")
    additional, reasoning = _refusal_and_reasoning(raw)
    for key in ("audio", "function_call", "annotations"):
        if raw.get(key):
            additional[key] = raw[key]
    usage = data.get("usage")
    metadata: dict[str, Any] = {
        "token_usage": usage or {},
        "model_name": data.get("model") or model,
        "system_fingerprint": data.get("system_fingerprint") or "",
        "id": data.get("id"),
        "finish_reason": choice.get("finish_reason"),
        "logprobs": choice.get("logprobs"),
    }
    if data.get("service_tier") is not None:
        metadata["service_tier"] = data["service_tier"]
    metadata["model_provider"] = "openai"
    if not isinstance(content, str):
        content = content or ""
    if reasoning:
        content = _with_reasoning(reasoning, content)
    fields: dict[str, Any] = {
        "content": content,
        "additional_kwargs": additional,
        "response_metadata": metadata,
        "id": data.get("id"),
    }
    raw_calls = raw.get("tool_calls")
    if raw_calls:
        calls, invalid = parse_openai_tool_calls(raw_calls)
        fields["tool_calls"] = calls
        fields["invalid_tool_calls"] = invalid
        if usage:
            fields["usage_metadata"] = usage_to_metadata(usage)
        return AIMessage(**fields)
    # Plain replies (the common case) build on the messages' validation-free path, which
    # takes str/dict fields only; usage_metadata, built here from checked ints, is then set
    # as an attribute (validating that TypedDict would double the cost of the whole call).
    message = AIMessage(**fields)
    if usage:
        message.usage_metadata = usage_to_metadata(usage)
    return message


class StreamState:
    """Turns `chat.completion.chunk` events into [`AIMessageChunk`][pipes.AIMessageChunk]\\ s.

    Usage is held back and emitted once by `finish` (as its own chunk, after the
    content): servers that repeat cumulative usage in every chunk would otherwise be counted
    many times when chunks are added up.
    """

    __slots__ = ("_blocks", "_usage", "model", "on_finish")

    def __init__(
        self,
        model: str | None = None,
        on_finish: Callable[[AIMessageChunk], None] | None = None,
    ) -> None:
        self.model = model
        self.on_finish = on_finish  # called with the chunk carrying a finish_reason
        self._usage: Any = None
        # Once reasoning has streamed, content goes in indexed blocks (reasoning at 0, text
        # at 1), so the chunks add up to what invoke returns.
        self._blocks = False

    def convert(self, data: Any) -> AIMessageChunk | None:
        """The chunk for one event, or `None` when it carries nothing (keep-alives)."""
        # Hot path, one per token: a plain text delta of the first choice, nothing else.
        try:
            choice = data["choices"][0]
            delta = choice["delta"]
            content = delta["content"]
        except (KeyError, IndexError, TypeError):
            pass
        else:
            if (
                type(content) is str
                and (len(delta) == 1 or delta.keys() <= _PLAIN_DELTA)
                and choice.get("finish_reason") is None
                and choice.get("logprobs") is None
                and choice.get("index", 0) == 0
                and data.get("usage") is None
                and not self._blocks
            ):
                return AIMessageChunk.text_delta(content, data.get("id"))
        try:
            return self._convert(data)
        except PipesError:
            raise
        except MALFORMED as error:
            raise _malformed("chat.completion.chunk", error) from error

    def _convert(self, data: Any) -> AIMessageChunk | None:
        if not isinstance(data, dict):
            raise ResponseProtocolError(
                f"A stream event is {type(data).__name__}, not a JSON object: {data!r:.200}."
            )
        usage = data.get("usage")
        if usage:
            self._usage = usage
        choices = data.get("choices")  # `null` from some servers in the usage chunk
        if not choices:
            if data.get("object") == "chat.completion":  # server ignored stream=true
                return self._whole(data)
            return None
        choice = choices[0]
        if choice.get("index", 0) != 0:
            return None  # n > 1: the runnable returns the first choice only
        delta = choice.get("delta")
        if delta is None:
            if "message" in choice:  # a whole completion in one event
                return self._whole(data)
            delta = {}
        content = delta.get("content")
        if not isinstance(content, str):
            content = "" if content is None else content
        finish = choice.get("finish_reason")
        logprobs = choice.get("logprobs")
        raw_calls = delta.get("tool_calls")
        fields: dict[str, Any] = {"content": content, "id": data.get("id")}
        additional, reasoning = _refusal_and_reasoning(delta)
        if reasoning:
            self._blocks = True
        if self._blocks:
            blocks: list[Any] = []
            if reasoning:
                blocks.append({"type": "reasoning", "reasoning": reasoning, "index": 0})
            if content:
                blocks.append({"type": "text", "text": content, "index": 1})
            fields["content"] = blocks
        if additional:
            fields["additional_kwargs"] = additional
        if raw_calls:
            fields["tool_call_chunks"] = _tool_call_chunks(raw_calls)
        metadata: dict[str, Any] = {}
        if logprobs:
            metadata["logprobs"] = logprobs
        if finish:
            metadata["finish_reason"] = finish
            metadata["model_name"] = data.get("model") or self.model
            if data.get("system_fingerprint"):
                metadata["system_fingerprint"] = data["system_fingerprint"]
            if data.get("service_tier"):
                metadata["service_tier"] = data["service_tier"]
            metadata["model_provider"] = "openai"
        if metadata:
            fields["response_metadata"] = metadata
        chunk = AIMessageChunk(**fields)
        if finish and self.on_finish is not None:
            self.on_finish(chunk)
        return chunk

    def _whole(self, data: dict[str, Any]) -> AIMessageChunk:
        message = completion_to_message(data, model=self.model)
        self._usage = None  # already in the message
        fields = {
            name: value
            for name, value in message.__dict__.items()
            if name not in ("type", "tool_calls", "invalid_tool_calls")
        }
        fields["tool_call_chunks"] = _tool_call_chunks(
            (data["choices"][0].get("message") or {}).get("tool_calls") or []
        )
        return AIMessageChunk(**fields)

    def finish(self) -> AIMessageChunk | None:
        """The trailing usage chunk (`None` when the server reported no usage)."""
        usage, self._usage = self._usage, None
        if not usage:
            return None
        try:
            return AIMessageChunk(content="", usage_metadata=usage_to_metadata(usage))
        except MALFORMED as error:
            raise _malformed("usage object", error) from error


def _tool_call_chunks(raw_calls: Sequence[Any]) -> list[ToolCallChunk]:
    chunks: list[ToolCallChunk] = []
    for position, raw in enumerate(raw_calls):
        function = raw.get("function") or {}
        args = function.get("arguments")
        if isinstance(args, Mapping):  # some servers send an object instead of JSON text
            args = json.dumps(args)
        index = raw.get("index")
        if index is None and len(raw_calls) > 1:
            index = position  # several calls in one delta without index: keep them apart
        chunks.append(
            {
                "name": function.get("name"),
                "args": args,
                "id": raw.get("id"),
                "index": index,
                "type": "tool_call_chunk",
            }
        )
    return chunks
