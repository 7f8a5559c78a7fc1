from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from pipes._core import Listener, Run, RunnableConfig, RunnableLambda
from pipes._errors import InputTypeError, NotImplementedInvokeError
from pipes._messages import AIMessage, ToolMessage
from pipes._schema import InvalidDocstringError, convert_to_openai_tool
from pipes._tools import (
    BaseTool,
    InjectedToolArg,
    InjectedToolCallId,
    StructuredTool,
    ToolException,
    ToolInputError,
    tool,
)


def call(name: str, args: dict[str, Any], id: str | None = "call_1") -> dict[str, Any]:
    return {"type": "tool_call", "name": name, "args": args, "id": id}


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@tool(parse_docstring=True)
def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
    """Get the current weather.

    Args:
        city: The city, e.g. "Paris".
        unit: Temperature unit.
    """
    return f"22°{unit} in {city}"


@tool
async def asearch(query: str, limit: int = 2) -> list[str]:
    """Search the web."""
    await asyncio.sleep(0)
    return [f"{query}-{i}" for i in range(limit)]


class Location(BaseModel):
    """Where to look."""

    city: str = Field(description="City name")
    country: str = "FR"


@tool
def locate(where: Location) -> str:
    """Describe a location."""
    return f"{where.city}, {where.country}"


# ---------------------------------------------------------------- construction forms


def test_bare_decorator() -> None:
    assert isinstance(multiply, StructuredTool)
    assert multiply.name == "multiply"
    assert multiply.description == "Multiply two integers."
    assert multiply.args == {
        "a": {"title": "A", "type": "integer"},
        "b": {"title": "B", "type": "integer"},
    }
    assert multiply.return_direct is False


def test_decorator_with_name_and_options() -> None:
    @tool("calc", return_direct=True)
    def anything(x: int) -> int:
        """Double x."""
        return 2 * x

    assert anything.name == "calc"
    assert anything.return_direct is True
    assert anything.invoke({"x": 4}) == 8


def test_tool_called_with_name_and_function() -> None:
    def triple(x: int) -> int:
        """Triple x."""
        return 3 * x

    t = tool("tripler", triple)
    assert t.name == "tripler"
    assert t.invoke({"x": 2}) == 6
    assert tool(triple).name == "triple"


def test_parse_docstring_descriptions() -> None:
    assert get_weather.description == "Get the current weather."
    fn = convert_to_openai_tool(get_weather)["function"]
    assert fn["description"] == "Get the current weather."
    props = fn["parameters"]["properties"]
    assert props["city"]["description"] == 'The city, e.g. "Paris".'
    assert props["unit"] == {
        "description": "Temperature unit.",
        "enum": ["C", "F"],
        "type": "string",
        "default": "C",
    }
    assert fn["parameters"]["required"] == ["city"]


def test_without_parse_docstring_args_still_describe_arguments() -> None:
    # A deliberate difference from LangChain (docs/migrating.md): the Args: block describes
    # the arguments without parse_docstring=True, and leaves the tool's description.
    @tool
    def f(x: int) -> int:
        """Do f.

        Args:
            x: the x
        """
        return x

    assert f.description == "Do f."
    assert f.args["x"]["description"] == "the x"


def test_parse_docstring_invalid_raises() -> None:
    def f(x: int) -> int:
        """No args section."""
        return x

    with pytest.raises(InvalidDocstringError, match="'Args:' section"):
        tool(parse_docstring=True)(f)
    # error_on_invalid_docstring=False tolerates it
    assert tool(f, parse_docstring=True, error_on_invalid_docstring=False).description == (
        "No args section."
    )


def test_missing_description_is_an_error() -> None:
    def undocumented(x: int) -> int:
        return x

    with pytest.raises(ValueError, match="no description"):
        tool(undocumented)
    assert tool(undocumented, description="Echo.").description == "Echo."


def test_annotated_argument_descriptions() -> None:
    @tool
    def f(x: Annotated[int, "The x value"], y: Annotated[str, Field(description="Why")]) -> str:
        """F."""
        return f"{x}{y}"

    assert f.args["x"]["description"] == "The x value"
    assert f.args["y"]["description"] == "Why"


def test_args_schema_override() -> None:
    class Args(BaseModel):
        """Adds numbers."""

        a: int = Field(description="first")
        b: int = 10

    @tool(args_schema=Args)
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    assert add.args_schema is Args
    assert add.tool_call_schema is Args
    assert add.invoke({"a": 1}) == 11  # the schema's default reaches the function
    assert convert_to_openai_tool(add)["function"]["parameters"]["properties"]["a"] == {
        "type": "integer",
        "description": "first",
    }


def test_dict_args_schema_is_passed_through_unvalidated() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    t = StructuredTool.from_function(
        lambda q: q.upper(), name="up", description="Up.", args_schema=schema
    )
    assert t.invoke({"q": "hi"}) == "HI"
    assert t.tool_call_schema == schema
    assert convert_to_openai_tool(t)["function"]["parameters"] == schema


def test_from_function_sync_and_coroutine() -> None:
    def f(x: int) -> str:
        """Sync."""
        return f"sync {x}"

    async def af(x: int) -> str:
        return f"async {x}"

    t = StructuredTool.from_function(f, coroutine=af)
    assert t.invoke({"x": 1}) == "sync 1"
    assert asyncio.run(t.ainvoke({"x": 1})) == "async 1"


def test_from_function_rejects_async_func_and_coroutine() -> None:
    async def af(x: int) -> str:
        """A."""
        return ""

    with pytest.raises(TypeError, match="pass it as coroutine"):
        StructuredTool.from_function(af, coroutine=af)
    with pytest.raises(TypeError, match="needs func"):
        StructuredTool.from_function()


def test_tool_is_a_runnable_in_a_chain() -> None:
    chain = RunnableLambda(lambda n: {"a": n, "b": n}) | multiply
    assert chain.invoke(5) == 25


# ---------------------------------------------------------------- input forms


def test_dict_input_returns_raw_result() -> None:
    assert multiply.invoke({"a": 6, "b": 7}) == 42
    assert multiply.invoke({"a": "6", "b": 7}) == 42  # lax coercion like LangChain


def test_string_input_for_single_arg_tool() -> None:
    assert asyncio.run(asearch.ainvoke("cats")) == ["cats-0", "cats-1"]
    assert get_weather.invoke("Paris") == "22°C in Paris"  # one required arg


def test_string_input_for_multi_arg_tool_is_an_error() -> None:
    with pytest.raises(InputTypeError, match=r"\['a', 'b'\].*bare string"):
        multiply.invoke("6")


def test_bad_input_type() -> None:
    with pytest.raises(InputTypeError, match="got int input"):
        multiply.invoke(3)  # type: ignore[arg-type]


def test_tool_call_input_returns_tool_message() -> None:
    msg = multiply.invoke(call("multiply", {"a": 6, "b": 7}, id="call_42"))
    assert isinstance(msg, ToolMessage)
    assert msg.content == "42"
    assert msg.tool_call_id == "call_42"
    assert msg.name == "multiply"
    assert msg.status == "success"


def test_tool_call_from_ai_message() -> None:
    ai = AIMessage(
        content="", tool_calls=[{"name": "multiply", "args": {"a": 2, "b": 3}, "id": "c1"}]
    )
    msg = multiply.invoke(ai.tool_calls[0])
    assert isinstance(msg, ToolMessage)
    assert (msg.content, msg.tool_call_id) == ("6", "c1")


def test_tool_call_without_id_returns_content() -> None:
    assert multiply.invoke(call("multiply", {"a": 2, "b": 2}, id=None)) == 4


def test_tool_call_with_non_dict_args() -> None:
    with pytest.raises(InputTypeError, match="'args' is str"):
        multiply.invoke({"type": "tool_call", "name": "multiply", "args": "{}", "id": "c"})


def test_structured_output_content_is_json() -> None:
    @tool
    def info(city: str) -> dict[str, Any]:
        """Info."""
        return {"city": city, "temp": 21}

    msg = info.invoke(call("info", {"city": "Zürich"}))
    assert msg.content == '{"city": "Zürich", "temp": 21}'


def test_nested_model_argument_arrives_as_model() -> None:
    # Its strict schema is checked in tests/schema/test_convert.py, beside the strict checker.
    assert locate.invoke({"where": {"city": "Lyon"}}) == "Lyon, FR"


def test_content_and_artifact() -> None:
    @tool(response_format="content_and_artifact")
    def fetch(n: int) -> tuple[str, list[int]]:
        """Fetch n numbers."""
        data = list(range(n))
        return f"fetched {n}", data

    msg = fetch.invoke(call("fetch", {"n": 3}))
    assert msg.content == "fetched 3"
    assert msg.artifact == [0, 1, 2]
    assert fetch.invoke({"n": 2}) == "fetched 2"  # without a tool call: the content only


def test_content_and_artifact_wrong_return() -> None:
    @tool(response_format="content_and_artifact")
    def bad(n: int) -> str:
        """Bad."""
        return "no tuple"

    with pytest.raises(ValueError, match=r"\(content, artifact\) pair"):
        bad.invoke({"n": 1})


def test_tool_returning_tool_message_is_passed_through() -> None:
    @tool
    def direct(x: int, call_id: Annotated[str, InjectedToolCallId]) -> ToolMessage:
        """Direct."""
        return ToolMessage(content=f"custom {x}", tool_call_id=call_id, artifact="a")

    msg = direct.invoke(call("direct", {"x": 1}, id="c7"))
    assert msg == ToolMessage(content="custom 1", tool_call_id="c7", artifact="a")


# ---------------------------------------------------------------- injected arguments


def test_injected_tool_call_id() -> None:
    @tool
    def ident(x: int, cid: Annotated[str, InjectedToolCallId]) -> str:
        """Return the call id."""
        return f"{x}-{cid}"

    assert ident.invoke(call("ident", {"x": 1}, id="c9")).content == "1-c9"
    params = convert_to_openai_tool(ident)["function"]["parameters"]
    assert list(params["properties"]) == ["x"]
    with pytest.raises(InputTypeError, match="InjectedToolCallId"):
        ident.invoke({"x": 1})


def test_injected_tool_arg_hidden_from_model() -> None:
    @tool
    def whoami(q: str, user_id: Annotated[str, InjectedToolArg]) -> str:
        """Answer for a user."""
        return f"{q} for {user_id}"

    assert list(convert_to_openai_tool(whoami)["function"]["parameters"]["properties"]) == ["q"]
    assert "user_id" in whoami.args
    assert whoami.invoke({"q": "hi", "user_id": "u1"}) == "hi for u1"


def test_config_parameter_receives_config_and_is_hidden() -> None:
    seen: list[Any] = []

    @tool
    def configured(x: int, config: RunnableConfig) -> int:
        """Read config."""
        seen.append(config.get("tags"))
        return x

    assert list(configured.args) == ["x"]
    assert configured.invoke({"x": 1}, {"tags": ["t1"]}) == 1
    assert seen == [["t1"]]


# ---------------------------------------------------------------- validation errors


def test_invalid_args_error_names_tool_args_and_schema() -> None:
    with pytest.raises(ToolInputError) as info:
        multiply.invoke({"a": "x"})
    err = info.value
    text = str(err)
    assert "tool 'multiply'" in text
    assert "{'a': 'x'}" in text
    assert "a: Input should be a valid integer" in text
    assert "b: missing" in text
    assert '"required": ["a", "b"]' in text
    assert err.tool_name == "multiply"
    assert err.tool_input == {"a": "x"}
    assert err.schema["required"] == ["a", "b"]
    assert isinstance(err, ValueError)
    assert err.__cause__ is not None


def test_handle_validation_error_variants() -> None:
    def f(a: int) -> int:
        """F."""
        return a

    as_true = tool(f, handle_validation_error=True)
    msg = as_true.invoke(call("f", {"a": "zz"}))
    assert msg.status == "error"
    assert "valid integer" in msg.content
    assert tool(f, handle_validation_error="bad args").invoke({"a": "zz"}) == "bad args"
    custom = tool(f, handle_validation_error=lambda e: f"fix {e.tool_input}")
    assert custom.invoke({"a": "zz"}) == "fix {'a': 'zz'}"


def test_strict_mode_nulls_fall_back_to_defaults() -> None:
    # Strict schemas make optional args nullable; the model then sends null for "not given".
    assert get_weather.invoke({"city": "Rome", "unit": None}) == "22°C in Rome"

    @tool
    def opt(x: int | None = 5) -> str:
        """Opt."""
        return repr(x)

    assert opt.invoke({"x": None}) == "None"  # None is a real value here


# ---------------------------------------------------------------- tool errors


def _failing(kind: type[Exception]) -> Any:
    def fail(x: int) -> int:
        """Always fails."""
        raise kind(f"boom {x}")

    return fail


def test_tool_exception_propagates_by_default() -> None:
    t = tool(_failing(ToolException))
    with pytest.raises(ToolException, match="boom 1") as info:
        t.invoke(call("fail", {"x": 1}))
    assert "raised by tool 'fail'" in "".join(getattr(info.value, "__notes__", []))


def test_handle_tool_error_true_gives_error_tool_message() -> None:
    t = tool(_failing(ToolException), handle_tool_error=True)
    msg = t.invoke(call("fail", {"x": 1}, id="c3"))
    assert isinstance(msg, ToolMessage)
    assert (msg.content, msg.status, msg.tool_call_id, msg.name) == (
        "boom 1",
        "error",
        "c3",
        "fail",
    )
    assert t.invoke({"x": 2}) == "boom 2"


def test_handle_tool_error_str_and_callable() -> None:
    t = tool(_failing(ToolException), handle_tool_error="try again")
    assert t.invoke(call("fail", {"x": 1})).content == "try again"
    t2 = tool(_failing(ToolException), handle_tool_error=lambda e: f"handled: {e}")
    assert t2.invoke(call("fail", {"x": 1})).content == "handled: boom 1"


def test_other_errors_propagate_even_when_handling_tool_errors() -> None:
    t = tool(_failing(KeyError), handle_tool_error=True)
    with pytest.raises(KeyError):
        t.invoke(call("fail", {"x": 1}))


def test_handle_any_error_when_asked() -> None:
    t = tool(_failing(KeyError), handle_tool_error=(Exception,))
    msg = t.invoke(call("fail", {"x": 1}))
    assert msg.status == "error"
    assert msg.content == "Error: KeyError: 'boom 1'"
    t2 = tool(_failing(ZeroDivisionError), handle_tool_error=KeyError)
    with pytest.raises(ZeroDivisionError):
        t2.invoke({"x": 1})


async def test_async_tool_error_handling() -> None:
    @tool(handle_tool_error=True)
    async def afail(x: int) -> int:
        """Fails."""
        raise ToolException("async boom")

    msg = await afail.ainvoke(call("afail", {"x": 1}))
    assert (msg.content, msg.status) == ("async boom", "error")


# ---------------------------------------------------------------- sync / async


async def test_async_tool_native() -> None:
    assert await asearch.ainvoke({"query": "q", "limit": 1}) == ["q-0"]
    msg = await asearch.ainvoke(call("asearch", {"query": "q"}))
    assert msg.content == '["q-0", "q-1"]'


def test_async_only_tool_invoked_sync_is_a_clear_error() -> None:
    with pytest.raises(NotImplementedInvokeError, match=r"async-only.*ainvoke"):
        asearch.invoke({"query": "q"})


async def test_sync_tool_awaited_runs_in_worker_thread() -> None:
    threads: list[int] = []

    @tool
    def where(x: int) -> int:
        """Where."""
        threads.append(threading.get_ident())
        return x

    assert await where.ainvoke({"x": 3}) == 3
    assert threads
    assert threads[0] != threading.get_ident()


async def test_abatch_of_tool_calls() -> None:
    msgs = await multiply.abatch([call("multiply", {"a": i, "b": i}, id=f"c{i}") for i in range(3)])
    assert [(m.content, m.tool_call_id) for m in msgs] == [("0", "c0"), ("1", "c1"), ("4", "c2")]


def test_stream_yields_result() -> None:
    assert list(multiply.stream({"a": 2, "b": 5})) == [10]


def test_listeners_see_a_tool_run() -> None:
    runs: list[Run] = []

    class Rec(Listener):
        def on_end(self, run: Run) -> None:
            runs.append(run)

    multiply.invoke({"a": 1, "b": 2}, {"callbacks": [Rec()]})
    assert [(r.name, r.run_type, r.outputs) for r in runs] == [("multiply", "tool", 2)]


# ---------------------------------------------------------------- BaseTool subclasses


class AddInput(BaseModel):
    a: int
    b: int = 1


class Adder(BaseTool):
    name: str = "adder"
    description: str = "Add two integers."
    args_schema = AddInput

    def _run(self, a: int, b: int) -> int:
        return a + b


class Echo(BaseTool):
    name: str = "echo"
    description: str = "Echo text."

    def _run(self, text: str, times: int = 1) -> str:
        return text * times

    async def _arun(self, text: str, times: int = 1) -> str:
        return f"async {text * times}"


def test_subclass_with_args_schema() -> None:
    adder = Adder()
    assert adder.invoke({"a": 2}) == 3
    assert adder.invoke(call("adder", {"a": 2, "b": 5})).content == "7"
    assert convert_to_openai_tool(adder)["function"]["name"] == "adder"


def test_subclass_schema_inferred_from_run() -> None:
    echo = Echo()
    assert list(echo.args) == ["text", "times"]
    assert echo.invoke("hi") == "hi"
    assert asyncio.run(echo.ainvoke({"text": "a", "times": 2})) == "async aa"


def test_subclass_overrides_via_init() -> None:
    echo = Echo(name="shout", return_direct=True)
    assert (echo.name, echo.return_direct, echo.description) == ("shout", True, "Echo text.")
    assert Echo().name == "echo"


def test_subclass_without_name() -> None:
    class Nameless(BaseTool):
        description = "x"

        def _run(self) -> None:
            return None

    with pytest.raises(TypeError, match="has no name"):
        Nameless()


def test_subclass_without_run() -> None:
    class Lazy(BaseTool):
        name: str = "lazy"
        args_schema = AddInput

    with pytest.raises(NotImplementedInvokeError, match="does not implement _run"):
        Lazy().invoke({"a": 1})


def test_tool_repr_and_legacy_run() -> None:
    assert repr(multiply) == "StructuredTool(name='multiply', description='Multiply two integers.')"
    assert multiply.run({"a": 3, "b": 3}) == 9


# ---------------------------------------------------------------- Tool (single string input)


def test_simple_tool() -> None:
    from pipes._tools import Tool, render_text_description, render_text_description_and_args

    search = Tool(name="search", func=lambda q: f"results for {q}", description="Search.")
    assert search.invoke("cats") == "results for cats"
    assert search.invoke({"__arg1": "dogs"}) == "results for dogs"
    msg = search.invoke(call("search", {"__arg1": "owls"}))
    assert (msg.content, msg.tool_call_id) == ("results for owls", "call_1")
    fn = convert_to_openai_tool(search)["function"]
    assert fn["parameters"] == {
        "type": "object",
        "properties": {"__arg1": {"type": "string"}},
        "required": ["__arg1"],
    }
    with pytest.raises(ToolInputError, match="single string input"):
        search.invoke({"a": 1, "b": 2})
    assert render_text_description([search, multiply]) == (
        "search: Search.\nmultiply: Multiply two integers."
    )
    assert "args: {'a'" in render_text_description_and_args([multiply])


async def test_simple_tool_async() -> None:
    from pipes._tools import Tool

    async def afind(q: str) -> str:
        return f"async {q}"

    t = Tool.from_function(None, "find", "Find.", coroutine=afind)
    assert await t.ainvoke("x") == "async x"
    with pytest.raises(NotImplementedInvokeError, match="async-only"):
        t.invoke("x")
    sync_only = Tool("s", str.upper, "Upper.")
    assert await sync_only.ainvoke("x") == "X"


def test_parse_docstring_may_document_hidden_parameters() -> None:
    @tool(parse_docstring=True)
    def configured(x: int, config: RunnableConfig, **extra: Any) -> int:
        """Use config.

        Args:
            x: The x.
            config: The run's config (hidden from the model).
            extra: Anything else.
        """
        return x

    assert list(configured.args) == ["x"]
    assert configured.args["x"]["description"] == "The x."


def test_argument_names_shadowing_basemodel_methods(recwarn: pytest.WarningsRecorder) -> None:
    @tool
    def f(json: str, schema: int, copy: bool = False) -> str:
        """F."""
        return f"{json}{schema}{copy}"

    assert f.invoke({"json": "a", "schema": 1}) == "a1False"
    assert not [w for w in recwarn if "shadows" in str(w.message)]


def test_underscore_argument_is_a_clear_error() -> None:
    from pipes._schema import SchemaConversionError

    def f(_hidden: int) -> int:
        """F."""
        return _hidden

    with pytest.raises(SchemaConversionError, match="argument schema for function 'f'"):
        tool(f)


async def test_positional_only_parameters() -> None:
    def f(a: int, /, b: int = 2) -> int:
        """F."""
        return a * 10 + b

    async def af(a: int, /, b: int = 2) -> int:
        return a * 100 + b

    t = StructuredTool.from_function(f, coroutine=af)
    assert t.invoke({"a": 1, "b": 3}) == 13
    assert t.invoke({"a": 1}) == 12
    assert await t.ainvoke({"a": 1}) == 102


def test_tool_call_without_type_key() -> None:
    msg = multiply.invoke({"name": "multiply", "args": {"a": 2, "b": 4}, "id": "c5"})
    assert isinstance(msg, ToolMessage)
    assert msg.content == "8"

    @tool
    def named(name: str, args: str, id: str) -> str:
        """Its own arguments are called name/args/id."""
        return f"{name}{args}{id}"

    assert named.invoke({"name": "n", "args": "a", "id": "i"}) == "nai"


def test_changing_args_schema_refreshes_schemas() -> None:
    class A(BaseModel):
        x: int

    class B(BaseModel):
        y: str

    t = StructuredTool.from_function(lambda **kw: kw, name="t", description="T.", args_schema=A)
    assert list(t.args) == ["x"]
    t.args_schema = B
    assert list(t.args) == ["y"]
    assert t.invoke({"y": "v"}) == {"y": "v"}


def test_invalid_args_error_mentions_ignored_unknown_keys() -> None:
    with pytest.raises(ToolInputError, match=r"ignored, not arguments of this tool: \['c'\]"):
        multiply.invoke({"a": 1, "c": 2})


def test_tool_input_error_exposes_pydantic_errors() -> None:
    with pytest.raises(ToolInputError) as info:
        multiply.invoke({"a": "x", "b": 1})
    assert [e["loc"] for e in info.value.errors()] == [("a",)]

    def handler(error: ToolException) -> str:  # typed like LangChain handlers
        return f"handled {error}"

    t = tool(_failing(ToolException), handle_tool_error=handler)
    assert t.invoke({"x": 1}) == "handled boom 1"
