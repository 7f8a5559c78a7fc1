"""The secrets a connection must never show, and the one place that scrubs them from text.

A server can echo a credential back in many spellings: verbatim, JSON-escaped (`\\u0073k-…`,
`\\/`, surrogate pairs), percent-encoded in an echoed URL (UTF-8 bytes, `+` for a space),
or mixed character by character. `Secrets` matches every such spelling of every
registered value (one pattern per value, compiled on the first error that needs it). Values
can be added while requests run (an Azure AD token provider returns a new token per request),
and the object never shows a value in its `repr`.

Which headers and query parameters are credentials is decided here too
(`is_credential_name`), with the helpers that hide them in reprs and dumps
(`hide_credentials`) and find the password in a URL (`url_passwords`), and the mixin that
keeps the credential-bearing fields of the chat and embeddings models hidden
(`HiddenCredentials`).

Example:
    ```python
    secrets = Secrets(["sk-live-123"])
    secrets.scrub('{"error": "bad key \\\\u0073k-live-123"}')  # -> '{"error": "bad key ***"}'
    ```
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from pydantic import SecretStr, field_serializer, field_validator

__all__ = [
    "PARAM_FIELDS",
    "REDACTED",
    "URL_FIELDS",
    "HiddenCredentials",
    "Secrets",
    "credential_values",
    "hide_credentials",
    "hide_field",
    "hide_url_password",
    "is_credential_name",
    "reveal_credentials",
    "url_passwords",
]

REDACTED = "***"

# The rule for headers and query parameters (``default_headers`` / ``default_query``): a name
# containing one of these words, case-insensitive, carries a credential (authorization,
# proxy-authorization, api-key, x-api-key, x-auth-token, cookie, client-secret, password ...),
# and so do Azure's SAS signature ``sig`` and Azure Functions' ``code`` key. Erring on the side
# of hiding: a harmless header with such a name (``x-auth-mode: basic``) is hidden too.
_CREDENTIAL_NAME = re.compile(
    r"key|token|secret|auth|pass|signature|cookie|credential|^sig$|^code$", re.IGNORECASE
)
# "Bearer sk-..." / "Basic dXNlcjpwYXNz": a server may echo the credentials part alone.
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*\s+(\S.*)", re.DOTALL)


def is_credential_name(name: str) -> bool:
    """Whether a header or query parameter named `name` carries a credential.

    Example:
        ```python
        is_credential_name("X-API-Key"), is_credential_name("user-agent")  # (True, False)
        ```
    """
    return _CREDENTIAL_NAME.search(name) is not None


def credential_values(params: Mapping[str, Any] | None) -> Iterator[str]:
    """The secret values among `params` (headers or query parameters) to scrub from errors.

    Each credential value is yielded whole and, for `"<scheme> <credentials>"` values
    (`Bearer`, `Basic` ...), its credentials part too; list values (a repeated query
    parameter) item by item.
    """
    for name, value in (params or {}).items():
        if not is_credential_name(str(name)):
            continue
        for item in value if isinstance(value, list | tuple) else (value,):
            text = str(item.get_secret_value() if isinstance(item, SecretStr) else item)
            yield text
            scheme = _AUTH_SCHEME.fullmatch(text)
            if scheme is not None:
                yield scheme.group(1)


def _hidden(value: Any) -> Any:
    if isinstance(value, list | tuple):  # a repeated query parameter: item by item
        return [_hidden(item) for item in value]
    return value if isinstance(value, SecretStr) else SecretStr(str(value))


def _revealed(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_revealed(item) for item in value]
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def hide_credentials(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """`params` (headers or query) with credential values as `SecretStr` (`'**********'`).

    Example:
        ```python
        hide_credentials({"x-api-key": "k", "x-team": "a"})
        # -> {'x-api-key': SecretStr('**********'), 'x-team': 'a'}
        ```
    """
    if not params:
        return params
    return {k: _hidden(v) if is_credential_name(str(k)) else v for k, v in params.items()}


def reveal_credentials(params: Any) -> Any:
    """The inverse of `hide_credentials`: `SecretStr` values back to their text."""
    if not isinstance(params, Mapping):
        return params
    return {k: _revealed(v) for k, v in params.items()}


# The password of a URL's user-info: up to the last "@" of the authority, as urlsplit reads it.
# A regex rather than urlsplit, which raises on some malformed URLs (a repr must not).
_URL_PASSWORD = re.compile(r"(?<=//)([^/?#:@]*):([^/?#]*)@")


def url_passwords(url: str | None) -> Iterator[str]:
    """The password of `url`'s user-info (`https://user:pw@host`), as written and decoded."""
    match = _URL_PASSWORD.search(url) if url else None
    if match is not None and match.group(2):
        yield match.group(2)
        yield unquote(match.group(2))


def hide_url_password(url: str | None) -> str | None:
    """`url` with the password of its user-info replaced by `***` (the user name stays).

    Example:
        ```python
        hide_url_password("https://me:pw@proxy/v1")  # -> 'https://me:***@proxy/v1'
        ```
    """
    if not url:
        return url
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", url, count=1)


# Fields whose credential entries (see is_credential_name) are hidden in reprs, dumps and cache
# keys, and scrubbed from errors.
PARAM_FIELDS = ("default_headers", "default_query")
# URL fields whose user-info password (``https://user:pw@proxy/v1``) is hidden the same way.
URL_FIELDS = ("base_url", "azure_endpoint")


def hide_field(name: str | None, value: Any) -> Any:
    """`value` of field `name` as a repr may show it (credentials and URL passwords hidden)."""
    if name in PARAM_FIELDS:
        return hide_credentials(value)
    if name in URL_FIELDS:
        return hide_url_password(value)
    return value


class HiddenCredentials:
    """The pydantic validators and serializers of a model with the connection fields
    (`default_headers`, `default_query`, `base_url`, `azure_endpoint`): credentials are
    accepted as `SecretStr` and never dumped as their values.

    Example:
        ```python
        class Client(HiddenCredentials, BaseModel):
            default_headers: dict[str, str] | None = None
        ```
    """

    @field_validator(*PARAM_FIELDS, mode="before", check_fields=False)
    @classmethod
    def _reveal_credentials(cls, value: Any) -> Any:
        # Accept SecretStr values (what model_dump() gives for credentials): dump and
        # validate round-trip as they do for api_key.
        return reveal_credentials(value)

    @field_serializer(*PARAM_FIELDS, check_fields=False)
    def _serialize_params(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # model_dump() (and so the cache key) gets SecretStr, model_dump_json() '**********'.
        return hide_credentials(value)

    @field_serializer(*URL_FIELDS, check_fields=False)
    def _serialize_url(self, value: str | None) -> str | None:
        # Masked in dumps too (so in cache keys): a dump does not carry a URL password.
        return hide_url_password(value)


# JSON's two-character escapes; a server may use them instead of \uXXXX.
_SHORT_ESCAPES = {
    '"': r"\\\"",
    "\\": r"\\\\",
    "/": r"\\/",
    "\b": r"\\b",
    "\f": r"\\f",
    "\n": r"\\n",
    "\r": r"\\r",
    "\t": r"\\t",
}


def _hex(code: int, width: int) -> str:
    """`code` in hex, each letter matching either case (the key itself stays case-sensitive)."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{width}x}")


@lru_cache(maxsize=512)
def _char_pattern(char: str) -> str:
    """Every spelling of one character a server may use when it echoes it back."""
    code = ord(char)
    spellings = [re.escape(char)]
    if code < 0x10000:
        spellings.append(r"\\u" + _hex(code, 4))  # JSON escape
    else:  # JSON spells characters beyond the BMP as a surrogate pair
        high, low = divmod(code - 0x10000, 0x400)
        spellings.append(r"\\u" + _hex(0xD800 + high, 4) + r"\\u" + _hex(0xDC00 + low, 4))
    if char in _SHORT_ESCAPES:
        spellings.append(_SHORT_ESCAPES[char])
    # Percent-encoding in an echoed URL: the UTF-8 bytes, and "+" for a space (urlencode).
    spellings.append("".join("%" + _hex(byte, 2) for byte in char.encode("utf-8", "replace")))
    if char == " ":
        spellings.append(r"\+")
    return "(?:" + "|".join(spellings) + ")"


def _value_pattern(value: str) -> str:
    return "".join(_char_pattern(char) for char in value)


def _restore(lasting: tuple[str, ...], short_lived: tuple[str, ...], keep: int) -> Secrets:
    secrets = Secrets(lasting, max_short_lived=keep)
    for value in short_lived:
        secrets.add(value, short_lived=True)
    return secrets


class Secrets:
    """A thread-safe set of secret values and a scrubber for all their spellings.

    Empty values are ignored. `scrub` replaces every occurrence with `***`;
    `scrub_data` does the same inside parsed JSON (keys and string values, recursively).
    Short-lived values (tokens a provider refreshes) are kept for the newest
    `max_short_lived` of them only, so a long-running process does not grow without bound;
    a request still in flight with the previous token is covered meanwhile.

    `add` is cheap (it runs per request for token providers); each value's pattern is
    compiled on the first `scrub` after it was added (an error path), then reused.

    Example:
        ```python
        secrets = Secrets(["sk-abc"])
        secrets.add("azure-token", short_lived=True)  # e.g. from a token provider
        secrets.scrub("key sk-abc token azure-token")  # -> 'key *** token ***'
        ```
    """

    __slots__ = (
        "_compiled",
        "_lasting",
        "_lock",
        "_ordered",
        "_short_lived",
        "_values",
        "max_short_lived",
    )

    def __init__(self, values: Iterable[str] = (), *, max_short_lived: int = 4) -> None:
        if max_short_lived < 1:
            raise ValueError(f"max_short_lived must be at least 1, got {max_short_lived}")
        self.max_short_lived = max_short_lived
        self._lock = threading.Lock()
        self._lasting: tuple[str, ...] = ()
        self._short_lived: tuple[str, ...] = ()
        self._values: frozenset[str] = frozenset()
        self._ordered: tuple[str, ...] = ()  # longest first: a secret containing another wins
        self._compiled: dict[str, re.Pattern[str]] = {}
        for value in values:
            self.add(value)

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._values)} hidden>)"

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._lasting, self._short_lived, self.max_short_lived))

    @property
    def values(self) -> tuple[str, ...]:
        """The registered values, longest first (for building credentials; never print them)."""
        return self._ordered

    def add(self, value: str | None, *, short_lived: bool = False) -> None:
        """Register `value` (a no-op for `None`, `""` or a value already known).

        `short_lived=True` marks a value that is replaced over time (an AD token): only the
        newest `max_short_lived` such values are kept. A lasting value is never dropped.
        """
        if not value or (value in self._values and (short_lived or value in self._lasting)):
            return  # the per-request fast path (a provider's cached token): no lock
        with self._lock:
            if value in self._lasting or (short_lived and value in self._short_lived):
                return
            if short_lived:
                self._short_lived = (*self._short_lived, value)[-self.max_short_lived :]
            else:
                self._lasting = (*self._lasting, value)
                self._short_lived = tuple(v for v in self._short_lived if v != value)
            self._values = frozenset((*self._lasting, *self._short_lived))
            self._ordered = tuple(sorted(self._values, key=len, reverse=True))
            self._compiled = {v: p for v, p in self._compiled.items() if v in self._values}

    def _patterns(self) -> list[re.Pattern[str]]:
        compiled = self._compiled
        patterns = []
        for value in self._ordered:
            pattern = compiled.get(value)
            if pattern is None:
                # Compiling costs ~50 us per character (a 1.5 kB JWT: ~80 ms), so it happens
                # here, on an error path, never per request. A race compiles twice: harmless.
                pattern = compiled[value] = re.compile(_value_pattern(value))
            patterns.append(pattern)
        return patterns

    def scrub(self, text: str) -> str:
        """`text` with every spelling of every secret replaced by `***`."""
        ordered = self._ordered
        # Every spelling is at least as long as the secret: short texts (a request id, a
        # status line) skip compiling and running the patterns.
        if not ordered or len(text) < len(ordered[-1]):
            return text
        for pattern in self._patterns():
            text = pattern.sub(REDACTED, text)
        return text

    def scrub_data(self, data: Any) -> Any:
        """A copy of parsed JSON (dicts, lists, strings) with secrets scrubbed everywhere."""
        if not self._ordered:
            return data
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {self.scrub(str(k)): self.scrub_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.scrub_data(item) for item in data]
        return data
