"""The id table's entries for the runnable core: sequences, maps, bindings, retries, fallbacks,
branches (LangChain's ids; lambdas and generators have none: they are functions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from pipes._core import (
    RunnableAssign,
    RunnableBinding,
    RunnableBranch,
    RunnableEach,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
)

from ._table import Entry, entry, named

__all__ = ["entries"]


_RUNNABLE = ("langchain", "schema", "runnable")


def _runnable(
    cls: type[Any],
    module: str,
    kwargs: Callable[[Any], dict[str, Any]],
    build: Callable[[dict[str, Any]], Any],
    fields: Iterable[str],
    exception_types: Iterable[str] = (),
) -> Entry:
    return entry(
        cls,
        (*_RUNNABLE, cls.__name__),
        kwargs,
        build,
        fields,
        also=[("langchain_core", "runnables", module, cls.__name__)],
        exception_types=exception_types,
    )


def _one_kwarg(
    cls: type[Any], module: str, field: str, read: Callable[[Any], Any] | None = None
) -> Entry:
    """A class written as the one kwarg `field` (its attribute of that name, or `read(obj)`)
    and rebuilt by passing it positionally."""
    value = read or attrgetter(field)
    return _runnable(cls, module, lambda obj: {field: value(obj)}, lambda v: cls(v[field]), [field])


def _sequence_kwargs(seq: RunnableSequence[Any, Any]) -> dict[str, Any]:
    steps = seq.steps
    out: dict[str, Any] = {"first": steps[0], "last": steps[-1]}
    if len(steps) > 2:
        out["middle"] = list(steps[1:-1])
    return named(seq, out)


def _sequence(values: dict[str, Any]) -> RunnableSequence[Any, Any]:
    middle = values.get("middle") or []
    if not isinstance(middle, list):
        raise TypeError(f"'middle' must be a list of runnables, got {type(middle).__name__}")
    return RunnableSequence(values["first"], *middle, values["last"], name=values.get("name"))


def _retry_kwargs(retry: RunnableRetry[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "bound": retry.bound,
        "config": {},
        "retry_exception_types": list(retry.retry_if_exception_type),
        "wait_exponential_jitter": retry.wait_exponential_jitter,
        "max_attempt_number": retry.stop_after_attempt,
    }
    params = {
        "initial": retry.initial_wait,
        "max": retry.max_wait,
        "exp_base": retry.exponential_base,
    }
    if params != {"initial": 0.1, "max": 10.0, "exp_base": 2.0}:
        out["exponential_jitter_params"] = params
    return out


def _retry(values: dict[str, Any]) -> RunnableRetry[Any, Any]:
    params = values.get("exponential_jitter_params") or {}
    unknown = set(params) - {"initial", "max", "exp_base"}
    if unknown:
        raise ValueError(
            f"exponential_jitter_params {sorted(unknown)} are not supported; pipes reads "
            "'initial', 'max' and 'exp_base'"
        )
    bound = values["bound"]
    if values.get("config"):
        bound = RunnableBinding(bound, config=values["config"])
    return RunnableRetry(
        bound,
        retry_if_exception_type=tuple(values.get("retry_exception_types") or (Exception,)),
        stop_after_attempt=values.get("max_attempt_number", 3),
        wait_exponential_jitter=values.get("wait_exponential_jitter", True),
        initial_wait=params.get("initial", 0.1),
        max_wait=params.get("max", 10.0),
        exponential_base=params.get("exp_base", 2.0),
    )


def _fallbacks_kwargs(obj: RunnableWithFallbacks[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "runnable": obj.runnable,
        "fallbacks": list(obj.fallbacks),
        "exceptions_to_handle": list(obj.exceptions_to_handle),
    }
    if obj.exception_key is not None:
        out["exception_key"] = obj.exception_key
    return out


def _fallbacks(values: dict[str, Any]) -> RunnableWithFallbacks[Any, Any]:
    return RunnableWithFallbacks(
        values["runnable"],
        values["fallbacks"],
        exceptions_to_handle=tuple(values.get("exceptions_to_handle") or (Exception,)),
        exception_key=values.get("exception_key"),
    )


def _binding_kwargs(obj: RunnableBinding[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"bound": obj.bound}
    if obj.kwargs:
        out["kwargs"] = obj.kwargs
    out["config"] = dict(obj.config)
    return out


def _assign(values: dict[str, Any]) -> RunnableAssign:
    mapper = values["mapper"]
    if not isinstance(mapper, RunnableParallel):
        raise TypeError(f"'mapper' must be a RunnableParallel, got {type(mapper).__name__}")
    return RunnableAssign(**mapper.steps)


def entries() -> list[Entry]:
    """The runnable core's entries."""
    return [
        _runnable(
            RunnableSequence,
            "base",
            _sequence_kwargs,
            _sequence,
            ["first", "middle", "last", "name"],
        ),
        _one_kwarg(RunnableParallel, "base", "steps__", lambda obj: dict(obj.steps)),
        _runnable(
            RunnablePassthrough,
            "passthrough",
            lambda obj: named(obj, {}),
            lambda v: RunnablePassthrough(name=v.get("name")),
            ["name"],
        ),
        _runnable(
            RunnableAssign, "passthrough", lambda obj: {"mapper": obj.mapper}, _assign, ["mapper"]
        ),
        _one_kwarg(RunnablePick, "passthrough", "keys"),
        _runnable(
            RunnableBinding,
            "base",
            _binding_kwargs,
            lambda v: RunnableBinding(v["bound"], kwargs=v.get("kwargs"), config=v.get("config")),
            ["bound", "kwargs", "config"],
        ),
        _one_kwarg(RunnableEach, "base", "bound"),
        _runnable(
            RunnableRetry,
            "retry",
            _retry_kwargs,
            _retry,
            [
                "bound",
                "config",
                "retry_exception_types",
                "wait_exponential_jitter",
                "max_attempt_number",
                "exponential_jitter_params",
            ],
            ["retry_exception_types"],
        ),
        _runnable(
            RunnableWithFallbacks,
            "fallbacks",
            _fallbacks_kwargs,
            _fallbacks,
            ["runnable", "fallbacks", "exceptions_to_handle", "exception_key"],
            ["exceptions_to_handle"],
        ),
        _runnable(
            RunnableBranch,
            "branch",
            lambda obj: {"branches": [list(pair) for pair in obj.branches], "default": obj.default},
            lambda v: RunnableBranch(
                *[tuple(pair) for pair in v.get("branches") or []], v["default"]
            ),
            ["branches", "default"],
        ),
    ]
