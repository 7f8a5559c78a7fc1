"""``a | b | c``: the sequence."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar, cast

from ._coerce import coerce_to_runnable
from ._config import RunnableConfig
from ._runnable import Runnable, _aiter_one

__all__ = ["RunnableSequence"]

In = TypeVar("In")
Out = TypeVar("Out")


def _locate(exc: BaseException, sequence: RunnableSequence[Any, Any], index: int) -> None:
    step = sequence.steps[index]
    exc.add_note(f"in step {index + 1} {step.get_name()!r} of sequence {sequence.get_name()!r}")


def _locate_once(
    exc: BaseException, sequence: RunnableSequence[Any, Any], index: int, marker: object
) -> None:
    # In a stream the error passes through every downstream step's generator too; only the
    # innermost wrapper of this sequence (the failing step) may write the note.
    try:
        if exc.__dict__.get("_pipes_marker") is marker:
            return
        exc._pipes_marker = marker  # type: ignore[attr-defined]
    except AttributeError:
        pass
    _locate(exc, sequence, index)


def _located(
    chunks: Iterator[Any], sequence: RunnableSequence[Any, Any], index: int, marker: object
) -> Iterator[Any]:
    try:
        yield from chunks
    except Exception as exc:
        _locate_once(exc, sequence, index, marker)
        raise


async def _alocated(
    chunks: AsyncIterator[Any], sequence: RunnableSequence[Any, Any], index: int, marker: object
) -> AsyncIterator[Any]:
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        _locate_once(exc, sequence, index, marker)
        raise


class RunnableSequence(Runnable[In, Out]):
    """Runnables in series: each step's output is the next one's input.

    Built by ``|``; errors carry a note naming the failing step. Streams end to end when every
    step streams.

    Example::

        chain = prompt | model | StrOutputParser()
        RunnableSequence(prompt, model, parser, name="translate")
    """

    def __init__(self, *steps: Runnable[Any, Any], name: str | None = None) -> None:
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

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        steps = self.steps
        index = 0
        try:
            value: Any = steps[0].invoke(input, config, **kwargs)
            for index in range(1, len(steps)):
                value = steps[index].invoke(value, config)
        except Exception as exc:
            _locate(exc, self, index)
            raise
        return cast(Out, value)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        steps = self.steps
        index = 0
        try:
            value: Any = await steps[0].ainvoke(input, config, **kwargs)
            for index in range(1, len(steps)):
                value = await steps[index].ainvoke(value, config)
        except Exception as exc:
            _locate(exc, self, index)
            raise
        return cast(Out, value)

    def transform(
        self, input: Iterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        marker = object()
        chunks: Iterator[Any] = input
        for index, step in enumerate(self.steps):
            step_chunks = (
                step.transform(chunks, config, **kwargs)
                if index == 0
                else step.transform(chunks, config)
            )
            chunks = _located(step_chunks, self, index, marker)
        yield from chunks

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        yield from self.transform(iter((input,)), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[In], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        marker = object()
        chunks: AsyncIterator[Any] = input
        for index, step in enumerate(self.steps):
            step_chunks = (
                step.atransform(chunks, config, **kwargs)
                if index == 0
                else step.atransform(chunks, config)
            )
            chunks = _alocated(step_chunks, self, index, marker)
        async for chunk in chunks:
            yield chunk

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        async for chunk in self.atransform(_aiter_one(input), config, **kwargs):
            yield chunk
