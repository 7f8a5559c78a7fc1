"""Arbitrary documents: loading returns or raises LoadError, never anything else."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipes import LoadError, load
from pipes._load._registry import entry_for_id, known_ids

IDS = [name.split(".") for name in known_ids()]
entry_for_id(("langchain", "chat_models", "openai", "ChatOpenAI"))  # plugins registered lazily


def _kwarg_names(id: list[str]) -> list[str]:
    entry = entry_for_id(tuple(id))
    return sorted(entry.fields) if entry is not None else []


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, width=16),
    st.sampled_from(["", "x", "{x}", "{{ x.__class__ }}", "f-string", "jinja2", "human", "ai"]),
)


def _node(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def build(id: list[str]) -> st.SearchStrategy[Any]:
        names = _kwarg_names(id) or ["x"]
        return st.fixed_dictionaries(
            {
                "lc": st.just(1),
                "type": st.sampled_from(
                    ["constructor", "constructor", "secret", "not_implemented"]
                ),
                "id": st.just(id),
                "kwargs": st.dictionaries(st.sampled_from(names), children, max_size=4),
            }
        )

    return st.sampled_from(IDS).flatmap(build)


documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["lc", "type", "id", "a", "__lc_escaped__"]), children, max_size=3
        ),
        _node(children),
    ),
    max_leaves=12,
)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(documents)
def test_any_document_loads_or_raises_load_error(doc: Any) -> None:
    try:
        load(doc, secrets_map={"OPENAI_API_KEY": "sk-x"}, valid_namespaces=["acme_plugin"])
    except LoadError:
        pass
