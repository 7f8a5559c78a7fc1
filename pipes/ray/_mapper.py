"""`RunnableMapper`: the callable class Ray Data builds once per actor and feeds batches."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pipes import BaseRateLimiter, Runnable, RunnableLambda

__all__ = ["RunnableMapper"]


class RunnableMapper:
    """Runs a runnable over Ray Data batches, one row per input, errors kept per row.

    Ray builds it once per actor (`fn_constructor_kwargs`) and calls it with each batch; the
    batch runs through `abatch` with at most `max_concurrency` rows in flight, on one event
    loop the actor keeps (so a chat model's connection pool serves every batch). The input of
    a row is the value of its `input_key` column, or the whole row as a dict when `input_key`
    is `None`. The batch comes back with two columns more: `output_key` (the row's output,
    `None` when it failed) and `error_key` (`"TypeName: message"`, `None` when it succeeded):
    a failing row never fails the dataset. Retries are the runnable's own (`with_retry`, a
    chat model's `max_retries`). With `rate_limiter`, each row takes one request from it
    before it runs (pass a token-counting limiter to the chat model itself to count tokens).

    Example:
        ```python
        ds.map_batches(
            RunnableMapper,
            fn_constructor_kwargs={"runnable": chain, "input_key": "question"},
            compute=ray.data.ActorPoolStrategy(size=4),
            batch_format="numpy",
        )
        ```
    """

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        *,
        input_key: str | None = None,
        output_key: str = "output",
        error_key: str = "error",
        max_concurrency: int = 16,
        rate_limiter: BaseRateLimiter | None = None,
    ) -> None:
        if not isinstance(runnable, Runnable):
            raise TypeError(
                f"RunnableMapper needs a pipes Runnable (a chain, a model, a RunnableLambda), "
                f"got {type(runnable).__name__}"
            )
        if output_key == error_key:
            raise ValueError(f"output_key and error_key must differ, both are {output_key!r}")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if rate_limiter is not None:
            limiter = rate_limiter

            async def take_a_slot(value: Any) -> Any:
                await limiter.aacquire()
                return value

            runnable = RunnableLambda(take_a_slot, name="rate_limit") | runnable
        self.runnable = runnable
        self.input_key = input_key
        self.output_key = output_key
        self.error_key = error_key
        self.max_concurrency = max_concurrency
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self, batch: Any) -> Any:
        """One batch (a dict of columns, or a pandas DataFrame), with the two columns added."""
        columns = _columns(batch)
        inputs = self._inputs(columns)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        results = self._loop.run_until_complete(
            self.runnable.abatch(
                inputs, {"max_concurrency": self.max_concurrency}, return_exceptions=True
            )
        )
        outputs: list[Any] = []
        errors: list[str | None] = []
        for result in results:
            failed = isinstance(result, Exception)
            outputs.append(None if failed else result)
            errors.append(f"{type(result).__name__}: {result}" if failed else None)
        return _with_columns(batch, {self.output_key: outputs, self.error_key: errors})

    def _inputs(self, columns: Mapping[str, Sequence[Any]]) -> list[Any]:
        if self.input_key is not None:
            if self.input_key not in columns:
                raise KeyError(
                    f"input_key {self.input_key!r} is not a column of the dataset; its "
                    f"columns are {sorted(columns)}"
                )
            return [_plain(value) for value in columns[self.input_key]]
        names = list(columns)
        rows = len(columns[names[0]]) if names else 0
        return [{name: _plain(columns[name][i]) for name in names} for i in range(rows)]


def _columns(batch: Any) -> Mapping[str, Sequence[Any]]:
    if isinstance(batch, Mapping):
        return batch
    to_dict = getattr(batch, "to_dict", None)  # a pandas DataFrame
    if callable(to_dict):
        return {name: list(values) for name, values in to_dict(orient="list").items()}
    raise TypeError(
        f"RunnableMapper takes batches as a dict of columns or a pandas DataFrame, got "
        f"{type(batch).__name__}; use batch_format='numpy' or 'pandas'"
    )


def _with_columns(batch: Any, added: dict[str, list[Any]]) -> Any:
    if isinstance(batch, Mapping):
        return {**batch, **{name: _object_array(values) for name, values in added.items()}}
    copy = batch.copy()  # a pandas DataFrame
    for name, values in added.items():
        copy[name] = values
    return copy


def _object_array(values: list[Any]) -> Any:
    # Ray Data wants a numpy array per column; an object array keeps strings, dicts and
    # messages as they are (numpy would turn a list of equal-length lists into a 2-D array).
    import numpy as np

    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _plain(value: Any) -> Any:
    """numpy scalars and 0-d arrays to Python values: prompts format them as users expect."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 1) == 0:
        return item()
    return value
