"""The Responses API wire mapping in isolation: input items, responses, stream events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai_helpers import assert_valid_responses

from pipes import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    MessageConversionError,
    SystemMessage,
    ToolMessage,
)
from pipes_openai import (
    ChatOpenAI,
    ResponseProtocolError,
    StreamEventError,
    StreamIncompleteError,
)
from pipes_openai._responses_input import messages_to_input
from pipes_openai._responses_request import build_responses_body
from pipes_openai._responses_stream import ResponsesStreamState
from pipes_openai._responses_wire import response_to_message
from pipes_openai._streaming import StreamMeta

PNG = "iVBORw0KGgo="
SECRET = "sk-wire-SECRET-abcdef0123456789"


def body_of(messages: list[Any], **settings: Any) -> dict[str, Any]:
    llm = ChatOpenAI(api_key=SECRET, base_url="http://127.0.0.1:9/v1", **settings)
    body = build_responses_body(llm, messages, None, {}, stream=False)
    assert_valid_responses("CreateResponse", body)
    return body


def test_user_content_parts_become_input_parts() -> None:
    message = HumanMessage(
        [
            "plain",
            {"type": "text", "text": "text"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
            {"type": "image", "source_type": "url", "url": "https://x/z.png"},
            {"type": "image", "source_type": "base64", "data": PNG, "mime_type": "image/png"},
            {"type": "image", "source_type": "id", "id": "file-img"},
            {"type": "file", "source_type": "id", "id": "file-pdf"},
            {"type": "file", "source_type": "url", "url": "https://x/doc.pdf"},
            {
                "type": "file",
                "source_type": "base64",
                "data": PNG,
                "mime_type": "application/pdf",
                "filename": "a.pdf",
            },
        ]
    )
    parts = body_of([message])["input"][0]["content"]
    assert [p["type"] for p in parts] == ["input_text"] * 2 + ["input_image"] * 4 + [
        "input_file"
    ] * 3
    assert parts[2] == {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"}
    assert parts[4]["image_url"] == f"data:image/png;base64,{PNG}"
    assert parts[5] == {"type": "input_image", "file_id": "file-img", "detail": "auto"}
    assert parts[6] == {"type": "input_file", "file_id": "file-pdf"}
    assert parts[7] == {"type": "input_file", "file_url": "https://x/doc.pdf"}
    assert parts[8]["filename"] == "a.pdf"


def test_audio_input_fails_with_a_fix() -> None:
    with pytest.raises(MessageConversionError, match="use_responses_api=False"):
        messages_to_input(
            [
                HumanMessage(
                    [
                        {
                            "type": "audio",
                            "source_type": "base64",
                            "data": PNG,
                            "mime_type": "audio/wav",
                        }
                    ]
                )
            ]
        )


def test_roles_and_tool_outputs() -> None:
    items = body_of(
        [
            SystemMessage("sys"),
            ChatMessage(role="developer", content="dev"),
            HumanMessage("hi"),
            AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "call_1"}]),
            ToolMessage([{"type": "text", "text": "done"}], tool_call_id="call_1"),
        ],
        model="o3-mini",
    )["input"]
    assert items[0] == {"type": "message", "role": "developer", "content": "sys"}
    assert items[1]["role"] == "developer"
    assert items[3] == {
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": '{"a": 1}',
    }
    assert items[4] == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": [{"type": "input_text", "text": "done"}],
    }


def test_invalid_tool_calls_go_back_verbatim() -> None:
    message = AIMessage(
        "", invalid_tool_calls=[{"name": "f", "args": '{"a": ', "id": "call_9", "error": "x"}]
    )
    item = messages_to_input([message])[0]
    assert item == {
        "type": "function_call",
        "call_id": "call_9",
        "name": "f",
        "arguments": '{"a": ',
    }


def test_generated_images_go_back_by_reference_unless_nothing_is_stored() -> None:
    image = {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": PNG}
    message = AIMessage([image, {"type": "text", "text": "Here.", "id": "msg_1"}])
    stored = body_of([HumanMessage("draw"), message])["input"]
    assert stored[1] == {"type": "item_reference", "id": "ig_1"}
    stateless = body_of([HumanMessage("draw"), message], store=False)["input"]
    assert stateless[1] == image
    assert stateless[2] == {"type": "message", "role": "assistant", "content": "Here."}


def test_unknown_roles_and_empty_conversations_fail_clearly() -> None:
    with pytest.raises(MessageConversionError, match="role 'robot'"):
        messages_to_input([ChatMessage(role="robot", content="x")])
    with pytest.raises(MessageConversionError, match="no messages"):
        messages_to_input([])


RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1,
    "status": "completed",
    "model": "o4-mini",
    "service_tier": "default",
    "incomplete_details": None,
    "output": [
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "S"}],
            "encrypted_content": "enc",
        },
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [
                {
                    "type": "output_text",
                    "text": "Hi",
                    "logprobs": [],
                    "annotations": [
                        {"type": "file_citation", "file_id": "f", "index": 3, "filename": "a"}
                    ],
                },
                {"type": "refusal", "refusal": "no"},
            ],
        },
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "f",
            "arguments": '{"a": 1}',
        },
        {
            "type": "function_call",
            "id": "fc_2",
            "call_id": "call_2",
            "name": "g",
            "arguments": "{bad",
        },
    ],
    "usage": {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 0},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 5},
        "total_tokens": 17,
    },
}


def test_response_to_message_responses_v1() -> None:
    message = response_to_message(RESPONSE)
    assert message.id == "resp_1"
    types = [b["type"] for b in message.content]  # type: ignore[index]
    assert types == ["reasoning", "text", "refusal", "function_call", "function_call"]
    text = message.content[1]  # type: ignore[index]
    assert text["annotations"][0]["file_index"] == 3  # "index" is the merge key
    assert message.additional_kwargs["refusal"] == "no"
    assert message.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]
    assert message.invalid_tool_calls[0]["id"] == "call_2"
    assert message.usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 7,
        "total_tokens": 17,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 5},
    }
    # ... and back: the annotation index is restored, the call items go back once.
    items = messages_to_input([message])
    assert [i["type"] for i in items] == ["reasoning", "message", "function_call", "function_call"]
    assert items[1]["content"][0]["annotations"][0]["index"] == 3


def test_response_to_message_v0() -> None:
    message = response_to_message(RESPONSE, output_version="v0")
    assert message.content == [
        {
            "type": "text",
            "text": "Hi",
            "annotations": [
                {"type": "file_citation", "file_id": "f", "file_index": 3, "filename": "a"}
            ],
        }
    ]
    assert message.additional_kwargs["reasoning"]["encrypted_content"] == "enc"
    assert message.additional_kwargs["__openai_function_call_ids__"] == {
        "call_1": "fc_1",
        "call_2": "fc_2",
    }
    items = messages_to_input([message])
    assert items[0]["type"] == "reasoning"
    assert items[2] == {
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": '{"a": 1}',
        "id": "fc_1",
    }


@pytest.mark.parametrize(
    "bad", [[], {"output": "x"}, {"output": [{"type": "message", "content": 3}]}]
)
def test_malformed_responses_raise_protocol_errors(bad: Any) -> None:
    with pytest.raises(ResponseProtocolError):
        response_to_message(bad)


class _Policy:
    provider = "OpenAI"

    def scrub(self, text: str) -> str:
        return text.replace(SECRET, "***")

    def scrub_data(self, data: Any) -> Any:
        return json.loads(self.scrub(json.dumps(data)))


def convert_all(events: list[dict[str, Any]], version: str = "responses/v1") -> AIMessage:
    state = ResponsesStreamState(_Policy(), StreamMeta(), "o4-mini", version)  # type: ignore[arg-type]
    chunks = [c for e in events if (c := state.convert(e)) is not None]
    return AIMessageChunk.merge_chunks(chunks).to_message()


def ev(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "sequence_number": 0, **fields}


EVENTS = [
    ev("response.created", response={"id": "resp_1"}),
    ev(
        "response.output_item.added",
        output_index=0,
        item={"type": "reasoning", "id": "rs_1", "summary": []},
    ),
    ev(
        "response.reasoning_summary_part.added",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        part={"type": "summary_text", "text": ""},
    ),
    ev(
        "response.reasoning_summary_text.delta",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        delta="Thi",
    ),
    ev(
        "response.reasoning_summary_text.delta",
        item_id="rs_1",
        output_index=0,
        summary_index=0,
        delta="nk",
    ),
    ev(
        "response.output_item.done",
        output_index=0,
        item={"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "enc"},
    ),
    ev(
        "response.output_item.added",
        output_index=1,
        item={
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "f",
            "arguments": "",
        },
    ),
    ev(
        "response.output_item.added",
        output_index=2,
        item={
            "type": "function_call",
            "id": "fc_2",
            "call_id": "call_2",
            "name": "g",
            "arguments": "",
        },
    ),
    ev("response.function_call_arguments.delta", item_id="fc_2", output_index=2, delta='{"b"'),
    ev("response.function_call_arguments.delta", item_id="fc_1", output_index=1, delta='{"a"'),
    ev("response.function_call_arguments.delta", item_id="fc_1", output_index=1, delta=": 1}"),
    ev("response.function_call_arguments.delta", item_id="fc_2", output_index=2, delta=": 2}"),
    ev(
        "response.output_text.delta",
        item_id="msg_1",
        output_index=3,
        content_index=0,
        delta="Hel",
        logprobs=[],
    ),
    ev(
        "response.output_text.delta",
        item_id="msg_1",
        output_index=3,
        content_index=0,
        delta="lo",
        logprobs=[],
    ),
    ev(
        "response.output_item.done",
        output_index=4,
        item={
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search"},
        },
    ),
    ev("response.completed", response={**RESPONSE, "output": []}),
]


def test_stream_events_fold_into_the_blocks_invoke_returns() -> None:
    message = convert_all(EVENTS)
    assert message.id == "resp_1"
    assert message.text == "Hello"
    reasoning = message.content[0]  # type: ignore[index]
    assert reasoning["type"] == "reasoning"
    assert reasoning["summary"][0]["text"] == "Think"
    assert reasoning["encrypted_content"] == "enc"
    # Interleaved argument deltas are merged by output index, not arrival order.
    assert [(c["id"], c["args"]) for c in message.tool_calls] == [
        ("call_1", {"a": 1}),
        ("call_2", {"b": 2}),
    ]
    assert message.content[-1]["type"] == "web_search_call"  # type: ignore[index]
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"] == {"reasoning": 5}
    assert message.response_metadata["status"] == "completed"


def test_stream_v0_moves_reasoning_and_tool_outputs_to_additional_kwargs() -> None:
    message = convert_all(EVENTS, "v0")
    assert message.additional_kwargs["reasoning"]["summary"][0]["text"] == "Think"
    assert message.additional_kwargs["tool_outputs"][0]["type"] == "web_search_call"
    assert all(b["type"] == "text" for b in message.content)  # type: ignore[index]


def test_stream_failures_raise_typed_errors_without_secrets() -> None:
    failed = ev(
        "response.failed",
        response={"id": "r", "error": {"code": "server_error", "message": f"boom {SECRET}"}},
    )
    with pytest.raises(StreamEventError, match="boom") as info:
        convert_all([failed])
    assert SECRET not in str(info.value)
    with pytest.raises(StreamEventError, match="nope"):
        convert_all([ev("error", code="x", message="nope", param=None)])
    incomplete = ev(
        "response.incomplete",
        response={"id": "r", "incomplete_details": {"reason": "max_output_tokens"}},
    )
    with pytest.raises(StreamIncompleteError, match="max_output_tokens"):
        convert_all([incomplete])


def test_malformed_stream_events_raise_protocol_errors() -> None:
    with pytest.raises(ResponseProtocolError):
        convert_all([ev("response.output_text.delta", delta="x")])


# -- hostile input: only typed errors ----------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(node))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@settings(derandomize=True, max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_responses_and_events_raise_only_typed_errors(data: st.DataObject) -> None:
    from pipes import PipesError

    original: Any = data.draw(st.sampled_from([RESPONSE, *EVENTS]))
    path = data.draw(st.sampled_from(_paths(original)))
    mutated = _replace(original, path, data.draw(_JSON))
    try:
        if original is RESPONSE:
            for version in ("v0", "responses/v1", "v1"):
                response_to_message(mutated, output_version=version)
        else:
            for version in ("v0", "responses/v1", "v1"):
                convert_all([mutated], version)
    except PipesError:
        pass
