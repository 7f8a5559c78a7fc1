"""The emulator's bounds: what one client can send, hold open or make it produce.

Every bound answers with a 4xx in OpenAI's error shape naming the limit and the option that
raises it, and affects only the client that crossed it. `Limits` holds the configuration
(`Emulator(limits=Limits(...))`, or the `--max-*` / `--*-timeout` command-line options);
`check_json` is the request-body check that runs before anything walks the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from ._wire import ApiError

__all__ = ["Limits", "check_json", "require_json"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one request or connection can cost the emulator.

    ```pycon
    >>> Emulator(limits=Limits(max_body_bytes=1 << 20, header_timeout=2.0))  # doctest: +SKIP
    ```

    Args:
        max_header_bytes: request line plus headers (431 beyond).
        max_body_bytes: request body, counted while it arrives, chunked bodies included (413).
        header_timeout: seconds from a request's first byte until its headers are complete
            (408 and close beyond: a slowloris client cannot hold a connection forever).
        idle_timeout: seconds a keep-alive connection may wait for its next request (closed
            quietly), and the longest pause inside a request body (408).
        max_json_depth: nesting of arrays and objects in a JSON body (400).
        max_n: the `n` parameter (OpenAI's own limit is 128).
        max_top_logprobs: the `top_logprobs` parameter (OpenAI's own limit is 20).
        max_tokens: `max_tokens` / `max_completion_tokens` (400 beyond).
        max_reply_tokens: tokens one reply may make the emulator produce, all `n` choices
            and logprob alternatives counted (an echoed prompt of megabytes times `n=128`
            would otherwise build gigabytes); 400 beyond.
    """

    max_header_bytes: int = 64 * 1024
    max_body_bytes: int = 32 * 1024 * 1024
    header_timeout: float = 10.0
    idle_timeout: float = 120.0
    max_json_depth: int = 64
    max_n: int = 128
    max_top_logprobs: int = 20
    max_tokens: int = 1_000_000
    max_reply_tokens: int = 2_000_000

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(
                    f"Limits({spec.name}={value!r}): expected a positive number"
                    f" (default {spec.default!r})."
                )


def _unicode_error(path: str, text: str) -> ApiError:
    # Only lone surrogates fail to encode: json.loads accepts "\ud800", UTF-8 cannot carry it.
    index = next(i for i, char in enumerate(text) if 0xD800 <= ord(char) <= 0xDFFF)
    return ApiError(
        400,
        f"Invalid Unicode in {path or 'the request body'}: a lone UTF-16 surrogate"
        f" (\\u{ord(text[index]):04x}) at character {index}. JSON strings must be valid Unicode;"
        " send the character as a surrogate pair or remove it.",
        param=path or None,
        code="invalid_unicode",
    )


def _check_text(text: str, path: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _unicode_error(path, text) from None


def _child(path: str, key: str | int) -> str:
    """`messages[0].content`-style paths, as OpenAI names a `param`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_json(body: Any, max_depth: int, raw: bytes | None = None) -> None:
    """Raise a 400 `ApiError` when `body` nests deeper than `max_depth` or holds a
    lone surrogate (which would fail later, when the reply echoing it is encoded).

    Iterative, so a deep body cannot exhaust the stack here either. With the `raw` bytes the
    body was parsed from, the walk is skipped when they show it cannot fail: fewer brackets than
    `max_depth`, and no way to spell a surrogate (a `\\ud...` escape or the UTF-8 lead byte
    `0xED` that `json.loads` lets through for them).

    ```pycon
    >>> check_json({"messages": [[[]]]}, max_depth=3)  # doctest: +SKIP
    ApiError: ... nested deeper than 3 levels ...
    ```
    """
    if (
        raw is not None
        and raw.count(b"{") + raw.count(b"[") <= max_depth
        and b"\\ud" not in raw
        and b"\\uD" not in raw
        and b"\xed" not in raw
    ):
        return
    if not isinstance(body, dict | list):
        if isinstance(body, str):
            _check_text(body, "")
        return
    stack: list[tuple[Any, int, str]] = [(body, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > max_depth:
            raise ApiError(
                400,
                f"The JSON body is nested deeper than {max_depth} levels (at {path}). Flatten it,"
                " or raise Limits(max_json_depth=...) of the emulator.",
                param=path or None,
                code="json_too_deep",
            )
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str):
                _check_text(key, path)
            if isinstance(value, str):
                if not value.isascii():
                    _check_text(value, _child(path, key))
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1, _child(path, key)))


def require_json(
    body: Any, parse_error: ValueError | RecursionError | None, limits: Limits, raw: bytes
) -> Any:
    """`body` when the request had a JSON body within the limits, else the API's 400."""
    if isinstance(parse_error, RecursionError):
        raise ApiError(
            400,
            "We could not parse the JSON body of your request: it is nested too deeply"
            f" (the emulator accepts {limits.max_json_depth} levels,"
            " Limits(max_json_depth=...)).",
            code="json_too_deep",
        ) from parse_error
    if parse_error is not None or body is None:
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means"
            " you aren't using your HTTP library correctly. The OpenAI API expects a JSON"
            " payload, but what was sent was not valid JSON:"
            f" {parse_error or 'empty body'}.)",
        )
    check_json(body, limits.max_json_depth, raw)
    return body


def parse_json(raw: bytes, limits: Limits) -> Any:
    """`raw` parsed as a JSON document within the limits, else the API's 400 (as
    `require_json`): for bodies nobody needs to record before they are checked."""
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        return require_json(None, exc, limits, raw)
    return require_json(body, None, limits, raw)
