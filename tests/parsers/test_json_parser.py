from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from pydantic import BaseModel, Field

from pipes._core import RunnableLambda
from pipes._errors import OutputParserException
from pipes._messages import AIMessage, AIMessageChunk
from pipes._parsers import (
    JsonOutputParser,
    SimpleJsonOutputParser,
    parse_json_markdown,
    parse_partial_json,
)
from pipes._parsers._json_text import PartialJsonStream

from .helpers import ChunkModel, aiter_of, pieces

DOC = '{"name": "Ada", "langs": ["py", "c"], "age": 36, "ok": true, "pet": null}'
VALUE = {"name": "Ada", "langs": ["py", "c"], "age": 36, "ok": True, "pet": None}


# ---------------------------------------------------------------- complete replies


@pytest.mark.parametrize(
    "text",
    [
        DOC,
        f"```json\n{DOC}\n```",
        f"```\n{DOC}\n```",
        f"Sure! Here is the JSON you asked for:\n\n```json\n{DOC}\n```\nAnything else?",
        f"Here it is: {DOC} Hope that helps.",
        f"  \n{DOC}\n  ",
        f"Note {{this}} first. {DOC}",  # a stray brace in the prose
    ],
)
def test_parse_tolerates_fences_and_prose(text: str) -> None:
    assert JsonOutputParser().invoke(AIMessage(text)) == VALUE
    assert parse_json_markdown(text) == VALUE


def test_parse_arrays_and_scalars() -> None:
    parser = JsonOutputParser()
    assert parser.invoke("[1, 2, 3]") == [1, 2, 3]
    assert parser.invoke("```json\n42\n```") == 42
    assert parser.invoke('"yes"') == "yes"
    assert parser.invoke("true") is True


def test_raw_newlines_inside_strings() -> None:
    assert JsonOutputParser().invoke('{"poem": "line one\nline two"}') == {
        "poem": "line one\nline two"
    }


def test_failure_carries_raw_text_and_says_what_was_expected() -> None:
    text = "I cannot answer that in JSON, sorry."
    with pytest.raises(OutputParserException) as info:
        JsonOutputParser().invoke(AIMessage(text))
    assert info.value.llm_output == text
    assert "expected a JSON value" in str(info.value)
    assert "sorry" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_json_fails_on_invoke() -> None:
    with pytest.raises(OutputParserException) as info:
        JsonOutputParser().invoke('{"a": [1, 2')
    assert info.value.llm_output == '{"a": [1, 2'


def test_simple_json_alias() -> None:
    assert SimpleJsonOutputParser is JsonOutputParser


def test_format_instructions() -> None:
    class Joke(BaseModel):
        """A joke."""

        setup: str = Field(description="question")
        punchline: str

    plain = JsonOutputParser().get_format_instructions()
    assert "JSON" in plain
    text = JsonOutputParser(pydantic_object=Joke).get_format_instructions()
    assert '"setup": {"description": "question", "title": "Setup", "type": "string"}' in text
    assert '"required": ["setup", "punchline"]' in text


class LangChainJoke(BaseModel):
    setup: str = Field(description="question to set up a joke")
    punchline: str = Field(description="answer to resolve the joke")


# What langchain-core 1.8.3's JsonOutputParser returns for the how-to `Joke`.
LANGCHAIN_JOKE_INSTRUCTIONS = (
    "STRICT OUTPUT FORMAT:\n"
    "- Return only the JSON value that conforms to the schema. Do not include any additional text, explanations, headings, or separators.\n"  # noqa: E501
    "- Do not wrap the JSON in Markdown or code fences (no ``` or ```json).\n"
    '- Do not prepend or append any text (e.g., do not write "Here is the JSON:").\n'
    "- The response must be a single top-level JSON value exactly as required by the schema (object/array/etc.), with no trailing commas or comments.\n"  # noqa: E501
    "\n"
    "The output should be formatted as a JSON instance that conforms to the JSON schema below.\n"
    "\n"
    'As an example, for the schema {"properties": {"foo": {"title": "Foo", "description": "a list of strings", "type": "array", "items": {"type": "string"}}}, "required": ["foo"]} the object {"foo": ["bar", "baz"]} is a well-formatted instance of the schema. The object {"properties": {"foo": ["bar", "baz"]}} is not well-formatted.\n'  # noqa: E501
    "\n"
    "Here is the output schema (shown in a code block for readability only — do not include any backticks or Markdown in your output):\n"  # noqa: E501
    "```\n"
    '{"properties": {"setup": {"description": "question to set up a joke", "title": "Setup", "type": "string"}, "punchline": {"description": "answer to resolve the joke", "title": "Punchline", "type": "string"}}, "required": ["setup", "punchline"]}\n'  # noqa: E501
    "```"
)


def test_format_instructions_are_langchains_text() -> None:
    parser = JsonOutputParser(pydantic_object=LangChainJoke)
    assert parser.get_format_instructions() == LANGCHAIN_JOKE_INSTRUCTIONS
    assert JsonOutputParser().get_format_instructions() == "Return a JSON object."


# ---------------------------------------------------------------- partial parsing


def test_parse_partial_json() -> None:
    assert parse_partial_json('{"a": [1, "x') == {"a": [1, "x"]}
    assert parse_partial_json("[") == []
    with pytest.raises(ValueError, match="not a JSON"):
        parse_partial_json("hello")


def _stream(chunks: list[Any]) -> list[Any]:
    return list(JsonOutputParser().transform(iter(chunks)))


def test_stream_yields_growing_partials_only_when_changed() -> None:
    chunks = ['{"na', 'me": "A', "da", '", "langs": ["p', 'y"', ', "c"]', "}"]
    assert _stream(chunks) == [
        {},
        {"name": "A"},
        {"name": "Ada"},
        {"name": "Ada", "langs": ["p"]},
        {"name": "Ada", "langs": ["py"]},
        {"name": "Ada", "langs": ["py", "c"]},
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
def test_stream_character_by_character_ends_with_the_value(size: int) -> None:
    text = f"Sure:\n```json\n{DOC}\n```\nDone."
    out = _stream([AIMessageChunk(content=p) for p in pieces(text, size)])
    assert out[-1] == VALUE
    for before, after in itertools.pairwise(out):
        assert before != after  # never the same value twice in a row
    assert all(isinstance(v, dict) for v in out)


def test_stream_prose_before_json_yields_nothing_until_json() -> None:
    out = _stream(["Let me think", " about {that}...", " ok: ", '{"a"', ": 1}"])
    assert out == [{}, {"a": 1}]


def test_stream_whitespace_inside_strings_counts_outside_does_not() -> None:
    out = _stream(['{"a": "x', " ", " ", 'y"', " ", "\n", ', "b": 2}'])
    assert out == [{"a": "x"}, {"a": "x "}, {"a": "x  "}, {"a": "x  y"}, {"a": "x  y", "b": 2}]


def test_stream_invalid_json_raises_at_end_with_raw_text() -> None:
    chunks = ['{"a": 1', ", oops", " nope"]
    with pytest.raises(OutputParserException) as info:
        _stream(chunks)
    assert info.value.llm_output == '{"a": 1, oops nope'


def test_stream_of_text_without_json_raises() -> None:
    with pytest.raises(OutputParserException):
        _stream(["no", " json", " here"])


def test_stream_of_nothing_yields_nothing() -> None:
    assert _stream([]) == []


def test_stream_of_one_complete_message() -> None:
    assert _stream([AIMessage(DOC)]) == [VALUE]


def test_streaming_stops_parsing_once_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipes._parsers import _json_text

    parsed: list[str] = []
    real = _json_text.from_json

    def counting(text: str, **kw: Any) -> Any:
        parsed.append(text)
        return real(text, **kw)

    monkeypatch.setattr(_json_text, "from_json", counting)
    stream = PartialJsonStream()
    for piece in [
        "Intro {text} ",
        "more intro ",
        '{"a": ',
        "1",
        "}",
        " and",
        " a",
        " long",
        " tail",
    ]:
        stream.feed(piece)
    # '{text}' is prose; after that only the key, the partial "1" and the completed "1"
    assert parsed == ['"a"', "[1", "1"]
    assert stream.finish() == (False, {"a": 1})


def test_streaming_work_is_linear_in_document_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipes._parsers import _json_text

    total = 0
    real = _json_text.from_json

    def counting(text: str, **kw: Any) -> Any:
        nonlocal total
        total += len(text)
        return real(text, **kw)

    monkeypatch.setattr(_json_text, "from_json", counting)
    doc = json.dumps({"items": [{"id": i, "name": f"item {i}", "tags": ["a"]} for i in range(300)]})
    stream = PartialJsonStream()
    for piece in pieces(doc, 1):
        stream.feed(piece)
    # Re-parsing the whole prefix per piece would be ~len(doc)**2 / 2 characters.
    assert total < 10 * len(doc)
    assert stream.finish()[1] == json.loads(doc)


async def test_atransform_matches_transform() -> None:
    chunks = [AIMessageChunk(content=p) for p in pieces(DOC, 4)]
    sync = list(JsonOutputParser().transform(iter(chunks)))
    out = [v async for v in JsonOutputParser().atransform(aiter_of(chunks))]
    assert out == sync


def test_chain_streams_partial_objects_end_to_end() -> None:
    chain = RunnableLambda(lambda x: x) | ChunkModel(pieces(DOC, 5)) | JsonOutputParser()
    out = list(chain.stream("q"))
    assert len(out) > 3
    assert out[-1] == VALUE
    assert chain.invoke("q") == VALUE


async def test_chain_ainvoke() -> None:
    chain = RunnableLambda(lambda x: x) | ChunkModel(pieces(DOC, 5)) | JsonOutputParser()
    assert await chain.ainvoke("q") == VALUE
    assert [v async for v in chain.astream("q")][-1] == VALUE


def test_yielded_values_are_independent_objects() -> None:
    out = _stream(['{"a": [1', ", 2]}"])
    out[0]["a"].append(99)
    assert out[1] == {"a": [1, 2]}


def test_fenced_json_wins_over_brackets_in_prose() -> None:
    text = 'Here are [3] items as {requested}:\n```json\n{"items": [1, 2, 3]}\n```'
    assert JsonOutputParser().invoke(text) == {"items": [1, 2, 3]}
    out = _stream([AIMessageChunk(content=p) for p in pieces(text, 3)])
    assert out[-1] == {"items": [1, 2, 3]}


def test_stream_waits_for_fence_line() -> None:
    out = _stream(["Sure ```", "json", '\n{"a"', ": [1]}", "\n```"])
    assert out == [{}, {"a": [1]}]


def test_fenced_scalar_after_prose_parses() -> None:
    # Found by tests/parsers/test_partial_json_properties.py: only brackets were looked for
    # inside a fence, so a fenced scalar after prose was "not JSON".
    assert parse_json_markdown("Here it is:\n```json\nnull\n```\n") is None
    assert parse_json_markdown('Sure.\n```json\n"yes"\n```') == "yes"
    assert list(JsonOutputParser().transform(iter(["Sure.\n```json\n4", "2\n```"]))) == [42]


def test_a_string_document_with_brackets_streams_no_bogus_object() -> None:
    # Found by tests/parsers/test_partial_json_properties.py: the stream followed the brace
    # inside the string and reported {} before the final value '{'.
    assert list(JsonOutputParser().transform(iter(['"{"']))) == ["{"]
    assert list(JsonOutputParser().transform(iter([' "a [', '1, 2]"']))) == ["a [1, 2]"]


def test_a_long_reply_without_json_streams_in_linear_time() -> None:
    # Every piece searched the whole text for a fence: 200,000 pieces of prose took a minute
    # of CPU. A child process capped at 20 s of CPU fails cleanly instead of wedging.
    code = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
        from pipes._parsers._json_text import PartialJsonStream
        stream = PartialJsonStream()
        for i in range(100_000):
            stream.feed("word ")
        stream.feed("```")
        for i in range(100_000):
            stream.feed("json ")  # a fence line that never ends
        stream.feed('\\n{"a": 1}\\n```')
        print(stream.finish()[1])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "{'a': 1}"
