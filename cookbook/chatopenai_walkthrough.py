"""The main demo: LangChain's ChatOpenAI notebook, walked through on pipes.

    python cookbook/chatopenai_walkthrough.py      # or: scripts/demo
    python cookbook/chatopenai_walkthrough.py --emulator   # or: PIPES_DEMO_EMULATOR=1

Without OPENAI_API_KEY it runs against the bundled emulator (and says so); with one, against the
server ChatOpenAI really talks to, which it names: OpenAI's API, or the OpenAI-compatible server
at OPENAI_BASE_URL when that is set too. ``--emulator`` (or ``PIPES_DEMO_EMULATOR=1``) ignores
any OPENAI_* settings and uses the emulator. Translation, the prompt chain, tool calling with
``GetWeather``, structured output, streaming with usage, and the fine-tuned model name — the
notebook's cells, in order.
Exits with status 1 if any step fails.
"""

from __future__ import annotations

import argparse
import os

from _backend import Emulator, run, say, section
from pydantic import BaseModel, Field

from pipes import ChatPromptTemplate, HumanMessage
from pipes_openai import ChatOpenAI, NotFoundError


class GetWeather(BaseModel):
    """Get the current weather in a given location"""

    location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


class Joke(BaseModel):
    """Joke to tell user."""

    setup: str = Field(description="The setup of the joke")
    punchline: str = Field(description="The punchline to the joke")


def main(emulator: Emulator | None) -> None:
    section("Instantiation")
    llm = ChatOpenAI(
        model="gpt-4o",
        temperature=0,
        max_tokens=None,
        timeout=None,  # pipes: a finite default (60 s), never "hang forever"
        max_retries=2,
    )
    print(repr(llm))  # the API key never shows
    print("talking to:", _describe_server(llm, emulator))

    section("Invocation")
    say(emulator, "J'adore la programmation.")
    messages = [
        (
            "system",
            "You are a helpful assistant that translates English to French. "
            "Translate the user sentence.",
        ),
        ("human", "I love programming."),
    ]
    ai_msg = llm.invoke(messages)
    print("ai_msg.content:", ai_msg.content)
    print("ai_msg.usage_metadata:", ai_msg.usage_metadata)
    print('ai_msg.response_metadata["token_usage"]:', ai_msg.response_metadata["token_usage"])
    assert ai_msg.content, "the model returned no text"
    assert ai_msg.usage_metadata is not None, "no token usage on the reply"

    section("Chaining")
    say(emulator, "Ich liebe das Programmieren.")
    prompt = ChatPromptTemplate.from_messages(
        [
            (
                "system",
                "You are a helpful assistant that translates {input_language} to "
                "{output_language}.",
            ),
            ("human", "{input}"),
        ]
    )
    chain = prompt | llm
    reply = chain.invoke(
        {"input_language": "English", "output_language": "German", "input": "I love programming."}
    )
    print("chain.invoke(...).content:", reply.content)
    assert reply.content, "the chain returned no text"

    section("Tool calling")
    llm_with_tools = llm.bind_tools([GetWeather])
    ai_msg = llm_with_tools.invoke("what is the weather like in San Francisco")
    print("ai_msg.tool_calls:", ai_msg.tool_calls)
    assert ai_msg.tool_calls, "the model did not call GetWeather"
    assert ai_msg.tool_calls[0]["name"] == "GetWeather"

    section("Structured output")
    joke = llm.with_structured_output(Joke).invoke("Tell me a joke about cats")
    print("with_structured_output(Joke):", repr(joke))
    assert isinstance(joke, Joke)

    section("Streaming (token by token, with usage)")
    full = None
    for chunk in llm.stream("Write one short sentence about streaming."):
        print(chunk.content, end="|", flush=True)
        full = chunk if full is None else full + chunk
    print()
    assert full is not None, "the stream yielded nothing"
    print("folded content:", full.content)
    print("streamed usage_metadata:", full.usage_metadata)

    section("Fine-tuned model")
    say(emulator, "Hello! How can I help you today?")
    fine_tuned_model = ChatOpenAI(temperature=0, model_name="ft:gpt-3.5-turbo-0613:acme::7qTVM5AR")
    try:
        print(repr(fine_tuned_model([HumanMessage(content="Hi")])))
    except NotFoundError as exc:
        # On the real API this fine-tune belongs to the notebook's author, not to you.
        if emulator is not None:
            raise
        print("NotFoundError, as expected unless you own this fine-tune:", exc.code)


def _describe_server(llm: ChatOpenAI, emulator: Emulator | None) -> str:
    # Read from the model itself, so the line names the server the requests really go to.
    url = llm.base_url or "https://api.openai.com/v1"
    if emulator is not None:
        return f"the bundled emulator at {url}"
    if "api.openai.com" in url:
        return f"the real OpenAI API at {url}"
    return f"the OpenAI-compatible server at {url}, not OpenAI's API"


_FORCE_ENV = "PIPES_DEMO_EMULATOR"


def cli(argv: list[str] | None = None) -> None:
    """Parse the switches, pick the backend, say which, and run the walkthrough."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--emulator",
        action="store_true",
        help=f"use the bundled emulator even if OPENAI_API_KEY is set (or set {_FORCE_ENV}=1)",
    )
    args = parser.parse_args(argv)
    forced = args.emulator or os.environ.get(_FORCE_ENV, "").lower() in ("1", "true", "yes")
    if forced:
        # Every OPENAI_* setting goes, so nothing of a real account reaches the emulator.
        for name in [name for name in os.environ if name.startswith("OPENAI_")]:
            del os.environ[name]
    if os.environ.get("OPENAI_API_KEY"):
        print(
            "OPENAI_API_KEY is set: running against a real server, named below (run with "
            f"--emulator, or {_FORCE_ENV}=1, to use the bundled emulator instead)."
        )
        # No backend set-up: ChatOpenAI reads the caller's OPENAI_* settings as they are.
        run(main, offline=True)
    else:
        run(main)


if __name__ == "__main__":
    cli()
