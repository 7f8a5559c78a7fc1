"""The generic `with_structured_output` of [`BaseChatModel`][pipes.BaseChatModel].

`method="function_calling"` forces a tool call through the provider's `bind_tools` and
reads its arguments; `"json_mode"` / `"json_schema"` bind an OpenAI-style
`response_format` and parse the reply text as JSON. A pydantic schema yields validated
instances; any other schema (JSON-schema dict, TypedDict, function, tool) yields dicts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

from pydantic import BaseModel

from pipes._core import Runnable, RunnableConfig
from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import AIMessage, AIMessageChunk
from pipes._parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from pipes._schema import ToolLike, convert_to_openai_tool

from ._input import LanguageModelInput
from ._with_raw import StructuredOutputWithRaw

__all__ = ["StructuredOutputWithRaw", "build_structured_output"]

T = TypeVar("T")

_METHODS = ("function_calling", "json_mode", "json_schema")


class ToolBinder(Protocol):
    """What structured output needs of a chat model: binding tools, or call arguments."""

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]: ...

    def bind(self, **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]: ...


class _StructuredParser(Runnable[AIMessage, Any]):
    """Turns the model's message into the structured value (from a tool call or JSON text).

    The parsing itself (streamed partial values, validation, strict-mode `null` defaults)
    is done by the `inner` output parser; this wrapper turns "nothing to parse" — LangChain
    parsers return `None` there — into an [`OutputParserException`][pipes.OutputParserException]
    saying what the model answered instead, so the output really is of the declared type.
    """

    def __init__(self, inner: Runnable[Any, Any], *, tool_name: str | None) -> None:
        self.inner = inner
        self.tool_name = tool_name
        self.name = "StructuredOutputParser"

    def _missing(self, message: AIMessage) -> OutputParserException:
        if self.tool_name is None:
            return OutputParserException(
                f"expected the model to reply with JSON (structured output), but the reply is "
                f"empty; reply: {message!r}"[:400],
                llm_output=message.text,
            )
        called = [c["name"] for c in message.tool_calls]
        what = f"it called {called}" if called else "its reply has no tool call"
        return OutputParserException(
            f"expected the model to call the tool {self.tool_name!r} (structured output via "
            f"function calling), but {what}; reply text: {message.text[:200]!r}",
            llm_output=message.text,
        )

    def _check(self, message: Any) -> AIMessage:
        if not isinstance(message, AIMessage):
            raise InputTypeError(
                f"the structured-output parser expected the model's AIMessage, got "
                f"{type(message).__name__}"
            )
        refusal = message.additional_kwargs.get("refusal")
        if refusal:
            raise OutputParserException(
                f"the model refused to produce the structured output: {refusal}",
                llm_output=str(refusal),
            )
        return message

    def invoke(self, input: AIMessage, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        message = self._check(input)
        result = self.inner.invoke(message, config)
        if result is None:
            raise self._missing(message)
        return result

    async def ainvoke(
        self, input: AIMessage, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return self.invoke(input, config)  # CPU only: no thread hop

    def transform(
        self, input: Iterator[AIMessage], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        seen: list[AIMessage] = []

        def tap() -> Iterator[AIMessage]:
            for chunk in input:
                seen.append(self._check(chunk))
                yield chunk

        produced = False
        for value in self.inner.transform(tap(), config):
            if value is not None:  # a partial with nothing in it yet
                produced = True
                yield value
        if not produced and seen:
            raise self._missing(_merge(seen))

    async def atransform(
        self, input: AsyncIterator[AIMessage], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        seen: list[AIMessage] = []

        async def tap() -> AsyncIterator[AIMessage]:
            async for chunk in input:
                seen.append(self._check(chunk))
                yield chunk

        produced = False
        async for value in self.inner.atransform(tap(), config):
            if value is not None:
                produced = True
                yield value
        if not produced and seen:
            raise self._missing(_merge(seen))


def _merge(messages: list[AIMessage]) -> AIMessage:
    if len(messages) > 1 and all(isinstance(m, AIMessageChunk) for m in messages):
        chunks = cast("list[AIMessageChunk]", messages)
        return AIMessageChunk.merge_chunks(chunks).to_message()
    return messages[-1]


class _WithRaw(Runnable[LanguageModelInput, StructuredOutputWithRaw[Any]]):
    """Runs the model, then the parser; a parsing failure is returned, not raised."""

    def __init__(self, model: Runnable[Any, AIMessage], parser: _StructuredParser) -> None:
        self.model = model
        self.parser = parser
        self.name = "StructuredOutputWithRaw"

    def _parse(self, raw: AIMessage) -> StructuredOutputWithRaw[Any]:
        try:
            parsed = self.parser.invoke(raw)
        except Exception as exc:  # LangChain returns any parser failure in parsing_error
            return {"raw": raw, "parsed": None, "parsing_error": exc}
        return {"raw": raw, "parsed": parsed, "parsing_error": None}

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> StructuredOutputWithRaw[Any]:
        return self._parse(self.model.invoke(input, config, **kwargs))

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> StructuredOutputWithRaw[Any]:
        return self._parse(await self.model.ainvoke(input, config, **kwargs))


def _json_parser(pydantic_model: type[BaseModel] | None) -> Runnable[Any, Any]:
    if pydantic_model is not None:
        return PydanticOutputParser(pydantic_object=pydantic_model)
    return JsonOutputParser()


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def build_structured_output(
    model: ToolBinder,
    schema: Any,
    *,
    method: str,
    include_raw: bool,
    strict: bool | None,
    kwargs: Mapping[str, Any],
) -> Runnable[LanguageModelInput, Any]:
    """The generic implementation behind `BaseChatModel.with_structured_output`."""
    if kwargs:
        raise TypeError(
            f"with_structured_output() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, kwargs))}; it accepts schema, method, include_raw and strict"
        )
    if method not in _METHODS:
        raise ValueError(
            f"with_structured_output(method={method!r}) is not supported; expected one of "
            f"{', '.join(map(repr, _METHODS))}"
        )
    if schema is None:
        raise ValueError(
            "with_structured_output() needs a schema: a pydantic model class, a JSON-schema "
            "dict, a TypedDict class, a function or a tool"
        )
    tool = convert_to_openai_tool(schema, strict=strict)
    function: dict[str, Any] = tool["function"]
    name: str = function["name"]
    pydantic_model = cast("type[BaseModel]", schema) if _is_pydantic(schema) else None
    bound: Runnable[LanguageModelInput, AIMessage]
    if method == "function_calling":
        extra: dict[str, Any] = {} if strict is None else {"strict": strict}
        bound = model.bind_tools([schema], tool_choice=name, **extra)
        inner: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[pydantic_model], first_tool_only=True)
            if pydantic_model is not None
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
        parser = _StructuredParser(inner, tool_name=name)
    elif method == "json_mode":
        bound = model.bind(response_format={"type": "json_object"})
        parser = _StructuredParser(_json_parser(pydantic_model), tool_name=None)
    else:
        json_schema: dict[str, Any] = {"name": name, "schema": function.get("parameters", {})}
        if function.get("description"):
            json_schema["description"] = function["description"]
        if strict is not None:
            json_schema["strict"] = strict
        bound = model.bind(response_format={"type": "json_schema", "json_schema": json_schema})
        parser = _StructuredParser(_json_parser(pydantic_model), tool_name=None)
    if include_raw:
        return _WithRaw(bound, parser)
    return bound | parser
