"""The thin layer around every runnable method: config publication and listener runs.

`Runnable.__init_subclass__` wraps the `invoke`/`ainvoke`/`stream`/`astream`/
`transform`/`atransform` a class defines. All six share one wrapper (`_wrap`): its
fast path (no config given, or the published config without callbacks) is a couple of checks
and calls the method as is — for `ainvoke` it returns the method's own coroutine, so there
is no extra frame. Anything else is a `_Scope` — the one place where a run starts,
ends and fails — applied the way each kind of method needs it (a call, an awaited call, a
generator, an async generator). The fast path never copies a config; a traced run hands its
children a copy whose `callbacks` name it as their parent.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._config import RunnableConfig, _current_config
from ._listeners import (
    GLOBAL_LISTENERS,
    AsyncHooks,
    Handlers,
    Listener,
    Run,
    _call,
    _current_run,
    _failed,
    _notify,
    _pending,
)

if TYPE_CHECKING:
    from ._runnable import Runnable

_Fn = Callable[..., Any]
_Slow = Callable[[_Fn, Any, Any, RunnableConfig, dict[str, Any]], Any]

# The traced call in progress: (runnable, config handed to its method). A runnable whose method
# calls another of its own methods with that same config (``stream`` -> ``transform``,
# ``ainvoke`` -> ``invoke`` in a thread) is still the same run, so the inner call is not traced
# again. Only set when somebody listens.
_current_call: contextvars.ContextVar[tuple[Any, Any] | None] = contextvars.ContextVar(
    "pipes_call", default=None
)

_Tokens = tuple[contextvars.Token[Any], ...]
_ASYNC_METHODS = frozenset({"ainvoke", "astream", "atransform"})


def _new_run(
    runnable: Runnable[Any, Any], input: Any, config: RunnableConfig, kwargs: dict[str, Any]
) -> Run:
    callbacks = config.get("callbacks")
    parent = getattr(callbacks, "parent", None)
    if parent is None:
        parent = _current_run.get()
        _check_listeners(callbacks)  # as the caller gave them (a parent's are checked)
    tags = list(config.get("tags", ()))
    if parent is not None:
        # LangChain's positional tag ("seq:step:2", "map:key:a"): this run's only, not inherited.
        owner = parent.extra["runnable"]
        position = getattr(type(owner), "_child_tag", None)
        tag = position(owner, runnable) if position is not None else None
        if tag is not None:
            tags.insert(0, tag)
    run = Run(
        name=config.get("run_name") or runnable.get_name(),
        run_type=getattr(runnable, "run_type", "chain"),
        inputs=input,
        parent_run_id=parent.run_id if parent is not None else None,
        tags=tags,
        metadata=dict(config.get("metadata", {})),
        listeners=tuple(callbacks or ()),
        parent=parent,
        extra={"runnable": runnable},
    )
    # A kind of runnable may describe its runs further (a chat model: its messages and
    # invocation params); looked up on the class, so ordinary runnables pay one getattr.
    describe = getattr(type(runnable), "_trace_start", None)
    if describe is not None:
        describe(runnable, run, input, kwargs)
    return run


def _check_listeners(callbacks: Any) -> None:
    if isinstance(callbacks, Listener) or not isinstance(callbacks, list | tuple):
        raise TypeError(
            f"config['callbacks'] must be a list of listeners or callback handlers, got "
            f"{type(callbacks).__name__}: pass callbacks=[handler]"
        )
    for listener in callbacks:
        if not isinstance(listener, Listener):
            raise TypeError(
                f"config['callbacks'] holds a {type(listener).__module__}."
                f"{type(listener).__qualname__}, which is not a pipes listener: subclass "
                "pipes.BaseCallbackHandler (LangChain's method names) or pipes.Listener"
            )


class _Scope:
    """What a wrapped call does beyond its fast path, whatever the kind of method.

    One of three: nothing (`passthrough`: a runnable calling another of its own methods with
    the config it was handed is still the same run); publish the config while the method runs
    (nobody listens); or, when the config carries callbacks, trace a [`Run`][pipes.Run] under a
    child config. The run starts, ends and fails here and nowhere else.
    """

    __slots__ = (
        "chunks",
        "config",
        "entered",
        "entering",
        "inputs",
        "passthrough",
        "pending",
        "run",
        "runnable",
        "started",
        "tokens",
    )

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        input: Any,
        config: RunnableConfig,
        fn: _Fn,
        kwargs: dict[str, Any],
    ) -> None:
        self.runnable = runnable
        self.config = config
        self.run: Run | None = None
        self.passthrough = False
        self.tokens: _Tokens = ()
        self.chunks: list[Any] = []  # a traced stream's output, merged when it ends
        self.inputs: list[Any] = []  # a traced transform's input, merged when it ends
        # The async hooks this scope awaits before its call returns: set for the outermost
        # traced async call only (inner ones add theirs to the same list).
        self.pending: AsyncHooks | None = None
        self.started = False
        # Listeners that make the run current in their own context while its body runs
        # (OpenTelemetry: a span the body starts is the run's child), and what they returned.
        self.entering: tuple[Any, ...] = ()
        self.entered: list[tuple[Any, object]] = []
        callbacks = config.get("callbacks")
        if GLOBAL_LISTENERS and _current_run.get() is None:
            # A root run: global listeners join whatever the call brought.
            missing = [g for g in GLOBAL_LISTENERS if g not in (callbacks or ())]
            if missing:
                config = self.config = {**config, "callbacks": [*(callbacks or ()), *missing]}
        elif not callbacks:
            return
        call = _current_call.get()
        if call is not None and call[0] is runnable and call[1] is config:
            self.passthrough = True
            return
        name = fn.__name__
        if name in _ASYNC_METHODS and _pending.get() is None:
            self.pending = AsyncHooks()
        if name in ("transform", "atransform"):
            # An iterator: the run must not consume it. Like LangChain, the run is announced
            # when its first input chunk arrives (see `announced`), not when it is set up.
            self.run = _new_run(runnable, "<stream>", config, kwargs)
        else:
            self.run = _new_run(runnable, input, config, kwargs)
            self.announce()
        self.entering = tuple(
            listener
            for listener in self.run.listeners
            if getattr(type(listener), "enter_run", None) is not None
        )
        # What the children get: this run's listeners, and this run as their parent.
        child = dict(config)
        child.pop("run_name", None)
        child["callbacks"] = Handlers(self.run.listeners, self.run)
        self.config = child  # type: ignore[assignment]

    def announce(self) -> None:
        """Tell the listeners the run started (once)."""
        run = self.run
        if run is None or self.started:
            return
        self.started = True
        run.start_time = time.time()
        self.notify(run, "on_start")

    def notify(self, run: Run, hook: str) -> None:
        """Call `hook` of the run's listeners; async hooks join this scope's (if it is the
        outermost async one)."""
        token = _pending.set(self.pending) if self.pending is not None else None
        try:
            _notify(run, hook)
        finally:
            if token is not None:
                _pending.reset(token)

    def announced(self, chunks: Iterator[Any]) -> Iterator[Any]:
        """`chunks`, announcing the run when the first one arrives; kept, so the run's
        input is known (merged) when it ends."""
        seen = self.inputs
        for chunk in chunks:
            if not self.started:
                self.announce()
            seen.append(chunk)
            yield chunk

    async def aannounced(self, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Async `announced`."""
        seen = self.inputs
        async for chunk in chunks:
            if not self.started:
                self.announce()
            seen.append(chunk)
            yield chunk

    def enter(self) -> _Tokens:
        """Publish the config (and the run) in the current context; `exit` undoes it."""
        if self.passthrough:
            return ()
        if self.run is None:
            return (_current_config.set(self.config),)
        if self.entering:
            self._enter_listeners(self.run)
        if self.pending is not None:
            return (
                _current_config.set(self.config),
                _current_run.set(self.run),
                _current_call.set((self.runnable, self.config)),
                _pending.set(self.pending),
            )
        return (
            _current_config.set(self.config),
            _current_run.set(self.run),
            _current_call.set((self.runnable, self.config)),
        )

    def _enter_listeners(self, run: Run) -> None:
        for listener in self.entering:
            try:
                self.entered.append((listener, listener.enter_run(run)))
            except Exception as exc:
                _failed(listener, "enter_run", exc)

    def _exit_listeners(self, run: Run) -> None:
        entered, self.entered = self.entered, []
        for listener, token in reversed(entered):
            try:
                listener.exit_run(run, token)
            except Exception as exc:
                _failed(listener, "exit_run", exc)

    def exit(self, tokens: _Tokens) -> None:
        if self.entered and self.run is not None:
            self._exit_listeners(self.run)
        if tokens:
            _current_config.reset(tokens[0])
            if len(tokens) > 1:
                _current_run.reset(tokens[1])
                _current_call.reset(tokens[2])
                if len(tokens) > 3:
                    _pending.reset(tokens[3])

    def finish(self, error: BaseException | None, output: Any = None) -> None:
        """End the run, if traced, with `output` or `error`. A consumer that stops a
        stream early (`GeneratorExit`) ends it with what it got: not an error."""
        run = self.run
        if run is None:
            return
        if not self.started:  # a stream that ended (or failed) before any input
            self.announce()
        if self.inputs:
            from ._chunks import merge_chunks

            try:
                run.inputs = merge_chunks(self.inputs)
            except Exception:  # chunks that do not merge: the run's input stays unknown
                pass
        run.end_time = time.time()
        if error is not None and not isinstance(error, GeneratorExit):
            run.error = error
            self.notify(run, "on_error")
        else:
            run.outputs = output
            describe = getattr(type(self.runnable), "_trace_end", None)
            if describe is not None:
                describe(self.runnable, run)
            self.notify(run, "on_end")

    def chunk(self, chunk: Any) -> None:
        """A traced stream yielded `chunk`: keep it for the output, tell the listeners."""
        self.chunks.append(chunk)
        run = self.run
        if run is not None:
            for listener in run.listeners:
                _call(listener, "on_chunk", run, chunk)

    async def drain(self) -> None:
        """Await the async hooks of this (outermost async) scope's runs."""
        if self.pending is not None:
            await self.pending.drain()

    def streamed(self) -> Any:
        """A stream's output: its chunks merged."""
        from ._chunks import merge_chunks

        return merge_chunks(self.chunks) if self.chunks else None

    # invoke / ainvoke: the scope is a context manager around the one call.

    def __enter__(self) -> _Scope:
        self.tokens = self.enter()
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        if error is not None:
            self.finish(error)
        self.exit(self.tokens)


def _wrap(fn: _Fn, slow: _Slow) -> _Fn:
    """The wrapper of one method: the fast path inline, anything else through `slow`."""

    @functools.wraps(fn)
    def wrapper(
        self: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        # Keep in step with fast_path() below (this one also resolves the config it passes).
        if config is None:
            config = _current_config.get()
            if config is None:
                if not GLOBAL_LISTENERS:
                    return fn(self, input, None, **kwargs)
                config = {}
            elif not config.get("callbacks"):
                return fn(self, input, config, **kwargs)
        elif config is _current_config.get() and not config.get("callbacks"):
            return fn(self, input, config, **kwargs)
        return slow(fn, self, input, config, kwargs)

    # Tracebacks show this frame under the method's name (``_tracing.py:invoke``), not as a
    # nameless ``wrapper``: one shared wrapper, six readable frames.
    wrapper.__code__ = wrapper.__code__.replace(co_name=fn.__name__)  # type: ignore[attr-defined]
    wrapper.__pipes_wrapped__ = True  # type: ignore[attr-defined]
    wrapper.__pipes_raw__ = fn  # type: ignore[attr-defined]
    return wrapper


def _invoke(fn: _Fn, runnable: Any, input: Any, config: RunnableConfig, kwargs: Any) -> Any:
    with _Scope(runnable, input, config, fn, kwargs) as scope:
        output = fn(runnable, input, scope.config, **kwargs)
    scope.finish(None, output)
    return output


async def _ainvoke(fn: _Fn, runnable: Any, input: Any, config: RunnableConfig, kwargs: Any) -> Any:
    scope = _Scope(runnable, input, config, fn, kwargs)
    try:
        with scope:
            output = await fn(runnable, input, scope.config, **kwargs)
        scope.finish(None, output)
    finally:
        await scope.drain()
    return output


_SENTINEL: Any = object()


def _stream_scope(
    fn: _Fn, runnable: Any, input: Any, config: RunnableConfig, kwargs: Any, sync: bool
) -> tuple[_Scope, Any]:
    """The scope of a `stream`/`transform` (`sync`) or `astream`/`atransform` call, and its
    input: an input stream is announced to the run first (unless the scope passes through)."""
    scope = _Scope(runnable, input, config, fn, kwargs)
    if not scope.passthrough and scope.run is not None and not scope.started:
        input = scope.announced(input) if sync else scope.aannounced(input)
    return scope, input


def _iter(fn: _Fn, runnable: Any, input: Any, config: RunnableConfig, kwargs: Any) -> Any:
    scope, input = _stream_scope(fn, runnable, input, config, kwargs, sync=True)
    if scope.passthrough:
        return fn(runnable, input, config, **kwargs)
    # A sync generator may be stepped from several contexts (a worker thread per step, say):
    # each step runs inside one context of its own, so what the method publishes never leaks
    # into the consumer and never has to be reset from another context. Created inside it
    # too: a method that returns another method's iterator must see this call as current.
    ctx = contextvars.copy_context()
    ctx.run(scope.enter)
    try:
        iterator = ctx.run(fn, runnable, input, scope.config, **kwargs)
    except BaseException as exc:
        scope.finish(exc)
        _leave(scope, ctx)
        raise
    if scope.run is None:
        return _iterate_in(ctx, iterator)
    return _traced_iter(scope, ctx, iterator)


def _iterate_in(ctx: contextvars.Context, iterator: Iterator[Any]) -> Iterator[Any]:
    sentinel = _SENTINEL
    while True:
        chunk = ctx.run(next, iterator, sentinel)
        if chunk is sentinel:
            return
        yield chunk


def _traced_iter(scope: _Scope, ctx: contextvars.Context, iterator: Iterator[Any]) -> Any:
    try:
        for chunk in _iterate_in(ctx, iterator):
            scope.chunk(chunk)
            yield chunk
    except BaseException as exc:
        scope.finish(exc, scope.streamed())
        raise
    finally:
        _leave(scope, ctx)
    scope.finish(None, scope.streamed())


def _leave(scope: _Scope, ctx: contextvars.Context) -> None:
    # A sync stream's body runs in its own context, entered once: the listeners that made
    # the run current there leave it when the stream ends (their tokens belong to `ctx`).
    if scope.entered and scope.run is not None:
        ctx.run(scope._exit_listeners, scope.run)


def _aiter(fn: _Fn, runnable: Any, input: Any, config: RunnableConfig, kwargs: Any) -> Any:
    scope, input = _stream_scope(fn, runnable, input, config, kwargs, sync=False)
    if scope.passthrough:
        return fn(runnable, input, config, **kwargs)
    with scope:
        iterator = fn(runnable, input, scope.config, **kwargs)
    return _aiterate(scope, iterator)


async def _aiterate(scope: _Scope, iterator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    # An async generator is stepped from its consumer's task: the scope is published around
    # each step of the inner iterator only, so between steps the consumer's context is as it
    # was.
    traced = scope.run is not None
    try:
        while True:
            tokens = scope.enter()
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            finally:
                scope.exit(tokens)
            if traced:
                scope.chunk(chunk)
            yield chunk
    except BaseException as exc:
        scope.finish(exc, scope.streamed())
        await scope.drain()
        raise
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    scope.finish(None, scope.streamed())
    await scope.drain()


def raw_method(runnable: Any, method: str) -> _Fn:
    """The class's own `method` without the tracing wrapper.

    Calling it directly is equivalent to calling the wrapped method when nobody listens and
    `config` is already the published one: composites use it on their hot path.
    """
    fn: _Fn = getattr(type(runnable), method)
    return getattr(fn, "__pipes_raw__", fn)


def fast_path(config: RunnableConfig | None) -> bool:
    """True when a composite may call its children's raw methods with `config`."""
    if config is None:
        config = _current_config.get()
        if config is None:
            return not GLOBAL_LISTENERS
        return not config.get("callbacks")
    return not config.get("callbacks") and config is _current_config.get()


WRAPPERS: dict[str, Callable[[_Fn], _Fn]] = {
    name: functools.partial(_wrap, slow=slow)
    for name, slow in (
        ("invoke", _invoke),
        ("ainvoke", _ainvoke),
        ("stream", _iter),
        ("transform", _iter),
        ("astream", _aiter),
        ("atransform", _aiter),
    )
}
