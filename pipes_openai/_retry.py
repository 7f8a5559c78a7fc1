"""The retry policy: which failures are retried, and how long to wait before the next try.

Retries use exponential backoff and jitter, honouring `retry-after-ms` / `retry-after`
(capped) and `x-should-retry`; 408, 409, 429, 5xx, connection errors and timeouts are
retried, other statuses never.

Example:
    ```python
    if should_retry(response.status_code, response.headers):
        time.sleep(retry_delay(attempt, response.headers, base=0.5, cap=8.0, max_after=60.0))
    ```
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

__all__ = ["parse_retry_after", "retry_delay", "should_retry"]

_RETRY_STATUSES = frozenset({408, 409, 429})
_NEVER_RETRY = frozenset({400, 401, 403, 404, 422})


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    import email.utils  # an HTTP date: rare, and ~3 ms of a first call's imports

    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()


def retry_delay(
    attempt: int, headers: Mapping[str, str] | None, *, base: float, cap: float, max_after: float
) -> float:
    """Seconds to wait after failed `attempt`: the server's hint, else backoff with jitter."""
    after = parse_retry_after(headers)
    if after is not None and after >= 0:
        return float(min(after, max_after))
    delay = min(base * 2.0 ** (attempt - 1), cap)
    delay *= 1.0 - 0.25 * random.random()  # jitter spreads synchronized retries
    return delay


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an HTTP `status` is worth another attempt (`x-should-retry` decides first)."""
    if status in _NEVER_RETRY:
        return False
    hint = headers.get("x-should-retry")
    if hint == "false":
        return False
    return hint == "true" or status in _RETRY_STATUSES or status >= 500
