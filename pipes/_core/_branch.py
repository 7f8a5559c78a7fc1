"""`RunnableBranch`: the first branch whose condition holds runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import TypeVar

from ._config import RunnableConfig
from ._runnable import Runnable

__all__ = ["RunnableBranch"]

In = TypeVar("In", default=Any)
Out = TypeVar("Out", default=Any)


class RunnableBranch(Runnable[In, Out]):
    """Route the input to the first branch whose condition is true, else to the default.

    Example:
        ```python
        route = RunnableBranch(
            (lambda x: "math" in x["topic"], math_chain),
            (lambda x: "code" in x["topic"], code_chain),
            general_chain,
        )
        ```
    """

    def __init__(self, *branches: Any) -> None:
        from ._coerce import coerce_to_runnable

        if len(branches) < 2:
            raise ValueError(
                "RunnableBranch needs at least one (condition, runnable) pair and a default"
            )
        *pairs, default = branches
        self.branches: list[tuple[Runnable[In, Any], Runnable[In, Out]]] = []
        for position, pair in enumerate(pairs, 1):
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise TypeError(
                    f"RunnableBranch argument {position} must be a (condition, runnable) pair, "
                    f"got {pair!r:.80}; the last argument is the default runnable"
                )
            self.branches.append(
                (
                    coerce_to_runnable(pair[0], position=f"branch {position} condition"),
                    coerce_to_runnable(pair[1], position=f"branch {position} runnable"),
                )
            )
        if isinstance(default, tuple) and len(default) == 2:
            raise TypeError(
                f"RunnableBranch: the last argument is the default runnable, got a (condition, "
                f"runnable) pair {default!r:.80}; add a default runnable after the pairs"
            )
        self.default: Runnable[In, Out] = coerce_to_runnable(default, position="branch default")
        self.name = None

    def _choose(self, input: In, config: RunnableConfig | None) -> Runnable[In, Out]:
        for condition, runnable in self.branches:
            if condition.invoke(input, config):
                return runnable
        return self.default

    async def _achoose(self, input: In, config: RunnableConfig | None) -> Runnable[In, Out]:
        for condition, runnable in self.branches:
            if await condition.ainvoke(input, config):
                return runnable
        return self.default

    def invoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return self._choose(input, config).invoke(input, config, **kwargs)

    async def ainvoke(self, input: In, config: RunnableConfig | None = None, **kwargs: Any) -> Out:
        return await (await self._achoose(input, config)).ainvoke(input, config, **kwargs)

    def stream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Out]:
        yield from self._choose(input, config).stream(input, config, **kwargs)

    async def astream(
        self, input: In, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Out]:
        chosen = await self._achoose(input, config)
        async for chunk in chosen.astream(input, config, **kwargs):
            yield chunk

    def get_graph(self) -> Any:
        from ._graph import Graph

        return Graph.fan([r.get_graph() for _, r in self.branches] + [self.default.get_graph()])
