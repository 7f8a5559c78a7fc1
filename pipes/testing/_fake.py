"""Fake chat models for tests: scripted replies ([`FakeChatModel`][pipes.testing.FakeChatModel]) or
a function computing them ([`FunctionChatModel`][pipes.testing.FunctionChatModel]), in the spirit of
pydantic-ai's `TestModel` and `FunctionModel`.

Both are real [`BaseChatModel`][pipes.BaseChatModel] providers with native sync *and* async paths
(nothing is pushed to a thread), stream token by token, report usage, accept
`bind_tools` and `with_structured_output`, and record every call in `.calls`:

```python
model = FakeChatModel(responses=["Hello world", ValueError("rate limited")])
assert model.invoke("hi").content == "Hello world"
assert model.calls[0].messages == [HumanMessage("hi")]
with pytest.raises(ValueError):
    model.invoke("again")
```

A scripted response is one of:

* `str` — the reply text;
* an `AIMessage` — returned as is (tool calls, ids and metadata included);
* a pydantic instance or a `dict` — structured data: it becomes a call of the forced (or
  only) bound tool, or JSON text when no tool is bound;
* an exception instance or class — raised when its turn comes (the call is still recorded);
* a list of `str` / `AIMessageChunk` / exceptions — the exact stream chunks; an exception
  in the list is raised mid-stream after the chunks before it were yielded.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pipes._messages import BaseMessage

from ._calls import CallInfo, ScriptExhaustedError
from ._fake_base import _FakeBase

__all__ = ["FakeChatModel"]


class FakeChatModel(_FakeBase):
    """A chat model that replies from a script, for tests. No network, no threads.

    `responses` are used in order (see the module docstring for what each may be); when
    they run out the model raises [`ScriptExhaustedError`][pipes.testing.ScriptExhaustedError] — or
    starts over with `cycle=True`. With no `responses` at all it answers `auto_text` (`"fake
    response"`), and a valid synthesized value for forced tool calls and structured output.

    Example:
        ```python
        model = FakeChatModel(responses=["Bonjour", AIMessage("", tool_calls=[...])])
        chain = prompt | model | StrOutputParser()
        assert chain.invoke({"text": "Hello"}) == "Bonjour"
        assert "Hello" in model.calls[0].last_text

        person = FakeChatModel().with_structured_output(Person).invoke("x")  # a valid Person
        ```
    """

    responses: list[Any] = Field(default_factory=list)
    """The scripted responses ([`ScriptedResponse`][pipes.testing.ScriptedResponse]), used in
    order."""
    cycle: bool = False
    """Start over at the first response when the script runs out (LangChain's behaviour)."""
    auto_text: str = "fake response"
    """The reply text when no `responses` were given."""

    def reset(self) -> None:
        """Forget recorded calls and restart the script from its first response."""
        state = self._state
        with state.lock:
            state.calls.clear()
            state.position = 0

    def _auto_text(self, messages: list[BaseMessage]) -> str:
        return self.auto_text

    def _reply(self, messages: list[BaseMessage], info: CallInfo) -> Any:
        responses = self.responses
        if not responses:
            return self._auto(messages, info)
        state = self._state
        with state.lock:
            position = state.position
            if position >= len(responses):
                if not self.cycle:
                    raise ScriptExhaustedError(
                        f"{type(self).__name__} ran out of scripted responses: it was given "
                        f"{len(responses)} and this is call {position + 1}. Add responses, "
                        "pass cycle=True to repeat them, or check for an unexpected extra call "
                        f"(last input: {_last_text(messages)!r})."
                    )
                position = 0
            state.position = position + 1
        return responses[position]


def _last_text(messages: list[BaseMessage]) -> str:
    text = messages[-1].text if messages else ""
    return text if len(text) <= 60 else text[:57] + "..."
