"""Property tests: merging message chunks is associative, and a fold equals any grouping.

A stream may reach ``merge_chunks`` grouped in any way (per token, in batches, through a tee
or a ``+`` in user code): ``(a + b) + c``, ``a + (b + c)`` and ``merge_chunks([a, b, c])``
must all be the same message. The generators mix what real streams carry: text, content
blocks with and without ``index``, tool-call chunks with and without index / id / name,
metadata labels and text, usage.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipes._errors import MessageMergeError
from pipes._messages import AIMessageChunk, ToolMessageChunk, merge_message_chunks

SETTINGS = settings(derandomize=True, max_examples=200, deadline=None)
FEWER = settings(derandomize=True, max_examples=80, deadline=None)  # costlier examples

_text = st.text(alphabet="ab {}\"'", max_size=3)
_label = st.sampled_from([None, "", "stop", "length"])

_block = st.one_of(
    _text,
    st.fixed_dictionaries(
        {"type": st.just("text"), "text": _text},
        optional={"index": st.integers(0, 2)},
    ),
    st.fixed_dictionaries(
        {"type": st.just("tool_use"), "partial_json": _text},
        optional={"index": st.integers(0, 2), "id": st.sampled_from(["", "t1", "t2"])},
    ),
)
_content = st.one_of(_text, st.lists(_block, max_size=3))

_tool_call_chunk = st.fixed_dictionaries(
    {
        "name": st.sampled_from([None, "", "f", "g"]),
        "args": st.sampled_from([None, "", "{", '"a"', ": 1", "}"]),
        "id": st.sampled_from([None, "", "a", "b"]),
        "index": st.sampled_from([None, 0, 1]),
        "type": st.just("tool_call_chunk"),
    }
)

# Each key keeps one kind across chunks (a provider does); kind changes are tested apart.
_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "reasoning_content": st.one_of(st.none(), _text),
        "function_call": st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["", "f", "g"]), "arguments": _text}
        ),
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {"function": st.fixed_dictionaries({"arguments": _text})},
                optional={"index": st.integers(0, 1), "id": st.sampled_from(["", "c1", "c2"])},
            ),
            max_size=2,
        ),
        "seed": st.integers(0, 3),
    },
)
_metadata = st.fixed_dictionaries(
    {},
    optional={
        "finish_reason": _label,
        "status": st.sampled_from([None, "", "in_progress", "completed"]),
        "model_name": st.sampled_from(["", "m1", "m2"]),
        "logprobs": st.one_of(st.none(), st.fixed_dictionaries({"content": st.lists(_text)})),
        "created": st.integers(0, 2),
    },
)
_usage = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "input_tokens": st.integers(0, 5),
            "output_tokens": st.integers(0, 5),
            "total_tokens": st.integers(0, 10),
        },
        optional={
            "input_token_details": st.fixed_dictionaries(
                {}, optional={"cache_read": st.integers(0, 3), "audio": st.integers(0, 3)}
            ),
            "output_token_details": st.fixed_dictionaries(
                {}, optional={"reasoning": st.integers(0, 3)}
            ),
        },
    ),
)


@st.composite
def _chunks(draw: st.DrawFn) -> AIMessageChunk:
    fields: dict[str, Any] = {"content": draw(_content)}
    if draw(st.booleans()):
        fields["tool_call_chunks"] = draw(st.lists(_tool_call_chunk, max_size=3))
    if draw(st.booleans()):
        fields["additional_kwargs"] = draw(_kwargs)
    if draw(st.booleans()):
        fields["response_metadata"] = draw(_metadata)
    fields["usage_metadata"] = draw(_usage)
    fields["id"] = draw(st.sampled_from([None, "", "run-1", "run-2", "chatcmpl-1", "chatcmpl-2"]))
    fields["name"] = draw(st.sampled_from([None, "", "bot", "other"]))
    return AIMessageChunk(**fields)


_streams = st.lists(_chunks(), min_size=1, max_size=7)


def _fold_left(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    acc = chunks[0]
    for chunk in chunks[1:]:
        acc = acc + chunk
    return acc


@st.composite
def _grouping(draw: st.DrawFn, chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """The chunks merged along a random binary tree (or random n-ary ``merge_chunks``)."""
    if len(chunks) == 1:
        return chunks[0]
    if draw(st.booleans()):
        cut = draw(st.integers(1, len(chunks) - 1))
        return draw(_grouping(chunks[:cut])) + draw(_grouping(chunks[cut:]))
    cuts = sorted(draw(st.sets(st.integers(1, len(chunks) - 1), max_size=3)))
    bounds = [0, *cuts, len(chunks)]
    parts = [draw(_grouping(chunks[i:j])) for i, j in itertools.pairwise(bounds)]
    return merge_message_chunks(parts)


def _same(a: AIMessageChunk, b: AIMessageChunk) -> None:
    assert a.model_dump() == b.model_dump()
    assert a == b


@SETTINGS
@given(_chunks(), _chunks(), _chunks())
def test_plus_is_associative(a: AIMessageChunk, b: AIMessageChunk, c: AIMessageChunk) -> None:
    _same((a + b) + c, a + (b + c))
    _same((a + b) + c, merge_message_chunks([a, b, c]))


@FEWER
@given(_streams, st.data())
def test_merge_chunks_equals_any_grouping(
    chunks: list[AIMessageChunk], data: st.DataObject
) -> None:
    whole = merge_message_chunks(chunks)
    _same(whole, _fold_left(chunks))
    _same(whole, data.draw(_grouping(chunks)))
    # The final message does not depend on the grouping either.
    assert whole.to_message() == data.draw(_grouping(chunks)).to_message()


@SETTINGS
@given(st.lists(st.lists(_tool_call_chunk, min_size=1, max_size=4), min_size=1, max_size=6))
def test_tool_call_grouping_is_associative(groups: list[list[Any]]) -> None:
    chunks = [AIMessageChunk("", tool_call_chunks=g) for g in groups]
    whole = merge_message_chunks(chunks)
    for cut in range(1, len(chunks)):
        left = merge_message_chunks(chunks[:cut])
        right = merge_message_chunks(chunks[cut:])
        assert (left + right).tool_call_chunks == whole.tool_call_chunks
    # Merged calls are already grouped: merging them again changes nothing.
    empty = AIMessageChunk("")
    again = merge_message_chunks([whole, empty])
    assert merge_message_chunks([again, empty]).tool_call_chunks == again.tool_call_chunks


_any_value = st.one_of(
    st.none(),
    _text,
    st.integers(0, 2),
    st.lists(st.one_of(_text, st.fixed_dictionaries({"index": st.integers(0, 1), "v": _text}))),
    st.fixed_dictionaries({}, optional={"v": _text, "n": st.integers(0, 1)}),
)


@FEWER
@given(st.lists(st.dictionaries(st.sampled_from(["k", "id", "status"]), _any_value), min_size=3))
def test_kind_changes_fail_for_every_grouping(dicts: list[dict[str, Any]]) -> None:
    # A key whose value changes kind has no associative merge: every grouping must raise,
    # and when none raises, all agree.
    chunks = [AIMessageChunk("", additional_kwargs=d) for d in dicts]
    results = []
    for merge in (
        lambda: merge_message_chunks(chunks),
        lambda: _fold_left(chunks),
        lambda: chunks[0] + merge_message_chunks(chunks[1:]),
    ):
        try:
            results.append(merge().additional_kwargs)
        except MessageMergeError as exc:
            results.append(f"raised: {'kind' in str(exc)}")
    assert results[1:] == results[:-1]


@FEWER
@given(st.lists(st.one_of(st.none(), _any_value), min_size=1, max_size=5), st.data())
def test_tool_message_artifacts_merge_associatively(
    artifacts: list[Any], data: st.DataObject
) -> None:
    chunks = [ToolMessageChunk("x", tool_call_id="c", artifact=a) for a in artifacts]
    try:
        whole = merge_message_chunks(chunks)
    except MessageMergeError:
        with pytest.raises(MessageMergeError):
            data.draw(_grouping(chunks))  # type: ignore[arg-type]
        return
    assert data.draw(_grouping(chunks)) == whole  # type: ignore[arg-type]


def test_merging_a_long_mixed_stream_is_linear() -> None:
    # 120,000 chunks of every kind the merge handles; a quadratic path would need minutes of
    # CPU. Run in a child process capped in CPU time and memory so it fails, not wedges.
    code = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        from pipes._messages import AIMessageChunk, merge_message_chunks, tool_call_chunk
        kinds = [
            AIMessageChunk("t", response_metadata={"finish_reason": "", "model_name": "m"}),
            AIMessageChunk([{"type": "text", "text": "x", "index": 0}, "s"]),
            AIMessageChunk("u", tool_call_chunks=[tool_call_chunk(args="a", index=0)]),
            AIMessageChunk("", tool_call_chunks=[tool_call_chunk(args="b")]),
            AIMessageChunk("", additional_kwargs={"reasoning_content": "r",
                                                  "tool_calls": [{"index": 0, "a": "q"}]}),
            AIMessageChunk("", usage_metadata={"input_tokens": 1, "output_tokens": 1,
                                               "total_tokens": 2}),
        ]
        per = 20_000
        merged = merge_message_chunks(kinds * per)
        assert merged.content[1]["text"] == "x" * per
        assert merged.additional_kwargs["reasoning_content"] == "r" * per
        assert merged.usage_metadata["total_tokens"] == 2 * per
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
