"""`@tool` and Google-style docstrings: argument descriptions by default, the `Args:` block
kept out of the description, LangChain's `parse_docstring=True` unchanged."""

from __future__ import annotations

from typing import Annotated

import pytest

from pipes import InvalidDocstringError, convert_to_openai_tool, tool


def test_howto_parse_docstring_schema_is_langchains() -> None:
    # LangChain how-to "How to create tools", imports changed; the schema it prints.
    @tool(parse_docstring=True)
    def foo(bar: str, baz: int) -> str:
        """The foo.

        Args:
            bar: The bar.
            baz: The baz.
        """
        return bar

    assert foo.args_schema.model_json_schema() == {  # type: ignore[union-attr]
        "description": "The foo.",
        "properties": {
            "bar": {"description": "The bar.", "title": "Bar", "type": "string"},
            "baz": {"description": "The baz.", "title": "Baz", "type": "integer"},
        },
        "required": ["bar", "baz"],
        "title": "foo",
        "type": "object",
    }


def test_howto_plain_tool_and_annotated() -> None:
    @tool
    def multiply(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    assert multiply.name == "multiply"
    assert multiply.description == "Multiply two numbers."
    assert multiply.args == {
        "a": {"title": "A", "type": "integer"},
        "b": {"title": "B", "type": "integer"},
    }

    @tool
    def multiply_by_max(
        a: Annotated[int, "scale factor"],
        b: Annotated[list[int], "list of ints over which to take maximum"],
    ) -> int:
        """Multiply a by the maximum of b."""
        return a * max(b)

    assert multiply_by_max.args["a"]["description"] == "scale factor"


def test_default_reads_args_and_strips_the_block_but_keeps_other_sections() -> None:
    @tool
    def search(query: str, limit: int = 5) -> str:
        """Search the web.

        Use it for recent events.

        Args:
            query: What to look for.
            limit: How many results
                to return.

        Returns:
            The results, one per line.
        """
        return query

    assert search.description == (
        "Search the web.\n\nUse it for recent events.\n\nReturns:\n    The results, one per line."
    )
    function = convert_to_openai_tool(search)["function"]
    assert function["description"] == search.description
    properties = function["parameters"]["properties"]
    assert properties["query"]["description"] == "What to look for."
    assert properties["limit"]["description"] == "How many results to return."


def test_default_is_lenient_about_docstrings() -> None:
    @tool
    def loose(x: int) -> int:
        """No Args section at all."""
        return x

    @tool
    def documents_ghost(x: int) -> int:
        """Has one.

        Args:
            y: not a parameter
        """
        return x

    assert loose.description == "No Args section at all."
    assert documents_ghost.description == "Has one."
    assert "description" not in documents_ghost.args["x"]


def test_parse_docstring_true_keeps_langchains_strictness() -> None:
    def loose(x: int) -> int:
        """No Args section at all."""
        return x

    with pytest.raises(InvalidDocstringError, match="Args:"):
        tool(parse_docstring=True)(loose)
    lenient = tool(parse_docstring=True, error_on_invalid_docstring=False)(loose)
    assert lenient.description == "No Args section at all."
