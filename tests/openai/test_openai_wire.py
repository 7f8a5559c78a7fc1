"""The wire mapping in isolation: messages -> request JSON, responses/chunks -> messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai_helpers import assert_valid_request

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    MessageConversionError,
    SystemMessage,
    ToolMessage,
)
from pipes_openai._errors import ResponseProtocolError
from pipes_openai._wire import (
    StreamState,
    completion_to_message,
    is_o_series,
    is_reasoning_model,
    messages_to_wire,
    usage_to_metadata,
)


def body_of(messages: list[Any], **kwargs: Any) -> dict[str, Any]:
    body = {"model": "gpt-4o", "messages": messages_to_wire(messages, **kwargs)}
    assert_valid_request(body)
    return body


def test_basic_roles_and_names() -> None:
    body = body_of(
        [
            SystemMessage("Be brief."),
            HumanMessage("Hi", name="alice"),
            AIMessage("Hello", name="bot"),
            ChatMessage("critique", role="user"),
        ]
    )
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi", "name": "alice"},
        {"role": "assistant", "content": "Hello", "name": "bot"},
        {"role": "user", "content": "critique"},
    ]


def test_developer_role_for_o_series() -> None:
    body = body_of([SystemMessage("rules"), HumanMessage("q")], system_role="developer")
    assert body["messages"][0] == {"role": "developer", "content": "rules"}
    assert is_o_series("o3-mini")
    assert is_o_series("openai/o1")
    assert not is_o_series("gpt-4o")
    assert is_reasoning_model("gpt-5-mini")
    assert is_reasoning_model("o4-mini")
    assert not is_reasoning_model("gpt-4.1")


def test_assistant_tool_calls_and_tool_results() -> None:
    ai = AIMessage(
        "",
        tool_calls=[{"name": "GetWeather", "args": {"location": "Paris"}, "id": "call_1"}],
        invalid_tool_calls=[{"name": "Broken", "args": "{oops", "id": "call_2", "error": "x"}],
    )
    body = body_of(
        [HumanMessage("weather?"), ai, ToolMessage("22C", tool_call_id="call_1")],
    )
    assistant = body["messages"][1]
    assert assistant["content"] is None
    assert assistant["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "GetWeather", "arguments": '{"location": "Paris"}'},
        },
        {"id": "call_2", "type": "function", "function": {"name": "Broken", "arguments": "{oops"}},
    ]
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "22C"}
    # Servers that reject null content get "".
    relaxed = body_of([HumanMessage("weather?"), ai], null_content=False)
    assert relaxed["messages"][1]["content"] == ""


def test_images_audio_and_files() -> None:
    content: list[Any] = [
        "What is in these?",
        {"type": "image", "source_type": "url", "url": "https://x.test/cat.png", "detail": "low"},
        {"type": "image", "source_type": "base64", "data": "aGk=", "mime_type": "image/png"},
        {"type": "image_url", "image_url": "https://x.test/dog.png"},
        {"type": "image_url", "image_url": {"url": "https://x.test/e.png", "detail": "high"}},
        {"type": "audio", "source_type": "base64", "data": "UklG", "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {
            "type": "file",
            "source_type": "base64",
            "data": "JVBE",
            "mime_type": "application/pdf",
            "filename": "a.pdf",
        },
        {"type": "file", "source_type": "id", "id": "file-123"},
    ]
    parts = body_of([HumanMessage(content)])["messages"][0]["content"]
    assert parts == [
        {"type": "text", "text": "What is in these?"},
        {"type": "image_url", "image_url": {"url": "https://x.test/cat.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGk="}},
        {"type": "image_url", "image_url": {"url": "https://x.test/dog.png"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/e.png", "detail": "high"}},
        {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
        },
        {"type": "file", "file": {"file_id": "file-123"}},
    ]


@pytest.mark.parametrize(
    ("part", "match"),
    [
        ({"type": "image", "source_type": "id", "id": "file-1"}, "file id"),
        ({"type": "audio", "source_type": "url", "url": "https://x/a.wav"}, "base64"),
        ({"type": "file", "source_type": "url", "url": "https://x/a.pdf"}, "by URL"),
    ],
)
def test_unsupported_parts_fail_clearly(part: dict[str, Any], match: str) -> None:
    with pytest.raises(MessageConversionError, match=match):
        messages_to_wire([HumanMessage(["look", part])])


def test_non_text_in_system_message_fails() -> None:
    with pytest.raises(MessageConversionError, match="user message"):
        messages_to_wire(
            [SystemMessage([{"type": "image_url", "image_url": {"url": "https://x/y.png"}}])]
        )


def test_assistant_list_content_keeps_text_only() -> None:
    ai = AIMessage(["Hello ", {"type": "text", "text": "world"}, {"type": "thinking", "x": 1}])
    body = body_of([HumanMessage("hi"), ai])
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Hello "},
        {"type": "text", "text": "world"},
    ]
    only_reasoning = AIMessage([{"type": "reasoning", "summary": []}])
    assert body_of([HumanMessage("hi"), only_reasoning])["messages"][1]["content"] == ""


def test_empty_conversation_fails() -> None:
    with pytest.raises(MessageConversionError, match="no messages"):
        messages_to_wire([])


COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-2024-08-06",
    "system_fingerprint": "fp_1",
    "service_tier": "default",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "logprobs": {"content": [{"token": "x", "logprob": -0.1, "top_logprobs": []}]},
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "reasoning_content": "thinking...",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get", "arguments": '{"a": 1}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "bad", "arguments": '{"a": '},
                    },
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": None},
    },
}


def test_completion_to_message() -> None:
    message = completion_to_message(COMPLETION)
    # Reasoning is a content block too (and stays in additional_kwargs, as before).
    assert message.content == [{"type": "reasoning", "reasoning": "thinking..."}]
    assert message.id == "chatcmpl-1"
    assert message.tool_calls == [
        {"name": "get", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]
    assert len(message.invalid_tool_calls) == 1
    assert message.invalid_tool_calls[0]["args"] == '{"a": '
    assert message.invalid_tool_calls[0]["error"]
    assert message.additional_kwargs == {"reasoning_content": "thinking..."}
    assert message.usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 15,
        "input_token_details": {"audio": 0, "cache_read": 4},
        "output_token_details": {"reasoning": 2},
    }
    meta = message.response_metadata
    assert meta["token_usage"] == COMPLETION["usage"]
    assert meta["model_name"] == "gpt-4o-2024-08-06"
    assert meta["system_fingerprint"] == "fp_1"
    assert meta["finish_reason"] == "tool_calls"
    assert meta["id"] == "chatcmpl-1"
    assert meta["service_tier"] == "default"
    assert meta["logprobs"]["content"][0]["token"] == "x"


def test_completion_refusal_and_bad_shapes() -> None:
    data = json.loads(json.dumps(COMPLETION))
    data["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "No."}
    assert completion_to_message(data).additional_kwargs["refusal"] == "No."
    with pytest.raises(ResponseProtocolError, match="no choices"):
        completion_to_message({"id": "x", "choices": []})
    with pytest.raises(ResponseProtocolError):
        completion_to_message(["not", "a", "dict"])


def test_usage_without_details() -> None:
    assert usage_to_metadata({"prompt_tokens": 3, "completion_tokens": 4}) == {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
    }


def chunk(delta: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0, "delta": delta or {}}
    choice.update(extra.pop("choice", {}))
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [choice],
        **extra,
    }


def fold(events: list[dict[str, Any]]) -> AIMessage:
    state = StreamState("m")
    chunks = [c for e in events if (c := state.convert(e)) is not None]
    tail = state.finish()
    if tail is not None:
        chunks.append(tail)
    return AIMessageChunk.merge_chunks(chunks).to_message()


def test_stream_text_usage_and_finish() -> None:
    message = fold(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, choice={"finish_reason": "stop"}, system_fingerprint="fp"),
            {"id": "c1", "choices": None, "usage": {"prompt_tokens": 2, "completion_tokens": 2}},
        ]
    )
    assert message.content == "Hello"
    assert message.id == "c1"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["model_name"] == "m"
    assert message.response_metadata["system_fingerprint"] == "fp"
    assert message.usage_metadata == {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4}


def test_stream_usage_repeated_in_every_chunk_counts_once() -> None:
    usage = {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3}
    final = {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}
    message = fold(
        [
            chunk({"content": "a"}, usage=usage),
            chunk({"content": "b"}, usage=final, choice={"finish_reason": "stop"}),
            {"id": "c1", "choices": [], "usage": final},
        ]
    )
    assert message.usage_metadata == {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4}


def tc(index: int | None, **fields: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {}}
    if index is not None:
        call["index"] = index
    for key in ("id", "type"):
        if key in fields:
            call[key] = fields.pop(key)
    call["function"].update(fields)
    return call


def test_stream_tool_calls_with_index() -> None:
    message = fold(
        [
            chunk({"tool_calls": [tc(0, id="call_a", type="function", name="f", arguments="")]}),
            chunk({"tool_calls": [tc(0, arguments='{"x":')]}),
            chunk({"tool_calls": [tc(1, id="call_b", type="function", name="g", arguments="{}")]}),
            chunk({"tool_calls": [tc(0, arguments=" 1}")]}),
            chunk({}, choice={"finish_reason": "tool_calls"}),
        ]
    )
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("f", {"x": 1}, "call_a"),
        ("g", {}, "call_b"),
    ]


def test_stream_tool_calls_repeating_id_and_name_without_index() -> None:
    # vLLM repeats id/name in every delta; some servers send no index at all.
    message = fold(
        [
            chunk({"tool_calls": [tc(None, id="call_a", name="f", arguments='{"x"')]}),
            chunk({"tool_calls": [tc(None, id="call_a", name="f", arguments=": 2}")]}),
            chunk({"tool_calls": [tc(None, id="call_b", name="g", arguments="{}")]}),
        ]
    )
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("f", {"x": 2}, "call_a"),
        ("g", {}, "call_b"),
    ]


def test_stream_unparseable_tool_args_become_invalid() -> None:
    message = fold([chunk({"tool_calls": [tc(0, id="c", name="f", arguments='{"x": ')]})])
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["name"] == "f"


def test_stream_reasoning_refusal_logprobs() -> None:
    lp = {"content": [{"token": "a", "logprob": -1.0, "top_logprobs": []}]}
    lp2 = {"content": [{"token": "b", "logprob": -2.0, "top_logprobs": []}]}
    message = fold(
        [
            chunk({"reasoning_content": "Let me "}),
            chunk({"reasoning": "think."}),
            chunk({"refusal": "I can't"}),
            chunk({"refusal": " do that."}),
            chunk({"content": "a"}, choice={"logprobs": lp}),
            chunk({"content": "b"}, choice={"logprobs": lp2, "finish_reason": "stop"}),
        ]
    )
    assert message.additional_kwargs["reasoning_content"] == "Let me think."
    assert message.content == [
        {"type": "reasoning", "reasoning": "Let me think.", "index": 0},
        {"type": "text", "text": "ab", "index": 1},
    ]
    assert message.text == "ab"
    assert message.additional_kwargs["refusal"] == "I can't do that."
    assert [t["token"] for t in message.response_metadata["logprobs"]["content"]] == ["a", "b"]


def test_stream_ignores_other_choices_and_empty_events() -> None:
    state = StreamState("m")
    other = chunk({"content": "x"})
    other["choices"][0]["index"] = 1
    assert state.convert(other) is None
    assert state.convert({"id": "c", "choices": []}) is None
    assert state.finish() is None
    with pytest.raises(ResponseProtocolError):
        state.convert(["not", "an", "object"])


def test_stream_whole_completion_in_one_event() -> None:
    message = fold([COMPLETION])
    assert [c["name"] for c in message.tool_calls] == ["get"]
    assert message.invalid_tool_calls[0]["name"] == "bad"
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == 15
