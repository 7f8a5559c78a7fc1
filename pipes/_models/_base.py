"""`BaseChatModel`: the class every chat-model provider implements.

A provider implements a small contract; the base class derives everything else:

```python
class ChatEcho(BaseChatModel):
    prefix: str = "echo: "

    @property
    def provider_name(self) -> str:
        return "echo"

    def _generate(self, messages, *, stop=None, **kwargs) -> AIMessage:
        return AIMessage(self.prefix + messages[-1].text)

ChatEcho().invoke("hi")          # AIMessage(content='echo: hi')
ChatEcho()("hi")                 # the same (LangChain's ``model(messages)`` shorthand)
```

What a provider implements:

* `provider_name` (property) — e.g. `"openai"`.
* `_generate(messages, *, stop=None, **kwargs) -> AIMessage` — required.
* `_agenerate` — optional native async. Without it, async calls run `_generate` in a worker
  thread. With it (or with `_astream`) the async path is never pushed to a thread.
* `_stream(...) -> Iterator[AIMessageChunk]` / `_astream(...) -> AsyncIterator[AIMessageChunk]`
  — optional native streaming. Without them `stream()` yields one chunk.
* `bind_tools` / `with_structured_output` overrides when the provider has better ways.

What the base gives: `invoke`/`ainvoke`/`stream`/`astream`/`batch`/`abatch` taking a
string, a list of message-likes or a prompt value; `stop=`; streamed chunks folded into the
final `AIMessage` (content, tool calls, usage); listener events `"chat_model_start"`
(the messages), `"new_token"` (each chunk) and `"chat_model_end"` (the final message);
`rate_limiter` and `cache` hooks; a generic `with_structured_output`.

Refinements of the written contract (docs/notes/chat_model_api.md):

* A single message object (`model.invoke(HumanMessage("hi"))`) is accepted too.
* `cache` follows LangChain: `None` uses the global cache (`set_llm_cache`) if one is set,
  `True` requires it, `False` disables caching, an instance is used as is.
* Unknown constructor keywords raise `TypeError` naming close matches and the known
  parameters; a provider may route them elsewhere by overriding `_unknown_parameters`.
* `invoke` also streams (through `_stream`) while a listener is attached, so listeners see
  `new_token` events; without listeners it streams only when `_should_stream` says so.
* `generate_from_stream` / `agenerate_from_stream` fold a chunk iterator into an
  `AIMessage` for providers that implement `_generate` on top of `_stream`.
"""

from __future__ import annotations

import abc
import math
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field

from pipes._core import Runnable, RunnableConfig, run_in_thread
from pipes._errors import NotImplementedInvokeError
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage, count_tokens_approximately

from . import _drivers, _generate, _run_info
from ._cache import BaseCache
from ._cache_key import CachedCall, llm_string, prompt_string, resolve_cache
from ._call import GENERATE, STREAM, STREAM_IN_THREAD, Mode, Route
from ._fast_init import fill_without_validation
from ._input import LanguageModelInput
from ._params import known_parameters, non_default_fields, reject_unknown_parameters
from ._rate_limiter import BaseRateLimiter
from ._streams import _to_chunk

if TYPE_CHECKING:
    from pipes._core import Run
    from pipes._schema import ToolLike

    from ._outputs import LLMResult
    from ._with_raw import StructuredOutputWithRaw

__all__ = ["BaseChatModel", "LanguageModelInput"]

M = TypeVar("M", bound=BaseModel)
StructuredMethod: TypeAlias = Literal["function_calling", "json_mode", "json_schema"]


class BaseChatModel(BaseModel, Runnable[LanguageModelInput, AIMessage], abc.ABC):
    """Base class of chat models; see the module docstring for the provider contract.

    Example:
        ```python
        limiter = InMemoryRateLimiter(requests_per_second=5)
        model = SomeChatModel(temperature=0, rate_limiter=limiter)
        model.invoke("Hello")                                  # AIMessage
        for chunk in model.stream([("system", "Be brief"), ("human", "Hi")]):
            print(chunk.content, end="")
        ```
    """

    model_config = ConfigDict(
        defer_build=True,
        populate_by_name=True,
        extra="forbid",
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )

    # A ClassVar, so pydantic does not turn Runnable's ``run_type`` into a model field.
    run_type: ClassVar[str] = "chat_model"  # type: ignore[misc]

    rate_limiter: BaseRateLimiter | None = Field(default=None, exclude=True)
    """Consulted (`acquire`) before each request to the provider; cache hits skip it."""
    cache: BaseCache | bool | None = Field(default=None, exclude=True)
    """`None`: the global cache if set; `True`: the global cache (must be set);
    `False`: no cache; or a cache instance."""
    disable_streaming: bool | Literal["tool_calling"] = False
    """`True`: `stream()` yields one chunk from `_generate`. `"tool_calling"`: the same
    only for calls that pass `tools`."""

    # -- construction ---------------------------------------------------------------------

    def __init__(self, /, **data: Any) -> None:
        unknown = [key for key in data if not self._is_known_parameter(key)]
        if unknown:
            data = self._unknown_parameters(data, unknown)
        # Plain values skip building the class's pydantic validator (see _fast_init).
        if not fill_without_validation(self, data):
            super().__init__(**data)

    @classmethod
    def _known_parameters(cls) -> list[str]:
        """Every accepted constructor keyword: field names and their aliases."""
        return known_parameters(cls)

    @classmethod
    def _is_known_parameter(cls, key: str) -> bool:
        return key in cls._known_parameters()

    @classmethod
    def _unknown_parameters(cls, data: dict[str, Any], unknown: list[str]) -> dict[str, Any]:
        """Handle constructor keywords that are no field; the default raises `TypeError`.

        Providers may override this, e.g. to move them into `model_kwargs` with a warning.
        """
        reject_unknown_parameters(cls, unknown, cls._known_parameters())

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Only parameters that differ from their defaults: ``ChatOpenAI(model='gpt-4o')``.
        return non_default_fields(self)

    def get_input_schema(self) -> dict[str, Any]:
        """JSON schema of the input: a string or a list of message-likes."""
        message_like = {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "prefixItems": [{"type": "string"}, {}], "minItems": 2},
                {"type": "object", "required": ["content"]},
            ]
        }
        return {
            "title": f"{self.get_name()}Input",
            "anyOf": [{"type": "string"}, {"type": "array", "items": message_like}],
        }

    def get_output_schema(self) -> dict[str, Any]:
        """JSON schema of the output: an `AIMessage`."""
        return AIMessage.model_json_schema()

    # -- the provider contract ------------------------------------------------------------

    @property
    @abc.abstractmethod
    def provider_name(self) -> str:
        """Short provider id, e.g. `"openai"` (used in names, metadata and cache keys)."""

    @abc.abstractmethod
    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        """Call the provider and return its reply (required)."""

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        """Native async generation; the default runs `_generate` in a worker thread."""
        return await run_in_thread(self._generate, messages, stop=stop, **kwargs)

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        """Native streaming; the default yields `_generate`'s reply as one chunk."""
        yield _to_chunk(self._generate(messages, stop=stop, **kwargs))

    async def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        """Native async streaming; the default yields `_agenerate`'s reply as one chunk."""
        yield _to_chunk(await self._agenerate(messages, stop=stop, **kwargs))

    def _should_stream(self, **kwargs: Any) -> bool:
        """Whether `invoke` should fold `_stream` instead of calling `_generate`.

        True for a `stream=True` call keyword, else for a `streaming=True` field (when the
        provider declares one); never when the provider has no native `_stream`.
        """
        if "stream" in kwargs:
            wanted = bool(kwargs["stream"])
        else:
            # Fields live in __dict__; getattr() on a model without the field would go through
            # pydantic's slow __getattr__ and an AttributeError on every call.
            wanted = self.__dict__.get("streaming") is True
        # The cheap test first: most calls do not ask for streaming (invoke's hot path).
        return wanted and self._native_hooks[0] and not self._streaming_disabled(kwargs)

    # -- routing: native-ness (a provider overriding the hook counts as native) -------------

    # (stream, astream, agenerate) overridden? Computed once per class (hot path).
    _native_hooks: ClassVar[tuple[bool, bool, bool]] = (False, False, False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._native_hooks = (
            cls._stream is not BaseChatModel._stream,
            cls._astream is not BaseChatModel._astream,
            cls._agenerate is not BaseChatModel._agenerate,
        )

    def _streaming_disabled(self, kwargs: Mapping[str, Any]) -> bool:
        disable = self.disable_streaming
        if disable is True:
            return True
        return disable == "tool_calling" and bool(kwargs.get("tools"))

    def _route(self, mode: Mode, listen: bool, kwargs: Mapping[str, Any]) -> Route:
        """How a call in `mode` reaches the provider: one reply, or a stream (folded for
        `invoke`). `invoke` streams when `_should_stream` says so, or for listeners
        (they see `new_token` events); `ainvoke` also when native async streaming beats a
        sync `_generate` pushed to a thread."""
        if mode == "invoke":  # the hot path: _should_stream first, as it checks the rest
            if self._should_stream(**kwargs) or (
                listen and self._native_hooks[0] and not self._streaming_disabled(kwargs)
            ):
                return STREAM
            return GENERATE
        stream, astream, agenerate = self._native_hooks
        if not (stream or astream) or self._streaming_disabled(kwargs):
            return GENERATE
        if mode == "stream":
            return STREAM if stream else GENERATE
        if mode == "ainvoke" and not (
            listen or (astream and not agenerate) or self._should_stream(**kwargs)
        ):
            return GENERATE
        return STREAM if astream else STREAM_IN_THREAD

    # -- cache: which one, and the call's key (providers may override the key's parts) ------

    def _cached_call(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> CachedCall | None:
        """Where this call lives in the model's cache, or `None` when it is not cached."""
        setting = self.cache
        if setting is False:
            return None
        cache = resolve_cache(setting, self)
        if cache is None:
            return None
        return CachedCall(
            cache, self._get_prompt_string(messages), self._get_llm_string(stop, kwargs)
        )

    def _get_llm_string(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> str:
        """The cache key part naming the model: provider, class, parameters, stop, kwargs."""
        return llm_string(self, self.provider_name, stop, kwargs)

    def _get_prompt_string(self, messages: list[BaseMessage]) -> str:
        """The cache key part naming the request: the messages as JSON."""
        return prompt_string(messages)

    # -- runs as listeners see them (._run_info): called for traced runs only ---------------

    def _trace_start(self, run: Run, input: Any, kwargs: dict[str, Any]) -> None:
        """Describe a starting run: messages, invocation params, `ls_*` metadata."""
        _run_info.trace_start(self, run, input, kwargs)

    def _trace_end(self, run: Run) -> None:
        """Describe a finished run: its `LLMResult`."""
        _run_info.trace_end(run)

    # -- the public calls: thin drivers of one call plan (._call, ._drivers) ---------------

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Send the input to the model and return its reply.

        Example:
            ```python
            model.invoke("Hello", stop=["\\n"])
            ```
        """
        return _drivers.invoke(self, input, stop, kwargs)

    def generate(
        self,
        messages: Sequence[LanguageModelInput],
        stop: list[str] | None = None,
        callbacks: Any = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """LangChain's `generate`: one list of generations per prompt, with every choice
        the provider returned (OpenAI's `n > 1`); `llm_output` sums the token usage.

        Example:
            ```python
            result = ChatOpenAI(model="gpt-4o-mini", n=2).generate([[HumanMessage("Hi")]])
            [g.text for g in result.generations[0]]  # two candidates
            ```
        """
        config = _generate._config(callbacks, tags, metadata, run_name)
        return _generate.Generate(self, messages, stop, config, kwargs).run()

    async def agenerate(
        self,
        messages: Sequence[LanguageModelInput],
        stop: list[str] | None = None,
        callbacks: Any = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async `generate`: the prompts run concurrently; results stay in prompt order."""
        config = _generate._config(callbacks, tags, metadata, run_name)
        return await _generate.Generate(self, messages, stop, config, kwargs).arun()

    def __call__(
        self,
        messages: LanguageModelInput,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Shorthand for `invoke`: `model([HumanMessage("hi")])`."""
        return self.invoke(messages, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Yield the reply in chunks (one chunk when the provider does not stream).

        Example:
            ```python
            for chunk in model.stream("Tell me a story"):
                print(chunk.content, end="", flush=True)
            ```
        """
        return _drivers.stream(self, input, stop, kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async `invoke`; native `_agenerate`/`_astream` run on the event loop."""
        return await _drivers.ainvoke(self, input, stop, kwargs)

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async `stream`; a sync-only `_stream` runs step by step in a worker thread."""
        return _drivers.astream(self, input, stop, kwargs)

    # -- token counting ------------------------------------------------------------------

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], **kwargs: Any) -> int:
        """An estimate of the prompt tokens of `messages` (about 4 characters a token;
        providers with a tokenizer override it). `trim_messages(token_counter=model)` uses it.

        Example:
            ```python
            model.get_num_tokens_from_messages([HumanMessage("hello there")])  # 6
            ```
        """
        return count_tokens_approximately(messages)

    def get_num_tokens(self, text: str) -> int:
        """An estimate of the tokens of `text` (about 4 characters a token)."""
        return math.ceil(len(text) / 4)

    # -- tools and structured output --------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Return a runnable that offers `tools` to the model on every call.

        The base class has no tool-calling protocol: providers that support tools override
        this (usually `self.bind(tools=[convert_to_openai_tool(t) for t in tools], ...)`).

        Example:
            ```python
            model.bind_tools([get_weather], tool_choice="auto").invoke("Weather in Paris?")
            ```
        """
        raise NotImplementedInvokeError(
            f"{type(self).__name__} (provider {self.provider_name!r}) does not support tool "
            "calling: bind_tools() is not implemented. Use a model whose provider supports tools, "
            "or, as a provider author, override bind_tools() (see pipes.BaseChatModel)."
        )

    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, M]: ...
    @overload
    def with_structured_output(
        self,
        schema: type[M],
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[True],
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, StructuredOutputWithRaw[M]]: ...
    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | Any,
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[False] = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any]]: ...
    @overload
    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type | Any,
        *,
        method: StructuredMethod = ...,
        include_raw: Literal[True],
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, StructuredOutputWithRaw[dict[str, Any]]]: ...
    def with_structured_output(
        self,
        schema: Any,
        *,
        method: StructuredMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable returning output shaped by `schema` instead of a message.

        `schema` is a pydantic model class (the output is an instance), or a JSON-schema
        dict, a TypedDict class, a function or a tool (the output is a dict). `method`:
        `"function_calling"` (a forced tool call, via `bind_tools`), `"json_mode"`
        or `"json_schema"` (`response_format`). With `include_raw=True` the output is
        `{"raw": AIMessage, "parsed": ... | None, "parsing_error": Exception | None}` and
        parsing errors are returned instead of raised.

        Example:
            ```python
            class Person(BaseModel):
                name: str
                age: int

            person = model.with_structured_output(Person).invoke("Alice is 30")  # Person
            ```
        """
        from ._structured import build_structured_output

        return build_structured_output(
            self,
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            kwargs=kwargs,
        )
