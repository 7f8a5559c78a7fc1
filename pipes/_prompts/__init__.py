"""Prompt templates: f-string, jinja2 and mustache, all sandboxed.

Example:
    ```python
    from pipes import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate to {language}."), ("human", "{text}")]
    )
    prompt.invoke({"language": "French", "text": "I love programming."}).to_messages()
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

# The templates load on first use of their names, so importing a provider does not load the
# template engines. The prompt values they produce live one layer down, in pipes._messages.

if TYPE_CHECKING:
    from pipes._prompts._base import BasePromptTemplate
    from pipes._prompts._chat import ChatPromptTemplate, MessageLikeTemplate
    from pipes._prompts._example_selector import BaseExampleSelector
    from pipes._prompts._few_shot import FewShotChatMessagePromptTemplate, FewShotPromptTemplate
    from pipes._prompts._formatting import (
        TemplateFormat,
        compile_template,
        get_template_variables,
        render_template,
    )
    from pipes._prompts._limits import TemplateLimits, set_template_limits, template_limits
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


install_lazy_getattr(globals())


__all__ = [
    "AIMessagePromptTemplate",
    "BaseExampleSelector",
    "BaseMessagePromptTemplate",
    "BasePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "FewShotChatMessagePromptTemplate",
    "FewShotPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessageLikeTemplate",
    "MessagesPlaceholder",
    "PromptTemplate",
    "SystemMessagePromptTemplate",
    "TemplateFormat",
    "TemplateLimits",
    "compile_template",
    "get_template_variables",
    "render_template",
    "set_template_limits",
    "template_limits",
]
