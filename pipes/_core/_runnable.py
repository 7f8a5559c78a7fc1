"""The `Runnable` base class: one contract, every execution mode derived from it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Literal, cast, overload

from typing_extensions import TypeVar

from .._errors import NotImplementedInvokeError
from . import _batch
from ._chunks import merge_chunks
from ._config import RunnableConfig

# Re-exported: the composites (sequence, parallel, lambda) import the worker-thread helpers from
# here, next to the class that uses them.
from ._threads import _iterate_in_thread, _transform_in_thread, run_in_thread
from ._tracing import WRAPPERS

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._binding import RunnableBinding, RunnableEach
    from ._configurable import (
        ConfigurableField,
        ConfigurableFieldSpec,
        RunnableConfigurableAlternatives,
        RunnableConfigurableFields,
    )
    from ._events import StreamEvent
    from ._fallbacks import RunnableWithFallbacks
    from ._graph import Graph
    from ._retry import RunnableRetry
    from ._run_listeners import AsyncRunListener, RunListener
    from ._sequence import RunnableSequence

__all__ = ["Runnable"]

In = TypeVar("In", contravariant=True, default=Any)
Out = TypeVar("Out", covariant=True, default=Any)
Other = TypeVar("Other")
T = TypeVar("T")

_STREAMING = frozenset({"stream", "transform"})
_ASYNC = frozenset({"ainvoke", "astream", "atransform"})
_METHODS = ("invoke", "ainvoke", "stream", "astream", "transform", "atransform")


async def _aiter_one(value: T) -> AsyncIterator[T]:
    yield value


async def _afold(iterator: AsyncIterator[T]) -> list[T]:
    return [chunk async for chunk in iterator]


class Runnable(Generic[In, Out]):
    """A unit of work from `In` to `Out` that composes with `|`.

    Implement `invoke` (sync), and optionally `ainvoke`, `stream`/`astream` or
    `transform`/`atransform` for native async and streaming; every other method —
    `batch`, `abatch`, `batch_as_completed`, streaming over invoke, async over sync in a
    worker thread — is derived. Config and listeners are handled around your methods.

    Example:
        ```python
        class Double(Runnable[int, int]):
            def invoke(self, input: int, config: RunnableConfig | None = None, **kw: Any) -> int:
                return input * 2

        (Double() | str).invoke(21)  # "42"
        ```
    """

    name: str | None = None
    #: What listeners see as ``Run.run_type``.
    run_type: str = "chain"
    _native: frozenset[str] = frozenset()
    #: False for pure delegators (``RunnableBinding``): the runnable they delegate to is the run,
    #: so they are not traced themselves (no duplicate runs, one frame less).
    _traced: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method in _METHODS:
            fn = cls.__dict__.get(method)
            if (
                cls._traced
                and fn is not None
                and callable(fn)
                and not getattr(fn, "__pipes_wrapped__", False)
            ):
                setattr(cls, method, WRAPPERS[method](fn))
        cls._native = frozenset(
            method for method in _METHODS if getattr(cls, method) is not getattr(Runnable, method)
        )

    # -- naming and introspection -------------------------------------------------------

    def get_name(self, suffix: str | None = None) -> str:
        """The runnable's name: `name` if set, else the class name."""
        name = self.name or type(self).__name__
        return f"{name}{suffix}" if suffix else name

    def get_input_schema(self) -> dict[str, Any]:
        """JSON schema of the input, where derivable (`{}` means anything)."""
        return {}

    def get_output_schema(self) -> dict[str, Any]:
        """JSON schema of the output, where derivable (`{}` means anything)."""
        return {}

    def get_graph(self) -> Graph:
        """The runnable as a graph; `.draw_ascii()` and `.draw_mermaid()` render it."""
        from ._graph import Graph

        return Graph.single(self)

    # -- introspection (pydantic models in ._introspect, tools in pipes._tools) ----------------

    @property
    def input_schema(self) -> type[BaseModel]:
        """A pydantic model of the input (its JSON schema is `get_input_jsonschema()`)."""
        from ._introspect import input_model

        return input_model(self)

    @property
    def output_schema(self) -> type[BaseModel]:
        """A pydantic model of the output (its JSON schema is `get_output_jsonschema()`)."""
        from ._introspect import output_model

        return output_model(self)

    def get_input_jsonschema(self) -> dict[str, Any]:
        """JSON schema of the input, titled like LangChain's (`PromptInput`, ...)."""
        return self.input_schema.model_json_schema()

    def get_output_jsonschema(self) -> dict[str, Any]:
        """JSON schema of the output, titled like LangChain's."""
        return self.output_schema.model_json_schema()

    def config_schema(self, *, include: Sequence[str] | None = None) -> type[BaseModel]:
        """A pydantic model of the config: `configurable` keys, plus the keys in `include`."""
        from ._introspect import config_model

        return config_model(self, include)

    def get_prompts(self) -> list[Runnable[Any, Any]]:
        """The prompt templates this runnable is made of, in graph order."""
        nodes = self.get_graph().nodes.values()
        return [
            node.runnable for node in nodes if getattr(node.runnable, "run_type", "") == "prompt"
        ]

    def as_tool(
        self,
        args_schema: type[BaseModel] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        arg_types: dict[str, type[Any]] | None = None,
    ) -> Any:
        """This runnable as a tool (a `StructuredTool`, or a `Tool` for string input)."""
        import importlib

        # The tools layer sits above the core: resolved at call time, never imported by it.
        tools = importlib.import_module("pipes._tools._from_runnable")
        return tools.runnable_as_tool(
            self, args_schema, name=name, description=description, arg_types=arg_types
        )

    # -- configuration (the machinery lives in ._configurable) -------------------------------

    def configurable_fields(
        self, **fields: ConfigurableField
    ) -> RunnableConfigurableFields[In, Out]:
        """Fields (of a pydantic runnable, e.g. a chat model) settable per call."""
        from ._configurable import RunnableConfigurableFields

        return RunnableConfigurableFields(self, fields)

    def configurable_alternatives(
        self,
        which: ConfigurableField,
        *,
        default_key: str = "default",
        prefix_keys: bool = False,
        **alternatives: Runnable[In, Out] | Callable[[], Runnable[In, Out]],
    ) -> RunnableConfigurableAlternatives[In, Out]:
        """This runnable or an alternative, chosen per call by `configurable[which.id]`."""
        from ._configurable import RunnableConfigurableAlternatives

        return RunnableConfigurableAlternatives(
            self, which, alternatives, default_key=default_key, prefix_keys=prefix_keys
        )

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The configurable keys of this runnable and of the runnables it is made of."""
        from ._configurable import config_specs

        return config_specs(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.get_name()!r})"

    def _sync_only(self) -> bool:
        """Would `ainvoke` only run `invoke` in a worker thread? Composites refine this."""
        return not type(self)._native & _ASYNC

    # -- the six execution methods ----------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        """Run on one input and return the output."""
        native = type(self)._native
        if native & _STREAMING:
            chunks = list(self.stream(input, config, **kwargs))
            return merge_chunks(chunks) if chunks else cast(Out, None)
        if native & _ASYNC:
            raise NotImplementedInvokeError(
                f"{self.get_name()!r} is async-only: call `await runnable.ainvoke(...)` or "
                "`runnable.astream(...)` instead of the sync method"
            )
        raise NotImplementedInvokeError(
            f"{type(self).__name__} must implement invoke() (or one of ainvoke, stream, "
            "astream, transform, atransform)"
        )

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        """Run on one input asynchronously. Sync-only runnables run in a worker thread."""
        native = type(self)._native
        if native & {"astream", "atransform"}:
            chunks = await _afold(self.astream(input, config, **kwargs))
            return merge_chunks(chunks) if chunks else cast(Out, None)
        return await run_in_thread(self.invoke, input, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        """Yield the output in chunks (one chunk for runnables that do not stream)."""
        if "transform" in type(self)._native:
            yield from self.transform(iter((input,)), config, **kwargs)
        else:
            yield self.invoke(input, config, **kwargs)

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        """Asynchronously yield the output in chunks."""
        native = type(self)._native
        if "atransform" in native:
            async for chunk in self.atransform(_aiter_one(input), config, **kwargs):
                yield chunk
        elif "ainvoke" not in native and native & _STREAMING:
            async for chunk in _iterate_in_thread(self.stream(input, config, **kwargs)):
                yield chunk
        else:
            yield await self.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        """Consume an input stream and yield output chunks.

        The default folds the input first, so it only streams output.
        """
        chunks = list(input)
        if not chunks:
            return
        folded = merge_chunks(chunks)
        if "stream" in type(self)._native:
            yield from self.stream(folded, config, **kwargs)
        else:
            yield self.invoke(folded, config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        """Asynchronously consume an input stream and yield output chunks."""
        native = type(self)._native
        if "transform" in native and not native & _ASYNC:
            # A native sync transform keeps streaming: it runs in a thread, fed chunk by chunk.
            # (Runnables with native async methods use those instead: never a thread for them.)
            async for chunk in _transform_in_thread(
                lambda chunks: self.transform(chunks, config, **kwargs), input
            ):
                yield chunk
            return
        chunks = await _afold(input)
        if not chunks:
            return
        folded = merge_chunks(chunks)
        if native & {"astream", "stream", "transform"}:
            async for chunk in self.astream(folded, config, **kwargs):
                yield chunk
        else:
            yield await self.ainvoke(folded, config, **kwargs)

    # -- batches (the machinery lives in ._batch) -----------------------------------------

    def batch(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Out]:
        """Run on many inputs in worker threads, keeping input order.

        `config["max_concurrency"]` bounds how many run at once. With
        `return_exceptions=True` a failure is returned in its slot instead of raised.
        """
        return _batch.batch(_batch.Batch(self, inputs, config, return_exceptions, kwargs))

    def batch_as_completed(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Out | Exception]]:
        """Like `batch` but yield `(index, output)` pairs as each input finishes."""
        return _batch.batch_as_completed(
            partial(_batch.Batch, self, inputs, config, return_exceptions, kwargs)
        )

    async def abatch(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Out]:
        """Run on many inputs concurrently on the event loop, keeping input order."""
        return await _batch.abatch(_batch.Batch(self, inputs, config, return_exceptions, kwargs))

    def abatch_as_completed(
        self,
        inputs: Sequence[In],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Out | Exception]]:
        """Like `abatch` but yield `(index, output)` pairs as each input finishes."""
        return _batch.abatch_as_completed(
            partial(_batch.Batch, self, inputs, config, return_exceptions, kwargs)
        )

    # -- observing runs (the machinery lives in ._events and ._run_listeners) --------------

    def astream_events(
        self,
        input: In,
        config: RunnableConfig | None = None,
        *,
        version: Literal["v1", "v2"] = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[StreamEvent]:
        """Run on `input` and yield LangChain v2 event dicts as the run goes (live).

        Events: `on_{chain,prompt,chat_model,parser,tool,retriever}_{start,stream,end}`,
        `on_tool_error` and `on_custom_event`, each with `event`, `name`, `run_id`,
        `parent_ids` (root first), `tags`, `metadata` and `data` (`input`, `output`,
        `chunk`). The `include_*` / `exclude_*` filters select by name, run type or tag.
        Only `version="v2"` is supported.

        Example:
            ```python
            async for event in chain.astream_events({"topic": "cats"}):
                if event["event"] == "on_chat_model_stream":
                    print(event["data"]["chunk"].content, end="")
            ```
        """
        from ._events import EventFilter, astream_events

        filters = EventFilter(
            include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
        )
        return astream_events(self, input, config, version, filters, kwargs)

    def with_listeners(
        self,
        *,
        on_start: RunListener | None = None,
        on_end: RunListener | None = None,
        on_error: RunListener | None = None,
    ) -> RunnableBinding[In, Out]:
        """Call functions of the [`Run`][pipes.Run] (or of `(run, config)`) when this
        runnable's run starts, ends or fails; nested runs do not call them.

        Example:
            ```python
            chain.with_listeners(on_end=lambda run: print(run.outputs)).invoke(x)
            ```
        """
        from ._run_listeners import RootListener

        return self.with_config(callbacks=[RootListener(on_start, on_end, on_error)])

    def with_alisteners(
        self,
        *,
        on_start: AsyncRunListener | None = None,
        on_end: AsyncRunListener | None = None,
        on_error: AsyncRunListener | None = None,
    ) -> RunnableBinding[In, Out]:
        """`with_listeners` with coroutine functions (awaited on async paths, run to
        completion on sync ones).

        Example:
            ```python
            async def save(run: Run) -> None:
                await db.save(run.outputs)

            await chain.with_alisteners(on_end=save).ainvoke(x)
            ```
        """
        from ._run_listeners import RootListener, check_async

        for name, fn in (("on_start", on_start), ("on_end", on_end), ("on_error", on_error)):
            check_async(name, fn)
        return self.with_config(callbacks=[RootListener(on_start, on_end, on_error)])

    # -- composition ----------------------------------------------------------------------

    @overload
    def __or__(self, other: Runnable[Out, Other]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(
        self, other: Callable[[Iterator[Out]], Iterator[Other]]
    ) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(
        self, other: Callable[[AsyncIterator[Out]], AsyncIterator[Other]]
    ) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Callable[[Out], Awaitable[Other]]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Callable[[Out], Other]) -> RunnableSequence[In, Other]: ...
    @overload
    def __or__(self, other: Mapping[str, Any]) -> RunnableSequence[In, dict[str, Any]]: ...
    def __or__(self, other: Any) -> RunnableSequence[In, Any]:
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(self, coerce_to_runnable(other, position="right of `|`"))

    @overload
    def __ror__(self, other: Callable[[Other], Awaitable[In]]) -> RunnableSequence[Other, Out]: ...
    @overload
    def __ror__(self, other: Callable[[Other], In]) -> RunnableSequence[Other, Out]: ...
    @overload
    def __ror__(self, other: Mapping[str, Any]) -> RunnableSequence[Any, Out]: ...
    def __ror__(self, other: Any) -> RunnableSequence[Any, Out]:
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(coerce_to_runnable(other, position="left of `|`"), self)

    def pipe(self, *others: Any, name: str | None = None) -> Runnable[In, Any]:
        """`a.pipe(b, c)` is `a | b | c`; `name` names the sequence."""
        from ._coerce import coerce_to_runnable
        from ._sequence import RunnableSequence

        return RunnableSequence(
            self, *(coerce_to_runnable(o, position="pipe()") for o in others), name=name
        )

    def bind(self, **kwargs: Any) -> RunnableBinding[In, Out]:
        """Fix keyword arguments passed to every call, e.g. `llm.bind(stop=["\\n"])`."""
        from ._binding import RunnableBinding

        return RunnableBinding(self, kwargs=kwargs)

    def with_config(
        self, config: RunnableConfig | None = None, **options: Any
    ) -> RunnableBinding[In, Out]:
        """Fix config for every call, e.g. `chain.with_config(run_name="translate")`."""
        from ._binding import RunnableBinding

        merged = cast(RunnableConfig, {**(config or {}), **options})
        return RunnableBinding(self, config=merged)

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        stop_after_attempt: int = 3,
        wait_exponential_jitter: bool = True,
        initial_wait: float = 0.1,
        max_wait: float = 10.0,
        exponential_base: float = 2.0,
    ) -> RunnableRetry[In, Out]:
        """Retry failures of the given types with exponential backoff and jitter."""
        from ._retry import RunnableRetry

        return RunnableRetry(
            self,
            retry_if_exception_type=retry_if_exception_type,
            stop_after_attempt=stop_after_attempt,
            wait_exponential_jitter=wait_exponential_jitter,
            initial_wait=initial_wait,
            max_wait=max_wait,
            exponential_base=exponential_base,
        )

    def with_fallbacks(
        self,
        fallbacks: Sequence[Runnable[In, Out]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> RunnableWithFallbacks[In, Out]:
        """Try `fallbacks` in order when this runnable raises one of `exceptions_to_handle`.

        With `exception_key` (dict inputs only) the fallback receives the error under that key.
        """
        from ._fallbacks import RunnableWithFallbacks

        return RunnableWithFallbacks(
            self,
            fallbacks,
            exceptions_to_handle=exceptions_to_handle,
            exception_key=exception_key,
        )

    def map(self) -> RunnableEach[In, Out]:
        """A runnable over lists that applies this one to each element (as a batch)."""
        from ._binding import RunnableEach

        return RunnableEach(self)

    def pick(self, keys: str | Sequence[str]) -> RunnableSequence[In, Any]:
        """Pick one key (the value) or several keys (a dict) from a dict output."""
        from ._passthrough import RunnablePick
        from ._sequence import RunnableSequence

        return RunnableSequence(self, RunnablePick(keys))

    def assign(self, **steps: Any) -> RunnableSequence[In, dict[str, Any]]:
        """Add keys computed from the dict output, keeping the existing ones."""
        from ._passthrough import RunnableAssign
        from ._sequence import RunnableSequence

        return RunnableSequence(self, RunnableAssign(**steps))

    def with_name(self, name: str) -> Runnable[In, Out]:
        """A copy of this runnable with another name."""
        import copy

        clone = copy.copy(self)
        clone.name = name
        return clone
