"""LangChain's serialization how-to (python.langchain.com/docs/how_to/serialization), ported by
changing the imports only."""

from __future__ import annotations

import json

from pipes import ChatPromptTemplate, dumpd, dumps, load, loads
from pipes_openai import ChatOpenAI


def test_the_how_to_runs_with_the_imports_changed() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate the following into {language}:"), ("user", "{text}")],
    )
    llm = ChatOpenAI(model="gpt-4o-mini", api_key="llm-api-key")
    chain = prompt | llm

    string_representation = dumps(chain, pretty=True)
    assert "llm-api-key" not in string_representation
    assert json.loads(string_representation)["kwargs"]["last"]["kwargs"] == {
        "model_name": "gpt-4o-mini",
        "openai_api_key": {"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]},
    }
    dict_representation = dumpd(chain)
    assert type(dict_representation) is dict

    chain = loads(string_representation, secrets_map={"OPENAI_API_KEY": "llm-api-key"})
    chain = load(dict_representation, secrets_map={"OPENAI_API_KEY": "llm-api-key"})
    assert chain.last.openai_api_key.get_secret_value() == "llm-api-key"
    assert dumpd(chain) == dict_representation
