"""Emulated per-minute rate limits (`Emulator(rpm=..., tpm=...)`, `--rpm` / `--tpm`).

As OpenAI's: requests and tokens per minute, each a budget that refills continuously up to
its per-minute size and starts full. A chat completion is charged one request and the tokens
it uses (prompt + reply, as reported in its `usage`); one that does not fit is answered 429
with `retry-after` (seconds until it would fit) and the `x-ratelimit-*` headers, which every
answer carries (`limit`, `remaining` and `reset` for requests and tokens; resets written as
the API writes them, `"1s"`, `"6m0s"`, `"20ms"`). Loop side: no lock needed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ._wire import ApiError

__all__ = ["RateLimits"]


def _duration(seconds: float) -> str:
    """Seconds as OpenAI writes them: `"20ms"`, `"1s"`, `"6m0s"`, `"1h2m3s"`."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    whole = math.ceil(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


class _Budget:
    __slots__ = ("available", "per_minute")

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.available = float(per_minute)

    def refill(self, elapsed: float) -> None:
        self.available = min(self.per_minute, self.available + elapsed * self.per_minute / 60)

    def wait_for(self, amount: float) -> float:
        missing = amount - self.available
        return 0.0 if missing <= 0 else missing * 60 / self.per_minute

    def reset_after(self) -> float:
        """Seconds until the budget is full again."""
        return (self.per_minute - self.available) * 60 / self.per_minute


class RateLimits:
    """The emulator's requests-per-minute and tokens-per-minute budgets."""

    def __init__(
        self, rpm: int | None, tpm: int | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(
                    f"Emulator({name}=...) must be a positive int or None, got {value!r}"
                )
        self._requests = _Budget(rpm) if rpm else None
        self._tokens = _Budget(tpm) if tpm else None
        self._clock = clock
        self._last = clock()
        self.refused = 0  # 429s answered, for benchmarks and tests
        self.charged_tokens = 0

    def _refill(self) -> None:
        now = self._clock()
        elapsed, self._last = now - self._last, now
        for budget in (self._requests, self._tokens):
            if budget is not None:
                budget.refill(elapsed)

    def headers(self) -> list[tuple[str, str]]:
        """The `x-ratelimit-*` headers as the budgets stand now."""
        out: list[tuple[str, str]] = []
        for kind, budget in (("requests", self._requests), ("tokens", self._tokens)):
            if budget is not None:
                out += [
                    (f"x-ratelimit-limit-{kind}", str(budget.per_minute)),
                    (f"x-ratelimit-remaining-{kind}", str(max(0, int(budget.available)))),
                    (f"x-ratelimit-reset-{kind}", _duration(budget.reset_after())),
                ]
        return out

    def charge(self, tokens: int) -> list[tuple[str, str]]:
        """Take one request and `tokens`, returning the headers of the answer; raise the
        429 `ApiError` (nothing taken) when either budget cannot cover it now."""
        self._refill()
        waits = []
        for kind, budget, amount in (
            ("requests", self._requests, 1),
            ("tokens", self._tokens, tokens),
        ):
            if budget is not None and (wait := budget.wait_for(amount)) > 0:
                waits.append((wait, kind, budget, amount))
        if waits:
            wait, kind, budget, amount = max(waits)
            self.refused += 1
            unit = "RPM" if kind == "requests" else "TPM"
            used = budget.per_minute - max(0, int(budget.available))
            raise ApiError(
                429,
                f"Rate limit reached for the emulator in organization org-emulator on {kind} "
                f"per min ({unit}): Limit {budget.per_minute}, Used {used}, Requested {amount}. "
                f"Please try again in {_duration(wait)}.",
                type=kind,
                code="rate_limit_exceeded",
                headers={
                    "retry-after": str(max(1, math.ceil(wait))),
                    "retry-after-ms": str(math.ceil(wait * 1000)),
                    **dict(self.headers()),
                },
            )
        if self._requests is not None:
            self._requests.available -= 1
        if self._tokens is not None:
            self._tokens.available -= tokens
        self.charged_tokens += tokens
        return self.headers()
