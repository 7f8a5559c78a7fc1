"""Templates read from a document: refused when they try to reach past their variables.

f-string and mustache templates cannot reach attributes at all (pipes refuses them when they
are built); a jinja2 template can *name* one, which the sandbox refuses only when it renders.
A loaded template that names a private attribute (`__class__`, `x["_y"]`, `x|attr("_y")`) is
refused when it is loaded, so that a hostile document fails at once, with the document's path;
names computed at render time are left to the sandbox, which refuses them before reading.
"""

from __future__ import annotations

from typing import Any

from pipes._errors import UnsafeTemplateError

__all__ = ["check_template"]


def _texts(template: Any) -> list[str]:
    if isinstance(template, str):
        return [template]
    if isinstance(template, dict):
        return [text for value in template.values() for text in _texts(value)]
    if isinstance(template, list | tuple):
        return [text for item in template for text in _texts(item)]
    return []


def check_template(template: Any, template_format: Any) -> None:
    """Raise `UnsafeTemplateError` if a jinja2 `template` (a string or content parts) reads a
    private attribute or item; other formats are checked by the template classes themselves."""
    if template_format != "jinja2" or template is None:
        return
    import jinja2
    from jinja2 import nodes

    env = jinja2.Environment(autoescape=False)
    for text in _texts(template):
        try:
            ast = env.parse(text)
        except jinja2.TemplateSyntaxError:
            continue  # the template class reports syntax errors with their position
        for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
            name: object = None
            if isinstance(node, nodes.Getattr):
                name = node.attr
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                name = node.arg.value
            elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
                first = node.args[0]  # x|attr("__class__")
                name = first.value if isinstance(first, nodes.Const) else None
            if isinstance(name, str) and name.startswith("_"):
                raise UnsafeTemplateError(
                    f"the jinja2 template {text[:60]!r} reads {name!r} (line {node.lineno}): a "
                    "template loaded from a document may read only its variables and their "
                    "public keys. Remove the access or build the template in code."
                )
