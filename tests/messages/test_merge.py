from __future__ import annotations

import time

import pytest

from pipes._errors import MessageMergeError
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessageChunk,
    HumanMessageChunk,
    SystemMessageChunk,
    ToolMessageChunk,
    merge_message_chunks,
    message_chunk_to_message,
    tool_call_chunk,
)


def tcc(
    name: str | None = None,
    args: str | None = None,
    id: str | None = None,
    index: int | None = None,
) -> AIMessageChunk:
    return AIMessageChunk(
        "", tool_call_chunks=[tool_call_chunk(name=name, args=args, id=id, index=index)]
    )


def test_string_content_concatenates() -> None:
    assert (AIMessageChunk("Hel") + AIMessageChunk("lo")).content == "Hello"
    merged = AIMessageChunk("a") + AIMessageChunk("b") + AIMessageChunk("c")
    assert merged == AIMessageChunk("abc")


def test_list_content_merges_parts_by_index() -> None:
    a = AIMessageChunk([{"type": "text", "text": "Hel", "index": 0}])
    b = AIMessageChunk([{"type": "text", "text": "lo", "index": 0}])
    c = AIMessageChunk([{"type": "tool_use", "id": "t1", "index": 1, "partial_json": '{"a"'}])
    d = AIMessageChunk([{"type": "tool_use", "index": 1, "partial_json": ": 1}"}])
    merged = merge_message_chunks([a, b, c, d])
    assert merged.content == [
        {"type": "text", "text": "Hello", "index": 0},
        {"type": "tool_use", "id": "t1", "index": 1, "partial_json": '{"a": 1}'},
    ]


def test_list_parts_without_index_are_appended() -> None:
    merged = AIMessageChunk([{"type": "text", "text": "a"}]) + AIMessageChunk(
        [{"type": "text", "text": "b"}]
    )
    assert merged.content == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]


def test_str_then_list_and_list_then_str() -> None:
    merged = AIMessageChunk("intro ") + AIMessageChunk([{"type": "text", "text": "x", "index": 0}])
    assert merged.content == ["intro ", {"type": "text", "text": "x", "index": 0}]
    # An empty leading string (the usual first delta) does not leave an empty item behind.
    merged = AIMessageChunk("") + AIMessageChunk([{"type": "text", "text": "x"}])
    assert merged.content == [{"type": "text", "text": "x"}]
    merged = merge_message_chunks([AIMessageChunk(["a"]), AIMessageChunk("b"), AIMessageChunk("c")])
    assert merged.content == ["abc"]
    merged = AIMessageChunk([{"type": "text", "text": "a"}]) + AIMessageChunk("b")
    assert merged.content == [{"type": "text", "text": "a"}, "b"]


def test_tool_call_chunks_merge_by_index_and_parse() -> None:
    chunks = [
        tcc(name="get_weather", id="call_1", index=0, args=""),
        tcc(args='{"city": ', index=0),
        tcc(name="add", id="call_2", index=1, args='{"a": 1,'),
        tcc(args='"Paris"}', index=0),
        tcc(args=' "b": 2}', index=1),
    ]
    merged = merge_message_chunks(chunks)
    assert isinstance(merged, AIMessageChunk)
    assert merged.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"},
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_2", "type": "tool_call"},
    ]
    assert [c["index"] for c in merged.tool_call_chunks] == [0, 1]
    final = merged.to_message()
    assert type(final) is AIMessage
    assert final.tool_calls == merged.tool_calls
    assert final.invalid_tool_calls == []


def test_repeated_id_and_name_are_not_duplicated() -> None:
    # vLLM repeats the id and name in every delta.
    chunks = [
        tcc(name="get_weather", id="call_1", index=0, args='{"city"'),
        tcc(name="get_weather", id="call_1", index=0, args=': "Paris"'),
        tcc(name="get_weather", id="call_1", index=0, args="}"),
    ]
    merged = merge_message_chunks(chunks)
    assert merged.tool_call_chunks == [
        {
            "name": "get_weather",
            "args": '{"city": "Paris"}',
            "id": "call_1",
            "index": 0,
            "type": "tool_call_chunk",
        }
    ]


def test_same_index_different_id_is_a_new_call() -> None:
    chunks = [
        tcc(name="f", id="a", index=0, args="{}"),
        tcc(name="g", id="b", index=0, args='{"x": 1}'),
    ]
    merged = merge_message_chunks(chunks)
    assert [(c["name"], c["id"]) for c in merged.tool_calls] == [("f", "a"), ("g", "b")]


def test_chunks_without_index() -> None:
    chunks = [
        tcc(name="f", id="a", args='{"x"'),
        tcc(args=": 1}"),  # no id: continues the previous call
        tcc(name="g", id="b", args="{}"),  # new id: a new call
        tcc(id="b", args=""),  # same id: continues
    ]
    merged = merge_message_chunks(chunks)
    assert merged.tool_calls == [
        {"name": "f", "args": {"x": 1}, "id": "a", "type": "tool_call"},
        {"name": "g", "args": {}, "id": "b", "type": "tool_call"},
    ]


def test_invalid_args_go_to_invalid_tool_calls() -> None:
    merged = merge_message_chunks([tcc(name="f", id="a", index=0, args="{not json")])
    assert merged.tool_calls == []
    assert merged.invalid_tool_calls[0]["args"] == "{not json"
    assert merged.invalid_tool_calls[0]["name"] == "f"
    assert merged.invalid_tool_calls[0]["error"]


def test_partial_args_while_streaming_strict_at_the_end() -> None:
    partial = tcc(name="f", id="a", index=0, args='{"city": "Par')
    # While streaming the partial parse shows what has arrived so far ...
    assert partial.tool_calls == [
        {"name": "f", "args": {"city": "Par"}, "id": "a", "type": "tool_call"}
    ]
    # ... but a stream that ended there did not produce a valid call.
    final = partial.to_message()
    assert final.tool_calls == []
    assert final.invalid_tool_calls[0]["args"] == '{"city": "Par'
    assert "JSON" in (final.invalid_tool_calls[0]["error"] or "")


def test_args_that_are_not_an_object_are_invalid() -> None:
    final = tcc(name="f", id="a", index=0, args="[1, 2]").to_message()
    assert final.tool_calls == []
    assert "JSON object" in (final.invalid_tool_calls[0]["error"] or "")


def test_empty_args_mean_no_arguments() -> None:
    final = tcc(name="f", id="a", index=0, args="").to_message()
    assert final.tool_calls == [{"name": "f", "args": {}, "id": "a", "type": "tool_call"}]


def test_chunk_from_complete_tool_calls_keeps_them() -> None:
    chunk = AIMessageChunk("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c"}])
    assert chunk.tool_call_chunks[0]["args"] == '{"a": 1}'
    merged = chunk + AIMessageChunk("done")
    assert merged.to_message().tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "c", "type": "tool_call"}
    ]


def test_usage_adds_field_by_field() -> None:
    a = AIMessageChunk(
        "",
        usage_metadata={
            "input_tokens": 5,
            "output_tokens": 1,
            "total_tokens": 6,
            "input_token_details": {"cache_read": 2},
        },
    )
    b = AIMessageChunk(
        "",
        usage_metadata={
            "input_tokens": 0,
            "output_tokens": 3,
            "total_tokens": 3,
            "input_token_details": {"cache_read": 1, "audio": 4},
            "output_token_details": {"reasoning": 2},
        },
    )
    merged = a + AIMessageChunk("x") + b
    assert merged.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 4,
        "total_tokens": 9,
        "input_token_details": {"cache_read": 3, "audio": 4},
        "output_token_details": {"reasoning": 2},
    }
    assert (AIMessageChunk("a") + AIMessageChunk("b")).usage_metadata is None


def test_metadata_merges_recursively() -> None:
    a = AIMessageChunk(
        "",
        response_metadata={"model_name": "gpt-4o", "id": "chatcmpl-1", "logprobs": None},
        additional_kwargs={"reasoning_content": "Let me ", "function_call": {"name": "f"}},
    )
    b = AIMessageChunk(
        "",
        response_metadata={"model_name": "gpt-4o", "id": "chatcmpl-1", "finish_reason": "stop"},
        additional_kwargs={
            "reasoning_content": "think",
            "function_call": {"name": "f", "arguments": '{"a"'},
        },
    )
    c = AIMessageChunk(
        "",
        response_metadata={"finish_reason": "stop", "system_fingerprint": "fp_1"},
        additional_kwargs={"function_call": {"arguments": ": 1}"}},
    )
    merged = merge_message_chunks([a, b, c])
    assert merged.response_metadata == {
        "model_name": "gpt-4o",
        "id": "chatcmpl-1",
        "logprobs": None,
        "finish_reason": "stop",
        "system_fingerprint": "fp_1",
    }
    assert merged.additional_kwargs == {
        "reasoning_content": "Let me think",
        "function_call": {"name": "f", "arguments": '{"a": 1}'},
    }


def test_first_non_empty_finish_reason_and_message_id() -> None:
    merged = merge_message_chunks(
        [
            AIMessageChunk("a", response_metadata={"finish_reason": ""}),
            AIMessageChunk("b", id="run-1", response_metadata={"finish_reason": "length"}),
            AIMessageChunk("c", id="run-1"),
        ]
    )
    assert merged.response_metadata == {"finish_reason": "length"}
    assert merged.id == "run-1"


def test_merge_does_not_mutate_inputs() -> None:
    a = AIMessageChunk("a", additional_kwargs={"k": {"s": "x"}})
    b = AIMessageChunk("b", additional_kwargs={"k": {"s": "y"}})
    merged = a + b
    assert merged.additional_kwargs == {"k": {"s": "xy"}}
    assert a.additional_kwargs == {"k": {"s": "x"}}
    assert b.additional_kwargs == {"k": {"s": "y"}}


def test_add_and_merge_chunks_agree() -> None:
    chunks = [AIMessageChunk(s) for s in "abcdef"]
    folded = chunks[0]
    for c in chunks[1:]:
        folded = folded + c
    assert folded == AIMessageChunk.merge_chunks(chunks)
    assert chunks[0] + chunks[1:] == folded


def test_other_chunk_kinds() -> None:
    assert (HumanMessageChunk("a") + HumanMessageChunk("b")).to_message().content == "ab"
    assert (SystemMessageChunk("a") + SystemMessageChunk("b")).to_message().type == "system"
    chat = ChatMessageChunk("a", role="critic") + ChatMessageChunk("b", role="critic")
    assert chat.to_message().role == "critic"
    with pytest.raises(MessageMergeError, match="role"):
        ChatMessageChunk("a", role="x") + ChatMessageChunk("b", role="y")
    tool = ToolMessageChunk("a", tool_call_id="c", artifact=[1]) + ToolMessageChunk(
        "b", tool_call_id="c", status="error", artifact=[2]
    )
    assert tool.content == "ab"
    assert tool.status == "error"
    assert tool.artifact == [1, 2]
    assert tool.to_message().type == "tool"
    with pytest.raises(MessageMergeError, match="tool_call_id"):
        ToolMessageChunk("a", tool_call_id="c1") + ToolMessageChunk("b", tool_call_id="c2")


def test_mismatched_chunk_types() -> None:
    with pytest.raises(TypeError, match="unsupported operand"):
        AIMessageChunk("a") + HumanMessageChunk("b")  # type: ignore[operator]
    with pytest.raises(MessageMergeError, match="chunk 1"):
        merge_message_chunks([AIMessageChunk("a"), HumanMessageChunk("b")])
    with pytest.raises(MessageMergeError, match="no chunks"):
        merge_message_chunks([])
    with pytest.raises(TypeError):
        AIMessageChunk("a") + "b"  # type: ignore[operator]


def test_message_chunk_to_message() -> None:
    assert message_chunk_to_message(AIMessageChunk("a")) == AIMessage("a")
    msg = AIMessage("a")
    assert message_chunk_to_message(msg) is msg


def test_fold_100_000_chunks_is_linear() -> None:
    n = 100_000
    usage = {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1}
    # Merging never mutates its inputs, so one middle chunk object can stand for 99,998
    # deltas: the fold does all the work, the test does not pay for 100,000 constructions.
    head = AIMessageChunk(
        "", tool_call_chunks=[tool_call_chunk(name="echo", id="c", index=0, args='{"text": "')]
    )
    middle = AIMessageChunk(
        "t",
        tool_call_chunks=[tool_call_chunk(args="x", index=0)],
        usage_metadata=usage,  # type: ignore[arg-type]
    )
    tail = AIMessageChunk(
        "", tool_call_chunks=[tool_call_chunk(args='"}', index=0)], response_metadata={"a": "b"}
    )
    chunks = [head, *([middle] * (n - 2)), tail]
    start = time.perf_counter()
    merged = AIMessageChunk.merge_chunks(chunks)
    final = merged.to_message()
    elapsed = time.perf_counter() - start
    assert merged.content == "t" * (n - 2)
    assert merged.tool_calls == [
        {"name": "echo", "args": {"text": "x" * (n - 2)}, "id": "c", "type": "tool_call"}
    ]
    assert final.tool_calls == merged.tool_calls
    assert merged.usage_metadata == {
        "input_tokens": 0,
        "output_tokens": n - 2,
        "total_tokens": n - 2,
    }
    assert merged.response_metadata == {"a": "b"}
    assert middle == AIMessageChunk(
        "t",
        tool_call_chunks=[tool_call_chunk(args="x", index=0)],
        usage_metadata=usage,  # type: ignore[arg-type]
    )
    assert elapsed < 2.0, f"merging {n} chunks took {elapsed:.2f}s"


def test_fold_of_distinct_chunks_matches_pairwise_adds() -> None:
    pieces = ['{"ci', 'ty": "Pa', "ris", '"}']
    chunks = [
        AIMessageChunk(f"w{i} ", tool_call_chunks=[tool_call_chunk(args=p, index=0)])
        for i, p in enumerate(pieces)
    ]
    folded = chunks[0]
    for chunk in chunks[1:]:
        folded = folded + chunk
    assert folded == merge_message_chunks(chunks)
    assert folded.content == "w0 w1 w2 w3 "
    assert folded.tool_call_chunks[0]["args"] == '{"city": "Paris"}'


def test_fold_100_000_metadata_strings_is_linear() -> None:
    # reasoning_content streamed in additional_kwargs (DeepSeek, vLLM) must not be quadratic.
    n = 100_000
    chunks = [AIMessageChunk("", additional_kwargs={"reasoning_content": "r"})] * n
    start = time.perf_counter()
    merged = merge_message_chunks(chunks)
    assert time.perf_counter() - start < 2.0
    assert merged.additional_kwargs == {"reasoning_content": "r" * n}


def test_no_index_no_id_different_name_is_a_new_call() -> None:
    merged = merge_message_chunks([tcc(name="f", args="{}"), tcc(name="g", args='{"a": 1}')])
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("f", {}), ("g", {"a": 1})]


def test_to_message_does_not_alias_the_chunk() -> None:
    chunk = AIMessageChunk("a", additional_kwargs={"k": 1}, response_metadata={"m": 1})
    msg = chunk.to_message()
    msg.additional_kwargs["k"] = 2
    msg.response_metadata.clear()
    assert chunk.additional_kwargs == {"k": 1}
    assert chunk.response_metadata == {"m": 1}


def test_usage_keeps_provider_specific_detail_keys() -> None:
    base = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
    a = AIMessageChunk("", usage_metadata={**base, "output_token_details": {"accepted": 1}})  # type: ignore[arg-type]
    b = AIMessageChunk("", usage_metadata={**base, "output_token_details": {"accepted": 2}})  # type: ignore[arg-type]
    assert (a + b).usage_metadata == {
        "input_tokens": 2,
        "output_tokens": 2,
        "total_tokens": 4,
        "output_token_details": {"accepted": 3},
    }


def test_chunks_pickle_and_deepcopy() -> None:
    import copy
    import pickle

    chunk = merge_message_chunks([tcc(name="f", id="a", index=0, args='{"x": 1}')])
    assert pickle.loads(pickle.dumps(chunk)) == chunk
    assert copy.deepcopy(chunk) == chunk
    plain = AIMessageChunk("fast path")
    assert pickle.loads(pickle.dumps(plain)) == plain


def test_provider_id_preferred_over_generated_run_id() -> None:
    merged = merge_message_chunks(
        [AIMessageChunk("a", id="run-123"), AIMessageChunk("b", id="chatcmpl-9")]
    )
    assert merged.id == "chatcmpl-9"
    merged = merge_message_chunks([AIMessageChunk("a", id="run-1"), AIMessageChunk("b")])
    assert merged.id == "run-1"


def test_status_keeps_the_last_value_and_labels_the_first() -> None:
    merged = merge_message_chunks(
        [
            AIMessageChunk("", response_metadata={"status": "in_progress", "model": "m1"}),
            AIMessageChunk("", response_metadata={"status": "", "model": "m1"}),
            AIMessageChunk("", response_metadata={"status": "completed", "model": "m2"}),
        ]
    )
    assert merged.response_metadata == {"status": "completed", "model": "m1"}


# Associativity: minimal examples found by tests/messages/test_merge_properties.py.


def _groupings(*chunks: AIMessageChunk) -> list[AIMessageChunk]:
    """``(a + b) + c``, ``a + (b + c)`` and ``merge_chunks([a, b, c])``."""
    a, b, c = chunks
    return [(a + b) + c, a + (b + c), merge_message_chunks([a, b, c])]


def test_fragments_never_move_to_the_next_calls_id() -> None:
    # The fragment '"y"' continues call a (index 0); grouped with the next chunk it used to
    # join call b, whose id arrived later.
    merged = _groupings(
        tcc(name="f", id="a", index=0, args="{"),
        tcc(args='"y"', index=0),
        tcc(name="g", id="b", index=0, args="{}"),
    )
    for m in merged:
        assert [(c["id"], c["args"]) for c in m.tool_call_chunks] == [("a", '{"y"'), ("b", "{}")]


def test_no_index_fragment_does_not_follow_an_indexed_call() -> None:
    a = merge_message_chunks([tcc(id="a", name="f", index=0), tcc(id="b", name="g", index=1)])
    merged = _groupings(a, tcc(args="x", index=0), tcc(args="y"))
    for m in merged:
        assert [(c["id"], c["args"]) for c in m.tool_call_chunks] == [
            ("a", "x"),
            ("b", None),
            (None, "y"),
        ]


def test_a_named_fragment_without_index_starts_its_own_call() -> None:
    merged = _groupings(tcc(name="f", args="1"), tcc(args="2"), tcc(name="g", args="3"))
    for m in merged:
        assert [(c["name"], c["args"]) for c in m.tool_call_chunks] == [("f", "12"), ("g", "3")]


def test_content_strings_join_whatever_the_grouping() -> None:
    for m in _groupings(AIMessageChunk("a"), AIMessageChunk("a"), AIMessageChunk([])):
        assert m.content == ["aa"]
    part = {"type": "text", "text": "p", "index": 0}
    for m in _groupings(AIMessageChunk([part, "a"]), AIMessageChunk([part]), AIMessageChunk(["b"])):
        assert m.content == [{"type": "text", "text": "pp", "index": 0}, "ab"]


def test_unhashable_content_index_is_appended_not_a_crash() -> None:
    part = {"type": "x", "index": [1]}
    assert (AIMessageChunk([part]) + AIMessageChunk([part])).content == [part, part]


def test_a_key_changing_kind_raises_for_every_grouping() -> None:
    chunks = [
        AIMessageChunk("", additional_kwargs={"k": "x"}),
        AIMessageChunk("", additional_kwargs={"k": {"v": "y"}}),
        AIMessageChunk("", additional_kwargs={"k": "z"}),
    ]
    with pytest.raises(MessageMergeError, match=r"key 'k' is a (str|dict) in one chunk"):
        (chunks[0] + chunks[1]) + chunks[2]
    with pytest.raises(MessageMergeError, match=r"key 'k' is a (str|dict) in one chunk"):
        chunks[0] + (chunks[1] + chunks[2])


def test_usage_detail_that_is_not_a_number_is_a_merge_error() -> None:
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
    odd = AIMessageChunk("", usage_metadata={**usage, "input_token_details": {"tier": "x"}})  # type: ignore[arg-type]
    with pytest.raises(MessageMergeError, match=r"input_token_details\['tier'\] is 'x'"):
        odd + odd
