"""`AIMessage` (with tool calls and usage) and `AIMessageChunk` (streamed, mergeable)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, Unpack

from pydantic import Field, field_validator, model_validator

from ._base import _SPECS, SLOW, BaseMessage, BaseMessageChunk, _fast_spec, _set_dict
from ._blocks import ai_content_blocks
from ._content import ContentInput
from ._merge import merge_tool_call_chunks
from ._tool_calls import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    parse_openai_tool_calls,
    parse_tool_call_chunks,
)
from ._usage import UsageMetadata, add_usage

if TYPE_CHECKING:
    from ._params import AIMessageChunkParams, AIMessageParams

__all__ = ["AIMessage", "AIMessageChunk"]


_NONE_KEYS = {"name": None, "args": None, "id": None}
_INVALID_DEFAULTS = {**_NONE_KEYS, "error": None, "type": "invalid_tool_call"}
_CHUNK_DEFAULTS = {**_NONE_KEYS, "index": None, "type": "tool_call_chunk"}


_CHUNK_STR_KEYS = frozenset({"name", "args", "id"})


def _plain_tool_call_chunks(value: Any) -> Any:
    """Fast-field check for `tool_call_chunks` (one per streamed tool-call token)."""
    if type(value) is not list:
        return SLOW
    out: list[dict[str, Any]] = []
    for item in value:
        if type(item) is not dict:
            return SLOW
        for key, field in item.items():
            if key in _CHUNK_STR_KEYS:
                if field is not None and type(field) is not str:
                    return SLOW
            elif key == "index":
                if field is not None and type(field) is not int:
                    return SLOW
            elif key != "type" or field != "tool_call_chunk":
                return SLOW  # extra keys, odd types: let validation decide
        out.append({**_CHUNK_DEFAULTS, **item})
    return out


def _with_defaults(items: Any, defaults: dict[str, Any]) -> Any:
    """Fill keys LangChain code may omit (`id`, `type` ...) before TypedDict validation."""
    if not isinstance(items, list | tuple):
        return items
    return [{**defaults, **item} if isinstance(item, Mapping) else item for item in items]


class AIMessage(BaseMessage):
    """A model's reply: text `content`, `tool_calls` it wants run, `usage_metadata`.

    `AIMessage("Bonjour", usage_metadata={"input_tokens": 5, "output_tokens": 2,
    "total_tokens": 7})`; `msg.tool_calls[0]["args"]` is a parsed dict.
    """

    type: Literal["ai"] = "ai"  # pyright: ignore[reportIncompatibleVariableOverride]
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls with parsed `args`."""
    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    """Tool calls whose arguments did not parse (raw `args` and `error` kept)."""
    usage_metadata: UsageMetadata | None = None
    """Token counts, when the provider reports them."""

    if TYPE_CHECKING:

        def __init__(
            self, content: ContentInput = "", **fields: Unpack[AIMessageParams[Literal["ai"]]]
        ) -> None: ...

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _fill_tool_calls(cls, value: Any) -> Any:
        return _with_defaults(value, {"id": None, "type": "tool_call"})

    @field_validator("invalid_tool_calls", mode="before")
    @classmethod
    def _fill_invalid_tool_calls(cls, value: Any) -> Any:
        return _with_defaults(value, _INVALID_DEFAULTS)

    @property
    def content_blocks(self) -> list[dict[str, Any]]:
        """The content as standard blocks, then a `tool_call` block per tool call, after a
        leading `reasoning` block when `additional_kwargs["reasoning_content"]` holds one.

        Example:
            ```python
            AIMessage("", tool_calls=[tool_call(name="f", args={}, id="1")]).content_blocks
            # [{'type': 'tool_call', 'id': '1', 'name': 'f', 'args': {}}]
            ```
        """
        return ai_content_blocks(self.content, self.tool_calls, self.additional_kwargs)

    def pretty_repr(self) -> str:
        """The text, then the tool calls (and invalid ones) in LangChain's layout."""
        lines = [super().pretty_repr()]
        if self.tool_calls:
            lines.append("Tool Calls:")
            for call in self.tool_calls:
                lines += [f"  {call['name']} ({call['id']})", f" Call ID: {call['id']}", "  Args:"]
                lines += [f"    {key}: {value}" for key, value in call["args"].items()]
        if self.invalid_tool_calls:
            lines.append("Invalid Tool Calls:")
            for bad in self.invalid_tool_calls:
                lines += [f"  {bad['name']} ({bad['id']})", f" Call ID: {bad['id']}"]
                lines += [f"  Error: {bad['error']}", "  Args:", f"    {bad['args']}"]
        return "\n".join(lines)

    _after_inputs: ClassVar[frozenset[str] | None] = frozenset(
        {"additional_kwargs", "tool_calls", "invalid_tool_calls"}
    )

    @model_validator(mode="after")
    def _after_validation(self) -> Self:
        # Older LangChain code put OpenAI wire-format calls in additional_kwargs only.
        kwargs = self.additional_kwargs
        if kwargs and not self.tool_calls and not self.invalid_tool_calls:
            raw = kwargs.get("tool_calls")
            if raw and isinstance(raw, list):
                calls, invalid = parse_openai_tool_calls(raw)
                vars(self)["tool_calls"] = calls
                vars(self)["invalid_tool_calls"] = invalid
        return self


_NOTHING: dict[str, Any] = {}


class AIMessageChunk(AIMessage, BaseMessageChunk):
    """A streamed piece of an [`AIMessage`][pipes.AIMessage].

    `tool_call_chunks` carry argument fragments; `tool_calls` is their best-effort
    (partial) parse, refreshed on every merge. `to_message()` parses strictly: arguments
    that are not complete JSON land in `invalid_tool_calls` with the error.
    `usage_metadata` of a chunk is a *delta*: merging adds them up, so a provider whose
    API reports cumulative counts must yield the differences.
    """

    type: Literal["AIMessageChunk"] = "AIMessageChunk"  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    tool_call_chunks: list[ToolCallChunk] = Field(default_factory=list)
    """Raw streamed tool-call pieces (name, args fragment, id, index)."""
    _message_class = AIMessage
    _fast_fields: ClassVar[dict[str, Callable[[Any], Any]]] = {
        **BaseMessage._fast_fields,
        "tool_call_chunks": _plain_tool_call_chunks,
    }

    if TYPE_CHECKING:

        def __init__(
            self, content: ContentInput = "", **fields: Unpack[AIMessageChunkParams]
        ) -> None: ...

    @property
    def content_blocks(self) -> list[dict[str, Any]]:
        """Like [`AIMessage.content_blocks`][pipes.AIMessage.content_blocks]; a chunk
        carrying only pieces of tool calls shows them as `tool_call_chunk` blocks."""
        return ai_content_blocks(
            self.content, self.tool_calls, self.additional_kwargs, self.tool_call_chunks
        )

    @classmethod
    def text_delta(cls, content: str, id: str | None = None, *, index: int | None = None) -> Self:
        """A streamed piece of text: `AIMessageChunk(content=content, id=id)`, faster.

        For providers' per-token path. With `index`, the content is one text block
        `[{"type": "text", "text": content, "index": index}]` (blocks with the same index merge,
        as OpenAI's Responses API streams them). The result equals what the constructor
        builds; values of other types (or a user subclass, whose validators must run) take the
        constructor.

        Example:
            ```python
            AIMessageChunk.text_delta("Hel", id="chatcmpl-1") + AIMessageChunk.text_delta("lo")
            ```
        """
        spec = _SPECS.get(cls) or _fast_spec(cls)
        value: Any = (
            content if index is None else [{"type": "text", "text": content, "index": index}]
        )
        if (
            not spec.trusted
            or type(content) is not str
            or not (id is None or type(id) is str)
            or not (index is None or type(index) is int)
        ):
            return cls(content=value, id=id)
        values = spec.values(_NOTHING)
        values["content"] = value
        values["id"] = id
        chunk = cls.__new__(cls)
        _set_dict(chunk, "__dict__", values)
        _set_dict(chunk, "__pydantic_fields_set__", {"content", "id"})
        _set_dict(chunk, "__pydantic_extra__", None)
        _set_dict(chunk, "__pydantic_private__", None)
        return chunk

    @field_validator("tool_call_chunks", mode="before")
    @classmethod
    def _fill_tool_call_chunks(cls, value: Any) -> Any:
        return _with_defaults(value, _CHUNK_DEFAULTS)

    _after_inputs: ClassVar[frozenset[str] | None] = frozenset(
        {"tool_call_chunks", "tool_calls", "invalid_tool_calls"}
    )

    @model_validator(mode="after")
    def _after_validation(self) -> Self:
        # Overrides (replaces) AIMessage's validator: one Python call per chunk.
        if self.tool_call_chunks:
            calls, invalid = parse_tool_call_chunks(self.tool_call_chunks, partial=True)
            vars(self)["tool_calls"] = calls
            vars(self)["invalid_tool_calls"] = invalid
        elif self.tool_calls or self.invalid_tool_calls:
            # Complete calls given directly: derive chunks so merging still works. A call
            # without id gets its position as index so two of them do not run together.
            chunks: list[ToolCallChunk] = []
            for i, call in enumerate(self.tool_calls):
                chunks.append(
                    {
                        "name": call["name"],
                        "args": json.dumps(call["args"], default=str),
                        "id": call["id"],
                        "index": None if call["id"] else i,
                        "type": "tool_call_chunk",
                    }
                )
            for j, bad in enumerate(self.invalid_tool_calls, start=len(chunks)):
                chunks.append(
                    {
                        "name": bad["name"],
                        "args": bad["args"],
                        "id": bad["id"],
                        "index": None if bad["id"] else j,
                        "type": "tool_call_chunk",
                    }
                )
            vars(self)["tool_call_chunks"] = chunks
        return self

    @classmethod
    def _merge_fields(  # pyright: ignore[reportIncompatibleMethodOverride]
        cls, chunks: Sequence[Self]
    ) -> dict[str, Any]:
        fields = super()._merge_fields(chunks)
        call_chunks: list[list[ToolCallChunk]] = []
        usages: list[UsageMetadata] = []
        for chunk in chunks:
            values = chunk.__dict__
            if values["tool_call_chunks"]:
                call_chunks.append(values["tool_call_chunks"])
            if values["usage_metadata"]:
                usages.append(values["usage_metadata"])
        merged = merge_tool_call_chunks(call_chunks) if call_chunks else []
        fields["tool_call_chunks"] = merged
        if merged:
            fields["tool_calls"], fields["invalid_tool_calls"] = parse_tool_call_chunks(
                merged, partial=True
            )
        if usages:
            fields["usage_metadata"] = add_usage(usages)
        return fields

    def to_message(self) -> AIMessage:
        """The final [`AIMessage`][pipes.AIMessage]; tool-call arguments are parsed strictly
        here."""
        fields = {
            # Shallow copies: mutating the message must not change the chunk.
            name: value.copy() if type(value) is dict or type(value) is list else value
            for name, value in self.__dict__.items()
            if name not in ("type", "tool_call_chunks")
        }
        if self.tool_call_chunks:
            merged = merge_tool_call_chunks([self.tool_call_chunks])
            fields["tool_calls"], fields["invalid_tool_calls"] = parse_tool_call_chunks(
                merged, partial=False
            )
        return AIMessage._fast(fields)
