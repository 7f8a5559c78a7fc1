"""`BaseChatModel.generate` / `agenerate`: LangChain's batch-of-prompts call, every choice kept.

Each prompt goes through the model's ordinary call (`invoke` / `ainvoke`: cache, rate limiter,
run events) and becomes one list of `ChatGeneration`s. A provider that gets several choices
for one request (OpenAI's `n`) returns the first as its message, as `invoke` always does, and
hands all of them to [`report_choices`][pipes.report_choices]: inside `generate` they become
that prompt's generations; anywhere else the call is a no-op.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from pipes._messages import AIMessage

from ._outputs import ChatGeneration, Generation, LLMResult

if TYPE_CHECKING:
    from pipes._core import RunnableConfig

    from ._input import LanguageModelInput


class _ChatModel(Protocol):
    """What `generate` needs of the model (`BaseChatModel` is one)."""

    def invoke(
        self, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage: ...

    async def ainvoke(
        self, input: Any, config: Any = None, *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage: ...


__all__ = ["report_choices"]

_choices: contextvars.ContextVar[list[AIMessage] | None] = contextvars.ContextVar(
    "pipes_choices", default=None
)


def report_choices(choices: Sequence[AIMessage]) -> None:
    """For providers: every choice of the request being answered (the first is the one the
    provider returns). `generate()` gives each its own `ChatGeneration`; outside `generate`
    nothing happens.

    Example:
        ```python
        def _generate(self, messages, *, stop=None, **kwargs):
            choices = [to_message(c) for c in response["choices"]]
            report_choices(choices)
            return choices[0]
        ```
    """
    sink = _choices.get()
    if sink is not None:
        sink[:] = choices


class Generate(NamedTuple):
    """One `generate`/`agenerate` call: the model, the prompts and what each prompt's call gets.

    `run` and `arun` step through the same prompts and build the same `LLMResult`; they differ
    only in calling `invoke` one prompt after another or `ainvoke` concurrently.
    """

    model: _ChatModel
    prompts: Sequence[LanguageModelInput]
    stop: list[str] | None
    config: RunnableConfig | None
    kwargs: dict[str, Any]

    def run(self) -> LLMResult:
        """`BaseChatModel.generate`: the prompts one after another."""
        done: list[tuple[AIMessage, list[AIMessage]]] = []
        for prompt in self.prompts:
            sink: list[AIMessage] = []
            token = _choices.set(sink)
            try:
                done.append(
                    (self.model.invoke(prompt, self.config, stop=self.stop, **self.kwargs), sink)
                )
            finally:
                _choices.reset(token)
        return _result(done)

    async def arun(self) -> LLMResult:
        """`BaseChatModel.agenerate`: the prompts concurrently, results in prompt order."""
        import asyncio

        async def one(prompt: LanguageModelInput) -> tuple[AIMessage, list[AIMessage]]:
            sink: list[AIMessage] = []
            _choices.set(sink)  # this task's own context: nothing to reset
            return await self.model.ainvoke(
                prompt, self.config, stop=self.stop, **self.kwargs
            ), sink

        return _result(await asyncio.gather(*(asyncio.ensure_future(one(p)) for p in self.prompts)))


def _config(
    callbacks: Any, tags: list[str] | None, metadata: dict[str, Any] | None, run_name: str | None
) -> RunnableConfig | None:
    config: dict[str, Any] = {}
    if callbacks:
        config["callbacks"] = callbacks
    if tags:
        config["tags"] = tags
    if metadata:
        config["metadata"] = metadata
    if run_name:
        config["run_name"] = run_name
    return config or None  # type: ignore[return-value]


def _generations(reply: AIMessage, reported: list[AIMessage]) -> list[Generation]:
    choices = reported or [reply]
    return [
        ChatGeneration(
            message=choice,
            generation_info={
                key: choice.response_metadata[key]
                for key in ("finish_reason", "logprobs")
                if choice.response_metadata.get(key) is not None
            }
            or None,
        )
        for choice in choices
    ]


def _result(done: Sequence[tuple[AIMessage, list[AIMessage]]]) -> LLMResult:
    """Each prompt's reply with the choices reported for it, as LangChain's `LLMResult`."""
    usage: dict[str, int] = {}
    model_name = None
    for reply, _ in done:
        metadata = reply.response_metadata
        for key, value in (metadata.get("token_usage") or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                usage[key] = usage.get(key, 0) + value
        model_name = model_name or metadata.get("model_name")
    llm_output: dict[str, Any] = {}
    if usage:
        llm_output["token_usage"] = usage
    if model_name:
        llm_output["model_name"] = model_name
    generations: list[list[Generation]] = [_generations(reply, sink) for reply, sink in done]
    return LLMResult(generations=generations, llm_output=llm_output or None)
