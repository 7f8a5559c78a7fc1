"""generate() / agenerate(): LangChain's LLMResult, with every choice of n > 1."""

from __future__ import annotations

import pytest
from conftest import KEY

from pipes import ChatGeneration, HumanMessage, Listener, LLMResult, Run
from pipes.testing import FakeChatModel
from pipes_openai import ChatOpenAI, OpenAIConfigurationError
from pipes_openai.emulator import Emulator


def _llm(emu: Emulator, **kwargs: object) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key=KEY, base_url=emu.base_url, **kwargs)  # type: ignore[arg-type]


def test_n_choices_reach_generate_as_generations(emu: Emulator) -> None:
    result = _llm(emu, n=3).generate([[HumanMessage("hello")], [HumanMessage("again")]])
    assert isinstance(result, LLMResult)
    assert [len(g) for g in result.generations] == [3, 3]
    first = result.generations[0]
    assert all(isinstance(g, ChatGeneration) for g in first)
    assert [g.text for g in first] == ["hello"] * 3  # the emulator echoes every choice
    assert first[0].generation_info == {"finish_reason": "stop"}
    assert result.llm_output is not None
    assert result.llm_output["model_name"].startswith("gpt-4o-mini")
    assert result.llm_output["token_usage"]["total_tokens"] > 0
    assert emu.requests[-1].body["n"] == 3  # one request per prompt, not one per choice
    assert len(emu.requests) == 2


async def test_agenerate_runs_the_prompts_concurrently_in_order(emu: Emulator) -> None:
    result = await _llm(emu).agenerate([["one"], ["two"], ["three"]], n=2)
    assert [[g.text for g in gens] for gens in result.generations] == [
        ["one", "one"],
        ["two", "two"],
        ["three", "three"],
    ]


def test_invoke_still_returns_the_first_choice(emu: Emulator) -> None:
    assert _llm(emu, n=2).invoke("hi").text == "hi"


def test_generate_is_a_traced_call_with_the_usual_events(emu: Emulator) -> None:
    starts: list[str] = []

    class Seen(Listener):
        def on_start(self, run: Run) -> None:
            starts.append(run.run_type)

    _llm(emu).generate([["x"]], callbacks=[Seen()], tags=["batch-job"])
    assert starts == ["chat_model"]


def test_a_stream_with_several_choices_is_refused_instead_of_dropping_them(
    emu: Emulator,
) -> None:
    with pytest.raises(OpenAIConfigurationError, match="n=2 asks for 2 choices"):
        list(_llm(emu, n=2).stream("hi"))


def test_any_chat_model_generates_one_generation_per_prompt() -> None:
    result = FakeChatModel(responses=["a", "b"]).generate([["x"], ["y"]])
    assert [[g.text for g in gens] for gens in result.generations] == [["a"], ["b"]]
