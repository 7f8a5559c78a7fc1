"""A tool-calling loop: the model asks for tools, we run them, feed the results back, repeat.

    python cookbook/tool_calling_loop.py

Each ``AIMessage.tool_calls`` entry is executed by invoking the matching ``@tool`` with the
call itself, which returns a ``ToolMessage`` bound to the call's id; the loop stops when the
model answers in text (or after ``MAX_ROUNDS``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from _backend import Emulator, Reply, ToolCall, run, say, section

from pipes import (
    AIMessage,
    BaseChatModel,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    tool,
)
from pipes_openai import ChatOpenAI

MAX_ROUNDS = 5

_OFFSETS = {"paris": 1, "london": 0, "new york": -5, "tokyo": 9}


@tool(parse_docstring=True)
def get_weather(location: str) -> str:
    """Get the current weather in a given location.

    Args:
        location: The city, e.g. Paris.
    """
    # A stand-in for a weather API call.
    return f"It is 18 °C and sunny in {location}."


@tool(parse_docstring=True)
def get_local_time(city: str) -> str:
    """Get the local time in a city.

    Args:
        city: The city, e.g. Tokyo.
    """
    offset = _OFFSETS.get(city.lower(), 0)
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(hours=offset)
    return f"It is {now:%H:%M} in {city}."


TOOLS = {t.name: t for t in (get_weather, get_local_time)}


def chat_with_tools(llm: BaseChatModel, question: str) -> tuple[str, list[BaseMessage]]:
    """Run the loop for one question; returns the final answer and the transcript."""
    llm_with_tools = llm.bind_tools(list(TOOLS.values()))
    messages: list[BaseMessage] = [
        SystemMessage("Answer using the tools. Call several tools at once when you can."),
        HumanMessage(question),
    ]
    for round_number in range(1, MAX_ROUNDS + 1):
        ai_msg = llm_with_tools.invoke(messages)
        messages.append(ai_msg)
        if not ai_msg.tool_calls:
            return ai_msg.text, messages
        print(f"round {round_number}: the model asks for {len(ai_msg.tool_calls)} tool call(s)")
        for call in ai_msg.tool_calls:
            result = TOOLS[call["name"]].invoke(call)  # a ToolMessage with call["id"]
            assert isinstance(result, ToolMessage)
            print(f"  {call['name']}({call['args']}) -> {result.content!r}")
            messages.append(result)
        for invalid in ai_msg.invalid_tool_calls:
            # Arguments that were not valid JSON: tell the model instead of failing.
            messages.append(
                ToolMessage(
                    f"Invalid arguments: {invalid['error']}",
                    tool_call_id=invalid["id"] or "",
                    status="error",
                )
            )
    raise RuntimeError(f"no final answer after {MAX_ROUNDS} rounds")


def main(emulator: Emulator | None) -> None:
    llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)

    section("Question -> tool calls -> tool results -> answer")
    # On the emulator: script the calls a model would make (unscripted, it would call every
    # tool named in the question with arguments synthesized from the schemas); after the tool
    # results it answers with their text.
    say(
        emulator,
        Reply(
            tool_calls=[
                ToolCall("get_weather", {"location": "Paris"}),
                ToolCall("get_local_time", {"city": "Paris"}),
            ]
        ),
    )
    answer, transcript = chat_with_tools(llm, "What is the weather in Paris, and the local time?")
    print("final answer:", answer)
    print("transcript:", " -> ".join(type(m).__name__ for m in transcript))
    assert any(isinstance(m, ToolMessage) for m in transcript), "no tool was called"
    assert isinstance(transcript[-1], AIMessage)
    assert answer


if __name__ == "__main__":
    run(main)
