"""`usage_tracker()` and LangChain's `get_usage_metadata_callback()`: count the tokens of every
chat-model call made inside a `with` block, or of the calls a handler is passed to."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pipes._core import Listener, Run
from pipes._core._listeners import GLOBAL_LISTENERS, add_global_listener, remove_global_listener
from pipes._messages import UsageMetadata

from ._prices import ModelPrice, registered_prices
from ._totals import UsageTotals

__all__ = [
    "UsageMetadataCallbackHandler",
    "UsageTracker",
    "get_usage_metadata_callback",
    "usage_tracker",
]

# Trackers whose `with` block is open in this context (copied into the threads and tasks that
# pipes starts, like the config).
_active: contextvars.ContextVar[tuple[UsageTracker, ...]] = contextvars.ContextVar(
    "pipes_usage_trackers", default=()
)


class UsageTracker(Listener):
    """Token usage of chat-model calls, added up: overall, per model, per run name, in USD.

    Made by [`usage_tracker`][pipes.usage_tracker] (every call inside a `with` block), or
    passed as a callback (`config={"callbacks": [tracker]}`: the calls of that run). Safe to
    share between threads and tasks. `prices` maps a model to USD per million tokens; a
    dated snapshot is priced as its base model (`gpt-4o-2024-08-06` as `gpt-4o`); models
    without a price cost 0 and are listed in `unpriced_models`.

    Example:
        ```python
        tracker = UsageTracker(prices={"gpt-4o": {"input": 2.5, "output": 10}})
        chain.invoke({"topic": "otters"}, {"callbacks": [tracker]})
        tracker.total["total_tokens"], tracker.cost_usd
        ```
    """

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        if prices is None:
            prices = registered_prices()
        self._totals = UsageTotals(prices)
        # Whether this tracker counts a run: decided once per run tree, kept on each run.
        self._key = f"pipes.usage:{id(self)}"

    @property
    def total(self) -> UsageMetadata:
        """All usage counted so far, as a [`UsageMetadata`][pipes.UsageMetadata] dict."""
        return self._totals.total

    @property
    def by_model(self) -> dict[str, UsageMetadata]:
        """Usage per model, named as the provider reported it (`gpt-4o-2024-08-06`);
        `"unknown"` when it named none."""
        return self._totals.by_model

    @property
    def by_run_name(self) -> dict[str, UsageMetadata]:
        """Usage per chat-model run name (`run_name` from its config, else the model's name)."""
        return self._totals.by_run_name

    @property
    def cost_usd(self) -> float:
        """What the counted usage cost in USD, at `prices`."""
        return self._totals.cost_usd

    @property
    def unpriced_models(self) -> list[str]:
        """Models whose tokens were counted but that `prices` has no price for."""
        return self._totals.unpriced_models

    def __repr__(self) -> str:
        return repr(self._totals).replace("UsageTotals", type(self).__name__, 1)

    # -- the listener hooks ------------------------------------------------------------------

    def on_start(self, run: Run) -> None:
        parent = run.parent
        counted = parent.extra.get(self._key) if parent is not None else None
        if counted is None:
            # A run tree this tracker joins here: through an open `with` block of this
            # context, or because the caller passed it (it is not attached process-wide).
            counted = self in _active.get() or self not in GLOBAL_LISTENERS
        run.extra[self._key] = counted

    def on_end(self, run: Run) -> None:
        if run.run_type != "chat_model" or not run.extra.get(self._key):
            return
        message = run.outputs
        usage = getattr(message, "usage_metadata", None)
        if not usage:
            return
        metadata: Mapping[str, Any] = getattr(message, "response_metadata", None) or {}
        model = metadata.get("model_name") or metadata.get("model")
        if not isinstance(model, str) or not model:
            params: Mapping[str, Any] = run.extra.get("invocation_params") or {}
            model = params.get("model") or params.get("model_name")
        self._totals.add(usage, model=model if isinstance(model, str) else None, run_name=run.name)


class UsageMetadataCallbackHandler(UsageTracker):
    """LangChain's usage callback: `usage_metadata` maps each model name to its summed
    [`UsageMetadata`][pipes.UsageMetadata] (a [`UsageTracker`][pipes.UsageTracker] without
    prices; its other views work too).

    Example:
        ```python
        callback = UsageMetadataCallbackHandler()
        llm.invoke("Hello", config={"callbacks": [callback]})
        callback.usage_metadata  # {"gpt-4o-2024-08-06": {"input_tokens": 8, ...}}
        ```
    """

    def __init__(self) -> None:
        super().__init__(prices={})

    @property
    def usage_metadata(self) -> dict[str, UsageMetadata]:
        """Usage per model name."""
        return self.by_model


@contextmanager
def _scoped(tracker: UsageTracker) -> Iterator[None]:
    # The tracker (a fresh one per block) listens process-wide while its block is open, and
    # counts only the run trees that start in a context where it is open (see on_start).
    add_global_listener(tracker)
    token = _active.set((*_active.get(), tracker))
    try:
        yield
    finally:
        _active.reset(token)
        remove_global_listener(tracker)


@contextmanager
def usage_tracker(prices: Mapping[str, ModelPrice] | None = None) -> Iterator[UsageTracker]:
    """Count the tokens of every chat-model call made inside the block, and their cost.

    Sums across `invoke`, `stream`, `batch`, `abatch` and the threads and tasks pipes starts
    for them; `usage.total` and each value of `usage.by_model` / `usage.by_run_name` are
    [`UsageMetadata`][pipes.UsageMetadata] dicts (cached and reasoning token details
    included). `prices` maps a model to USD per million tokens (`{"gpt-4o": {"input": 2.5,
    "cached_input": 1.25, "output": 10}}`); by default the tables providers registered
    ([`register_model_prices`][pipes.register_model_prices]; `pipes_openai` registers
    [`OPENAI_PRICES`][pipes_openai.OPENAI_PRICES]). Nothing is fetched from the network.

    Example:
        ```python
        import pipes

        with pipes.usage_tracker() as usage:
            chain.invoke({"topic": "otters"})
            chain.batch([{"topic": "cats"}, {"topic": "dogs"}])
        usage.total         # {"input_tokens": 84, "output_tokens": 30, "total_tokens": 114}
        usage.by_model      # {"gpt-4o-2024-08-06": {...}}
        usage.cost_usd      # 0.00051
        ```
    """
    tracker = UsageTracker(prices)
    with _scoped(tracker):
        yield tracker


@contextmanager
def get_usage_metadata_callback(
    name: str = "usage_metadata_callback",
) -> Iterator[UsageMetadataCallbackHandler]:
    """LangChain's context manager: the usage of every chat-model call inside the block, per
    model name (`cb.usage_metadata`). `name` is accepted for compatibility.

    Example:
        ```python
        with get_usage_metadata_callback() as cb:
            llm.invoke("Hello")
            llm.invoke("Goodbye")
        cb.usage_metadata  # {"gpt-4o-mini-2024-07-18": {"input_tokens": 17, ...}}
        ```
    """
    callback = UsageMetadataCallbackHandler()
    with _scoped(callback):
        yield callback
