"""`map_dataset`: a runnable over every row of a Ray dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ray.data

from ._mapper import RunnableMapper

if TYPE_CHECKING:
    from pipes import BaseRateLimiter, Runnable

__all__ = ["map_dataset"]


def map_dataset(
    runnable: Runnable[Any, Any],
    dataset: ray.data.Dataset,
    *,
    input_key: str | None = None,
    output_key: str = "output",
    error_key: str = "error",
    concurrency: int = 2,
    max_concurrency: int = 16,
    batch_size: int | None = 64,
    rate_limiter: BaseRateLimiter | None = None,
) -> ray.data.Dataset:
    """`dataset` with `output_key` and `error_key` columns: `runnable` run on each row.

    `concurrency` actors each build the runnable once and run `max_concurrency` rows at a
    time (so up to `concurrency * max_concurrency` requests are in flight). Rows keep their
    order within a batch; a failing row gets `"TypeName: message"` in `error_key` and `None`
    as its output, and never fails the dataset. See
    [`RunnableMapper`][pipes.ray.RunnableMapper] for the row-to-input rule and `rate_limiter`.

    Example:
        ```python
        ds = ray.data.from_items([{"question": "What is Ray?"}])
        rows = map_dataset(chain, ds, input_key="question").take_all()
        rows[0]["output"], rows[0]["error"]
        ```
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1 actor, got {concurrency}")
    return dataset.map_batches(
        RunnableMapper,
        fn_constructor_kwargs={
            "runnable": runnable,
            "input_key": input_key,
            "output_key": output_key,
            "error_key": error_key,
            "max_concurrency": max_concurrency,
            "rate_limiter": rate_limiter,
        },
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        batch_size=batch_size,
        batch_format="numpy",
        zero_copy_batch=False,
    )
