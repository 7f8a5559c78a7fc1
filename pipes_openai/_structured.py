"""`with_structured_output` for OpenAI: json_schema (default), function calling, JSON mode.

Unlike the generic version in pipes, a refusal (`message.refusal`, OpenAI Structured
Outputs) raises [`RefusalError`][pipes_openai.RefusalError], on `invoke` and on `stream` alike
(the parser is the last step of the chain, so a streamed reply is folded and checked too):

```python
class Joke(BaseModel):
    setup: str
    punchline: str

llm.with_structured_output(Joke).invoke("Tell me a joke")            # Joke(...)
llm.with_structured_output(Joke, include_raw=True).invoke("...")     # {"raw", "parsed", ...}
```
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from pipes import StrictSchemaError, convert_to_openai_tool
from pipes_openai._errors import RefusalError
from pipes_openai._pipes import (
    AIMessage,
    AIMessageChunk,
    LanguageModelInput,
    OutputParserException,
    Runnable,
    RunnableConfig,
    StructuredOutputWithRaw,
)
from pipes_openai._request import json_schema_format

if TYPE_CHECKING:
    from pipes_openai._base import BaseChatOpenAI

__all__ = ["StructuredOutputParser", "build_structured_output"]

_METHODS = ("function_calling", "json_mode", "json_schema")
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


class StructuredOutputParser(Runnable[AIMessage, Any]):
    """Reads the structured value from a reply: a tool call's arguments or JSON text.

    Raises [`RefusalError`][pipes_openai.RefusalError] for a refusal, `OutputParserException` for
    output that does not parse or validate.
    """

    def __init__(
        self, *, tool_name: str | None, pydantic_model: type[BaseModel] | None, provider: str
    ) -> None:
        self.tool_name = tool_name
        self.pydantic_model = pydantic_model
        self.provider = provider
        self.name = "StructuredOutputParser"

    def invoke(self, input: AIMessage, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        message = input.to_message() if isinstance(input, AIMessageChunk) else input
        if not isinstance(message, AIMessage):
            raise OutputParserException(
                f"The structured-output parser expected the model's AIMessage, got "
                f"{type(input).__name__}."
            )
        refusal = message.additional_kwargs.get("refusal")
        if refusal:
            raise RefusalError(
                f"The model refused to produce the structured output: {refusal!r}. Rephrase the "
                "request; the refusal text is in .refusal.",
                refusal=str(refusal),
                request_id=None,
            )
        if self.tool_name is not None:
            return self._from_tool_call(message)
        return self._from_text(message)

    def _validate(self, data: Any, raw_text: str) -> Any:
        if self.pydantic_model is None:
            if not isinstance(data, dict):
                raise OutputParserException(
                    f"Expected a JSON object for the structured output, got "
                    f"{type(data).__name__}: {data!r:.200}",
                    llm_output=raw_text,
                )
            return data
        try:
            return self.pydantic_model.model_validate(data)
        except ValidationError as exc:
            raise OutputParserException(
                f"The model's structured output does not match "
                f"{self.pydantic_model.__name__}: {exc}",
                llm_output=raw_text,
            ) from exc

    def _from_tool_call(self, message: AIMessage) -> Any:
        calls = message.tool_calls
        chosen = next((c for c in calls if c["name"] == self.tool_name), None)
        if chosen is None:
            bad = [c for c in message.invalid_tool_calls if c.get("name") == self.tool_name]
            if bad:
                raise OutputParserException(
                    f"The model called {self.tool_name!r} with arguments that are not valid "
                    f"JSON: {bad[0].get('error')}",
                    llm_output=bad[0].get("args") or "",
                )
            if calls:  # a server that renamed the tool still answered with one call
                chosen = calls[0]
            else:
                raise OutputParserException(
                    f"Expected the model to call {self.tool_name!r} (structured output via "
                    f"function calling), but the reply has no tool call; reply text: "
                    f"{message.text[:200]!r}. The server may ignore tool_choice: try "
                    "method='json_schema' or 'json_mode'.",
                    llm_output=message.text,
                )
        return self._validate(chosen["args"], repr(chosen["args"]))

    def _from_text(self, message: AIMessage) -> Any:
        text = message.text
        match = _FENCE.match(text)
        body = match.group(1) if match else text.strip()
        try:
            data = from_json(body)
        except ValueError as exc:
            finish = message.response_metadata.get("finish_reason")
            hint = " The reply was cut by max_tokens." if finish == "length" else ""
            raise OutputParserException(
                f"Expected the model to reply with JSON (structured output), but the reply does "
                f"not parse: {exc}.{hint} Reply text: {text[:200]!r}",
                llm_output=text,
            ) from exc
        return self._validate(data, text)


class _WithRaw(Runnable[LanguageModelInput, StructuredOutputWithRaw[Any]]):
    """Runs the model then the parser; a parsing failure (refusal included) is returned."""

    def __init__(self, model: Runnable[Any, AIMessage], parser: StructuredOutputParser) -> None:
        self.model = model
        self.parser = parser
        self.name = "StructuredOutputWithRaw"

    def _parse(self, raw: AIMessage) -> StructuredOutputWithRaw[Any]:
        try:
            parsed = self.parser.invoke(raw)
        except (OutputParserException, RefusalError) as exc:
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
    model: BaseChatOpenAI,
    schema: Any,
    *,
    method: str,
    include_raw: bool,
    strict: bool | None,
    kwargs: dict[str, Any],
) -> Runnable[LanguageModelInput, Any]:
    """The implementation behind `ChatOpenAI.with_structured_output`."""
    if kwargs:
        raise TypeError(
            f"with_structured_output() got unexpected keyword argument(s) "
            f"{', '.join(map(repr, kwargs))}; it accepts schema, method, include_raw and strict."
        )
    if method not in _METHODS:
        raise ValueError(
            f"with_structured_output(method={method!r}) is not supported; expected one of "
            f"{', '.join(map(repr, _METHODS))}."
        )
    if schema is None:
        raise ValueError(
            "with_structured_output() needs a schema: a pydantic model class, a JSON-schema "
            "dict, a TypedDict class, a function or a tool."
        )
    pydantic_model = schema if _is_pydantic(schema) else None
    bound: Runnable[LanguageModelInput, AIMessage]
    tool_name: str | None = None
    if method == "function_calling":
        tool = convert_to_openai_tool(schema, strict=strict)
        tool_name = tool["function"]["name"]
        bound = model.bind_tools(
            [tool], tool_choice=tool_name, strict=strict, parallel_tool_calls=False
        )
    elif method == "json_mode":
        bound = model.bind(response_format={"type": "json_object"})
    else:
        # As in langchain-openai 0.3: pydantic schemas are strict by default (a schema strict
        # mode cannot express falls back to non-strict), dict / TypedDict schemas are not.
        use_strict = (pydantic_model is not None) if strict is None else strict
        try:
            tool = convert_to_openai_tool(schema, strict=use_strict)
        except StrictSchemaError:
            if strict:
                raise
            use_strict = False
            tool = convert_to_openai_tool(schema, strict=False)
        bound = model.bind(response_format=json_schema_format(tool, strict=use_strict))
    parser = StructuredOutputParser(
        tool_name=tool_name, pydantic_model=pydantic_model, provider=model.provider_name
    )
    if include_raw:
        return _WithRaw(bound, parser)
    return bound | parser
