"""Property test: the streaming tool-call parsers group chunks into calls as merging does.

Both use one ``ToolCallRouter``; whatever the chunks (with or without index, id, name), the
parsed stream ends on what parsing the merged message gives, error included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipes._errors import OutputParserException
from pipes._messages import AIMessageChunk, merge_message_chunks
from pipes._parsers import JsonOutputToolsParser

_tool_call_chunk = st.fixed_dictionaries(
    {
        "name": st.sampled_from([None, "", "f", "g"]),
        "args": st.sampled_from([None, "", "{", '"a"', ": 1", "}", "{}"]),
        "id": st.sampled_from([None, "", "a", "b"]),
        "index": st.sampled_from([None, 0, 1]),
        "type": st.just("tool_call_chunk"),
    }
)


def _outcome(run: Callable[[], Any]) -> Any:
    try:
        return run()
    except OutputParserException as exc:
        return ("raised", str(exc))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.lists(st.lists(_tool_call_chunk, min_size=1, max_size=3), min_size=1, max_size=6))
def test_streamed_calls_end_as_the_merged_message_parses(groups: list[list[Any]]) -> None:
    chunks = [AIMessageChunk("", tool_call_chunks=g) for g in groups]
    parser = JsonOutputToolsParser(return_id=True)
    expected = _outcome(lambda: parser.invoke(merge_message_chunks(chunks)))
    assert _outcome(lambda: list(parser.transform(iter(chunks)))[-1]) == expected
