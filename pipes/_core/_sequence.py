"""`a | b | c`: the sequence."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast

from typing_extensions import TypeVar

from ._chunks import merge_chunks
from ._coerce import coerce_to_runnable
from ._config import RunnableConfig
from ._runnable import Runnable
from ._threads import _pool
from ._tracing import fast_path, raw_method

if TYPE_CHECKING:  # asyncio itself is imported only when a loop runs (see _loop)
    import asyncio

__all__ = ["RunnableSequence"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)

_SYNC_STREAMING = frozenset({"stream", "transform"})
_ANY_STREAMING = frozenset({"stream", "transform", "astream", "atransform"})
_SEEN = "_pipes_sequences"


def _unbound(step: Runnable[Any, Any]) -> Runnable[Any, Any]:
    from ._binding import RunnableBinding

    while isinstance(step, RunnableBinding):
        step = step.bound
    return step


def _streams(step: Runnable[Any, Any]) -> bool:
    """Does `step` stream in sync code? Steps that do not fold their input and invoke."""
    return bool(type(_unbound(step))._native & _SYNC_STREAMING)


def _astreams(step: Runnable[Any, Any]) -> bool:
    return bool(type(_unbound(step))._native & _ANY_STREAMING)


def _locate(exc: BaseException, sequence: RunnableSequence[Any, Any], index: int) -> None:
    step = sequence.steps[index]
    exc.add_note(f"in step {index + 1} {step.get_name()!r} of sequence {sequence.get_name()!r}")


def _seen(exc: BaseException, marker: object) -> bool:
    """Record that one run of a sequence has dealt with `exc`; True if it already had."""
    # The markers themselves (not their ids, which could be reused once they are freed).
    seen: set[object] | None = exc.__dict__.get(_SEEN)
    if seen is None:
        exc.__dict__[_SEEN] = {marker}
        return False
    if marker in seen:
        return True
    seen.add(marker)
    return False


# In a stream an error travels through every downstream step's generator as well. Only the
# wrapper of the step it came from may write the note: every later wrapper of the same run of
# the sequence sees the marker and stays quiet, and errors coming in with the *input* stream
# (raised upstream of this sequence) are marked before any step sees them.


def _located(
    chunks: Iterator[Any], sequence: RunnableSequence[Any, Any], index: int, marker: object
) -> Iterator[Any]:
    try:
        yield from chunks
    except Exception as exc:
        if not _seen(exc, marker):
            _locate(exc, sequence, index)
        raise


async def _alocated(
    chunks: AsyncIterator[Any], sequence: RunnableSequence[Any, Any], index: int, marker: object
) -> AsyncIterator[Any]:
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        if not _seen(exc, marker):
            _locate(exc, sequence, index)
        raise


def _upstream(chunks: Iterator[Any], marker: object) -> Iterator[Any]:
    try:
        yield from chunks
    except Exception as exc:
        _seen(exc, marker)
        raise


async def _aupstream(chunks: AsyncIterator[Any], marker: object) -> AsyncIterator[Any]:
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        _seen(exc, marker)
        raise


def _loop() -> asyncio.AbstractEventLoop:
    import asyncio  # lazily: `import pipes` should not pay for asyncio

    return asyncio.get_running_loop()


async def _aiter_one(value: Any) -> AsyncIterator[Any]:
    yield value


class RunnableSequence(Runnable[In, Out]):
    """Runnables in series: each step's output is the next one's input.

    Built by `|`; errors carry a note naming the failing step. Streams end to end when every
    step streams.

    Example:
        ```python
        chain = prompt | model | StrOutputParser()
        RunnableSequence(prompt, model, parser, name="translate")
        ```
    """

    def __init__(self, *steps: Any, name: str | None = None) -> None:
        flat: list[Runnable[Any, Any]] = []
        for step in steps:
            step = coerce_to_runnable(step, position="a sequence step")
            # Unnamed nested sequences flatten, so `a | b | c` is one sequence of three steps.
            if isinstance(step, RunnableSequence) and step.name is None:
                flat.extend(step.steps)
            else:
                flat.append(step)
        if len(flat) < 2:
            raise ValueError(f"a RunnableSequence needs at least 2 steps, got {len(flat)}")
        self.steps: tuple[Runnable[Any, Any], ...] = tuple(flat)
        self.name = name
        self._plan()

    # The plan holds the steps' raw methods, which pickle cannot name (the class attribute is
    # the tracing wrapper): a pickle carries the steps, and the plan is made again on arrival.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_raw_invoke"], state["_raw_ainvoke"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._plan()

    def _plan(self) -> None:
        # Streaming: steps that do not stream fold their whole input and produce one value, so
        # the ones before the first streaming step and after the last run with plain invoke —
        # the same result with fewer generators (and frames) in the way.
        steps = self.steps
        n = len(steps)
        streaming = [i for i, s in enumerate(steps) if _streams(s)]
        self._stream_span = (streaming[0], streaming[-1] + 1) if streaming else (n, n)
        astreaming = [i for i, s in enumerate(steps) if _astreams(s)]
        self._astream_span = (astreaming[0], astreaming[-1] + 1) if astreaming else (n, n)
        # ainvoke: consecutive sync-only steps share one worker-thread hand-off.
        segments: list[tuple[int, int, bool]] = []
        for index, step in enumerate(steps):
            sync = step._sync_only()
            if segments and sync and segments[-1][2]:
                segments[-1] = (segments[-1][0], index + 1, True)
            else:
                segments.append((index, index + 1, sync))
        self._segments = tuple(segments)
        # Hot path: with nobody listening, the steps' own methods are called directly (the
        # tracing wrapper would only pass the call through): less time, fewer frames.
        self._raw_invoke = tuple(raw_method(step, "invoke") for step in steps)
        self._raw_ainvoke = tuple(raw_method(step, "ainvoke") for step in steps)

    def _sync_only(self) -> bool:
        return len(self._segments) == 1 and self._segments[0][2]

    def _child_tag(self, child: Runnable[Any, Any]) -> str | None:
        """The tag a step's run gets (LangChain's `seq:step:N`); only runs that are traced."""
        for index, step in enumerate(self.steps, 1):
            if step is child or getattr(step, "bound", None) is child:
                return f"seq:step:{index}"
        return None

    @property
    def first(self) -> Runnable[In, Any]:
        return self.steps[0]

    @property
    def last(self) -> Runnable[Any, Out]:
        return self.steps[-1]

    def get_input_schema(self) -> dict[str, Any]:
        return self.steps[0].get_input_schema()

    def get_output_schema(self) -> dict[str, Any]:
        return self.steps[-1].get_output_schema()

    def get_graph(self) -> Any:
        from ._graph import Graph

        return Graph.chain([step.get_graph() for step in self.steps])

    def __repr__(self) -> str:
        return " | ".join(repr(step) for step in self.steps)

    # -- invoke -------------------------------------------------------------------------

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        steps = self.steps
        index = 0
        try:
            if fast_path(config):
                raw = self._raw_invoke
                value: Any = raw[0](steps[0], input, config, **kwargs)
                for index in range(1, len(steps)):
                    value = raw[index](steps[index], value, config)
            else:
                value = steps[0].invoke(input, config, **kwargs)
                for index in range(1, len(steps)):
                    value = steps[index].invoke(value, config)
        except Exception as exc:
            _locate(exc, self, index)
            raise
        return cast(Out, value)

    def _invoke_range(
        self, start: int, end: int, value: Any, config: RunnableConfig | None, kwargs: Any
    ) -> Any:
        steps = self.steps
        index = start
        # Raw methods when nobody listens, as in invoke (also inside a worker thread: the
        # copied context carries the published config).
        fast = fast_path(config)
        raw = self._raw_invoke
        try:
            if start == 0:
                if fast:
                    value = raw[0](steps[0], value, config, **kwargs)
                else:
                    value = steps[0].invoke(value, config, **kwargs)
                first = index = 1
            else:
                first = start
            for index in range(first, end):
                if fast:
                    value = raw[index](steps[index], value, config)
                else:
                    value = steps[index].invoke(value, config)
        except Exception as exc:
            _locate(exc, self, index)
            raise
        return value

    def _invoke_in_worker(
        self, start: int, end: int, value: Any, config: RunnableConfig | None, kwargs: Any
    ) -> asyncio.Future[Any]:
        """Steps `start:end` (a run of sync steps) in one pool worker, never blocking the loop.

        A plain function handing back the executor's future rather than a coroutine (or
        run_in_thread): one frame less on the way and in tracebacks.
        """
        return _loop().run_in_executor(
            _pool(),
            functools.partial(
                contextvars.copy_context().run,
                self._invoke_range,
                start,
                end,
                value,
                config,
                kwargs,
            ),
        )

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        steps = self.steps
        value: Any = input
        fast = fast_path(config)
        for start, end, sync in self._segments:
            if sync:
                value = await self._invoke_in_worker(start, end, value, config, kwargs)
                continue
            try:
                if fast:
                    if start == 0:
                        value = await self._raw_ainvoke[0](steps[0], value, config, **kwargs)
                    else:
                        value = await self._raw_ainvoke[start](steps[start], value, config)
                elif start == 0:
                    value = await steps[0].ainvoke(value, config, **kwargs)
                else:
                    value = await steps[start].ainvoke(value, config)
            except Exception as exc:
                _locate(exc, self, start)
                raise
        return cast(Out, value)

    # -- streaming ----------------------------------------------------------------------

    def _piped(
        self, chunks: Any, config: RunnableConfig | None, kwargs: Any, marker: object, sync: bool
    ) -> tuple[Any, int]:
        """Chain the streaming steps as transforms over `chunks` (inputs of the first of them).

        Returns the chained chunks and the index of the first step after them (the steps from
        there on run on the folded stream). `sync` picks `transform` or `atransform`.
        """
        steps = self.steps
        start, end = self._stream_span if sync else self._astream_span
        end = max(start, end)
        for index in range(start, end):
            step = steps[index]
            step_kwargs = kwargs if index == 0 else {}
            if sync:
                chunks = _located(
                    step.transform(chunks, config, **step_kwargs), self, index, marker
                )
            else:
                chunks = _alocated(
                    step.atransform(chunks, config, **step_kwargs), self, index, marker
                )
        return chunks, end

    def _stream_from(
        self, chunks: Iterator[Any], config: RunnableConfig | None, kwargs: Any, marker: object
    ) -> Iterator[Any]:
        """Stream the steps from the first streaming one over `chunks` (its inputs)."""
        chunks, end = self._piped(chunks, config, kwargs, marker, sync=True)
        if end == len(self.steps):
            yield from chunks
            return
        collected = list(chunks)
        if collected:
            yield self._invoke_range(end, len(self.steps), merge_chunks(collected), config, kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        start = self._stream_span[0]
        value: Any = input
        if start:
            value = self._invoke_range(0, start, value, config, kwargs)
            if start == len(self.steps):
                yield value
                return
        yield from self._stream_from(iter((value,)), config, kwargs, object())

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        start = self._stream_span[0]
        marker = object()  # errors of the input stream happened before this sequence
        chunks: Iterator[Any] = _upstream(input, marker)
        if start:
            collected = list(chunks)
            if not collected:
                return
            value = self._invoke_range(0, start, merge_chunks(collected), config, kwargs)
            if start == len(self.steps):
                yield value
                return
            chunks = iter((value,))
        yield from self._stream_from(chunks, config, kwargs, marker)

    async def _astream_from(
        self, chunks: AsyncIterator[Any], config: RunnableConfig | None, kwargs: Any, marker: object
    ) -> AsyncIterator[Any]:
        chunks, end = self._piped(chunks, config, kwargs, marker, sync=False)
        if end == len(self.steps):
            async for chunk in chunks:
                yield chunk
            return
        collected = [chunk async for chunk in chunks]
        if collected:
            yield await self._ainvoke_span(
                end, len(self.steps), merge_chunks(collected), config, kwargs
            )

    async def _ainvoke_span(
        self, start: int, end: int, value: Any, config: RunnableConfig | None, kwargs: Any
    ) -> Any:
        """Run steps `start:end` with ainvoke semantics (sync runs in one worker hand-off)."""
        steps = self.steps
        fast = fast_path(config)
        for seg_start, seg_end, sync in self._segments:
            seg_start, seg_end = max(seg_start, start), min(seg_end, end)
            if seg_start >= seg_end:
                continue
            if sync:
                value = await self._invoke_in_worker(seg_start, seg_end, value, config, kwargs)
                continue
            try:
                step = steps[seg_start]
                call = self._raw_ainvoke[seg_start] if fast else type(step).ainvoke
                if seg_start == 0:
                    value = await call(step, value, config, **kwargs)
                else:
                    value = await call(step, value, config)
            except Exception as exc:
                _locate(exc, self, seg_start)
                raise
        return value

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        start = self._astream_span[0]
        value: Any = input
        if start:
            value = await self._ainvoke_span(0, start, value, config, kwargs)
            if start == len(self.steps):
                yield value
                return
        async for chunk in self._astream_from(_aiter_one(value), config, kwargs, object()):
            yield chunk

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        start = self._astream_span[0]
        marker = object()
        chunks: AsyncIterator[Any] = _aupstream(input, marker)
        if start:
            collected = [chunk async for chunk in chunks]
            if not collected:
                return
            value = await self._ainvoke_span(0, start, merge_chunks(collected), config, kwargs)
            if start == len(self.steps):
                yield value
                return
            chunks = _aiter_one(value)
        async for chunk in self._astream_from(chunks, config, kwargs, marker):
            yield chunk
