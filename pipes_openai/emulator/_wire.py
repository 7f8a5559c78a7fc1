"""Wire-format helpers: the tokenizer, ids, usage, logprobs and error bodies.

Everything here is deterministic so that tests can assert exact token counts: the tokenizer
splits text into words and single punctuation marks, each carrying the whitespace before it, so
`"".join(tokenize(text)) == text` always holds (streamed deltas join back to the content).
"""

from __future__ import annotations

import enum
import json
import re
import zlib
from typing import Any, Literal

__all__ = [
    "ApiError",
    "count_tokens",
    "error_body",
    "logprobs_for",
    "message_text",
    "tokenize",
    "usage_dict",
]

# A leading-whitespace word, or a leading-whitespace punctuation mark, or trailing whitespace.
_TOKEN_RE = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")

_DEFAULT_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout", None),
    409: ("conflict", None),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}

_DEFAULT_ERROR_MESSAGES: dict[int, str] = {
    400: "Bad request (injected by the emulator).",
    401: "Incorrect API key provided (injected by the emulator).",
    403: "You are not allowed to sample from this model (injected by the emulator).",
    404: "The model does not exist or you do not have access to it (injected by the emulator).",
    408: "Request timed out (injected by the emulator).",
    409: "Conflict (injected by the emulator).",
    422: "Unprocessable entity (injected by the emulator).",
    429: "Rate limit reached for requests (injected by the emulator). Please try again later.",
}


class _Default(enum.Enum):
    CODE = 0


DEFAULT_CODE = _Default.CODE


class ApiError(Exception):
    """An error the emulator answers with, in OpenAI's `{"error": {...}}` shape.

    `code` left out is the status's usual code (e.g. `rate_limit_exceeded` for 429); an
    explicit `code=None` is the `null` the API sends for many errors.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | Literal[_Default.CODE] | None = DEFAULT_CODE,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        default_type, default_code = default_error_type(status)
        self.status = status
        self.message = message
        self.type = type or default_type
        self.param = param
        self.code = default_code if code is DEFAULT_CODE else code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


def default_error_type(status: int) -> tuple[str, str | None]:
    """The `(type, code)` OpenAI uses for `status` (server errors are `server_error`)."""
    if status in _DEFAULT_ERROR_TYPES:
        return _DEFAULT_ERROR_TYPES[status]
    if status >= 500:
        return ("server_error", None)
    return ("invalid_request_error", None)


def default_error_message(status: int) -> str:
    if status in _DEFAULT_ERROR_MESSAGES:
        return _DEFAULT_ERROR_MESSAGES[status]
    if status >= 500:
        return (
            "The server had an error while processing your request (injected by the emulator)."
            " Sorry about that!"
        )
    return f"HTTP {status} (injected by the emulator)."


def error_body(
    message: str, type: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The ErrorResponse shape: `{"error": {"message", "type", "param", "code"}}`."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def tokenize(text: str) -> list[str]:
    """Split `text` into deterministic tokens that join back to `text`.

    ```pycon
    >>> tokenize("Hello, world!")
    ['Hello', ',', ' world', '!']
    ```
    """
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens [`tokenize`][pipes_openai.emulator.tokenize] makes of `text`."""
    return len(_TOKEN_RE.findall(text)) if text else 0


def message_text(content: Any) -> str:
    """The text of a message `content` (a string, `None` or a list of content parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            if isinstance(part, dict):
                text = part.get("text")
                if text is None:
                    text = part.get("refusal")
                if isinstance(text, str):
                    texts.append(text)
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return str(content)


def usage_dict(
    prompt_tokens: int,
    completion_tokens: int,
    *,
    reasoning_tokens: int = 0,
    cached_tokens: int = 0,
    prompt_audio_tokens: int = 0,
) -> dict[str, Any]:
    """A full `CompletionUsage` object (details included, as OpenAI sends them)."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {
            "cached_tokens": cached_tokens,
            "audio_tokens": prompt_audio_tokens,
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def merge_usage(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` updated with `override` (nested details merged, total recomputed unless given)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    if "total_tokens" not in override:
        merged["total_tokens"] = int(merged["prompt_tokens"]) + int(merged["completion_tokens"])
    return merged


def _logprob(token: str, rank: int) -> float:
    # crc32, not hash(): Python's str hash is salted per process and would break determinism.
    base = -((zlib.crc32(token.encode()) % 997) / 1000.0) - 0.001
    return round(base - 1.5 * rank, 6)


def _alternatives(token: str) -> list[str]:
    stripped = token.strip()
    lead = token[: len(token) - len(token.lstrip())]
    alts = [
        lead + stripped.upper(),
        lead + stripped.lower() + "s",
        lead + stripped.capitalize() + ".",
        " " + stripped,
        stripped + ",",
        lead + "the",
        lead + "a",
        lead + "and",
    ]
    seen = {token}
    out: list[str] = []
    for alt in alts:
        if alt not in seen:
            seen.add(alt)
            out.append(alt)
    i = 0
    while len(out) < 20:
        alt = f"{lead}{stripped}{i}"
        i += 1
        if alt not in seen:
            seen.add(alt)
            out.append(alt)
    return out


def logprob_entry(token: str, top_logprobs: int) -> dict[str, Any]:
    """One `ChatCompletionTokenLogprob` for `token` with `top_logprobs` alternatives."""
    top: list[dict[str, Any]] = []
    if top_logprobs > 0:
        top.append({"token": token, "logprob": _logprob(token, 0), "bytes": list(token.encode())})
        for rank, alt in enumerate(_alternatives(token)[: top_logprobs - 1], start=1):
            top.append({"token": alt, "logprob": _logprob(alt, rank), "bytes": list(alt.encode())})
    return {
        "token": token,
        "logprob": _logprob(token, 0),
        "bytes": list(token.encode()),
        "top_logprobs": top,
    }


def logprobs_for(tokens: list[str], top_logprobs: int) -> list[dict[str, Any]]:
    """Deterministic per-token logprobs for `tokens`."""
    return [logprob_entry(token, top_logprobs) for token in tokens]


# One encoder for the process: json.dumps() with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: Any) -> str:
    """Compact JSON, as OpenAI sends it (non-ASCII kept as UTF-8)."""
    return _ENCODER.encode(obj)
