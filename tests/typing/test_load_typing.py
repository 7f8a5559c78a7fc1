"""Static typing of serialization: checked by mypy --strict (and run by pytest)."""

from __future__ import annotations

from typing import Any, assert_type

from pydantic import BaseModel

from pipes import HumanMessage, LoadError, dumpd, dumps, load, loads, register_serializable


class Plugin(BaseModel):
    n: int = 0


def test_signatures() -> None:
    assert_type(dumps(HumanMessage("hi"), pretty=True), str)
    assert_type(dumpd(HumanMessage("hi")), Any)
    assert_type(loads(dumps(HumanMessage("hi")), secrets_map={"K": "v"}), Any)
    assert_type(load(dumpd(HumanMessage("hi")), allowed_objects=[HumanMessage]), Any)
    assert_type(load({}, allowed_objects="messages", secrets_from_env=False), Any)
    assert_type(register_serializable(Plugin, ["typing_plugin", "Plugin"]), None)
    error = LoadError("refused", path="$.kwargs")
    assert_type(error.path, str)
    assert isinstance(error, ValueError)


def _not_run() -> None:  # a lazy registration of a module that does not exist: typed only
    assert_type(register_serializable("typing_plugin_mod:Plugin", ("typing_plugin", "Lazy")), None)
