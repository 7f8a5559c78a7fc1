"""LangChain's result types for callback handlers: `LLMResult` and its generations.

Callback handlers receive them (`on_llm_end(response: LLMResult)`,
`on_llm_new_token(token, chunk=ChatGenerationChunk(...))`); pipes itself returns messages.
Plain dataclasses with LangChain's fields: `generations` is a list (one per prompt) of lists
(one per candidate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipes._messages import AIMessage, AIMessageChunk, BaseMessage

__all__ = ["ChatGeneration", "ChatGenerationChunk", "Generation", "LLMResult"]


@dataclass(kw_only=True)
class Generation:
    """One candidate output of a text model: `text` and provider `generation_info`.

    Example:
        ```python
        Generation(text="hello").text  # "hello"
        ```
    """

    text: str = ""
    generation_info: dict[str, Any] | None = None
    type: str = "Generation"


@dataclass(kw_only=True)
class ChatGeneration(Generation):
    """One candidate output of a chat model: the `message` (and its `text`).

    Example:
        ```python
        ChatGeneration(message=AIMessage("hi")).text  # "hi"
        ```
    """

    message: BaseMessage
    type: str = "ChatGeneration"

    def __post_init__(self) -> None:
        if not self.text:
            self.text = str(self.message.text)


@dataclass(kw_only=True)
class ChatGenerationChunk(ChatGeneration):
    """A streamed piece of a chat generation; `a + b` merges two chunks.

    Example:
        ```python
        chunk = ChatGenerationChunk(message=AIMessageChunk("a"))
        (chunk + ChatGenerationChunk(message=AIMessageChunk("b"))).text  # "ab"
        ```
    """

    message: AIMessageChunk
    type: str = "ChatGenerationChunk"

    def __add__(self, other: ChatGenerationChunk) -> ChatGenerationChunk:
        if not isinstance(other, ChatGenerationChunk):
            raise TypeError(
                f"can only add a ChatGenerationChunk to a ChatGenerationChunk, got "
                f"{type(other).__name__}"
            )
        info = {**(self.generation_info or {}), **(other.generation_info or {})}
        return ChatGenerationChunk(
            message=self.message + other.message, generation_info=info or None
        )


@dataclass(kw_only=True)
class LLMResult:
    """What `on_llm_end` receives: `generations[i][j]` is candidate `j` for prompt `i`;
    `llm_output` holds provider data (`token_usage`, `model_name`) when known.

    Example:
        ```python
        def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
            message = response.generations[0][0].message
            print(message.usage_metadata)
        ```
    """

    generations: list[list[Generation]]
    llm_output: dict[str, Any] | None = None
    run: list[Any] | None = None
    type: str = "LLMResult"


def llm_result(message: AIMessage) -> LLMResult:
    """The `LLMResult` of one chat call that replied `message`."""
    metadata = message.response_metadata
    llm_output = {
        key: metadata[key]
        for key in ("token_usage", "model_name", "system_fingerprint")
        if metadata.get(key) is not None
    }
    return LLMResult(generations=[[ChatGeneration(message=message)]], llm_output=llm_output or None)


def generation_chunk(chunk: AIMessageChunk) -> ChatGenerationChunk:
    """The `chunk=` argument of `on_llm_new_token`."""
    return ChatGenerationChunk(message=chunk)
