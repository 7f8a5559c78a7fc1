"""Functions as runnables: `RunnableLambda`, `RunnableGenerator` and `@chain`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast, overload

from typing_extensions import TypeVar

from .._errors import InvalidRunnableError, NotImplementedInvokeError, RecursionLimitError
from ._chunks import merge_chunks
from ._config import DEFAULT_RECURSION_LIMIT, RunnableConfig, ensure_config
from ._runnable import Runnable, _aiter_one
from ._threads import run_in_thread

__all__ = ["RunnableGenerator", "RunnableLambda", "chain"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


def _accepts_config(func: Callable[..., Any]) -> bool:
    import inspect

    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without signatures
        return False
    return "config" in parameters


def _function_name(func: Any) -> str:
    name = getattr(func, "__name__", None) or type(func).__name__
    return "lambda" if name == "<lambda>" else name


def _hint_schema(func: Callable[..., Any] | None, which: str) -> dict[str, Any]:
    if func is None:
        return {}
    try:
        import inspect
        from typing import get_type_hints

        hints = get_type_hints(func)
        if which == "return":
            hint = hints.get("return")
        else:
            first = next(iter(inspect.signature(func).parameters), None)
            hint = hints.get(first) if first else None
        if hint is None:
            return {}
        from pydantic import TypeAdapter

        return TypeAdapter(hint).json_schema()
    except Exception:  # unresolvable hints: schema is simply not derivable
        return {}


class RunnableLambda(Runnable[In, Out]):
    """A function (sync, async, or both) as a runnable.

    The function may accept a `config` keyword to receive the run's config. If it returns a
    runnable, that runnable is invoked on the same input (bounded by `recursion_limit`).

    Example:
        ```python
        upper = RunnableLambda(str.upper)
        both = RunnableLambda(lambda s: s.upper(), afunc=async_upper)
        ```
    """

    @overload
    def __init__(
        self,
        func: Callable[[In], Awaitable[Out]],
        afunc: None = None,
        name: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        func: Callable[[In], Out],
        afunc: Callable[[In], Awaitable[Out]] | None = None,
        name: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        func: Callable[[In, RunnableConfig], Out],
        afunc: Callable[[In, RunnableConfig], Awaitable[Out]] | None = None,
        name: str | None = None,
    ) -> None: ...
    def __init__(
        self,
        func: Callable[..., Any],
        afunc: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
    ) -> None:
        import inspect

        if not callable(func):
            raise InvalidRunnableError(
                f"RunnableLambda expects a function, got {func!r} (type {type(func).__name__})"
            )
        if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None)  # noqa: B004 - async callable objects
        ):
            if afunc is not None:
                raise TypeError(
                    "RunnableLambda(func, afunc): func must be sync when afunc is given"
                )
            func, afunc = None, func  # type: ignore[assignment]
        self.func: Callable[..., Any] | None = func
        self.afunc: Callable[..., Awaitable[Any]] | None = afunc
        self._func_config = func is not None and _accepts_config(func)
        self._afunc_config = afunc is not None and _accepts_config(afunc)
        self.name = name or _function_name(func if func is not None else afunc)

    def _sync_only(self) -> bool:
        return self.afunc is None

    def get_input_schema(self) -> dict[str, Any]:
        return _hint_schema(self.func or self.afunc, "input")

    def get_output_schema(self) -> dict[str, Any]:
        return _hint_schema(self.func or self.afunc, "return")

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        # _apply() inlined: invoke is the hot path, and a user's traceback shows one frame less.
        func = self.func
        if func is None:
            self._apply(input, config)  # raises the async-only error
        output = func(input, config=ensure_config(config)) if self._func_config else func(input)  # type: ignore[misc]
        if isinstance(output, Runnable):
            return cast(Out, output.invoke(input, _deeper(config, self)))
        return cast(Out, output)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        afunc = self.afunc
        if afunc is None:
            # Never block the event loop with a sync function.
            return await run_in_thread(self.invoke, input, config)
        if self._afunc_config:
            output = await afunc(input, config=ensure_config(config))
        else:
            output = await afunc(input)
        if isinstance(output, Runnable):
            return cast(Out, await output.ainvoke(input, _deeper(config, self)))
        return cast(Out, output)

    # Streaming: the function's result is one chunk, unless it is a runnable, which then
    # streams (as LangChain's RunnableLambda does): a routing function returning a model
    # streams the model's tokens.

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.transform(iter((input,)), config, **kwargs)

    def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        return self.atransform(_aiter_one(input), config, **kwargs)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        chunks = list(input)
        if not chunks:
            return
        value = merge_chunks(chunks)
        # _apply() inlined, as in invoke: a failing function's traceback shows one frame less.
        func = self.func
        if func is None:
            self._apply(value, config)  # raises the async-only error
        output = func(value, config=ensure_config(config)) if self._func_config else func(value)  # type: ignore[misc]
        if isinstance(output, Runnable):
            yield from output.stream(value, _deeper(config, self))
        else:
            yield output

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        chunks = [chunk async for chunk in input]
        if not chunks:
            return
        value = merge_chunks(chunks)
        afunc = self.afunc
        if afunc is None:
            # The sync function in a worker thread; a runnable it returns streams here.
            output = await run_in_thread(self._apply, value, config)
        elif self._afunc_config:
            output = await afunc(value, config=ensure_config(config))
        else:
            output = await afunc(value)
        if isinstance(output, Runnable):
            async for chunk in output.astream(value, _deeper(config, self)):
                yield chunk
        else:
            yield output

    def _apply(self, input: In, config: RunnableConfig | None) -> Any:
        """The sync function's result (maybe a runnable to run next)."""
        func = self.func
        if func is None:
            raise NotImplementedInvokeError(
                f"RunnableLambda {self.name!r} wraps an async function: call "
                "`await runnable.ainvoke(...)`, or pass a sync function too: "
                "RunnableLambda(sync_func, afunc=async_func)"
            )
        return func(input, config=ensure_config(config)) if self._func_config else func(input)


def _deeper(config: RunnableConfig | None, caller: Runnable[Any, Any]) -> RunnableConfig:
    config = ensure_config(config)
    limit = config.get("recursion_limit", DEFAULT_RECURSION_LIMIT)
    if limit <= 0:
        raise RecursionLimitError(
            f"{caller.get_name()!r} returned a runnable more than its recursion limit allows "
            "(a cycle?); raise config['recursion_limit'] if the depth is intended"
        )
    return {**config, "recursion_limit": limit - 1}


class RunnableGenerator(Runnable[In, Out]):
    """A generator function over the input stream as a streaming runnable.

    Example:
        ```python
        def shout(chunks: Iterator[str]) -> Iterator[str]:
            for chunk in chunks:
                yield chunk.upper()

        (model | StrOutputParser() | RunnableGenerator(shout)).stream(...)
        ```
    """

    @overload
    def __init__(
        self,
        transform: Callable[[Iterator[In]], Iterator[Out]],
        atransform: Callable[[AsyncIterator[In]], AsyncIterator[Out]] | None = None,
        *,
        name: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        transform: Callable[[AsyncIterator[In]], AsyncIterator[Out]],
        atransform: None = None,
        *,
        name: str | None = None,
    ) -> None: ...
    def __init__(
        self,
        transform: Callable[..., Any],
        atransform: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        import inspect

        if inspect.isasyncgenfunction(transform):
            transform, atransform = None, transform  # type: ignore[assignment]
        self._transform: Callable[..., Iterator[Any]] | None = transform
        self._atransform: Callable[..., AsyncIterator[Any]] | None = atransform
        self.name = name or _function_name(transform if transform is not None else atransform)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        if self._transform is None:
            raise NotImplementedInvokeError(
                f"RunnableGenerator {self.name!r} wraps an async generator: use astream/ainvoke"
            )
        return self._transform(input)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        return self.transform(iter((input,)), config)

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        if self._atransform is None:
            # A sync generator function: it runs in a thread, fed the input chunk by chunk.
            from ._threads import _transform_in_thread

            async for chunk in _transform_in_thread(
                lambda chunks: self.transform(chunks, config), input
            ):
                yield chunk
            return
        async for chunk in self._atransform(input):
            yield chunk

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        if self._atransform is None:
            from ._threads import _iterate_in_thread

            async for chunk in _iterate_in_thread(self.stream(input, config)):
                yield chunk
            return

        async def one() -> AsyncIterator[In]:
            yield input

        async for chunk in self._atransform(one()):
            yield chunk


@overload
def chain(func: Callable[[In], Awaitable[Out]]) -> RunnableLambda[In, Out]: ...
@overload
def chain(func: Callable[[In], Out]) -> RunnableLambda[In, Out]: ...
def chain(func: Callable[[Any], Any]) -> RunnableLambda[Any, Any]:
    """Decorate a function to make it a runnable named after it.

    Example:
        ```python
        @chain
        def word_count(text: str) -> int:
            return len(text.split())

        word_count.invoke("a b c")  # 3
        ```
    """
    return RunnableLambda(func)
