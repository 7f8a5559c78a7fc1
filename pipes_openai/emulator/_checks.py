"""The API's 400s for a request body, worded as OpenAI words them: the bricks of the
Chat Completions and Responses validators."""

from __future__ import annotations

from typing import Any

from ._wire import ApiError

__all__ = [
    "array_too_long",
    "bad",
    "choose",
    "missing",
    "require_object",
    "require_str",
    "type_error",
    "unsupported_value",
]


def bad(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 `invalid_request_error`."""
    return ApiError(400, message, type="invalid_request_error", param=param, code=code)


def missing(param: str) -> ApiError:
    """`Missing required parameter: '<param>'.`"""
    return bad(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def array_too_long(param: str, items: list[Any], limit: int) -> ApiError | None:
    """The API's refusal of an array over `limit` entries (`tools` takes 128), or None."""
    if len(items) <= limit:
        return None
    return bad(
        f"Invalid '{param}': array too long. Expected an array with maximum length {limit},"
        f" but got an array with length {len(items)} instead.",
        param,
        "array_above_max_length",
    )


def type_error(param: str, expected: str, value: Any) -> ApiError:
    """`Invalid type for '<param>': expected <expected>, but got <kind> instead.`"""
    return bad(
        f"Invalid type for '{param}': expected {expected}, but got {_json_type(value)} instead.",
        param,
        "invalid_type",
    )


def unsupported_value(param: str, message: str) -> ApiError:
    """What the API answers for a valid value a model or the emulator cannot play."""
    return bad(f"Unsupported value: '{param}' {message}", param, "unsupported_value")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _supported(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


def choose(value: Any, values: tuple[str, ...], param: str) -> str:
    """`value` when it is one of `values`, else the API's `invalid_value` 400."""
    if value not in values:
        raise bad(
            f"Invalid value: '{value}'. Supported values are: {_supported(values)}.",
            param,
            "invalid_value",
        )
    return str(value)


def require_object(parent: dict[str, Any], key: str, param: str) -> dict[str, Any]:
    """`parent[key]` as an object: missing -> `missing_required_parameter`, else a type 400."""
    value: dict[str, Any] = _require(parent, key, param, dict, "an object")
    return value


def require_str(parent: dict[str, Any], key: str, param: str) -> str:
    """`parent[key]` as a string: missing -> `missing_required_parameter`, else a type 400."""
    value: str = _require(parent, key, param, str, "a string")
    return value


def _require(parent: dict[str, Any], key: str, param: str, kind: type, expected: str) -> Any:
    value = parent.get(key)
    where = f"{param}.{key}" if param else key
    if value is None:
        raise missing(where)
    if not isinstance(value, kind):
        raise type_error(where, expected, value)
    return value
