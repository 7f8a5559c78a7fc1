"""The thin layer around every runnable method: config publication and listener runs.

``Runnable.__init_subclass__`` wraps the ``invoke``/``ainvoke``/``stream``/``astream``/
``transform``/``atransform`` a class defines. The wrapper's fast path (no config given, or a
config without callbacks) is a couple of checks; config objects are never copied.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._config import RunnableConfig, _current_config, child_config
from ._listeners import Run, _current_run, _notify

if TYPE_CHECKING:
    from ._runnable import Runnable

_Fn = Callable[..., Any]

# The traced call in progress: (runnable, config handed to its method). A runnable whose method
# calls another of its own methods with that same config (``stream`` -> ``transform``,
# ``ainvoke`` -> ``invoke`` in a thread) is still the same run, so the inner call is not traced
# again. Only set when somebody listens.
_current_call: contextvars.ContextVar[tuple[Any, Any] | None] = contextvars.ContextVar(
    "pipes_call", default=None
)


def _same_call(runnable: Any, config: RunnableConfig) -> bool:
    call = _current_call.get()
    return call is not None and call[0] is runnable and call[1] is config


def _run_type(runnable: Runnable[Any, Any]) -> str:
    return getattr(runnable, "run_type", "chain")


def _start_run(runnable: Runnable[Any, Any], input: Any, config: RunnableConfig) -> Run:
    parent = _current_run.get()
    run = Run(
        name=config.get("run_name") or runnable.get_name(),
        run_type=_run_type(runnable),
        inputs=input,
        parent_run_id=parent.run_id if parent is not None else None,
        tags=list(config.get("tags", ())),
        metadata=dict(config.get("metadata", {})),
        listeners=tuple(config.get("callbacks", ())),
    )
    _notify(run, "on_start")
    return run


def _finish(run: Run, outputs: Any = None, error: BaseException | None = None) -> None:
    import time

    run.end_time = time.time()
    if error is not None:
        run.error = error
        _notify(run, "on_error")
    else:
        run.outputs = outputs
        _notify(run, "on_end")


_Tokens = tuple[contextvars.Token[Any], contextvars.Token[Any], contextvars.Token[Any]]


def _enter(run: Run, runnable: Any, config: RunnableConfig) -> _Tokens:
    return (
        _current_run.set(run),
        _current_config.set(config),
        _current_call.set((runnable, config)),
    )


def _exit(tokens: _Tokens) -> None:
    _current_run.reset(tokens[0])
    _current_config.reset(tokens[1])
    _current_call.reset(tokens[2])


def wrap_invoke(fn: _Fn) -> _Fn:
    @functools.wraps(fn)
    def invoke(
        self: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        if config is None:
            config = _current_config.get()
            if config is None or not config.get("callbacks"):
                return fn(self, input, config, **kwargs)
        elif not config.get("callbacks"):
            if config is _current_config.get():
                return fn(self, input, config, **kwargs)
            token = _current_config.set(config)
            try:
                return fn(self, input, config, **kwargs)
            finally:
                _current_config.reset(token)
        if _same_call(self, config):
            return fn(self, input, config, **kwargs)
        run = _start_run(self, input, config)
        child = child_config(config)
        tokens = _enter(run, self, child)
        try:
            output = fn(self, input, child, **kwargs)
        except BaseException as exc:
            _finish(run, error=exc)
            raise
        finally:
            _exit(tokens)
        _finish(run, output)
        return output

    invoke.__pipes_wrapped__ = True  # type: ignore[attr-defined]
    invoke.__pipes_raw__ = fn  # type: ignore[attr-defined]
    return invoke


def wrap_ainvoke(fn: _Fn) -> _Fn:
    @functools.wraps(fn)
    async def ainvoke(
        self: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        if config is None:
            config = _current_config.get()
            if config is None or not config.get("callbacks"):
                return await fn(self, input, config, **kwargs)
        elif not config.get("callbacks"):
            if config is _current_config.get():
                return await fn(self, input, config, **kwargs)
            token = _current_config.set(config)
            try:
                return await fn(self, input, config, **kwargs)
            finally:
                _current_config.reset(token)
        if _same_call(self, config):
            return await fn(self, input, config, **kwargs)
        run = _start_run(self, input, config)
        child = child_config(config)
        tokens = _enter(run, self, child)
        try:
            output = await fn(self, input, child, **kwargs)
        except BaseException as exc:
            _finish(run, error=exc)
            raise
        finally:
            _exit(tokens)
        _finish(run, output)
        return output

    ainvoke.__pipes_wrapped__ = True  # type: ignore[attr-defined]
    ainvoke.__pipes_raw__ = fn  # type: ignore[attr-defined]
    return ainvoke


def _iterate_in(ctx: contextvars.Context, iterator: Iterator[Any]) -> Iterator[Any]:
    # Each step of the generator runs inside ctx, so the config it publishes never leaks into
    # the consumer and never has to be reset from another context.
    sentinel = _SENTINEL
    while True:
        chunk = ctx.run(next, iterator, sentinel)
        if chunk is sentinel:
            return
        yield chunk


_SENTINEL: Any = object()


def _merged(chunks: list[Any]) -> Any:
    from ._chunks import merge_chunks

    return merge_chunks(chunks) if chunks else None


def _traced_iter(run: Run, ctx: contextvars.Context, iterator: Iterator[Any]) -> Iterator[Any]:
    chunks: list[Any] = []
    try:
        for chunk in _iterate_in(ctx, iterator):
            chunks.append(chunk)
            yield chunk
    except GeneratorExit:  # the consumer stopped early: the run ends with what it got
        _finish(run, _merged(chunks))
        raise
    except BaseException as exc:
        _finish(run, error=exc)
        raise
    _finish(run, _merged(chunks))


def wrap_iter(fn: _Fn) -> _Fn:
    """Wrap ``stream``/``transform`` (generators)."""

    @functools.wraps(fn)
    def stream(
        self: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        if config is None:
            config = _current_config.get()
            if config is None or not config.get("callbacks"):
                return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
        elif not config.get("callbacks"):
            if config is _current_config.get():
                return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
            ctx = contextvars.copy_context()
            ctx.run(_current_config.set, config)
            return _iterate_in(ctx, ctx.run(fn, self, input, config, **kwargs))
        if _same_call(self, config):
            return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
        run = _start_run(self, input if fn.__name__ != "transform" else "<stream>", config)
        child = child_config(config)
        ctx = contextvars.copy_context()
        ctx.run(_enter, run, self, child)
        # Created inside ctx too: a method that returns another method's iterator (rather than
        # being a generator itself) must see this call as current.
        return _traced_iter(run, ctx, ctx.run(fn, self, input, child, **kwargs))

    stream.__pipes_wrapped__ = True  # type: ignore[attr-defined]
    stream.__pipes_raw__ = fn  # type: ignore[attr-defined]
    return stream


async def _aiterate_with(
    config: RunnableConfig,
    iterator: AsyncIterator[Any],
    run: Run | None,
    runnable: Any = None,
) -> AsyncIterator[Any]:
    # Publish the config (and the run) around each step of the inner iterator only: between
    # steps the consumer's own context is left as it was.
    chunks: list[Any] = []
    try:
        while True:
            if run is None:
                token = _current_config.set(config)
                try:
                    chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    _current_config.reset(token)
            else:
                tokens = _enter(run, runnable, config)
                try:
                    chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    _exit(tokens)
                chunks.append(chunk)
            yield chunk
    except GeneratorExit:  # the consumer stopped early: the run ends with what it got
        if run is not None:
            _finish(run, _merged(chunks))
        raise
    except BaseException as exc:
        if run is not None:
            _finish(run, error=exc)
        raise
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    if run is not None:
        _finish(run, _merged(chunks))


def wrap_aiter(fn: _Fn) -> _Fn:
    """Wrap ``astream``/``atransform`` (async generators)."""

    @functools.wraps(fn)
    def astream(
        self: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        if config is None:
            config = _current_config.get()
            if config is None or not config.get("callbacks"):
                return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
        elif not config.get("callbacks"):
            if config is _current_config.get():
                return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
            return _aiterate_with(config, fn(self, input, config, **kwargs), None)
        if _same_call(self, config):
            return fn(self, input, config, **kwargs)  # type: ignore[no-any-return]
        run = _start_run(self, input if fn.__name__ != "atransform" else "<stream>", config)
        child = child_config(config)
        tokens = _enter(run, self, child)
        try:
            iterator = fn(self, input, child, **kwargs)
        finally:
            _exit(tokens)
        return _aiterate_with(child, iterator, run, self)

    astream.__pipes_wrapped__ = True  # type: ignore[attr-defined]
    astream.__pipes_raw__ = fn  # type: ignore[attr-defined]
    return astream


def raw_method(runnable: Any, method: str) -> _Fn:
    """The class's own ``method`` without the tracing wrapper.

    Calling it directly is equivalent to calling the wrapped method when nobody listens and
    ``config`` is already the published one: composites use it on their hot path.
    """
    fn: _Fn = getattr(type(runnable), method)
    return getattr(fn, "__pipes_raw__", fn)


def fast_path(config: RunnableConfig | None) -> bool:
    """True when a composite may call its children's raw methods with ``config``."""
    if config is None:
        config = _current_config.get()
        return config is None or not config.get("callbacks")
    return not config.get("callbacks") and config is _current_config.get()


WRAPPERS: dict[str, Callable[[_Fn], _Fn]] = {
    "invoke": wrap_invoke,
    "ainvoke": wrap_ainvoke,
    "stream": wrap_iter,
    "transform": wrap_iter,
    "astream": wrap_aiter,
    "atransform": wrap_aiter,
}
