"""Static typing of run events: checked by `mypy --strict tests/typing` (and pyright), not run.

`# type: ignore[code]` marks lines that MUST be errors.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

import uuid
from typing import Any, assert_type

from pipes import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    LLMResult,
    Run,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
    StreamEvent,
    adispatch_custom_event,
    dispatch_custom_event,
)


def f(x: int) -> str:
    return str(x)


async def consume() -> None:
    runnable = RunnableLambda(f)
    async for event in runnable.astream_events(1, version="v2", include_types=["chat_model"]):
        assert_type(event, StreamEvent)
        assert_type(event["event"], str)
        assert_type(event["run_id"], str)
        assert_type(event["parent_ids"], list[str])
        if event["event"] == "on_chat_model_stream":
            print(event["data"])
    runnable.astream_events(1, version="v3")  # type: ignore[arg-type]
    await adispatch_custom_event("progress", {"done": 1})
    dispatch_custom_event("progress", 0.5)


class Tokens(BaseCallbackHandler):
    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        print(token)

    def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: uuid.UUID,
        parent_run_id: uuid.UUID | None = None,
        **kwargs: Any,
    ) -> None:
        print(response.generations[0][0].text, run_id)


class AsyncTokens(AsyncCallbackHandler):
    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        print(token)

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        print(outputs)


def on_end(run: Run) -> None:
    print(run.outputs)


def on_end_with_config(run: Run, config: RunnableConfig) -> None:
    print(run.name, config.get("tags"))


async def on_end_async(run: Run) -> None:
    print(run.outputs)


def listeners() -> None:
    runnable = RunnableLambda(f)
    assert_type(runnable.with_listeners(on_end=on_end), RunnableBinding[int, str])
    runnable.with_listeners(on_start=on_end, on_end=on_end_with_config)
    runnable.with_alisteners(on_end=on_end_async)
    runnable.with_listeners(on_end=lambda run, config, extra: None)  # type: ignore[arg-type]
    runnable.invoke(1, {"callbacks": [Tokens(), AsyncTokens()]})
