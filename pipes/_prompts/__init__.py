"""Prompt templates: f-string, jinja2 and mustache, all sandboxed.

Example::

    from pipes._prompts import get_template_variables

    get_template_variables("Tell me about {topic}")  # ['topic']
"""

from __future__ import annotations

from pipes._prompts._formatting import (
    TemplateFormat,
    compile_template,
    get_template_variables,
    render_template,
)

__all__ = [
    "TemplateFormat",
    "compile_template",
    "get_template_variables",
    "render_template",
]
