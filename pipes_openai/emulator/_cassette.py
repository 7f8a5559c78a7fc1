"""Record/replay cassettes: request/response pairs saved as readable JSON.

Format (version 1):

```text
{"version": 1, "interactions": [
  {"request": {"method": "POST", "path": "/v1/chat/completions", "query": {},
               "headers": {...secrets redacted...}, "json": {...}},
   "response": {"status": 200, "headers": {"content-type": ...}, "json": {...}}}]}
```

A body is stored as `"json"` when it parses, else as `"text"` (SSE streams are text).
Secrets never reach the file: `authorization`, `api-key` and any header named like a key,
token or secret are redacted (and the `openai-organization` / `openai-project` ids, and
credential-like query parameters), cookies are dropped, and only a short allow-list of response
headers is kept. Every credential the request carried is then scrubbed from everything stored,
response bodies included, in every spelling (an upstream 401 echoes the key, possibly
JSON-escaped as `\\u0073k-...`): see `request_secrets`.

Replay matches on method, path and the request body as normalised JSON (key order and
whitespace do not matter). Each recorded interaction is served in order of recording for
identical requests, and the last one repeats once they are used up.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The client's scrubber (matches verbatim, JSON-escaped and percent-encoded spellings). Relative
# on purpose: the emulator stays independent of ``pipes``; ``_secrets`` imports nothing of it.
from .._secrets import Secrets

__all__ = ["Cassette", "CassetteMiss", "redact_headers", "redact_query", "request_secrets"]

_SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "openai-api-key", "proxy-authorization"}
)
# Not credentials, but they identify the account: cassettes get committed to repositories.
_PRIVATE_HEADERS = frozenset({"openai-organization", "openai-project"})
_SECRET_QUERY_KEYS = frozenset({"api-key", "api_key", "key", "token", "access_token", "sig"})
# Any other header or query parameter named like a credential (``x-goog-api-key``,
# ``x-auth-token``, ``client_secret``...); response rate-limit headers count tokens, not secrets.
_SECRET_NAME_RE = re.compile(r"key|token|secret|passw|signature|credential", re.IGNORECASE)
# Shorter values are not credentials, and scrubbing them (a test's "Bearer no") from every
# stored string would shred the cassette; their headers are redacted all the same.
_MIN_SECRET_LENGTH = 8
_DROP_HEADERS = frozenset({"cookie", "set-cookie"})
_KEEP_RESPONSE_PREFIXES = ("content-type", "x-request-id", "openai-", "x-ratelimit-", "retry-after")
_MISSING = object()


def _is_secret_name(name: str) -> bool:
    return not name.startswith("x-ratelimit-") and _SECRET_NAME_RE.search(name) is not None


def redact_headers(headers: dict[str, str], *, private: bool = False) -> dict[str, str]:
    """A copy of `headers` with secret values replaced (the auth scheme is kept).

    `private` also hides account ids (`openai-organization`, `openai-project`), for files.
    """
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key in _DROP_HEADERS:
            continue
        if key in _SECRET_HEADERS or _is_secret_name(key):
            scheme, sep, _ = value.partition(" ")
            out[key] = (
                f"{scheme} <redacted>" if sep and key.endswith("authorization") else "<redacted>"
            )
        elif private and key in _PRIVATE_HEADERS:
            out[key] = "<redacted>"
        else:
            out[key] = value
    return out


def redact_query(query: dict[str, str]) -> dict[str, str]:
    """A copy of `query` with credential-like parameters (`api-key`, `sig`...) redacted."""
    return {
        k: "<redacted>" if k.lower() in _SECRET_QUERY_KEYS or _is_secret_name(k) else v
        for k, v in query.items()
    }


def request_secrets(headers: dict[str, str], query: dict[str, str]) -> Secrets:
    """Every credential a request carries, to scrub from what a cassette stores.

    The bearer token of `authorization` (and the whole header value), `api-key`, any header
    or query parameter named like a key, token, secret or signature.

    ```pycon
    >>> request_secrets({"authorization": "Bearer sk-live-123"}, {}).scrub("sk-live-123")
    '***'
    ```
    """
    secrets = Secrets()
    candidates: list[str] = []
    for name, value in headers.items():
        key = name.lower()
        if key in _SECRET_HEADERS or _is_secret_name(key):
            candidates.append(value)
            _scheme, sep, credential = value.partition(" ")
            if sep:
                candidates.append(credential.strip())
    for name, value in query.items():
        if name.lower() in _SECRET_QUERY_KEYS or _is_secret_name(name):
            candidates.append(value)
    for value in candidates:
        if len(value) >= _MIN_SECRET_LENGTH:
            secrets.add(value)
    return secrets


def response_headers_to_keep(headers: dict[str, str]) -> dict[str, str]:
    """The response headers worth replaying (content type, request id, rate limits), redacted."""
    return redact_headers(
        {k.lower(): v for k, v in headers.items() if k.lower().startswith(_KEEP_RESPONSE_PREFIXES)},
        private=True,
    )


def body_entry(raw: bytes) -> dict[str, Any]:
    """`{"json": value}` when `raw` parses as JSON, else `{"text": ...}`."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return {"json": json.loads(text)} if text.strip() else {"text": ""}
    except (ValueError, RecursionError):
        return {"text": text}


def canonical(entry: dict[str, Any]) -> str:
    if "json" in entry:
        return json.dumps(entry["json"], sort_keys=True, ensure_ascii=False)
    return str(entry.get("text", ""))


@dataclass(frozen=True, slots=True)
class CassetteMiss:
    """A replayed request that matched no recorded interaction."""

    method: str
    path: str
    body: Any
    message: str
    closest_index: int | None = None
    differences: tuple[str, ...] = field(default_factory=tuple)


def _diff_values(recorded: Any, got: Any, path: str, out: list[str], limit: int = 12) -> None:
    if len(out) >= limit:
        return
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key in sorted(set(recorded) | set(got)):
            sub = f"{path}.{key}" if path else str(key)
            _diff_values(recorded.get(key, _MISSING), got.get(key, _MISSING), sub, out, limit)
        return
    if isinstance(recorded, list) and isinstance(got, list):
        if len(recorded) != len(got):
            out.append(f"{path or '<body>'}: recorded {len(recorded)} items, got {len(got)}")
        for i, (a, b) in enumerate(zip(recorded, got, strict=False)):
            _diff_values(a, b, f"{path}[{i}]", out, limit)
        return
    if recorded != got:
        shown_a = "<missing>" if recorded is _MISSING else json.dumps(recorded)[:80]
        shown_b = "<missing>" if got is _MISSING else json.dumps(got)[:80]
        out.append(f"{path or '<body>'}: recorded {shown_a}, got {shown_b}")


class Cassette:
    """The interactions of one cassette file (thread-safe; saved atomically)."""

    def __init__(self, path: str | os.PathLike[str], *, load: bool) -> None:
        self.path = Path(path)
        self.interactions: list[dict[str, Any]] = []
        self._served: dict[int, int] = {}
        self._lock = threading.Lock()
        if load:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"Cassette {str(self.path)!r} does not exist. Record it first with"
                    f" Emulator(upstream=..., record={str(self.path)!r})."
                ) from None
            except ValueError as exc:
                raise ValueError(f"Cassette {str(self.path)!r} is not valid JSON: {exc}") from exc
            if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
                raise ValueError(
                    f"Cassette {str(self.path)!r} has no 'interactions' list; expected"
                    ' {"version": 1, "interactions": [...]}.'
                )
            self.interactions = data["interactions"]

    def add(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        with self._lock:
            self.interactions.append({"request": request, "response": response})
            self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {"version": 1, "interactions": self.interactions}, indent=2, ensure_ascii=False
        )
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload + "\n")
        os.replace(tmp, self.path)

    def match(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The response to replay for this request, or None."""
        key = canonical(body)
        with self._lock:
            candidates = [
                i
                for i, it in enumerate(self.interactions)
                if it["request"].get("method") == method
                and it["request"].get("path") == path
                and canonical(it["request"]) == key
            ]
            if not candidates:
                return None
            fresh = [i for i in candidates if i not in self._served]
            index = fresh[0] if fresh else candidates[-1]
            self._served[index] = self._served.get(index, 0) + 1
            response: dict[str, Any] = self.interactions[index]["response"]
            return response

    def miss(self, method: str, path: str, body: dict[str, Any]) -> CassetteMiss:
        """Describe a miss: the closest recorded request and how it differs."""
        got = canonical(body)
        best: int | None = None
        best_ratio = -1.0
        for i, it in enumerate(self.interactions):
            req = it["request"]
            ratio = difflib.SequenceMatcher(None, canonical(req), got).ratio()
            if req.get("method") == method and req.get("path") == path:
                ratio += 1.0  # same endpoint always beats a similar body elsewhere
            if ratio > best_ratio:
                best, best_ratio = i, ratio
        payload = body.get("json", body.get("text"))
        if best is None:
            message = (
                f"Cassette miss: {method} {path} is not in cassette {str(self.path)!r}, which is"
                " empty. Record it with Emulator(upstream=..., record=...)."
            )
            return CassetteMiss(method, path, payload, message)
        req = self.interactions[best]["request"]
        differences: list[str] = []
        if req.get("method") != method or req.get("path") != path:
            differences.append(f"endpoint: recorded {req.get('method')} {req.get('path')}")
        recorded = req.get("json", req.get("text"))
        _diff_values(recorded, payload, "", differences)
        unified = "\n".join(
            list(
                difflib.unified_diff(
                    json.dumps(recorded, indent=1, sort_keys=True).splitlines(),
                    json.dumps(payload, indent=1, sort_keys=True).splitlines(),
                    "recorded",
                    "request",
                    lineterm="",
                    n=1,
                )
            )[:40]
        )
        message = (
            f"Cassette miss: no interaction recorded in {str(self.path)!r} matches {method}"
            f" {path} with this body. The closest recorded request is #{best}; it differs in: "
            + "; ".join(differences)
            + ". Re-record the cassette (Emulator(upstream=..., record=...)) or make the request"
            " match.\n" + unified
        )
        return CassetteMiss(method, path, payload, message, best, tuple(differences))
