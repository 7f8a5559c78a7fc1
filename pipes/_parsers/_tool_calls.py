"""Parsers reading `AIMessage.tool_calls`: JSON dicts, one tool's args, or pydantic models.

They stream too: while a model streams a tool call, they yield the arguments parsed so far:

```python
chain = model.bind_tools([Multiply]) | PydanticToolsParser(tools=[Multiply])
chain.invoke("What is 3 * 12?")  # [Multiply(a=3, b=12)]
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar, overload

import pydantic
from pydantic import BaseModel

from pipes._errors import InputTypeError, OutputParserException
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    tool_call,
    tool_call_chunk,
)
from pipes._messages._merge import ToolCallRouter, ToolCallSlot
from pipes._parsers._base import ParserInput
from pipes._parsers._fold import SKIP as _NOTHING
from pipes._parsers._fold import ChangeFold, FoldingOutputParser
from pipes._parsers._json_text import PartialJsonStream
from pipes._schema._convert import convert_to_openai_function
from pipes._schema._errors import format_validation_error
from pipes._schema._rewrite import drop_null_defaults

__all__ = ["JsonOutputKeyToolsParser", "JsonOutputToolsParser", "PydanticToolsParser"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def _message_of(input: Any, parser: str) -> AIMessage:
    if isinstance(input, AIMessage):
        return input
    if isinstance(input, str):
        raise OutputParserException(
            f"{parser} reads tool calls, so it needs the AIMessage a chat model returns, not "
            f"text. Put it right after a model with tools bound: "
            f"`model.bind_tools([...]) | {parser}(...)`.",
            llm_output=input,
        )
    raise InputTypeError(
        f"{parser} got {type(input).__name__}: expected the AIMessage of a chat model called "
        "with tools (model.bind_tools([...]))"
    )


class _Slot(ToolCallSlot):
    """One tool call being streamed: name, id, and its arguments parsed incrementally."""

    __slots__ = ("args", "named", "stream")

    def __init__(self, name: str | None, call_id: str | None, index: int | None) -> None:
        super().__init__(name, call_id, index)
        self.stream = PartialJsonStream()
        self.args: dict[str, Any] = {}
        self.named = False  # whether partial output shows the call (it has a name) yet


class _ToolCallStream:
    """Folds streamed tool-call chunks like message merging does, but parses arguments
    incrementally, so a long argument stream costs linear time (`acc + chunk` re-parses
    every call's whole arguments on each chunk)."""

    def __init__(self) -> None:
        # The same grouping rules as message merging: one ToolCallRouter.
        self._router = ToolCallRouter(_Slot)
        self.slots = self._router.slots

    def add(self, chunks: Sequence[ToolCallChunk]) -> bool:
        """Fold one message chunk's tool-call chunks; `True` when a partial call changed."""
        changed = False
        for chunk in chunks:
            slot = self._router.route(chunk)
            if slot is None:
                continue
            if slot.name and not slot.named:
                slot.named = changed = True  # a name arrived: the call appears
            args = chunk.get("args")
            if args:
                grew, value = slot.stream.feed(args)
                if grew and isinstance(value, dict):
                    slot.args = value
                    changed = True
        return changed

    def partial_calls(self) -> list[ToolCall]:
        # A call whose name has not arrived yet is not shown.
        return [
            tool_call(name=slot.name, args=slot.args, id=slot.id)
            for slot in self.slots
            if slot.name
        ]

    def final_message(self) -> AIMessage:
        """The complete message: arguments parsed strictly (broken ones become invalid)."""
        chunks = [
            tool_call_chunk(name=slot.name, args=slot.stream.text or None, id=slot.id, index=i)
            for i, slot in enumerate(self.slots)
        ]
        return AIMessageChunk(content="", tool_call_chunks=chunks).to_message()


class _ToolCallsParser(FoldingOutputParser[T]):
    """Shared machinery of the tool-call parsers: selection, errors, incremental streaming."""

    def __init__(
        self, *, strict: bool = False, return_id: bool = False, first_tool_only: bool = False
    ) -> None:
        self.strict = strict  # accepted for LangChain compatibility; parsing is always JSON
        self.return_id = return_id
        self.first_tool_only = first_tool_only

    # -- parsing --------------------------------------------------------------------------

    def _convert(self, calls: Sequence[ToolCall], *, partial: bool) -> list[Any]:
        out: list[Any] = []
        for call in calls:
            entry: dict[str, Any] = {"type": call["name"], "args": call["args"]}
            if self.return_id:
                entry["id"] = call.get("id")
            out.append(entry)
        return out

    def _select(self, results: list[Any]) -> Any:
        if self.first_tool_only:
            return results[0] if results else None
        return results

    def _check_invalid(self, invalid: Sequence[InvalidToolCall]) -> None:
        if invalid:
            bad = invalid[0]
            raw = bad.get("args") or ""
            raise OutputParserException(
                f"{type(self).__name__}: the model's call to tool {bad.get('name')!r} "
                f"(id {bad.get('id')!r}) has invalid arguments: {bad.get('error')}. "
                f"Raw arguments: {raw[:200]!r}",
                llm_output=raw,
            )

    def parse_message(self, message: ParserInput) -> Any:
        msg = _message_of(message, type(self).__name__)
        if isinstance(msg, AIMessageChunk):
            msg = msg.to_message()
        self._check_invalid(msg.invalid_tool_calls)
        return self._select(self._convert(msg.tool_calls, partial=False))

    def parse(self, text: str) -> Any:
        return self.parse_message(text)

    # -- streaming ------------------------------------------------------------------------

    def _step(self, calls: _ToolCallStream, chunk: Any) -> Any:
        """Fold one chunk; the new partial output, or _NOTHING when nothing changed."""
        if isinstance(chunk, AIMessageChunk):
            if not chunk.tool_call_chunks or not calls.add(chunk.tool_call_chunks):
                return _NOTHING  # text-only chunk, or nothing visible changed
            return self._select(self._convert(calls.partial_calls(), partial=True))
        return self.parse_message(chunk)  # a complete message (or an error)

    def _final(self, calls: _ToolCallStream) -> Any:
        # Strict parse of the whole stream: broken arguments raise here.
        return self.parse_message(calls.final_message())

    def _fold(self) -> ChangeFold[Any]:
        calls = _ToolCallStream()
        complete: Any = _NOTHING  # the output of a complete message, if one came

        def value(chunk: ParserInput) -> Any:
            nonlocal complete
            value = self._step(calls, chunk)
            if not isinstance(chunk, AIMessageChunk):
                complete = value
            return value

        def final() -> Any:
            return complete if complete is not _NOTHING else self._final(calls)

        return ChangeFold(value, final)


class JsonOutputToolsParser(_ToolCallsParser[Any]):
    """The model's tool calls as `[{"type": name, "args": {...}}]` (LangChain's shape).

    `return_id=True` adds each call's `"id"`; `first_tool_only=True` returns only the
    first call (or `None`). Tool calls whose arguments are not valid JSON raise
    [`OutputParserException`][pipes.OutputParserException] with the raw arguments.

    Example:
        ```python
        (model.bind_tools([get_weather]) | JsonOutputToolsParser()).invoke("Paris weather?")
        # [{'type': 'get_weather', 'args': {'city': 'Paris'}}]
        ```
    """


class JsonOutputKeyToolsParser(JsonOutputToolsParser):
    """The arguments of the calls to one tool, `key_name`.

    Returns a list of argument dicts (with `return_id=True`, `{"type", "args", "id"}`
    dicts); with `first_tool_only=True` the first matching call's arguments, or `None`.

    Example:
        ```python
        parser = JsonOutputKeyToolsParser(key_name="Joke", first_tool_only=True)
        (model.bind_tools([Joke]) | parser).invoke("a joke")  # {'setup': ..., 'punchline': ...}
        ```
    """

    def __init__(
        self,
        key_name: str,
        *,
        strict: bool = False,
        return_id: bool = False,
        first_tool_only: bool = False,
    ) -> None:
        super().__init__(strict=strict, return_id=return_id, first_tool_only=first_tool_only)
        self.key_name = key_name

    def _convert(self, calls: Sequence[ToolCall], *, partial: bool) -> list[Any]:
        matching = [call for call in calls if call["name"] == self.key_name]
        converted = super()._convert(matching, partial=partial)
        return converted if self.return_id else [entry["args"] for entry in converted]


class PydanticToolsParser(_ToolCallsParser[T]):
    """The model's tool calls as instances of the pydantic models they name.

    A call naming a tool that is not in `tools`, or whose arguments do not validate,
    raises [`OutputParserException`][pipes.OutputParserException]. While streaming, a new list is
    yielded whenever the partial arguments validate. `null` sent for an optional field that does
    not accept `None` (OpenAI strict mode) means the field's default.

    Example:
        ```python
        parser = PydanticToolsParser(tools=[Add, Multiply])
        (model.bind_tools([Add, Multiply]) | parser).invoke("3 * 12 and 11 + 49")
        # [Multiply(a=3, b=12), Add(a=11, b=49)]
        ```
    """

    @overload
    def __init__(
        self: PydanticToolsParser[list[M]],
        tools: Sequence[type[M]],
        *,
        first_tool_only: Literal[False] = False,
        return_id: bool = False,
        strict: bool = False,
    ) -> None: ...
    @overload
    def __init__(
        self: PydanticToolsParser[M | None],
        tools: Sequence[type[M]],
        *,
        first_tool_only: Literal[True],
        return_id: bool = False,
        strict: bool = False,
    ) -> None: ...
    @overload
    def __init__(  # several model classes mypy cannot join, or a non-literal flag
        self: PydanticToolsParser[Any],
        tools: Sequence[type[BaseModel]],
        *,
        first_tool_only: bool = False,
        return_id: bool = False,
        strict: bool = False,
    ) -> None: ...
    def __init__(
        self,
        tools: Sequence[type[BaseModel]],
        *,
        first_tool_only: bool = False,
        return_id: bool = False,
        strict: bool = False,
    ) -> None:
        super().__init__(strict=strict, return_id=return_id, first_tool_only=first_tool_only)
        by_name: dict[str, type[BaseModel]] = {}
        for model in tools:
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise TypeError(
                    f"PydanticToolsParser(tools=...) takes pydantic model classes, got {model!r}"
                )
            # The name the model calls: the schema title (what convert_to_openai_tool sends),
            # and the class name in case they differ.
            by_name[convert_to_openai_function(model)["name"]] = model
            by_name.setdefault(model.__name__, model)
        self.tools = list(tools)
        self._by_name = by_name
        self._schemas: dict[type[BaseModel], dict[str, Any]] = {}

    def _instance(self, model: type[BaseModel], args: dict[str, Any]) -> BaseModel:
        schema = self._schemas.get(model)
        if schema is None:
            schema = self._schemas[model] = model.model_json_schema()
        return model.model_validate(drop_null_defaults(schema, args))

    def _convert(self, calls: Sequence[ToolCall], *, partial: bool) -> list[Any]:
        out: list[Any] = []
        for call in calls:
            model = self._by_name.get(call["name"])
            if model is None:
                if partial:
                    continue
                raise OutputParserException(
                    f"PydanticToolsParser: the model called tool {call['name']!r}, which is not "
                    f"one of {sorted(self._by_name)}. Bind and parse the same tools.",
                    llm_output=str(call["args"]),
                )
            try:
                out.append(self._instance(model, call["args"]))
            except pydantic.ValidationError as exc:
                if partial:
                    continue
                raise OutputParserException(
                    f"PydanticToolsParser: the arguments of the call to {call['name']!r} do not "
                    f"match {model.__name__}:\n{format_validation_error(exc)}",
                    llm_output=str(call["args"]),
                ) from exc
        return out
