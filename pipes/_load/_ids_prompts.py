"""The id table's entries for prompt templates: LangChain's ids and shapes (a message template
holds a `PromptTemplate`, a multimodal one a list of text and image templates); the few-shot
templates, which LangChain does not serialize, under `["pipes", "prompts", ...]`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

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

from ._table import Entry, entry, named
from ._templates import check_template

__all__ = ["entries"]


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
    return named(prompt, out)


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
    return entry(cls, id, _message_template_kwargs, _message_template(cls), fields, also=also)


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
    return named(prompt, out)


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


def entries() -> list[Entry]:
    """The entries of the prompt templates."""
    chat = ("langchain", "prompts", "chat")
    return [
        entry(
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
        entry(
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
        entry(
            MessagesPlaceholder,
            (*chat, "MessagesPlaceholder"),
            _placeholder_kwargs,
            lambda v: MessagesPlaceholder(**v),
            ["variable_name", "optional", "n_messages"],
            also=[("langchain_core", "prompts", "chat", "MessagesPlaceholder")],
        ),
        entry(
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
        entry(
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
        entry(
            FewShotChatMessagePromptTemplate,
            ("pipes", "prompts", "FewShotChatMessagePromptTemplate"),
            lambda obj: {"examples": obj.examples, "example_prompt": obj.example_prompt},
            lambda v: FewShotChatMessagePromptTemplate(**v),
            ["examples", "example_prompt"],
        ),
    ]
