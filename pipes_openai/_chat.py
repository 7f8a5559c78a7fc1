"""`ChatOpenAI`: OpenAI's Chat Completions API (and compatible servers) over httpx.

Example:
    ```python
    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", temperature=0, max_tokens=None, timeout=None, max_retries=2)
    messages = [("system", "Translate English to French."), ("human", "I love programming.")]
    ai_msg = llm.invoke(messages)
    ai_msg.content, ai_msg.usage_metadata, ai_msg.response_metadata["finish_reason"]
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Unpack

from pipes_openai._base import BaseChatOpenAI

if TYPE_CHECKING:
    from pipes_openai._params import ChatOpenAIParams


__all__ = ["ChatOpenAI"]


class ChatOpenAI(BaseChatOpenAI):
    """OpenAI chat models (and OpenAI-compatible servers) through Chat Completions.

    A drop-in for LangChain's `ChatOpenAI`: same parameters and environment variables
    (`OPENAI_API_KEY`, `OPENAI_BASE_URL`/`OPENAI_API_BASE`, `OPENAI_ORG_ID`,
    `OPENAI_PROJECT_ID`), same `usage_metadata` and `response_metadata`. Differences:
    a finite default timeout (60 s), a per-chunk streaming timeout, typed errors, one
    connection pool per event loop, usage while streaming by default.

    Example:
        ```python
        from pipes_openai import ChatOpenAI

        llm = ChatOpenAI(model="gpt-4o", temperature=0)
        llm.invoke("Translate 'I love programming' to French").content
        for chunk in llm.stream("Tell me a joke"):
            print(chunk.content, end="")
        ```

    OpenAI-compatible servers: see `for_server`.
    """

    if TYPE_CHECKING:
        # The constructor as type checkers see it: LangChain's names (model_name ...) and str
        # keys too. The keywords live in _params, held equal to the fields by a test.
        def __init__(self, **params: Unpack[ChatOpenAIParams]) -> None: ...

    @classmethod
    def for_server(
        cls,
        server: Literal["vllm", "llama.cpp", "ollama", "lmstudio"],
        *,
        base_url: str,
        model: str,
        **kwargs: Any,
    ) -> ChatOpenAI:
        """A `ChatOpenAI` preset for an OpenAI-compatible server.

        - `vllm`: `max_tokens`; usage while streaming (older releases that reject `stream_options`
          fall back automatically); tool-call deltas that repeat id/name and `reasoning_content`
          handled.
        - `llama.cpp`: `max_tokens`; `content: ""` (not `null`) beside tool calls.
        - `ollama`: `max_tokens`; `content: ""` beside tool calls; usage requested (older releases
          ignore it: `usage_metadata` is then `None`).
        - `lmstudio`: `max_tokens`; `content: ""` beside tool calls; no `stream_options` (older
          releases reject it).

        All presets fail fast on validation errors that some of these servers answer with
        HTTP 500 (`max_retries=1`) and use `api_key="not-needed"` unless given.

        Example:
            ```python
            llm = ChatOpenAI.for_server("vllm", base_url="http://localhost:8000/v1",
                                        model="Qwen/Qwen2.5-7B-Instruct")
            ```
        """
        presets: dict[str, dict[str, Any]] = {
            "vllm": {"max_tokens_param": "max_tokens"},
            "llama.cpp": {"max_tokens_param": "max_tokens", "null_tool_call_content": False},
            "ollama": {"max_tokens_param": "max_tokens", "null_tool_call_content": False},
            "lmstudio": {
                "max_tokens_param": "max_tokens",
                "null_tool_call_content": False,
                "stream_usage": False,
            },
        }
        if server not in presets:
            raise ValueError(
                f"Unknown server {server!r}; expected one of {', '.join(presets)} (or build "
                "ChatOpenAI(base_url=...) yourself)."
            )
        settings: dict[str, Any] = {"max_retries": 1, "api_key": "not-needed"}
        settings.update(presets[server])
        settings.update(kwargs)
        return cls(base_url=base_url, model=model, **settings)
