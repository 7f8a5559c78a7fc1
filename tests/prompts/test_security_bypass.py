"""No construction path skips the template safety checks (CVE-2025-65106 format-time bypass).

LangChain validated f-string fields in a pydantic validator only, so any object built
without it (``model_construct``, a subclass setting attributes, pickle, copy) reached
``str.format`` unchecked. pipes templates are plain classes without ``model_construct``;
the equivalent paths — ``object.__new__`` plus attribute assignment, private attribute
edits, ``copy``, ``pickle`` — are all exercised here, for every template class.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from pipes._errors import UnsafeTemplateError
from pipes._prompts import (
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    PromptTemplate,
    SystemMessagePromptTemplate,
)
from pipes._prompts._base import TemplateText


class User:
    def __init__(self) -> None:
        self.name = "Alice"
        self.password = "SECRET_LEAKED_VIA_ATTRIBUTE"


UNSAFE = [
    "Hello {u.name}, password={u.password}",
    "{u.__class__.__init__.__globals__}",
    "{u[0]}",
    "{u!r}",
    "{x:{u.password}}",
]


def _assert_blocked(call: Any) -> None:
    with pytest.raises(UnsafeTemplateError) as info:
        call()
    assert "SECRET_LEAKED" not in str(info.value)


@pytest.mark.parametrize("template", UNSAFE)
def test_constructors_reject(template: str) -> None:
    _assert_blocked(lambda: PromptTemplate.from_template(template))
    _assert_blocked(lambda: PromptTemplate(template))
    _assert_blocked(lambda: ChatPromptTemplate.from_messages([("human", template)]))
    _assert_blocked(lambda: ChatPromptTemplate.from_template(template))
    _assert_blocked(lambda: HumanMessagePromptTemplate.from_template(template))
    _assert_blocked(lambda: ChatPromptTemplate.from_messages([template]))
    _assert_blocked(lambda: ChatPromptTemplate.from_messages([{"role": "ai", "content": template}]))


@pytest.mark.parametrize("template", UNSAFE)
def test_derived_prompts_reject(template: str) -> None:
    safe = PromptTemplate.from_template("Hi {x}")
    _assert_blocked(lambda: safe + template)
    chat = ChatPromptTemplate.from_messages([("human", "Hi {x}")])
    _assert_blocked(lambda: chat + ("human", template))  # noqa: RUF005
    _assert_blocked(lambda: chat + template)
    _assert_blocked(lambda: chat.append(("system", template)))


@pytest.mark.parametrize("template", UNSAFE)
def test_assigning_the_template_attribute(template: str) -> None:
    prompt = PromptTemplate.from_template("Hi {u}")
    with pytest.raises(UnsafeTemplateError):
        prompt.template = template
    with pytest.raises(UnsafeTemplateError):
        object.__setattr__(prompt, "template", template)
    assert prompt.format(u="ok", x="ok") == "Hi ok"  # the prompt is unchanged


@pytest.mark.parametrize("template", UNSAFE)
def test_editing_private_state_is_caught_at_render(template: str) -> None:
    prompt = PromptTemplate.from_template("Hi {u}")
    prompt._text.template = template  # bypass the property: the cached parse is now stale
    _assert_blocked(lambda: prompt.format(u=User(), x=1))
    _assert_blocked(lambda: prompt.invoke({"u": User(), "x": 1}))

    message = HumanMessagePromptTemplate.from_template("Hi {u}")
    message._content.template = template
    _assert_blocked(lambda: message.format(u=User(), x=1))

    chat = ChatPromptTemplate.from_messages([SystemMessagePromptTemplate.from_template("{u}")])
    chat.messages[0]._content.template = template  # type: ignore[union-attr]
    _assert_blocked(lambda: chat.invoke({"u": User(), "x": 1}))


@pytest.mark.parametrize("template", UNSAFE)
def test_built_without_init(template: str) -> None:
    # The VulnerableSubclass of the LangChain report: attributes set, validation skipped.
    class Vulnerable(PromptTemplate[dict[str, Any]]):
        def __init__(self, template: str) -> None:
            text = TemplateText.__new__(TemplateText)
            object.__setattr__(text, "template", template)
            object.__setattr__(text, "template_format", "f-string")
            object.__setattr__(self, "_text", text)
            object.__setattr__(self, "input_variables", [])
            object.__setattr__(self, "optional_variables", [])
            object.__setattr__(self, "partial_variables", {})
            object.__setattr__(self, "input_type", None)

    prompt = Vulnerable(template)
    _assert_blocked(lambda: prompt.format(u=User(), x=1))
    _assert_blocked(lambda: prompt.invoke({"u": User(), "x": 1}))


@pytest.mark.parametrize("template", UNSAFE)
def test_switching_the_format_is_rechecked(template: str) -> None:
    # A mustache template with an f-string-unsafe text; flipping the format must re-check.
    prompt = PromptTemplate.from_template("{{x}} " + template, template_format="mustache")
    prompt._text.template_format = "f-string"
    _assert_blocked(lambda: prompt.format(u=User(), x=1))


@pytest.mark.parametrize(
    "make_clone",
    [copy.copy, copy.deepcopy, lambda p: p.with_name("renamed")],
    ids=["copy", "deepcopy", "with_name"],
)
def test_copies_stay_checked(make_clone: Any) -> None:
    clone = make_clone(PromptTemplate.from_template("Hi {u}"))
    assert clone.format(u="ok") == "Hi ok"
    clone._text.template = "{u.password}"
    _assert_blocked(lambda: clone.format(u=User()))


def test_pickle_roundtrip_and_tampered_pickle() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be {tone}"), ("human", "{q}")])
    restored = pickle.loads(pickle.dumps(prompt))
    assert restored.format_messages(tone="brief", q="hi") == prompt.format_messages(
        tone="brief", q="hi"
    )
    # Swap the safe template text for an unsafe one inside the pickle bytes.
    data = pickle.dumps(PromptTemplate.from_template("Hi {uuuuuuuuuu}"))
    tampered = data.replace(b"Hi {uuuuuuuuuu}", b"{u.password}!!!")
    assert tampered != data
    with pytest.raises(UnsafeTemplateError):
        pickle.loads(tampered)


def test_no_pydantic_construct_path() -> None:
    # The pydantic-specific bypass does not exist here.
    assert not hasattr(PromptTemplate, "model_construct")
    assert not hasattr(ChatPromptTemplate, "model_construct")


def test_mustache_prompt_never_reads_object_attributes() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("human", "[{{u.name}}][{{u.password}}][{{u.__class__}}]")], template_format="mustache"
    )
    assert prompt.format_messages(u=User())[0].content == "[][][]"


def test_jinja2_prompt_never_reads_object_attributes() -> None:
    prompt = PromptTemplate.from_template("{{ u.password }}", template_format="jinja2")
    _assert_blocked(lambda: prompt.format(u=User()))


def test_renderer_never_traverses_even_with_forged_internals() -> None:
    # Defense in depth: even if someone forges the parsed form of a template, the renderer
    # only looks names up in the mapping; it never evaluates attribute or index syntax.
    from pipes._prompts._fstring import FStringTemplate

    compiled = FStringTemplate("{u} and {v}")
    object.__setattr__(compiled, "_segments", (("", "u.password", ""), ("", "u[0]", "")))
    object.__setattr__(compiled, "variables", ("u.password",))
    with pytest.raises(KeyError) as info:
        compiled.render({"u": User()})
    assert "SECRET_LEAKED" not in str(info.value)


def test_equal_template_strings_share_one_parse() -> None:
    # Two equal but distinct string objects: the second prompt must not re-parse per call.
    first = "".join(["Hi ", "{name}"])
    second = "".join(["Hi ", "{name}"])
    assert first == second
    assert first is not second
    a = PromptTemplate.from_template(first)
    b = PromptTemplate.from_template(second)
    assert b._text._compiled is a._text._compiled
    b.format(name="x")
    assert b._text.template is b._text._compiled.source
