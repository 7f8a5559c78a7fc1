"""The generic ``with_structured_output`` of :class:`BaseChatModel`.

``method="function_calling"`` forces a tool call through the provider's ``bind_tools`` and
reads its arguments; ``"json_mode"`` / ``"json_schema"`` bind an OpenAI-style
``response_format`` and parse the reply text as JSON. A pydantic schema yields validated
instances; any other schema (JSON-schema dict, TypedDict, function, tool) yields dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pipes._core import Runnable, RunnableConfig
from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import AIMessage
from pipes._tools import convert_to_openai_tool
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json
from typing_extensions import TypedDict

from ._base import LanguageModelInput

if TYPE_CHECKING:
    from ._base import BaseChatModel

__all__ = ["StructuredOutputWithRaw", "build_structured_output"]

T = TypeVar("T")

_METHODS = ("function_calling", "json_mode", "json_schema")


class StructuredOutputWithRaw(TypedDict, Generic[T]):
    """What ``with_structured_output(..., include_raw=True)`` returns.

    ``raw`` is the model's message; ``parsed`` the structured value, or ``None`` when parsing
    failed, in which case ``parsing_error`` holds the exception.
    """

    raw: AIMessage
    parsed: T | None
    parsing_error: BaseException | None


class _StructuredParser(Runnable[AIMessage, Any]):
    """Turns the model's message into the structured value (a tool call or JSON text)."""

    def __init__(self, *, tool_name: str | None, pydantic_model: type[BaseModel] | None) -> None:
        self.tool_name = tool_name
        self.pydantic_model = pydantic_model
        self.name = "StructuredOutputParser"

    def _validate(self, data: Any, raw_text: str) -> Any:
        if self.pydantic_model is None:
            if not isinstance(data, dict):
                raise OutputParserException(
                    f"expected a JSON object for the structured output, got "
                    f"{type(data).__name__}: {data!r}",
                    llm_output=raw_text,
                )
            return data
        try:
            return self.pydantic_model.model_validate(data)
        except ValidationError as exc:
            raise OutputParserException(
                f"the model's structured output does not match {self.pydantic_model.__name__}: "
                f"{exc}",
                llm_output=raw_text,
            ) from exc

    def invoke(self, input: AIMessage, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if not isinstance(input, AIMessage):
            raise InputTypeError(
                f"the structured-output parser expected the model's AIMessage, got "
                f"{type(input).__name__}"
            )
        if self.tool_name is not None:
            return self._from_tool_call(input)
        return self._from_text(input)

    def _from_tool_call(self, message: AIMessage) -> Any:
        calls = message.tool_calls
        chosen = next((c for c in calls if c["name"] == self.tool_name), None)
        if chosen is None and calls:
            chosen = calls[0]  # a provider that renames tools still answered with one call
        if chosen is None:
            bad = [c for c in message.invalid_tool_calls if c.get("name") == self.tool_name]
            if bad:
                raise OutputParserException(
                    f"the model called {self.tool_name!r} with arguments that are not valid "
                    f"JSON: {bad[0].get('error')}",
                    llm_output=bad[0].get("args") or "",
                )
            raise OutputParserException(
                f"expected the model to call the tool {self.tool_name!r} (structured output "
                f"via function calling), but its reply has no tool call; reply text: "
                f"{message.text[:200]!r}",
                llm_output=message.text,
            )
        return self._validate(chosen["args"], repr(chosen["args"]))

    def _from_text(self, message: AIMessage) -> Any:
        refusal = message.additional_kwargs.get("refusal")
        if refusal:
            raise OutputParserException(
                f"the model refused to produce the structured output: {refusal}",
                llm_output=str(refusal),
            )
        text = message.text
        body = _strip_fences(text)
        try:
            data = from_json(body)
        except ValueError as exc:
            raise OutputParserException(
                f"expected the model to reply with JSON (structured output), but the reply does "
                f"not parse: {exc}; reply text: {text[:200]!r}",
                llm_output=text,
            ) from exc
        return self._validate(data, text)


_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def _strip_fences(text: str) -> str:
    match = _FENCE.match(text)
    return match.group(1) if match else text.strip()


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


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def build_structured_output(
    model: BaseChatModel,
    schema: Any,
    *,
    method: str,
    include_raw: bool,
    strict: bool | None,
    kwargs: Mapping[str, Any],
) -> Runnable[LanguageModelInput, Any]:
    """The generic implementation behind ``BaseChatModel.with_structured_output``."""
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
        parser = _StructuredParser(tool_name=name, pydantic_model=pydantic_model)
    elif method == "json_mode":
        bound = model.bind(response_format={"type": "json_object"})
        parser = _StructuredParser(tool_name=None, pydantic_model=pydantic_model)
    else:
        json_schema: dict[str, Any] = {"name": name, "schema": function.get("parameters", {})}
        if function.get("description"):
            json_schema["description"] = function["description"]
        if strict is not None:
            json_schema["strict"] = strict
        bound = model.bind(response_format={"type": "json_schema", "json_schema": json_schema})
        parser = _StructuredParser(tool_name=None, pydantic_model=pydantic_model)
    if include_raw:
        return _WithRaw(bound, parser)
    return bound | parser
