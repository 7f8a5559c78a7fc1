"""get_graph() drawings (exact text on small cases), names and JSON schemas from type hints."""

from __future__ import annotations

from typing import Any

from pipes._core import (
    RunnableBranch,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableSequence,
)


def _named(name: str) -> RunnableLambda[Any, Any]:
    return RunnableLambda(lambda x: x, name=name)


def test_sequence_ascii_and_mermaid() -> None:
    graph = (_named("a") | _named("b") | _named("c")).get_graph()
    assert graph.draw_ascii() == (
        "+--------+\n"
        "| Input  |\n"
        "+--------+\n"
        "     |\n"
        "  +----+\n"
        "  | a  |\n"
        "  +----+\n"
        "     |\n"
        "  +----+\n"
        "  | b  |\n"
        "  +----+\n"
        "     |\n"
        "  +----+\n"
        "  | c  |\n"
        "  +----+\n"
        "     |\n"
        "+--------+\n"
        "| Output |\n"
        "+--------+\n"
    )
    assert graph.draw_mermaid() == (
        "graph TD;\n"
        '    n0(["Input"]);\n'
        '    n1["a"];\n'
        '    n2["b"];\n'
        '    n3["c"];\n'
        '    n4(["Output"]);\n'
        "    n0 --> n1;\n"
        "    n1 --> n2;\n"
        "    n2 --> n3;\n"
        "    n3 --> n4;\n"
    )
    assert str(graph) == graph.draw_ascii()


def test_parallel_ascii_and_mermaid() -> None:
    graph = (RunnableParallel(a=_named("left"), b=_named("right")) | _named("join")).get_graph()
    assert graph.draw_ascii() == (
        "     +--------+\n"
        "     | Input  |\n"
        "     +--------+\n"
        "          |\n"
        "    +-----+----+\n"
        "    |          |\n"
        "+------+   +-------+\n"
        "| left |   | right |\n"
        "+------+   +-------+\n"
        "    |          |\n"
        "    +-----+----+\n"
        "          |\n"
        "      +------+\n"
        "      | join |\n"
        "      +------+\n"
        "          |\n"
        "     +--------+\n"
        "     | Output |\n"
        "     +--------+\n"
    )
    assert graph.draw_mermaid() == (
        "graph TD;\n"
        '    n0(["Input"]);\n'
        '    n1["left"];\n'
        '    n2["right"];\n'
        '    n3["join"];\n'
        '    n4(["Output"]);\n'
        "    n0 --> n1;\n"
        "    n0 --> n2;\n"
        "    n1 --> n3;\n"
        "    n2 --> n3;\n"
        "    n3 --> n4;\n"
    )


def test_branch_ascii_and_mermaid() -> None:
    branch = RunnableBranch((lambda x: x > 0, _named("pos")), _named("neg"))
    graph = branch.get_graph()
    assert graph.draw_ascii() == (
        "    +-------+\n"
        "    | Input |\n"
        "    +-------+\n"
        "        |\n"
        "   +----+----+\n"
        "   |         |\n"
        "+-----+   +-----+\n"
        "| pos |   | neg |\n"
        "+-----+   +-----+\n"
        "   |         |\n"
        "   +----+----+\n"
        "        |\n"
        "   +---------+\n"
        "   | Output  |\n"
        "   +---------+\n"
    )
    assert graph.draw_mermaid() == (
        "graph TD;\n"
        '    n0(["Input"]);\n'
        '    n1["pos"];\n'
        '    n2["neg"];\n'
        '    n3(["Output"]);\n'
        "    n0 --> n1;\n"
        "    n0 --> n2;\n"
        "    n1 --> n3;\n"
        "    n2 --> n3;\n"
    )


def test_mermaid_escapes_quotes_and_vertical_lines_stay_straight() -> None:
    graph = (_named('say "hi"') | _named("a_much_longer_step_name") | _named("x")).get_graph()
    assert '["say #quot;hi#quot;"]' in graph.draw_mermaid()
    lines = graph.draw_ascii().splitlines()
    bars = {line.index("|") for line in lines if line.strip() == "|"}
    assert len(bars) == 1  # every single connector sits in the same column


def test_names() -> None:
    def parse(x: str) -> int:
        return int(x)

    assert RunnableLambda(parse).get_name() == "parse"
    assert RunnableLambda(lambda x: x).get_name() == "lambda"
    assert RunnableParallel(a=parse, b=parse).get_name() == "Parallel<a,b>"
    assert RunnablePassthrough().get_name() == "RunnablePassthrough"
    assert RunnableSequence(parse, parse, name="twice").get_name() == "twice"
    assert RunnableLambda(parse).with_name("p").get_name() == "p"
    assert RunnableLambda(parse).get_name(suffix="Input") == "parseInput"
    assert "parse" in repr(RunnableLambda(parse) | parse)


def test_schemas_from_type_hints() -> None:
    def to_text(x: int) -> str:
        return str(x)

    def length(s: str) -> float:
        return float(len(s))

    async def items(n: float) -> list[int]:
        return [int(n)]

    assert RunnableLambda(to_text).get_input_schema() == {"type": "integer"}
    assert RunnableLambda(to_text).get_output_schema() == {"type": "string"}
    chain = RunnableLambda(to_text) | length | items
    assert chain.get_input_schema() == {"type": "integer"}
    assert chain.get_output_schema() == {"type": "array", "items": {"type": "integer"}}
    parallel = RunnableParallel(text=to_text, n=lambda x: x)
    assert parallel.get_input_schema() == {"type": "integer"}
    assert parallel.get_output_schema() == {
        "type": "object",
        "properties": {"text": {"title": "Text", "type": "string"}, "n": {"title": "N"}},
        "required": ["text", "n"],
    }
    assert RunnableLambda(lambda x: x).get_input_schema() == {}  # not derivable: anything
    assert RunnableLambda(to_text).with_config(tags=["t"]).get_output_schema() == {"type": "string"}
