"""The constructors type checkers see (``pipes._messages._params``) agree with the pydantic fields.

Every message class's ``TYPE_CHECKING`` ``__init__`` is ``(self, content: ContentInput = "",
**fields: Unpack[...])`` with one of the ``TypedDict`` s of ``_params``; with its ``type`` literal
bound, that ``TypedDict`` names exactly the class's fields besides ``content``, with their types,
and requires exactly the required ones. What type checkers then accept and reject is in
``tests/typing/test_messages_typing.py``.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import textwrap
import types
import typing
from pathlib import Path
from typing import Any, Literal, Required, TypeVar

import pytest

from pipes._messages import BaseMessage, _params
from pipes._messages._base import MESSAGE_TYPES

ROOT = Path(__file__).resolve().parents[2]


def _flat(annotation: Any) -> frozenset[Any]:
    """A union as the set of its members (``Optional[X]``, ``X | None`` and nesting alike)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return frozenset().union(*(_flat(arg) for arg in typing.get_args(annotation)))
    return frozenset({annotation})


def _init_stub(cls: type[BaseMessage]) -> ast.arguments:
    # The stub exists only for type checkers: read it from the class's own source.
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    (node,) = tree.body
    assert isinstance(node, ast.ClassDef)
    inits = [n for n in ast.walk(node) if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    assert len(inits) == 1, f"{cls.__name__} needs one TYPE_CHECKING __init__"
    return inits[0].args


def _params_of(cls: type[BaseMessage]) -> Any:
    """The ``TypedDict`` (with its ``type`` literal bound) the class's ``**fields`` unpacks."""
    args = _init_stub(cls)
    assert args.kwarg is not None
    assert args.kwarg.annotation is not None
    unpacked = args.kwarg.annotation
    assert isinstance(unpacked, ast.Subscript)
    assert ast.unparse(unpacked.value) == "Unpack"
    return eval(ast.unparse(unpacked.slice), {**vars(_params), "Literal": Literal})


def _bindings(params: Any) -> dict[Any, Any]:
    """The type variables of a parametrized ``TypedDict`` (or of its bases), with their values."""
    origin = typing.get_origin(params) or params
    if typing.get_args(params):
        return dict(zip(origin.__parameters__, typing.get_args(params), strict=True))
    return {
        key: value
        for base in getattr(origin, "__orig_bases__", ())
        if typing.get_args(base)
        for key, value in _bindings(base).items()
    }


def _hints(params: Any) -> dict[str, Any]:
    # With the extras: under `from __future__ import annotations` the class's own
    # __required_keys__ misses `Required[...]` (it sees strings), evaluating them does not.
    return typing.get_type_hints(typing.get_origin(params) or params, include_extras=True)


def _keywords(params: Any) -> dict[str, frozenset[Any]]:
    bound = _bindings(params)
    hints = {
        name: typing.get_args(hint)[0] if typing.get_origin(hint) is Required else hint
        for name, hint in _hints(params).items()
    }
    return {
        name: _flat(bound[hint] if isinstance(hint, TypeVar) else hint)
        for name, hint in hints.items()
    }


@pytest.mark.parametrize("cls", MESSAGE_TYPES.values(), ids=lambda cls: cls.__name__)
def test_the_constructor_takes_content_then_the_fields(cls: type[BaseMessage]) -> None:
    args = _init_stub(cls)
    assert [arg.arg for arg in args.posonlyargs + args.args] == ["self", "content"]
    assert args.kwonlyargs == [], "keywords beside **fields: declare them in _params"
    (default,) = args.defaults
    assert ast.literal_eval(default) == cls.model_fields["content"].default
    content = args.args[1].annotation
    assert content is not None
    assert ast.unparse(content).startswith("ContentInput")


@pytest.mark.parametrize("cls", MESSAGE_TYPES.values(), ids=lambda cls: cls.__name__)
def test_the_keywords_are_the_fields(cls: type[BaseMessage]) -> None:
    params = _params_of(cls)
    declared = _keywords(params)
    expected = {
        name: _flat(info.annotation) for name, info in cls.model_fields.items() if name != "content"
    }
    where = f"pipes/_messages/_params.py ({params})"
    assert sorted(declared.keys() - expected.keys()) == [], f"no such field: remove from {where}"
    assert sorted(expected.keys() - declared.keys()) == [], f"new fields: declare them in {where}"
    wrong = {name: (declared[name], want) for name, want in expected.items()}
    wrong = {name: pair for name, pair in wrong.items() if pair[0] != pair[1]}
    assert wrong == {}, f"(declared, field) types differ: make {where} match the fields"


@pytest.mark.parametrize("cls", MESSAGE_TYPES.values(), ids=lambda cls: cls.__name__)
def test_required_keywords_are_the_required_fields(cls: type[BaseMessage]) -> None:
    hints = _hints(_params_of(cls))
    declared = {name for name, hint in hints.items() if typing.get_origin(hint) is Required}
    required = {name for name, info in cls.model_fields.items() if info.is_required()}
    assert declared == required, "mark exactly the required fields Required[...] in _params"


def test_the_params_are_never_imported_at_run_time() -> None:
    # They are for type checkers: building messages must not pay for loading them.
    code = (
        "import sys\n"
        "import pipes\n"
        "pipes.HumanMessage('hi'), pipes.AIMessageChunk('a'), pipes.ToolMessage('r', "
        "tool_call_id='c')\n"
        "assert 'pipes._messages._params' not in sys.modules, 'pipes._messages._params loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)
