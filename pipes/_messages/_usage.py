"""Token usage reported by a model, and how streamed usage adds up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NotRequired

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from pipes._errors import MessageMergeError

__all__ = ["InputTokenDetails", "OutputTokenDetails", "UsageMetadata", "add_usage"]

# Providers add keys of their own (new token details, signatures ...): keep them.
_OPEN = ConfigDict(extra="allow")


@with_config(_OPEN)
class InputTokenDetails(TypedDict, total=False):
    """Breakdown of input tokens (each optional)."""

    audio: int
    cache_read: int
    cache_creation: int


@with_config(_OPEN)
class OutputTokenDetails(TypedDict, total=False):
    """Breakdown of output tokens (each optional)."""

    audio: int
    reasoning: int


@with_config(_OPEN)
class UsageMetadata(TypedDict):
    """Token counts: `{"input_tokens": 9, "output_tokens": 7, "total_tokens": 16}`."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: NotRequired[InputTokenDetails]
    output_token_details: NotRequired[OutputTokenDetails]


_TOTALS = ("input_tokens", "output_tokens", "total_tokens")
_DETAILS = ("input_token_details", "output_token_details")


def add_usage(usages: Iterable[UsageMetadata | None]) -> UsageMetadata | None:
    """Add usage field by field (details too); `None` entries are skipped.

    `add_usage([{"input_tokens": 1, ...}, None, {...}])`; returns `None` if all are `None`.
    """
    totals = [0, 0, 0]
    details: dict[str, dict[str, int | float]] = {}
    seen = False
    for usage in usages:
        if not usage:
            continue
        seen = True
        for i, key in enumerate(_TOTALS):
            count: Any = usage.get(key)
            totals[i] += count or 0
        for key in _DETAILS:
            part: Any = usage.get(key)
            if part:
                acc = details.setdefault(key, {})
                for name, value in part.items():
                    if value is None:
                        continue
                    if type(value) is bool or not isinstance(value, int | float):
                        raise MessageMergeError(
                            f"cannot add usage: {key}[{name!r}] is {value!r} "
                            f"({type(value).__name__}); token counts must be numbers. Fix the "
                            "provider that reports it (or leave the detail out)."
                        )
                    acc[name] = acc.get(name, 0) + value
    if not seen:
        return None
    result: UsageMetadata = {
        "input_tokens": totals[0],
        "output_tokens": totals[1],
        "total_tokens": totals[2],
    }
    if "input_token_details" in details:
        result["input_token_details"] = details["input_token_details"]  # type: ignore[typeddict-item]
    if "output_token_details" in details:
        result["output_token_details"] = details["output_token_details"]  # type: ignore[typeddict-item]
    return result
