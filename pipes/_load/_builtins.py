"""The id table of pipes' own serializable classes: runnables, messages, prompts, parsers.

Each entry says under which id a class is written (LangChain's, where LangChain serializes
the class; `["pipes", ...]` otherwise), how its constructor kwargs are read from an object
and how it is rebuilt from them. Kept here, in one table, rather than as methods spread over
the layers below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pipes._core import (
    RunnableAssign,
    RunnableBinding,
    RunnableBranch,
    RunnableEach,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
)
from pipes._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    ChatPromptValue,
    HumanMessage,
    HumanMessageChunk,
    StringPromptValue,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
    message_from_dict,
)
from pipes._parsers import (
    CommaSeparatedListOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    JsonOutputToolsParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
    StrOutputParser,
)
from pipes._prompts import (
    AIMessagePromptTemplate,
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    FewShotChatMessagePromptTemplate,
    FewShotPromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    PromptTemplate,
    SystemMessagePromptTemplate,
    get_template_variables,
)
from pipes._prompts._message import BaseStringMessagePromptTemplate, _DeveloperMessagePromptTemplate

from ._table import Entry, Group, register
from ._templates import check_template

__all__ = ["register_all"]

_RUNNABLE = ("langchain", "schema", "runnable")


def _entry(
    cls: type[Any],
    id: Sequence[str],
    kwargs: Callable[[Any], dict[str, Any]],
    build: Callable[[dict[str, Any]], Any],
    fields: Iterable[str],
    *,
    group: Group = "core",
    also: Iterable[Sequence[str]] = (),
    ignored: Iterable[str] = (),
    exception_types: Iterable[str] = (),
) -> Entry:
    return Entry(
        cls=cls,
        id=tuple(id),
        kwargs=kwargs,
        build=build,
        fields=frozenset(fields),
        group=group,
        also=tuple(tuple(key) for key in also),
        ignored=frozenset(ignored),
        exception_types=frozenset(exception_types),
    )


def _named(obj: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    if obj.name is not None:
        kwargs["name"] = obj.name
    return kwargs


def _runnable(
    cls: type[Any],
    module: str,
    kwargs: Callable[[Any], dict[str, Any]],
    build: Callable[[dict[str, Any]], Any],
    fields: Iterable[str],
    exception_types: Iterable[str] = (),
) -> Entry:
    return _entry(
        cls,
        (*_RUNNABLE, cls.__name__),
        kwargs,
        build,
        fields,
        also=[("langchain_core", "runnables", module, cls.__name__)],
        exception_types=exception_types,
    )


# -- the runnable core --------------------------------------------------------------------


def _sequence_kwargs(seq: RunnableSequence[Any, Any]) -> dict[str, Any]:
    steps = seq.steps
    out: dict[str, Any] = {"first": steps[0], "last": steps[-1]}
    if len(steps) > 2:
        out["middle"] = list(steps[1:-1])
    return _named(seq, out)


def _sequence(values: dict[str, Any]) -> RunnableSequence[Any, Any]:
    middle = values.get("middle") or []
    if not isinstance(middle, list):
        raise TypeError(f"'middle' must be a list of runnables, got {type(middle).__name__}")
    return RunnableSequence(values["first"], *middle, values["last"], name=values.get("name"))


def _retry_kwargs(retry: RunnableRetry[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "bound": retry.bound,
        "config": {},
        "retry_exception_types": list(retry.retry_if_exception_type),
        "wait_exponential_jitter": retry.wait_exponential_jitter,
        "max_attempt_number": retry.stop_after_attempt,
    }
    params = {
        "initial": retry.initial_wait,
        "max": retry.max_wait,
        "exp_base": retry.exponential_base,
    }
    if params != {"initial": 0.1, "max": 10.0, "exp_base": 2.0}:
        out["exponential_jitter_params"] = params
    return out


def _retry(values: dict[str, Any]) -> RunnableRetry[Any, Any]:
    params = values.get("exponential_jitter_params") or {}
    unknown = set(params) - {"initial", "max", "exp_base"}
    if unknown:
        raise ValueError(
            f"exponential_jitter_params {sorted(unknown)} are not supported; pipes reads "
            "'initial', 'max' and 'exp_base'"
        )
    bound = values["bound"]
    if values.get("config"):
        bound = RunnableBinding(bound, config=values["config"])
    return RunnableRetry(
        bound,
        retry_if_exception_type=tuple(values.get("retry_exception_types") or (Exception,)),
        stop_after_attempt=values.get("max_attempt_number", 3),
        wait_exponential_jitter=values.get("wait_exponential_jitter", True),
        initial_wait=params.get("initial", 0.1),
        max_wait=params.get("max", 10.0),
        exponential_base=params.get("exp_base", 2.0),
    )


def _fallbacks_kwargs(obj: RunnableWithFallbacks[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "runnable": obj.runnable,
        "fallbacks": list(obj.fallbacks),
        "exceptions_to_handle": list(obj.exceptions_to_handle),
    }
    if obj.exception_key is not None:
        out["exception_key"] = obj.exception_key
    return out


def _fallbacks(values: dict[str, Any]) -> RunnableWithFallbacks[Any, Any]:
    return RunnableWithFallbacks(
        values["runnable"],
        values["fallbacks"],
        exceptions_to_handle=tuple(values.get("exceptions_to_handle") or (Exception,)),
        exception_key=values.get("exception_key"),
    )


def _binding_kwargs(obj: RunnableBinding[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"bound": obj.bound}
    if obj.kwargs:
        out["kwargs"] = obj.kwargs
    out["config"] = dict(obj.config)
    return out


def _assign(values: dict[str, Any]) -> RunnableAssign:
    mapper = values["mapper"]
    if not isinstance(mapper, RunnableParallel):
        raise TypeError(f"'mapper' must be a RunnableParallel, got {type(mapper).__name__}")
    return RunnableAssign(**mapper.steps)


def _core_entries() -> list[Entry]:
    return [
        _runnable(
            RunnableSequence,
            "base",
            _sequence_kwargs,
            _sequence,
            ["first", "middle", "last", "name"],
        ),
        _runnable(
            RunnableParallel,
            "base",
            lambda obj: {"steps__": dict(obj.steps)},
            lambda v: RunnableParallel(v["steps__"]),
            ["steps__"],
        ),
        _runnable(
            RunnablePassthrough,
            "passthrough",
            lambda obj: _named(obj, {}),
            lambda v: RunnablePassthrough(name=v.get("name")),
            ["name"],
        ),
        _runnable(
            RunnableAssign, "passthrough", lambda obj: {"mapper": obj.mapper}, _assign, ["mapper"]
        ),
        _runnable(
            RunnablePick,
            "passthrough",
            lambda obj: {"keys": obj.keys},
            lambda v: RunnablePick(v["keys"]),
            ["keys"],
        ),
        _runnable(
            RunnableBinding,
            "base",
            _binding_kwargs,
            lambda v: RunnableBinding(v["bound"], kwargs=v.get("kwargs"), config=v.get("config")),
            ["bound", "kwargs", "config"],
        ),
        _runnable(
            RunnableEach,
            "base",
            lambda obj: {"bound": obj.bound},
            lambda v: RunnableEach(v["bound"]),
            ["bound"],
        ),
        _runnable(
            RunnableRetry,
            "retry",
            _retry_kwargs,
            _retry,
            [
                "bound",
                "config",
                "retry_exception_types",
                "wait_exponential_jitter",
                "max_attempt_number",
                "exponential_jitter_params",
            ],
            ["retry_exception_types"],
        ),
        _runnable(
            RunnableWithFallbacks,
            "fallbacks",
            _fallbacks_kwargs,
            _fallbacks,
            ["runnable", "fallbacks", "exceptions_to_handle", "exception_key"],
            ["exceptions_to_handle"],
        ),
        _runnable(
            RunnableBranch,
            "branch",
            lambda obj: {"branches": [list(pair) for pair in obj.branches], "default": obj.default},
            lambda v: RunnableBranch(
                *[tuple(pair) for pair in v.get("branches") or []], v["default"]
            ),
            ["branches", "default"],
        ),
    ]


# -- messages and prompt values -----------------------------------------------------------

# Fields LangChain writes even at their default value.
_ALWAYS = {
    AIMessage: ("tool_calls", "invalid_tool_calls"),
    AIMessageChunk: ("tool_calls", "invalid_tool_calls"),
    ToolMessage: ("tool_call_id", "status"),
    ToolMessageChunk: ("tool_call_id", "status"),
}
_MESSAGE_MODULES = {
    "AI": "ai",
    "Human": "human",
    "System": "system",
    "Tool": "tool",
    "Chat": "chat",
}


def _message_kwargs(message: BaseMessage) -> dict[str, Any]:
    always = ("content", "type", *_ALWAYS.get(type(message), ()))
    out: dict[str, Any] = {}
    for name, info in type(message).model_fields.items():
        value = getattr(message, name)
        default = info.get_default(call_default_factory=True)
        if name in always or value != default:
            out[name] = value
    return out


def _message_entry(cls: type[BaseMessage]) -> Entry:
    name = cls.__name__
    module = next(m for prefix, m in _MESSAGE_MODULES.items() if name.startswith(prefix))
    kind = cls.model_fields["type"].default
    also: list[tuple[str, ...]] = [
        ("langchain_core", "messages", module, name),
        ("langchain_core", "messages", name),
    ]
    if not name.endswith("Chunk"):
        also.append(("langchain", "schema", name))
    return _entry(
        cls,
        ("langchain", "schema", "messages", name),
        _message_kwargs,
        # The message layer's own safe loader: validation and its errors.
        lambda values: message_from_dict({"type": kind, "data": values}),
        [*cls.model_fields, "example"],
        group="messages",
        also=also,
    )


def _message_entries() -> list[Entry]:
    classes: list[type[BaseMessage]] = [
        HumanMessage,
        AIMessage,
        SystemMessage,
        ToolMessage,
        ChatMessage,
        HumanMessageChunk,
        AIMessageChunk,
        SystemMessageChunk,
        ToolMessageChunk,
        ChatMessageChunk,
    ]
    return [
        *(_message_entry(cls) for cls in classes),
        _entry(
            ChatPromptValue,
            ("langchain", "prompts", "chat", "ChatPromptValue"),
            lambda obj: {"messages": list(obj.messages)},
            lambda v: ChatPromptValue(v["messages"]),
            ["messages"],
            also=[("langchain_core", "prompt_values", "ChatPromptValue")],
        ),
        _entry(
            StringPromptValue,
            ("langchain", "prompts", "base", "StringPromptValue"),
            lambda obj: {"text": obj.text, "type": "StringPromptValue"},
            lambda v: StringPromptValue(v["text"]),
            ["text"],
            also=[("langchain_core", "prompt_values", "StringPromptValue")],
            ignored=["type"],
        ),
    ]


# -- prompts ------------------------------------------------------------------------------

# Keys LangChain writes for prompts that pipes derives itself (from the template) or ignores
# by design (pipes always validates templates).
_PROMPT_IGNORED = ("input_types", "optional_variables", "validate_template")


class _ImagePart:
    """LangChain's `ImagePromptTemplate` inside a multimodal message template: an
    `image_url` content part whose values are templates."""

    def __init__(self, template: Mapping[str, Any], template_format: str) -> None:
        self.template = dict(template)
        self.template_format = template_format

    def input_variables(self) -> list[str]:
        return sorted(
            {
                name
                for value in self.template.values()
                if isinstance(value, str)
                for name in get_template_variables(value, self.template_format)
            }
        )


def _prompt_kwargs(prompt: PromptTemplate[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"input_variables": prompt.input_variables}
    if prompt.partial_variables:
        out["partial_variables"] = prompt.partial_variables
    out["template"] = prompt.template
    out["template_format"] = prompt.template_format
    if prompt.input_type is not None:
        out["input_type"] = prompt.input_type  # a class: written as not_implemented
    return _named(prompt, out)


def _prompt(values: dict[str, Any]) -> PromptTemplate[Any]:
    template_format = values.get("template_format", "f-string")
    check_template(values.get("template"), template_format)
    return PromptTemplate(
        values["template"],
        template_format=template_format,
        input_variables=values.get("input_variables"),
        partial_variables=values.get("partial_variables"),
        input_type=values.get("input_type"),
        name=values.get("name"),
    )


def _message_template_kwargs(template: BaseStringMessagePromptTemplate) -> dict[str, Any]:
    source = template.template
    fmt = template.template_format
    partials = template.partial_variables
    out: dict[str, Any] = {}
    if isinstance(source, str):
        out["prompt"] = PromptTemplate(source, template_format=fmt, partial_variables=partials)
    else:
        if all(_lc_part(part) for part in source):
            # LangChain's multimodal form: a list of text prompts and image prompts.
            out["prompt"] = [_part_prompt(part, fmt) for part in source]
        else:  # other parts (audio, files): pipes' own form
            out["template"] = list(source)
            out["template_format"] = fmt
        if partials:
            out["partial_variables"] = partials
    if template.additional_kwargs:
        out["additional_kwargs"] = template.additional_kwargs
    if isinstance(template, ChatMessagePromptTemplate):
        out["role"] = template.role
    return out


def _part_prompt(part: Any, template_format: Any) -> Any:
    if isinstance(part, str):
        return PromptTemplate(part, template_format=template_format)
    if part["type"] == "text":
        return PromptTemplate(part["text"], template_format=template_format)
    return _ImagePart(part["image_url"], template_format)


def _lc_part(part: Any) -> bool:
    if isinstance(part, str):
        return True
    if not isinstance(part, Mapping):
        return False
    if part.get("type") == "text":
        return set(part) == {"type", "text"} and isinstance(part["text"], str)
    return part.get("type") == "image_url" and set(part) == {"type", "image_url"}


def _message_template(
    cls: type[BaseStringMessagePromptTemplate],
) -> Callable[[dict[str, Any]], Any]:
    def build(values: dict[str, Any]) -> Any:
        values = dict(values)
        prompt = values.pop("prompt", None)
        if isinstance(prompt, list):
            parts: list[Any] = []
            fmt = "f-string"
            for item in prompt:
                if isinstance(item, PromptTemplate):
                    parts.append({"type": "text", "text": item.template})
                    fmt = item.template_format
                    values["partial_variables"] = {
                        **item.partial_variables,
                        **(values.get("partial_variables") or {}),
                    }
                elif isinstance(item, _ImagePart):
                    parts.append({"type": "image_url", "image_url": item.template})
                    fmt = item.template_format
                else:
                    raise TypeError(
                        "a multimodal message template holds text and image prompt templates, "
                        f"got {type(item).__name__}"
                    )
            values["template"] = parts
            values["template_format"] = fmt
        elif prompt is not None:
            values["prompt"] = prompt
        check_template(values.get("template"), values.get("template_format", "f-string"))
        return cls(**values)

    return build


def _message_template_entry(cls: type[BaseStringMessagePromptTemplate], id: Sequence[str]) -> Entry:
    fields = ["prompt", "template", "template_format", "partial_variables", "additional_kwargs"]
    if cls is ChatMessagePromptTemplate:
        fields.append("role")
    also = [("langchain_core", "prompts", "chat", id[-1])] if id[0] == "langchain" else []
    return _entry(cls, id, _message_template_kwargs, _message_template(cls), fields, also=also)


def _placeholder_kwargs(obj: MessagesPlaceholder) -> dict[str, Any]:
    out: dict[str, Any] = {"variable_name": obj.variable_name}
    if obj.optional:
        out["optional"] = True
    if obj.n_messages is not None:
        out["n_messages"] = obj.n_messages
    return out


def _chat_kwargs(prompt: ChatPromptTemplate[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"input_variables": prompt.input_variables}
    if prompt.optional_variables:
        out["optional_variables"] = prompt.optional_variables
    if prompt.partial_variables:
        out["partial_variables"] = prompt.partial_variables
    out["messages"] = list(prompt.messages)
    if prompt.input_type is not None:
        out["input_type"] = prompt.input_type
    return _named(prompt, out)


def _chat(values: dict[str, Any]) -> ChatPromptTemplate[Any]:
    partials = dict(values.get("partial_variables") or {})
    for message in values["messages"]:
        # LangChain writes an optional placeholder's default as a partial `[]`: pipes needs none.
        if (
            isinstance(message, MessagesPlaceholder)
            and message.optional
            and partials.get(message.variable_name) == []
        ):
            del partials[message.variable_name]
    return ChatPromptTemplate(
        values["messages"],
        partial_variables=partials,
        input_type=values.get("input_type"),
        name=values.get("name"),
    )


def _few_shot_kwargs(prompt: FewShotPromptTemplate[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "examples": prompt.examples,
        "example_prompt": prompt.example_prompt,
        "prefix": prompt.prefix,
        "suffix": prompt.suffix,
        "example_separator": prompt.example_separator,
        "template_format": prompt.template_format,
    }
    if prompt.partial_variables:
        out["partial_variables"] = prompt.partial_variables
    return out


def _few_shot(values: dict[str, Any]) -> FewShotPromptTemplate[Any]:
    fmt = values.get("template_format", "f-string")
    for key in ("prefix", "suffix"):
        check_template(values.get(key), fmt)
    return FewShotPromptTemplate(**values)


def _prompt_entries() -> list[Entry]:
    chat = ("langchain", "prompts", "chat")
    return [
        _entry(
            PromptTemplate,
            ("langchain", "prompts", "prompt", "PromptTemplate"),
            _prompt_kwargs,
            _prompt,
            [
                "template",
                "template_format",
                "input_variables",
                "partial_variables",
                "input_type",
                "name",
            ],
            also=[("langchain_core", "prompts", "prompt", "PromptTemplate")],
            ignored=_PROMPT_IGNORED,
        ),
        _entry(
            ChatPromptTemplate,
            (*chat, "ChatPromptTemplate"),
            _chat_kwargs,
            _chat,
            ["messages", "input_variables", "partial_variables", "input_type", "name"],
            also=[("langchain_core", "prompts", "chat", "ChatPromptTemplate")],
            ignored=_PROMPT_IGNORED,
        ),
        _message_template_entry(HumanMessagePromptTemplate, (*chat, "HumanMessagePromptTemplate")),
        _message_template_entry(AIMessagePromptTemplate, (*chat, "AIMessagePromptTemplate")),
        _message_template_entry(
            SystemMessagePromptTemplate, (*chat, "SystemMessagePromptTemplate")
        ),
        _message_template_entry(ChatMessagePromptTemplate, (*chat, "ChatMessagePromptTemplate")),
        _message_template_entry(
            _DeveloperMessagePromptTemplate, ("pipes", "prompts", "DeveloperMessagePromptTemplate")
        ),
        _entry(
            MessagesPlaceholder,
            (*chat, "MessagesPlaceholder"),
            _placeholder_kwargs,
            lambda v: MessagesPlaceholder(**v),
            ["variable_name", "optional", "n_messages"],
            also=[("langchain_core", "prompts", "chat", "MessagesPlaceholder")],
        ),
        _entry(
            _ImagePart,
            ("langchain", "prompts", "image", "ImagePromptTemplate"),
            lambda obj: {
                "input_variables": obj.input_variables(),
                "template": obj.template,
                "template_format": obj.template_format,
            },
            lambda v: _ImagePart(v["template"], v.get("template_format", "f-string")),
            ["template", "template_format", "input_variables"],
            also=[("langchain_core", "prompts", "image", "ImagePromptTemplate")],
            ignored=_PROMPT_IGNORED,
        ),
        _entry(
            FewShotPromptTemplate,
            ("pipes", "prompts", "FewShotPromptTemplate"),
            _few_shot_kwargs,
            _few_shot,
            [
                "examples",
                "example_prompt",
                "prefix",
                "suffix",
                "example_separator",
                "template_format",
                "partial_variables",
            ],
        ),
        _entry(
            FewShotChatMessagePromptTemplate,
            ("pipes", "prompts", "FewShotChatMessagePromptTemplate"),
            lambda obj: {"examples": obj.examples, "example_prompt": obj.example_prompt},
            lambda v: FewShotChatMessagePromptTemplate(**v),
            ["examples", "example_prompt"],
        ),
    ]


# -- parsers ------------------------------------------------------------------------------


def _tools_parser_kwargs(parser: JsonOutputToolsParser) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(parser, JsonOutputKeyToolsParser):
        out["key_name"] = parser.key_name
    for flag in ("strict", "return_id", "first_tool_only"):
        if getattr(parser, flag):
            out[flag] = True
    return out


def _parser_entries() -> list[Entry]:
    def plain(cls: type[Any], id: Sequence[str], also: Iterable[Sequence[str]] = ()) -> Entry:
        return _entry(cls, id, lambda obj: {}, lambda v: cls(), [], also=also)

    def json_kwargs(parser: JsonOutputParser) -> dict[str, Any]:
        # A pydantic class cannot be rebuilt from data: written as not_implemented.
        return {} if parser.pydantic_object is None else {"pydantic_object": parser.pydantic_object}

    return [
        plain(
            StrOutputParser,
            ("langchain", "schema", "output_parser", "StrOutputParser"),
            [("langchain_core", "output_parsers", "string", "StrOutputParser")],
        ),
        plain(
            CommaSeparatedListOutputParser,
            ("langchain", "output_parsers", "list", "CommaSeparatedListOutputParser"),
            [("langchain_core", "output_parsers", "list", "CommaSeparatedListOutputParser")],
        ),
        plain(MarkdownListOutputParser, ("pipes", "output_parsers", "MarkdownListOutputParser")),
        plain(NumberedListOutputParser, ("pipes", "output_parsers", "NumberedListOutputParser")),
        _entry(
            JsonOutputParser,
            ("pipes", "output_parsers", "JsonOutputParser"),
            json_kwargs,
            lambda v: JsonOutputParser(**v),
            ["pydantic_object"],
        ),
        _entry(
            JsonOutputToolsParser,
            ("pipes", "output_parsers", "JsonOutputToolsParser"),
            _tools_parser_kwargs,
            lambda v: JsonOutputToolsParser(**v),
            ["strict", "return_id", "first_tool_only"],
        ),
        _entry(
            JsonOutputKeyToolsParser,
            ("pipes", "output_parsers", "JsonOutputKeyToolsParser"),
            _tools_parser_kwargs,
            lambda v: JsonOutputKeyToolsParser(**v),
            ["key_name", "strict", "return_id", "first_tool_only"],
        ),
    ]


def register_all() -> None:
    """Register every pipes class above (once, on the first dump or load)."""
    for entry in [*_core_entries(), *_message_entries(), *_prompt_entries(), *_parser_entries()]:
        register(entry)
