"""LangChain's callback handlers, as one kind of [`Listener`][pipes.Listener].

A [`BaseCallbackHandler`][pipes.BaseCallbackHandler] receives the run events of the one
listener mechanism translated to LangChain's method names and keyword arguments, dispatched by
the run's `run_type`: `chain` / `prompt` / `parser` runs call `on_chain_*` (with
`run_type="prompt"` / `"parser"` like LangChain), `chat_model` runs
`on_chat_model_start` / `on_llm_new_token` / `on_llm_end` / `on_llm_error`, `tool` runs
`on_tool_*`, `retriever` runs `on_retriever_*`; custom events call `on_custom_event` and a
retry `on_retry`. An [`AsyncCallbackHandler`][pipes.AsyncCallbackHandler]'s coroutines are
awaited on async paths and run to completion on sync ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._listeners import CUSTOM_PREFIX, Listener, Run

if TYPE_CHECKING:
    import uuid

__all__ = ["AsyncCallbackHandler", "BaseCallbackHandler", "RetryState"]

_CHAIN_TYPES = frozenset({"chain", "prompt", "parser"})


class RetryState:
    """What `on_retry` receives: the failed attempt (LangChain passes tenacity's
    `RetryCallState`; these are the attributes handlers read from it).

    Example:
        ```python
        class OnRetry(BaseCallbackHandler):
            def on_retry(self, retry_state: RetryState, **kwargs: Any) -> None:
                print(retry_state.attempt_number, retry_state.outcome.exception())
        ```
    """

    __slots__ = ("attempt_number", "outcome")

    def __init__(self, attempt_number: int, error: BaseException) -> None:
        self.attempt_number = attempt_number
        self.outcome = _Outcome(error)

    def __repr__(self) -> str:
        return f"RetryState(attempt_number={self.attempt_number}, outcome={self.outcome!r})"


class _Outcome:
    """tenacity's `Future`-like outcome: `failed`, `exception()`."""

    __slots__ = ("_error",)
    failed = True

    def __init__(self, error: BaseException) -> None:
        self._error = error

    def exception(self) -> BaseException:
        return self._error

    def __repr__(self) -> str:
        return f"<failed: {type(self._error).__name__}>"


def serialized(run: Run) -> dict[str, Any]:
    """LangChain's `serialized` argument for a runnable that is not serializable: its
    class path and name (never its fields, which may hold secrets)."""
    runnable = run.extra.get("runnable")
    cls = type(runnable)
    path = [*cls.__module__.split("."), cls.__qualname__] if runnable is not None else [run.name]
    return {"lc": 1, "type": "not_implemented", "id": path, "name": run.name}


class BaseCallbackHandler(Listener):
    """A LangChain-compatible callback handler: override the `on_*` methods you need.

    Attach it with `config={"callbacks": [handler]}` or `.with_config(callbacks=[handler])`;
    nested runs inherit it. Every method receives `run_id`, `parent_run_id` and, where
    LangChain passes them, `tags`, `metadata` and `name`. An exception raised in a method is
    logged and ignored unless `raise_error` is true. `ignore_chain`, `ignore_llm`,
    `ignore_chat_model`, `ignore_agent` (tools), `ignore_retriever`, `ignore_retry` and
    `ignore_custom_event` skip groups of methods.

    Example:
        ```python
        class TokenPrinter(BaseCallbackHandler):
            def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
                print(token, end="")

        chain.invoke({"topic": "cats"}, {"callbacks": [TokenPrinter()]})
        ```
    """

    raise_error: bool = False
    run_inline: bool = False

    @property
    def ignore_llm(self) -> bool:
        """Skip `on_llm_*` (new token, end, error)."""
        return False

    @property
    def ignore_chat_model(self) -> bool:
        """Skip `on_chat_model_start`."""
        return False

    @property
    def ignore_chain(self) -> bool:
        """Skip `on_chain_*` (chains, prompts, parsers)."""
        return False

    @property
    def ignore_agent(self) -> bool:
        """Skip `on_tool_*` (LangChain groups tools with agents)."""
        return False

    @property
    def ignore_retriever(self) -> bool:
        """Skip `on_retriever_*`."""
        return False

    @property
    def ignore_retry(self) -> bool:
        """Skip `on_retry`."""
        return False

    @property
    def ignore_custom_event(self) -> bool:
        """Skip `on_custom_event`."""
        return False

    # -- LangChain's methods (all optional) -------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any],
        inputs: Any,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chain (or prompt, `run_type="prompt"`, or parser) started."""

    def on_chain_end(
        self,
        outputs: Any,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chain ended with `outputs`."""

    def on_chain_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chain failed."""

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chat model started on `messages` (`[[...]]`, one list per prompt);
        `kwargs["invocation_params"]` holds the model's parameters."""

    def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: Any = None,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chat model streamed a chunk: its text, and the chunk as a
        [`ChatGenerationChunk`][pipes.ChatGenerationChunk]."""

    def on_llm_end(
        self,
        response: Any,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chat model finished: `response` is an [`LLMResult`][pipes.LLMResult]."""

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chat model failed."""

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A tool started (`input_str` is `str(input)`, `inputs` the input itself)."""

    def on_tool_end(
        self,
        output: Any,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A tool ended with `output`."""

    def on_tool_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A tool failed."""

    def on_retriever_start(
        self,
        serialized: dict[str, Any],
        query: str,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever started on `query`."""

    def on_retriever_end(
        self,
        documents: Sequence[Any],
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever returned `documents`."""

    def on_retriever_error(
        self,
        error: BaseException,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever failed."""

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: uuid.UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A step called [`dispatch_custom_event`][pipes.dispatch_custom_event]; `run_id`
        is the step's run."""

    def on_retry(
        self,
        retry_state: Any,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A `with_retry` runnable will try again after a failed attempt
        (`retry_state` is a [`RetryState`][pipes.RetryState])."""

    # -- the listener hooks, translated --------------------------------------------------

    def on_start(self, run: Run) -> Any:
        kind = run.run_type
        ids: dict[str, Any] = {"run_id": run.run_id, "parent_run_id": run.parent_run_id}
        if kind == "chat_model":
            if self.ignore_chat_model:
                return None
            messages = run.inputs.get("messages") if isinstance(run.inputs, dict) else None
            return self.on_chat_model_start(
                serialized(run),
                messages if messages is not None else [[run.inputs]],
                **ids,
                tags=run.tags,
                metadata=run.metadata,
                invocation_params=run.extra.get("invocation_params", {}),
                options=run.extra.get("options", {}),
                name=run.name,
                batch_size=1,
            )
        if kind == "tool":
            if self.ignore_agent:
                return None
            inputs = run.inputs if isinstance(run.inputs, dict) else None
            call_id = None
            if inputs is not None and inputs.get("type") == "tool_call":
                call_id, inputs = inputs.get("id"), inputs.get("args")
            return self.on_tool_start(
                serialized(run),
                str(inputs if inputs is not None else run.inputs),
                **ids,
                tags=run.tags,
                metadata=run.metadata,
                inputs=inputs,
                name=run.name,
                tool_call_id=call_id,
            )
        if kind == "retriever":
            if self.ignore_retriever:
                return None
            return self.on_retriever_start(
                serialized(run),
                str(run.inputs),
                **ids,
                tags=run.tags,
                metadata=run.metadata,
                name=run.name,
            )
        if self.ignore_chain:
            return None
        extra: dict[str, Any] = {} if kind == "chain" else {"run_type": kind}
        return self.on_chain_start(
            serialized(run),
            run.inputs,
            **ids,
            tags=run.tags,
            metadata=run.metadata,
            name=run.name,
            **extra,
        )

    def on_end(self, run: Run) -> Any:
        kind = run.run_type
        ids: dict[str, Any] = {
            "run_id": run.run_id,
            "parent_run_id": run.parent_run_id,
            "tags": run.tags,
        }
        if kind == "chat_model":
            if self.ignore_llm:
                return None
            return self.on_llm_end(run.extra.get("llm_result", run.outputs), **ids)
        if kind == "tool":
            if self.ignore_agent:
                return None
            return self.on_tool_end(run.outputs, **ids, name=run.name)
        if kind == "retriever":
            if self.ignore_retriever:
                return None
            return self.on_retriever_end(run.outputs, **ids)
        if self.ignore_chain:
            return None
        return self.on_chain_end(run.outputs, **ids, inputs=run.inputs)

    def on_error(self, run: Run) -> Any:
        kind = run.run_type
        ids: dict[str, Any] = {
            "run_id": run.run_id,
            "parent_run_id": run.parent_run_id,
            "tags": run.tags,
        }
        error = run.error
        if kind == "chat_model":
            return None if self.ignore_llm else self.on_llm_error(error, **ids)  # type: ignore[arg-type]
        if kind == "tool":
            return None if self.ignore_agent else self.on_tool_error(error, **ids)  # type: ignore[arg-type]
        if kind == "retriever":
            return None if self.ignore_retriever else self.on_retriever_error(error, **ids)  # type: ignore[arg-type]
        return None if self.ignore_chain else self.on_chain_error(error, **ids)  # type: ignore[arg-type]

    def on_event(self, run: Run, name: str, data: Any) -> Any:
        if name == "new_token":
            if self.ignore_llm:
                return None
            make_chunk = run.extra.get("generation_chunk")
            return self.on_llm_new_token(
                data if isinstance(data, str) else str(getattr(data, "text", "")),
                chunk=make_chunk(data) if make_chunk is not None else data,
                run_id=run.run_id,
                parent_run_id=run.parent_run_id,
                tags=run.tags,
            )
        if name.startswith(CUSTOM_PREFIX):
            if self.ignore_custom_event:
                return None
            return self.on_custom_event(
                name[len(CUSTOM_PREFIX) :],
                data,
                run_id=run.run_id,
                tags=run.tags,
                metadata=run.metadata,
            )
        if name == "retry":
            if self.ignore_retry:
                return None
            return self.on_retry(data, run_id=run.run_id, parent_run_id=run.parent_run_id)
        return None


class AsyncCallbackHandler(BaseCallbackHandler):
    """A [`BaseCallbackHandler`][pipes.BaseCallbackHandler] whose methods are coroutines.

    On async paths (`ainvoke`, `astream`, `astream_events` ...) they run on the event loop,
    in order, and are all awaited before the outermost call returns; on sync paths each one
    runs to completion where it is called.

    Example:
        ```python
        class Saver(AsyncCallbackHandler):
            async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
                await db.save(outputs)

        await chain.ainvoke(x, {"callbacks": [Saver()]})
        ```
    """
