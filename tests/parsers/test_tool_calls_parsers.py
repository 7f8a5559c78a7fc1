from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from pipes._core import RunnableLambda
from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import AIMessage, AIMessageChunk, tool_call_chunk
from pipes._parsers import JsonOutputKeyToolsParser, JsonOutputToolsParser, PydanticToolsParser

from .helpers import ChunkModel, aiter_of


class Add(BaseModel):
    """Add two integers."""

    a: int
    b: int


class Multiply(BaseModel):
    """Multiply two integers."""

    a: int
    b: int = 1


class Titled(BaseModel):
    model_config = {"title": "renamed_tool"}
    x: int


MSG = AIMessage(
    content="",
    tool_calls=[
        {"name": "Multiply", "args": {"a": 3, "b": 12}, "id": "c1"},
        {"name": "Add", "args": {"a": 11, "b": 49}, "id": "c2"},
    ],
)


def stream_chunks() -> list[AIMessageChunk]:
    """Two tool calls streamed the way OpenAI does (name/id first, then args fragments)."""
    return [
        AIMessageChunk(
            content="",
            tool_call_chunks=[tool_call_chunk(name="Multiply", args="", id="c1", index=0)],
        ),
        AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(args='{"a": 3', index=0)]),
        AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(args=', "b": 12}', index=0)]),
        AIMessageChunk(
            content="",
            tool_call_chunks=[tool_call_chunk(name="Add", args='{"a"', id="c2", index=1)],
        ),
        AIMessageChunk(
            content="", tool_call_chunks=[tool_call_chunk(args=': 11, "b": 49}', index=1)]
        ),
    ]


# ---------------------------------------------------------------- JsonOutputToolsParser


def test_json_tools_parser() -> None:
    assert JsonOutputToolsParser().invoke(MSG) == [
        {"type": "Multiply", "args": {"a": 3, "b": 12}},
        {"type": "Add", "args": {"a": 11, "b": 49}},
    ]


def test_json_tools_parser_return_id_and_first_only() -> None:
    assert JsonOutputToolsParser(return_id=True, first_tool_only=True).invoke(MSG) == {
        "type": "Multiply",
        "args": {"a": 3, "b": 12},
        "id": "c1",
    }


def test_no_tool_calls() -> None:
    assert JsonOutputToolsParser().invoke(AIMessage("just text")) == []
    assert JsonOutputToolsParser(first_tool_only=True).invoke(AIMessage("just text")) is None


def test_invalid_tool_call_raises_with_raw_args() -> None:
    msg = AIMessage(
        content="",
        invalid_tool_calls=[{"name": "Add", "args": '{"a": 1,', "id": "c9", "error": "bad JSON"}],
    )
    with pytest.raises(OutputParserException) as info:
        JsonOutputToolsParser().invoke(msg)
    assert info.value.llm_output == '{"a": 1,'
    assert "'Add'" in str(info.value)
    assert "bad JSON" in str(info.value)


def test_text_input_is_a_clear_error() -> None:
    with pytest.raises(OutputParserException, match="bind_tools") as info:
        JsonOutputToolsParser().invoke("some text")
    assert info.value.llm_output == "some text"
    with pytest.raises(InputTypeError):
        JsonOutputToolsParser().invoke(42)  # type: ignore[arg-type]


def test_json_tools_stream_partial_args() -> None:
    out = list(JsonOutputToolsParser().transform(iter(stream_chunks())))
    assert out == [
        [{"type": "Multiply", "args": {}}],
        [{"type": "Multiply", "args": {"a": 3}}],
        [{"type": "Multiply", "args": {"a": 3, "b": 12}}],
        [{"type": "Multiply", "args": {"a": 3, "b": 12}}, {"type": "Add", "args": {}}],
        [
            {"type": "Multiply", "args": {"a": 3, "b": 12}},
            {"type": "Add", "args": {"a": 11, "b": 49}},
        ],
    ]


def test_stream_with_text_chunks_interleaved() -> None:
    chunks: list[Any] = [AIMessageChunk(content="Let me compute. "), *stream_chunks()]
    out = list(JsonOutputToolsParser(first_tool_only=True).transform(iter(chunks)))
    assert out[0] is None or out[0] == {"type": "Multiply", "args": {}}
    assert out[-1] == {"type": "Multiply", "args": {"a": 3, "b": 12}}


def test_stream_with_broken_args_raises_at_end() -> None:
    chunks = [
        AIMessageChunk(
            content="",
            tool_call_chunks=[tool_call_chunk(name="Add", args='{"a": 1', id="c", index=0)],
        ),
        AIMessageChunk(content="", tool_call_chunks=[tool_call_chunk(args=", zz", index=0)]),
    ]
    with pytest.raises(OutputParserException) as info:
        list(JsonOutputToolsParser().transform(iter(chunks)))
    assert info.value.llm_output == '{"a": 1, zz'


def test_stream_of_complete_message() -> None:
    assert list(JsonOutputToolsParser().transform(iter([MSG]))) == [
        JsonOutputToolsParser().invoke(MSG)
    ]


async def test_json_tools_async_stream() -> None:
    sync = list(JsonOutputToolsParser().transform(iter(stream_chunks())))
    out = [v async for v in JsonOutputToolsParser().atransform(aiter_of(stream_chunks()))]
    assert out == sync


# ---------------------------------------------------------------- JsonOutputKeyToolsParser


def test_key_tools_parser() -> None:
    assert JsonOutputKeyToolsParser(key_name="Add").invoke(MSG) == [{"a": 11, "b": 49}]
    assert JsonOutputKeyToolsParser(key_name="Add", first_tool_only=True).invoke(MSG) == {
        "a": 11,
        "b": 49,
    }
    assert JsonOutputKeyToolsParser(key_name="Nope", first_tool_only=True).invoke(MSG) is None
    assert JsonOutputKeyToolsParser(key_name="Add", return_id=True).invoke(MSG) == [
        {"type": "Add", "args": {"a": 11, "b": 49}, "id": "c2"}
    ]


def test_key_tools_parser_streams_args() -> None:
    parser = JsonOutputKeyToolsParser(key_name="Multiply", first_tool_only=True)
    out = list(parser.transform(iter(stream_chunks())))
    assert out == [{}, {"a": 3}, {"a": 3, "b": 12}]


# ---------------------------------------------------------------- PydanticToolsParser


def test_pydantic_tools_parser() -> None:
    parser = PydanticToolsParser(tools=[Add, Multiply])
    assert parser.invoke(MSG) == [Multiply(a=3, b=12), Add(a=11, b=49)]
    assert PydanticToolsParser(tools=[Add, Multiply], first_tool_only=True).invoke(MSG) == Multiply(
        a=3, b=12
    )


def test_pydantic_tools_parser_schema_title_name() -> None:
    msg = AIMessage(content="", tool_calls=[{"name": "renamed_tool", "args": {"x": 1}, "id": "c"}])
    assert PydanticToolsParser(tools=[Titled]).invoke(msg) == [Titled(x=1)]


def test_pydantic_tools_parser_unknown_tool() -> None:
    msg = AIMessage(content="", tool_calls=[{"name": "Divide", "args": {"a": 1}, "id": "c"}])
    with pytest.raises(OutputParserException, match=r"'Divide'.*\['Add', 'Multiply'\]"):
        PydanticToolsParser(tools=[Add, Multiply]).invoke(msg)


def test_pydantic_tools_parser_invalid_args() -> None:
    msg = AIMessage(content="", tool_calls=[{"name": "Add", "args": {"a": "x", "b": 1}, "id": "c"}])
    with pytest.raises(OutputParserException, match="do not match Add") as info:
        PydanticToolsParser(tools=[Add]).invoke(msg)
    assert "'a': 'x'" in (info.value.llm_output or "")


def test_pydantic_tools_parser_strict_nulls_use_defaults() -> None:
    msg = AIMessage(
        content="", tool_calls=[{"name": "Multiply", "args": {"a": 2, "b": None}, "id": "c"}]
    )
    assert PydanticToolsParser(tools=[Multiply]).invoke(msg) == [Multiply(a=2, b=1)]


def test_pydantic_tools_parser_streams_validated_models() -> None:
    out = list(PydanticToolsParser(tools=[Add, Multiply]).transform(iter(stream_chunks())))
    assert out[-1] == [Multiply(a=3, b=12), Add(a=11, b=49)]
    # a partial call shows up only once it validates (Multiply needs `a`; Add needs a and b)
    assert out[0] == [] or out[0] == [Multiply(a=3, b=1)]
    assert [Multiply(a=3, b=1)] in out
    for models in out:
        assert all(isinstance(m, (Add, Multiply)) for m in models)


def test_pydantic_tools_parser_rejects_non_models() -> None:
    with pytest.raises(TypeError, match="pydantic model classes"):
        PydanticToolsParser(tools=[dict])  # type: ignore[list-item]


def test_end_to_end_chain_with_tool_call_stream() -> None:
    chain = (
        RunnableLambda(lambda x: x)
        | ChunkModel(stream_chunks())
        | PydanticToolsParser(tools=[Add, Multiply])
    )
    assert chain.invoke("q") == [Multiply(a=3, b=12), Add(a=11, b=49)]
    assert list(chain.stream("q"))[-1] == [Multiply(a=3, b=12), Add(a=11, b=49)]


class WithDesc(BaseModel):
    q: str = Field(description="query")


# ---------------------------------------------------------------- streaming = message merging


def _random_call_stream(rng: Any) -> list[AIMessageChunk]:
    import json

    chunks: list[AIMessageChunk] = [AIMessageChunk(content="thinking... ")]
    for index in range(rng.randrange(1, 4)):
        args = json.dumps(
            {
                "q": "".join(rng.choice('ab "\\é{}[]') for _ in range(rng.randrange(20))),
                "n": rng.randrange(-5, 10**6),
                "xs": [rng.random() for _ in range(rng.randrange(4))],
                "nested": {"ok": rng.random() < 0.5, "none": None},
            },
        )
        name = rng.choice(["Add", "Multiply", "search"])
        chunks.append(
            AIMessageChunk(
                content="",
                tool_call_chunks=[tool_call_chunk(name=name, id=f"c{index}", index=index, args="")],
            )
        )
        i = 0
        while i < len(args):
            size = rng.randrange(1, 9)
            chunks.append(
                AIMessageChunk(
                    content="",
                    tool_call_chunks=[tool_call_chunk(args=args[i : i + size], index=index)],
                )
            )
            i += size
    return chunks


@pytest.mark.parametrize("seed", range(25))
def test_streamed_partials_match_merging_messages(seed: int) -> None:
    import random

    rng = random.Random(seed)
    chunks = _random_call_stream(rng)
    parser = JsonOutputToolsParser(return_id=True)
    out = list(parser.transform(iter(chunks)))
    # Reference: fold the chunks with `+` and read the (partial) tool calls after each one.
    expected: list[Any] = []
    acc: AIMessageChunk | None = None
    for chunk in chunks:
        acc = chunk if acc is None else acc + chunk
        value = [
            {"type": c["name"], "args": c["args"], "id": c["id"]}
            for c in acc.tool_calls
            if c["name"]
        ]
        if not expected or value != expected[-1]:
            expected.append(value)
    if expected and expected[0] == []:
        expected = expected[1:]  # text-only chunks before any call: nothing to show yet
    assert out == expected
    assert out[-1] == parser.invoke(acc)


def test_tool_call_streaming_work_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from pipes._parsers import _json_text

    total = 0
    real = _json_text.from_json

    def counting(text: str, **kw: Any) -> Any:
        nonlocal total
        total += len(text)
        return real(text, **kw)

    from pipes._messages import _tool_calls as message_tool_calls

    monkeypatch.setattr(_json_text, "from_json", counting)
    monkeypatch.setattr(message_tool_calls, "from_json", counting)  # merging messages parses too
    args = json.dumps({"items": [{"id": i, "name": f"item {i}"} for i in range(300)]})
    chunks = [
        AIMessageChunk(
            content="", tool_call_chunks=[tool_call_chunk(name="X", id="c", index=0, args="")]
        )
    ]
    chunks += [
        AIMessageChunk(
            content="", tool_call_chunks=[tool_call_chunk(args=args[i : i + 3], index=0)]
        )
        for i in range(0, len(args), 3)
    ]
    out = list(JsonOutputKeyToolsParser(key_name="X", first_tool_only=True).transform(iter(chunks)))
    assert out[-1] == json.loads(args)
    assert total < 10 * len(args)
