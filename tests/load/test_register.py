"""register_serializable: how a plugin opts its pydantic classes in."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from pipes import LoadError, dumpd, load, register_serializable
from pipes_openai import ChatOpenAI, RateLimitError


class Widget(BaseModel):
    size: int = 1
    label: str = "w"
    token: SecretStr | None = None
    headers: dict[str, str] | None = None


register_serializable(
    Widget,
    ["acme_plugin", "Widget"],
    also=[["acme_plugin", "widgets", "Widget"]],
    names={"size": "widget_size"},
    secrets={"token": "ACME_TOKEN"},
    secret_entries={"headers": lambda name: name.lower() == "x-key"},
    ignore=["legacy"],
)


def test_a_plugin_class_round_trips_within_its_namespace() -> None:
    widget = Widget(size=3, token=SecretStr("t0k"), headers={"x-key": "hdr", "a": "b"})
    doc = dumpd(widget)
    assert doc == {
        "lc": 1,
        "type": "constructor",
        "id": ["acme_plugin", "Widget"],
        "kwargs": {
            "widget_size": 3,
            "token": {"lc": 1, "type": "secret", "id": ["ACME_TOKEN"]},
            "headers": {"x-key": {"lc": 1, "type": "secret", "id": ["headers.x-key"]}, "a": "b"},
        },
    }
    with pytest.raises(LoadError, match="outside the namespaces"):
        load(doc)
    secrets = {"ACME_TOKEN": "t0k", "headers.x-key": "hdr"}
    assert load(doc, valid_namespaces=["acme_plugin"], secrets_map=secrets) == widget


def test_other_ids_legacy_keys_and_undeclared_fields() -> None:
    doc = {
        "lc": 1,
        "type": "constructor",
        "id": ["acme_plugin", "widgets", "Widget"],
        "kwargs": {"size": 2, "legacy": 1},
    }
    assert load(doc, valid_namespaces=["acme_plugin"]) == Widget(size=2)
    doc["kwargs"] = {"size": 1, "widget_size": 2}
    with pytest.raises(LoadError, match="the field 'size' is given twice"):
        load(doc, valid_namespaces=["acme_plugin"])
    doc["kwargs"] = {"colour": "red"}
    with pytest.raises(LoadError, match="Widget has no field 'colour'"):
        load(doc, valid_namespaces=["acme_plugin"])


def test_plugins_are_not_core() -> None:
    with pytest.raises(LoadError, match="not in allowed_objects"):
        load(dumpd(Widget()), valid_namespaces=["acme_plugin"], allowed_objects="core")
    assert (
        load(dumpd(Widget()), valid_namespaces=["acme_plugin"], allowed_objects=[Widget])
        == Widget()
    )


def test_registration_mistakes_are_errors() -> None:
    class Other(BaseModel):
        x: int = 0

    with pytest.raises(ValueError, match=r"id \['acme_plugin', 'Widget'\] is taken by Widget"):
        register_serializable(Other, ["acme_plugin", "Widget"])
    with pytest.raises(
        ValueError, match=r"Widget is already serializable as \['acme_plugin', 'Widget'\]"
    ):
        register_serializable(Widget, ["acme_plugin", "Widget2"])
    with pytest.raises(ValueError, match="Other has no serializable field 'y'"):
        register_serializable(Other, ["acme_plugin", "Other"], secrets={"y": "Y"})
    with pytest.raises(ValueError, match=r"expected 'package\.module:ClassName'"):
        register_serializable("no_colon", ["acme_plugin", "Lazy"])


def test_a_lazy_registration_imports_the_plugin_module_only_when_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_lazy_mod.py").write_text(
        textwrap.dedent(
            """
            from pydantic import BaseModel

            class Gadget(BaseModel):
                n: int = 0
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    register_serializable("acme_lazy_mod:Gadget", ["acme_plugin", "Gadget"])
    assert "acme_lazy_mod" not in sys.modules
    doc = {"lc": 1, "type": "constructor", "id": ["acme_plugin", "Gadget"], "kwargs": {"n": 4}}
    gadget: Any = load(doc, valid_namespaces=["acme_plugin"])
    assert type(gadget).__name__ == "Gadget"
    assert gadget.n == 4
    assert dumpd(gadget)["id"] == ["acme_plugin", "Gadget"]


def test_provider_exception_types_survive_in_fallbacks() -> None:
    model = ChatOpenAI(api_key="sk-x")
    chain = model.with_fallbacks([model], exceptions_to_handle=(RateLimitError, TimeoutError))
    doc = dumpd(chain)
    assert doc["kwargs"]["exceptions_to_handle"][0]["id"] == [
        "pipes_openai",
        "_errors",
        "RateLimitError",
    ]
    loaded = load(doc, secrets_map={"OPENAI_API_KEY": "sk-x"})
    assert loaded.exceptions_to_handle == (RateLimitError, TimeoutError)


def test_registering_at_import_costs_no_layer() -> None:
    # pipes_openai registers its classes at import: that must not load the id table of pipes'
    # own classes (which imports every layer) nor the prompt, parser or schema layers.
    import subprocess

    code = (
        "import sys, pipes_openai\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('pipes._load._builtins', "
        "'pipes._prompts', 'pipes._parsers', 'pipes._schema', 'pipes_openai._azure')))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_secret_is_read_under_any_name_of_its_field() -> None:
    doc = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "chat_models", "openai", "ChatOpenAI"],
        "kwargs": {"api_key": {"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]}},
    }
    model = load(doc, secrets_map={"OPENAI_API_KEY": "sk-by-alias"})
    assert model.api_key.get_secret_value() == "sk-by-alias"


def test_only_pydantic_models_with_a_proper_id_register() -> None:
    class Plain:
        pass

    with pytest.raises(TypeError, match="takes a pydantic model class"):
        register_serializable(Plain, ["acme_plugin", "Plain"])  # type: ignore[arg-type]
    for bad in ("acme_plugin.Widget", [], ["acme_plugin", ""], ["acme_plugin", 1]):
        with pytest.raises(ValueError, match="a serialization id is a non-empty list"):
            register_serializable(Widget, bad)  # type: ignore[arg-type]
