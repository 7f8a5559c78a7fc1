"""What httpx did for the default pools, done over httpcore directly: requests, heads, bodies.

The default path (no user `http_client`, no proxy environment variables) sends through
`httpcore.ConnectionPool` / `httpcore.AsyncConnectionPool` (`pipes_openai._pools`), so that a
first call imports httpcore but not httpx (~20 ms more, a fifth of a cold start). Everything
httpx's `Request`, `Response` and transport did on the way is here, done the same way:

* `request`: the httpcore request, with httpx's automatic `Host` and `Content-Length`;
* `Head`: a response's status and headers (`Headers`: a case-insensitive `Mapping[str, str]`,
  lower-case keys, repeated headers joined with ", ", as `httpx.Headers` reads);
* `decoder`: undoes a `Content-Encoding` (gzip, deflate; anything else is a clear error);
* `as_httpx`: httpcore's exceptions become httpx's, as httpx's transport maps them (the
  exchange and its typed errors speak httpx's; an error is not the hot path).

Example:
    ```python
    response = pool.handle_request(request("POST", url, body, headers, {"timeout": phases}))
    head = Head(response.status, Headers(response.headers))
    head.headers["content-type"]  # 'application/json'
    ```
"""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import httpcore

__all__ = [
    "CORE_ERRORS",
    "DEFAULT_PORTS",
    "Decoder",
    "Head",
    "Headers",
    "adecoded",
    "as_httpx",
    "decoded",
    "decoder",
    "request",
]

# A URL that httpx would send exactly as written: http(s), a lower-case ASCII host name or a
# canonical IPv4 address, characters httpx never percent-encodes, no dot segments. Anything
# else (IDNA, IPv6, user info, spaces ...) is parsed by httpx.URL itself, so that the bytes on
# the wire never differ from httpx's.
_SAFE = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})"
_PLAIN = re.compile(
    rf"(https?)://([a-z0-9.-]+)(?::([0-9]{{1,5}}))?(/{_SAFE}*)?(?:\?((?:{_SAFE}|\?)+))?"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
DEFAULT_PORTS = {"http": 80, "https": 443}
"""Each scheme's port, which a URL's `Host` (and a server's label) leaves out."""

_Parts = tuple[bytes, bytes, int | None, bytes, bytes]


@lru_cache(maxsize=256)
def _parts(url: str) -> _Parts:
    """(scheme, host, port, target, Host header value) of `url`, as httpx.URL gives them."""
    match = _PLAIN.fullmatch(url)
    if match is not None:
        scheme, host, port_text, path, query = match.groups()
        path = path or "/"
        port = int(port_text) if port_text else None
        plain = (
            port is None or port <= 65535  # larger: httpx's InvalidURL
        ) and "/." not in path  # possibly a dot segment, which httpx normalizes
        if host.replace(".", "").isdigit() and not _IPV4.fullmatch(host):
            plain = False  # not a canonical IPv4 address: httpx validates (or rejects) it
        if plain:
            if port == DEFAULT_PORTS[scheme]:
                port = None
            target = path if query is None else f"{path}?{query}"
            netloc = host if port is None else f"{host}:{port}"
            return scheme.encode(), host.encode(), port, target.encode(), netloc.encode()
    import httpx  # an unusual URL: httpx's own parsing (and its InvalidURL)

    parsed = httpx.URL(url)
    netloc = parsed.netloc if parsed.raw_host else b""  # httpx sends no Host without a host
    return parsed.raw_scheme, parsed.raw_host, parsed.port, parsed.raw_path, netloc


def request(
    method: str, url: str, body: bytes, headers: Mapping[str, str], extensions: dict[str, Any]
) -> httpcore.Request:
    """The httpcore request httpx's transport would send for `httpx.Request(method, url,
    content=body or None, headers=headers)`: `Host` first, then the headers as given, then
    `Content-Length` (`0` for a POST without a body) unless the headers set them."""
    scheme, host, port, target, netloc = _parts(url)
    given = {key.lower() for key in headers}
    raw: list[tuple[bytes, bytes]] = []
    if netloc and "host" not in given:
        raw.append((b"Host", netloc))
    if (
        not body
        and method in ("POST", "PUT", "PATCH")
        and "content-length" not in given
        and "transfer-encoding" not in given
    ):
        raw.append((b"Content-Length", b"0"))
    raw += [(key.encode("ascii"), value.encode("ascii")) for key, value in headers.items()]
    if body and "content-length" not in given:
        raw.append((b"Content-Length", str(len(body)).encode()))
    return httpcore.Request(
        method.encode("ascii"),
        httpcore.URL(scheme=scheme, host=host, port=port, target=target),
        headers=raw,
        content=body,
        extensions=extensions,
    )


def _encoding(raw: list[tuple[bytes, bytes]]) -> str:
    # httpx.Headers.encoding: the first of ASCII and UTF-8 that decodes every name and value.
    for encoding in ("ascii", "utf-8"):
        try:
            for key, value in raw:
                key.decode(encoding)
                value.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "iso-8859-1"


class Headers(Mapping[str, str]):
    """A response's headers, read as `httpx.Headers` reads them: names case-insensitive (and
    lower-case when iterated), a repeated header's values joined with ", "."""

    __slots__ = ("_values",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        encoding = _encoding(raw)
        values: dict[str, str] = {}
        for key, value in raw:
            name = key.decode(encoding).lower()
            text = value.decode(encoding)
            values[name] = f"{values[name]}, {text}" if name in values else text
        self._values = values

    def __getitem__(self, key: str) -> str:
        return self._values[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        # As httpx.Headers: credentials a server echoes are not shown.
        shown = {
            key: "[secure]" if key in ("authorization", "proxy-authorization") else value
            for key, value in self._values.items()
        }
        return f"Headers({shown!r})"


class Head:
    """A response's status and headers: what the exchange reads of an `httpx.Response`."""

    __slots__ = ("headers", "status_code")

    def __init__(self, status_code: int, headers: Headers) -> None:
        self.status_code = status_code
        self.headers = headers


def _decoding_error(message: str) -> Exception:
    import httpx  # what httpx raises for a body it cannot decode (an error path)

    return httpx.DecodingError(message)


class _Inflate:
    """One zlib-encoded layer: gzip, or deflate (zlib-wrapped, else raw, as httpx accepts)."""

    __slots__ = ("_first", "_inflater", "_raw_fallback")

    def __init__(self, gzip: bool) -> None:
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._raw_fallback = not gzip  # servers send raw deflate as "deflate" too
        self._first = True

    def decode(self, data: bytes) -> bytes:
        first, self._first = self._first, False
        try:
            return self._inflater.decompress(data)
        except zlib.error as exc:
            if first and self._raw_fallback:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode(data)
            raise _decoding_error(str(exc)) from exc

    def flush(self) -> bytes:
        try:
            return self._inflater.flush()
        except zlib.error as exc:
            raise _decoding_error(str(exc)) from exc


_LAYERS = {"gzip": True, "x-gzip": True, "deflate": False}


class Decoder:
    """Undoes a body's `Content-Encoding` (its layers, last applied first); an encoding it
    cannot undo is an error at the first chunk, never bytes passed on still encoded."""

    __slots__ = ("_layers", "_unknown")

    def __init__(self, encodings: list[str]) -> None:
        names = [name for name in encodings if name and name != "identity"]
        self._unknown = [name for name in names if name not in _LAYERS]
        self._layers = [_Inflate(_LAYERS[name]) for name in reversed(names) if name in _LAYERS]

    def decode(self, data: bytes) -> bytes:
        if self._unknown:
            raise _decoding_error(
                f"The reply is compressed with {', '.join(self._unknown)}, which pipes_openai's "
                "own connection pools cannot decode (they decode gzip and deflate). Configure "
                "the server not to compress, or pass your own http_client= / "
                "http_async_client= (httpx decodes br with brotli installed, zstd with "
                "zstandard)."
            )
        for layer in self._layers:
            data = layer.decode(data)
        return data

    def flush(self) -> bytes:
        data = b""
        for layer in self._layers:
            data = layer.decode(data) + layer.flush() if data else layer.flush()
        return data


def decoder(headers: Mapping[str, str]) -> Decoder | None:
    """The decoder of a body with `Content-Encoding`, else `None` (the bytes as they come)."""
    value = headers.get("content-encoding")
    if value is None:
        return None
    return Decoder([name.strip().lower() for name in value.split(",")])


def decoded(stream: Iterable[bytes], decoder: Decoder) -> Iterator[bytes]:
    """The decoded chunks of a body (empty ones skipped, as httpx's `iter_bytes`)."""
    for raw in stream:
        if data := decoder.decode(raw):
            yield data
    if data := decoder.flush():
        yield data


async def adecoded(stream: AsyncIterable[bytes], decoder: Decoder) -> AsyncIterator[bytes]:
    """`decoded` for an async body."""
    async for raw in stream:
        if data := decoder.decode(raw):
            yield data
    if data := decoder.flush():
        yield data


# What httpcore raises for a failed exchange; httpx's transport maps each of them to the
# httpx exception of the same name (and lets anything else through).
CORE_ERRORS: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def as_httpx(exc: Exception) -> Exception:
    """`exc` as httpx's transport would have raised it: an httpcore error becomes httpx's
    exception of the same name, with the same message and `exc` as its `__cause__`."""
    if not isinstance(exc, CORE_ERRORS):
        return exc  # httpx's own already (a user's client, the proxy path)
    import httpx  # an error path

    for cls in type(exc).__mro__:
        mapped = getattr(httpx, cls.__name__, None)
        if (
            cls.__module__.startswith("httpcore")
            and isinstance(mapped, type)
            and issubclass(mapped, httpx.TransportError)
        ):
            converted: Exception = mapped(str(exc))
            converted.__cause__ = exc
            return converted
    return exc  # pragma: no cover (every class in CORE_ERRORS has its httpx namesake)
