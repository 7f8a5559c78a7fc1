"""Prompt templates: f-string, jinja2 and mustache, all sandboxed.

Example::

    from pipes import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate to {language}."), ("human", "{text}")]
    )
    prompt.invoke({"language": "French", "text": "I love programming."}).to_messages()
"""

from __future__ import annotations

from pipes._prompts._base import BasePromptTemplate
from pipes._prompts._chat import ChatPromptTemplate, MessageLikeTemplate
from pipes._prompts._few_shot import FewShotChatMessagePromptTemplate, FewShotPromptTemplate
from pipes._prompts._formatting import (
    TemplateFormat,
    compile_template,
    get_template_variables,
    render_template,
)
from pipes._prompts._message import (
    AIMessagePromptTemplate,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    ChatMessagePromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    SystemMessagePromptTemplate,
)
from pipes._prompts._string import PromptTemplate
from pipes._prompts._values import ChatPromptValue, PromptValue, StringPromptValue

__all__ = [
    "AIMessagePromptTemplate",
    "BaseMessagePromptTemplate",
    "BasePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "ChatPromptValue",
    "FewShotChatMessagePromptTemplate",
    "FewShotPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessageLikeTemplate",
    "MessagesPlaceholder",
    "PromptTemplate",
    "PromptValue",
    "StringPromptValue",
    "SystemMessagePromptTemplate",
    "TemplateFormat",
    "compile_template",
    "get_template_variables",
    "render_template",
]
