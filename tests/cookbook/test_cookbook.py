"""Every cookbook script runs, with no API key, and prints what it is meant to show.

The scripts run as subprocesses (as a user runs them), all started at once so the suite waits
for the slowest one only, each with a finite timeout and without ``OPENAI_*`` variables — so
they use the in-process emulator and never the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COOKBOOK = ROOT / "cookbook"
TIMEOUT = 180

# script -> strings its output must contain
EXPECTED: dict[str, list[str]] = {
    "chatopenai_walkthrough.py": [
        "running against the bundled OpenAI-compatible EMULATOR",
        "The shapes are real; the answers are not.",
        "ai_msg.content: J'adore la programmation.",
        "ai_msg.usage_metadata: {'input_tokens':",
        "ai_msg.response_metadata[\"token_usage\"]: {'prompt_tokens':",
        "chain.invoke(...).content: Ich liebe das Programmieren.",
        "ai_msg.tool_calls: [{'name': 'GetWeather', 'args': {'location':",
        "with_structured_output(Joke): Joke(setup=",
        "streamed usage_metadata: {'input_tokens':",
        "'model_name': 'ft:gpt-3.5-turbo-0613:acme::7qTVM5AR'",
        "Done.",
    ],
    "streaming_to_terminal.py": ["chunks; first after", "the answer grows here.", "Done."],
    "structured_extraction.py": [
        "- Ada Lovelace: 36",
        "- Grace Hopper: 85",
        "parsing_error: OutputParserException",
        "People(people=[",
        "Done.",
    ],
    "tool_calling_loop.py": [
        "round 1: the model asks for 2 tool call(s)",
        "get_weather({'location': 'Paris'}) -> 'It is 18 °C and sunny in Paris.'",
        "HumanMessage -> AIMessage -> ToolMessage -> ToolMessage -> AIMessage",
        "Done.",
    ],
    "parallel_fanout.py": [
        "at most 3 model calls at once",
        "keys: ['french', 'keywords', 'original', 'summary']",
    ],
    "retries_and_fallbacks.py": [
        "Answer from the self-hosted model.",
        "Answer after one retry.",
        "Answer from the fallback model. (model: gpt-4o-mini)",
        "Fast answer from the fallback.",
        "BadRequestError after 1 attempt(s)",
        "after 3 attempts",
        "Done.",
    ],
    "batch_from_file.py": ["at most 4 at a time", "10 translated, 0 failed", "Done."],
    "testing_chains.py": ["ok   test_chain_with_cassette", "5 passed", "Done."],
    "custom_chat_model.py": ["Running the conformance kit:", " passed"],
    "rag_in_memory.py": [
        "Indexing 7 paragraphs of cats.txt",
        "7 vectors of 256 dimensions",
        "- [paragraph 0] Domestic cats sleep between twelve and sixteen hours a day.",
        "Cats sleep twelve to sixteen hours a day",
        "Done.",
    ],
    "ray_batch_job.py": [
        "40 rows, 39 answered, 1 failed",
        "  row 3 failed: ValueError",
        "shared quota left:",
        "Done.",
    ],
    "serve_translation.py": [
        "invoke: Ich liebe das Programmieren.",
        "stream: |J|'|adore| la| programmation|.|||",
        "batch: Amo programmare. / Me encanta programar.",
        "composed: ICH LIEBE DAS PROGRAMMIEREN.",
        "bad input: 422 input.input_language: field required: expected a string",
        "models: ['french']",
        "completion: J'adore la programmation.",
        "streamed: Bonjour| tout| le| monde| !",
        "Done.",
    ],
}


@dataclass
class Outcome:
    returncode: int
    output: str


def _scripts() -> list[str]:
    return sorted(p.name for p in COOKBOOK.glob("*.py") if not p.name.startswith("_"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI"))}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    env = _env()
    procs = {
        name: subprocess.Popen(
            [sys.executable, str(COOKBOOK / name)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        for name in EXPECTED
    }
    results: dict[str, Outcome] = {}
    try:
        for name, proc in procs.items():
            try:
                out, _ = proc.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
                out += f"\n[killed after {TIMEOUT} s]"
            results[name] = Outcome(proc.returncode, out)
        yield results
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()


def test_every_script_is_covered() -> None:
    assert sorted(EXPECTED) == _scripts(), "add new cookbook scripts to EXPECTED"


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_script_runs_and_shows_what_it_should(script: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[script]
    assert outcome.returncode == 0, f"{script} exited {outcome.returncode}:\n{outcome.output}"
    missing = [text for text in EXPECTED[script] if text not in outcome.output]
    assert not missing, f"{script} did not print {missing}:\n{outcome.output}"


def test_provider_page_lists_every_kit_flag() -> None:
    from pipes.testing import ChatModelConformanceTests

    page = (ROOT / "docs" / "plugin-authors" / "chat-model-provider.md").read_text()
    flags = [
        name
        for klass in ChatModelConformanceTests.__mro__
        for name in vars(klass).get("__annotations__", {})
        if not name.startswith("_")
    ]
    assert flags, "the kit declares no flags?"
    missing = [flag for flag in flags if f"| `{flag}` |" not in page]
    assert not missing, f"document the kit's flags {missing} on the provider page"


def test_kit_skips_only_undeclared_capabilities(outcomes: dict[str, Outcome]) -> None:
    output = outcomes["custom_chat_model.py"].output
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    odd = [s for s in skips if "does not declare support" not in s and "supports tool" not in s]
    assert not odd, f"the kit skipped tests ChatAcme should run: {odd}"


def test_failures_exit_non_zero() -> None:
    code = (
        "import sys; sys.path.insert(0, 'cookbook'); from _backend import run\n"
        "def main(emulator):\n"
        "    raise ValueError('broken step')\n"
        "run(main)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 1
    assert "FAILED" in proc.stderr
    assert "ValueError: broken step" in proc.stderr


def test_unused_scripted_replies_fail_the_script() -> None:
    # A script that planned more model calls than it made is broken, even if nothing raised.
    code = (
        "import sys; sys.path.insert(0, 'cookbook'); from _backend import run, say\n"
        "run(lambda emulator: say(emulator, 'never asked for'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 1
    assert "never used" in proc.stderr


def test_testing_chains_also_runs_under_pytest() -> None:
    # The script says `pytest cookbook/testing_chains.py` works; keep it true.
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "testing_chains.py"],
        cwd=COOKBOOK,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout
