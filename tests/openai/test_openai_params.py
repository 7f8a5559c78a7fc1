"""The constructors type checkers see (``pipes_openai._params``) agree with the pydantic fields.

Every field and every LangChain name of it (a validation alias) is a keyword with the field's
type (a ``SecretStr`` field also takes a ``str``), and nothing else is; each class's
``TYPE_CHECKING`` ``__init__`` takes its own ``TypedDict``. What type checkers then accept and
reject is in ``tests/typing/test_openai_typing.py``.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any, get_type_hints

import httpx
import pytest
from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo

from pipes_openai import AzureChatOpenAI, ChatOpenAI
from pipes_openai._httpx_types import HttpxInstance
from pipes_openai._params import AzureChatOpenAIParams, ChatOpenAIParams

ROOT = Path(__file__).resolve().parents[2]
CASES = [(ChatOpenAI, ChatOpenAIParams), (AzureChatOpenAI, AzureChatOpenAIParams)]


def _flat(annotation: Any) -> frozenset[Any]:
    """A union as the set of its members (``Optional[X]``, ``X | None`` and nesting alike);
    a field's ``Annotated[Any, HttpxInstance(name)]`` stands for ``httpx.<name>``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return frozenset().union(*(_flat(arg) for arg in typing.get_args(annotation)))
    lazy = [m for m in getattr(annotation, "__metadata__", ()) if isinstance(m, HttpxInstance)]
    if lazy:
        return frozenset({getattr(httpx, lazy[0].name)})
    return frozenset({annotation})


def _names(name: str, info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if alias is None:
        return [name]
    choices = alias.choices if isinstance(alias, AliasChoices) else []
    names = [choice for choice in choices if isinstance(choice, str)]
    if names and len(names) == len(choices):
        return [name, *(choice for choice in names if choice != name)]
    raise AssertionError(f"{name}: a validation alias of a kind _params cannot express: {alias!r}")


def _expected(model: type[BaseModel]) -> dict[str, frozenset[Any]]:
    expected: dict[str, frozenset[Any]] = {}
    for name, info in model.model_fields.items():
        accepted = _flat(info.annotation)
        if SecretStr in accepted:
            accepted |= {str}  # pydantic wraps a str key in SecretStr
        for keyword in _names(name, info):
            expected[keyword] = accepted
    return expected


@pytest.mark.parametrize(("model", "params"), CASES, ids=lambda case: case.__name__)
def test_keywords_are_the_fields_and_their_aliases(model: type[BaseModel], params: type) -> None:
    expected = _expected(model)
    declared = {
        name: _flat(hint) for name, hint in get_type_hints(params, include_extras=True).items()
    }
    where = f"pipes_openai/_params.py:{params.__name__}"
    assert sorted(declared.keys() - expected.keys()) == [], f"no such field: remove from {where}"
    assert sorted(expected.keys() - declared.keys()) == [], f"new fields: declare them in {where}"
    pairs = {name: (declared[name], want) for name, want in expected.items()}
    wrong = {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}
    assert wrong == {}, f"(declared, field) types differ: make {where} match the fields"


@pytest.mark.parametrize(("model", "params"), CASES, ids=lambda case: case.__name__)
def test_required_keywords_are_the_required_fields(model: type[BaseModel], params: Any) -> None:
    # A required field with aliases cannot be Required (either name will do): none exists.
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    assert all(_names(name, model.model_fields[name]) == [name] for name in required)
    assert params.__required_keys__ == required


@pytest.mark.parametrize(("model", "params"), CASES, ids=lambda case: case.__name__)
def test_the_class_constructor_takes_its_typed_dict(model: type, params: type) -> None:
    # The TYPE_CHECKING __init__ exists only for type checkers: read it from the source.
    tree = ast.parse(inspect.getsource(sys.modules[model.__module__]))
    (cls,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == model.__name__)
    inits = [n for n in ast.walk(cls) if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    assert len(inits) == 1
    args = inits[0].args
    assert [arg.arg for arg in args.args + args.kwonlyargs] == ["self"], "keywords beside it"
    assert args.kwarg is not None
    assert args.kwarg.annotation is not None
    assert ast.unparse(args.kwarg.annotation) == f"Unpack[{params.__name__}]"


def test_the_params_are_never_imported_at_run_time() -> None:
    # They are for type checkers: building the models must not pay for loading them.
    code = (
        "import sys\n"
        "from pipes_openai import AzureChatOpenAI, ChatOpenAI\n"
        "ChatOpenAI(api_key='k')\n"
        "AzureChatOpenAI(api_key='k', azure_endpoint='https://x', azure_deployment='d', "
        "api_version='v')\n"
        "assert 'pipes_openai._params' not in sys.modules, 'pipes_openai._params was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)
