"""Testing a chain: with the fake chat model, and with a recorded cassette.

    python cookbook/testing_chains.py            # run the tests
    pytest cookbook/testing_chains.py            # the same tests, with pytest
    python cookbook/testing_chains.py --record   # re-record the cassette (from an emulator)

Neither kind of test needs a network or a key. The cassette shipped in ``cookbook/data/`` was
recorded from the emulator (``--record`` shows how), so it contains no real data; record yours
from the real API with ``Emulator(upstream="https://api.openai.com/v1", record=path)``.
"""

from __future__ import annotations

import sys
from typing import Any

from _backend import DATA, Emulator, run, section
from tool_calling_loop import chat_with_tools

from pipes import (
    AIMessage,
    BaseChatModel,
    ChatPromptTemplate,
    Runnable,
    StrOutputParser,
    ToolCall,
    ToolMessage,
)
from pipes.testing import FakeChatModel
from pipes_openai import BadRequestError, ChatOpenAI

CASSETTE = DATA / "translate_cassette.json"
SENTENCES = ["I love programming.", "Tests should never need the internet."]


def build_chain(llm: BaseChatModel) -> Runnable[dict[str, Any], str]:
    """The application code under test: a translation chain."""
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Translate the user's sentence to {language}."), ("human", "{sentence}")]
    )
    return prompt | llm | StrOutputParser()


# -- with the fake chat model ------------------------------------------------------------------


def test_chain_with_fake_model() -> None:
    model = FakeChatModel(responses=["J'adore la programmation."])
    chain = build_chain(model)

    assert chain.invoke({"language": "French", "sentence": "I love programming."}) == (
        "J'adore la programmation."
    )
    sent = model.calls[0].messages  # what the chain sent to the model
    assert sent[0].content == "Translate the user's sentence to French."
    assert sent[-1].content == "I love programming."


def test_chain_streams_with_fake_model() -> None:
    model = FakeChatModel(responses=["Ich liebe das Programmieren."])
    tokens = list(build_chain(model).stream({"language": "German", "sentence": "I love it."}))
    assert len(tokens) > 1
    assert "".join(tokens) == "Ich liebe das Programmieren."


def test_tool_loop_with_fake_model() -> None:
    call: ToolCall = {"name": "get_weather", "args": {"location": "Paris"}, "id": "call_1"}
    model = FakeChatModel(responses=[AIMessage("", tool_calls=[call]), "Sunny in Paris."])
    answer, _ = chat_with_tools(model, "Weather in Paris?")
    assert answer == "Sunny in Paris."
    tool_result = model.calls[1].messages[-1]  # what the loop sent back
    assert isinstance(tool_result, ToolMessage)
    assert tool_result.tool_call_id == "call_1"
    assert "Paris" in tool_result.text


# -- with a cassette ---------------------------------------------------------------------------


def _cassette_llm(emulator: Emulator) -> ChatOpenAI:
    # Parameters are part of the recorded request: keep them identical when replaying.
    return ChatOpenAI(
        model="gpt-4o-mini", temperature=0, base_url=emulator.base_url, api_key="sk-unused"
    )


def test_chain_with_cassette() -> None:
    with Emulator(cassette=CASSETTE) as replay:
        chain = build_chain(_cassette_llm(replay))
        assert chain.invoke({"language": "French", "sentence": SENTENCES[0]}) == (
            "J'adore la programmation."
        )
        assert chain.invoke({"language": "French", "sentence": SENTENCES[1]}) == (
            "Les tests ne devraient jamais avoir besoin d'internet."
        )
        assert not replay.misses


def test_cassette_miss_is_loud() -> None:
    with Emulator(cassette=CASSETTE) as replay:
        chain = build_chain(_cassette_llm(replay))
        error: BadRequestError | None = None
        try:
            chain.invoke({"language": "Italian", "sentence": SENTENCES[0]})
        except BadRequestError as exc:
            error = exc
        assert error is not None, "a request missing from the cassette must fail"
        assert error.code == "cassette_miss"
        assert len(replay.misses) == 1


def record_cassette() -> None:
    """Re-record the cassette, proxying to an emulator that plays the translations."""
    with Emulator() as upstream:
        upstream.script(
            "J'adore la programmation.", "Les tests ne devraient jamais avoir besoin d'internet."
        )
        with Emulator(upstream=upstream.base_url, record=CASSETTE) as recorder:
            chain = build_chain(_cassette_llm(recorder))
            for sentence in SENTENCES:
                print(chain.invoke({"language": "French", "sentence": sentence}))
    print(f"recorded {CASSETTE}")


TESTS = [
    test_chain_with_fake_model,
    test_chain_streams_with_fake_model,
    test_tool_loop_with_fake_model,
    test_chain_with_cassette,
    test_cassette_miss_is_loud,
]


def main(_: Emulator | None) -> None:
    if "--record" in sys.argv[1:]:
        record_cassette()
        return
    section("Tests")
    for test in TESTS:
        test()
        print(f"ok   {test.__name__}")
    print(f"\n{len(TESTS)} passed")


if __name__ == "__main__":
    run(main, offline=True)
