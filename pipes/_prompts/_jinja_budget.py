"""What a jinja2 render is charged for: the budget hooks of the prompt sandbox.

`pipes._prompts._jinja_sandbox` builds the environment; this module holds the pieces that
spend the render's `Budget`: the filter and test wrappers (with
size checks that run *before* a filter that multiplies sizes), the counted loop iterable, the
`~` operator, the bounded `concat` of rendered text and the `finalize` check on values
converted to text.

The budget of the render in progress lives in a context variable, set by
`Jinja2Template.render`; outside a render (constant folding while compiling) a fresh budget
with the current limits applies, so folding is bounded too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, Final

from jinja2.exceptions import SecurityError

from pipes._prompts._limits import (
    CHARS_PER_OPERATION,
    Budget,
    current_limits,
    text_size,
)

__all__ = [
    "BUDGET",
    "CONCAT_FILTER",
    "ITER_FILTER",
    "MAX_INT_BITS",
    "OPERAND_FILTER",
    "bounded_concat",
    "charged",
    "check_int_bits",
    "check_percent_format",
    "concat_filter",
    "counted",
    "current_budget",
    "finalize",
    "iter_filter",
    "operand_filter",
    "size_of",
]

#: Upper bound on the result of ``a * b`` / ``a ** b`` on ints, in bits.
MAX_INT_BITS: Final = 100_000
#: Upper bound on a width or precision in a ``%`` format (``"%10s" | format(x)``).
MAX_FORMAT_WIDTH: Final = 10_000

#: The budget of the render in progress (None outside ``Jinja2Template.render``).
BUDGET: ContextVar[Budget | None] = ContextVar("pipes_jinja_budget", default=None)

# Filters inserted by bound_template(); their names cannot be written in a template.
ITER_FILTER: Final = "pipes:iter"
CONCAT_FILTER: Final = "pipes:concat"
OPERAND_FILTER: Final = "pipes:operand"

_PERCENT_FIELD: Final = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def current_budget() -> Budget:
    return BUDGET.get() or Budget(current_limits())


def size_of(value: Any) -> int | None:
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return len(value)
    return None


def check_percent_format(fmt: str, args: Any, budget: Budget) -> None:
    for width, precision in _PERCENT_FIELD.findall(fmt):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_FORMAT_WIDTH):
                raise SecurityError(
                    f"%-format widths and precisions must be literal numbers up to "
                    f"{MAX_FORMAT_WIDTH} in a prompt template, got {number!r}"
                )
    cap = budget.limits.max_output_length
    fields = fmt.count("%")
    budget.check_size(len(fmt) + fields * MAX_FORMAT_WIDTH // 100 + text_size(args, cap), "%")


def check_int_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        raise SecurityError(f"{what} would be a number of more than {MAX_INT_BITS} bits")


# -- filters ---------------------------------------------------------------------------
# Each entry checks, before the filter runs, that its result stays under the output cap.
# ``value`` is the filtered value, ``args``/``kwargs`` the filter's own arguments.
_Precheck = Callable[[Budget, Any, tuple[Any, ...], dict[str, Any]], None]


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _int_arg(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SecurityError(f"the {name} argument must be a number, got {value!r}") from exc


def _pre_replace(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    text, old, new = (
        str(value),
        str(_arg(args, kw, 0, "old", "")),
        str(_arg(args, kw, 1, "new", "")),
    )
    hits = text.count(old) if old else len(text) + 1
    count = _arg(args, kw, 2, "count", None)
    if count is not None and _int_arg(count, "count") >= 0:
        hits = min(hits, int(count))
    b.check_size(len(text) + hits * max(0, len(new) - len(old)), "replace")


def _pre_center(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    b.check_size(_int_arg(_arg(args, kw, 0, "width", 80), "width"), "center")


def _pre_indent(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    width = _arg(args, kw, 0, "width", 4)
    pad = len(width) if isinstance(width, str) else _int_arg(width, "width")
    text = str(value)
    b.check_size(len(text) + pad * (text.count("\n") + 1), "indent")


def _pre_format(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    check_percent_format(str(value), (args, kw), b)


def _pre_wordwrap(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    text = str(value)
    width = max(_int_arg(_arg(args, kw, 0, "width", 79), "width"), 1)
    wrap = _arg(args, kw, 2, "wrapstring", None)
    breaks = len(text) // width + text.count("\n") + 1
    b.check_size(len(text) + breaks * len(str(wrap or "\n")), "wordwrap")


def _pre_count(name: str, index: int, keyword: str) -> _Precheck:
    # batch(linecount) pads, slice(slices) loops: both as many times as the argument says.
    def check(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
        count = _int_arg(_arg(args, kw, index, keyword, 1), keyword)
        b.check_size(count, name)
        b.charge(1 + max(count, 0) // CHARS_PER_OPERATION)

    return check


def _pre_expand(name: str, factor: int) -> _Precheck:
    # Escaping filters: one character may become ``factor`` characters.
    def check(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
        b.check_size(text_size(value, b.limits.max_output_length) * factor, name)

    return check


def _pre_urlize(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    # Each link repeats the target/rel/scheme arguments.
    extra = sum(len(str(a)) for a in (*args, *kw.values()) if isinstance(a, str))
    b.check_size(len(str(value)) * (6 + extra), "urlize")


def _pre_sum(b: Budget, value: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    start = _arg(args, kw, 1, "start", 0)
    if not isinstance(start, (int, float)):
        # sum(start=[]) concatenates lists, quadratically; prompts only add numbers.
        raise SecurityError("the sum filter only adds numbers in a prompt template")


_PRECHECKS: Final[dict[str, _Precheck]] = {
    "replace": _pre_replace,
    "center": _pre_center,
    "indent": _pre_indent,
    "format": _pre_format,
    "wordwrap": _pre_wordwrap,
    "batch": _pre_count("batch", 0, "linecount"),
    "slice": _pre_count("slice", 0, "slices"),
    "escape": _pre_expand("escape", 5),
    "e": _pre_expand("escape", 5),
    "forceescape": _pre_expand("forceescape", 5),
    "urlencode": _pre_expand("urlencode", 12),
    "tojson": _pre_expand("tojson", 6),
    "pprint": _pre_expand("pprint", 4),
    "xmlattr": _pre_expand("xmlattr", 6),
    "urlize": _pre_urlize,
    "sum": _pre_sum,
}

# Filters that turn their value into text (``str(value)``): a container whose text would be
# huge (``[s] * 1000 | upper``) is refused before it is converted.
_TEXT_FILTERS: Final = frozenset(
    {
        "capitalize",
        "lower",
        "safe",
        "string",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "wordcount",
    }
)


def charged(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter or test so each use is charged and size-checked (see _PRECHECKS)."""
    precheck = _PRECHECKS.get(name)
    stringifies = name in _TEXT_FILTERS
    # Filters marked pass_context/pass_eval_context/pass_environment get one extra first arg.
    skip = 0 if getattr(func, "jinja_pass_arg", None) is None else 1

    def filter_(*args: Any, **kwargs: Any) -> Any:
        budget = BUDGET.get() or Budget(current_limits())
        value = args[skip] if len(args) > skip else None
        size = len(value) if type(value) is str else size_of(value)
        if precheck is not None:
            precheck(budget, value, args[skip + 1 :], kwargs)
        elif stringifies and size is not None and type(value) is not str:
            limit = budget.limits.max_output_length
            budget.check_size(text_size(value, limit), f"the {name} filter")
        result = func(*args, **kwargs)
        produced = len(result) if type(result) is str else size_of(result)
        if produced is not None:
            budget.check_size(produced, f"the {name} filter")
        # One charge for the work on the input and the result (both linear in their size).
        budget.charge(1 + ((size or 0) + (produced or 0)) // CHARS_PER_OPERATION)
        return result

    pass_arg = getattr(func, "jinja_pass_arg", None)
    if pass_arg is not None:
        filter_.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    filter_.__name__ = getattr(func, "__name__", name)
    filter_.__doc__ = func.__doc__
    return filter_


def counted(items: Iterator[Any], cost: int, budget: Budget) -> Iterator[Any]:
    """Yield `items`, charging `cost` for each (the loop body's static text included).

    A generator, not a sized wrapper: `loop.length` on it makes jinja2 list the rest of the
    items, which goes through here and is charged like the loop itself.
    """
    charge = budget.charge
    for item in items:
        charge(cost)
        yield item


def iter_filter(value: Any, static_length: int = 0) -> Iterator[Any]:
    # iter() now, so a value that cannot be looped over fails at the loop, not later.
    return counted(iter(value), 1 + static_length // CHARS_PER_OPERATION, current_budget())


def operand_filter(value: Any) -> Any:
    # Comparisons (``'x' in long_text``, ``a == b``) are not calls but cost up to the size of
    # their operands, so each operand is charged by its size before it is compared.
    size = len(value) if type(value) is str else size_of(value)
    current_budget().charge(1 if size is None else 1 + size // CHARS_PER_OPERATION)
    return value


def concat_filter(operands: Sequence[Any]) -> str:
    # ``a ~ b``: converts its operands to text, so check their size first.
    budget = current_budget()
    cap = budget.limits.max_output_length
    size = 0
    for operand in operands:
        size += text_size(operand, cap)
    budget.check_size(size, "~")
    result = "".join([str(operand) for operand in operands])
    budget.charge_size(len(result))
    return result


def bounded_concat(parts: Iterable[str]) -> str:
    # environment.concat joins the output of the template and of every macro, call block,
    # filter block and set block. Listing the parts first is safe: every loop iteration that
    # makes parts is charged, and parts are references to strings that exist already, so the
    # list stays small while the text it would join is measured before joining.
    out = list(parts)
    total = sum(map(len, out))
    budget = current_budget()
    if total > budget.limits.max_output_length:
        budget.check_size(total, "the rendered text")
    if total >= CHARS_PER_OPERATION:
        budget.charge(total // CHARS_PER_OPERATION)
    return "".join(out)


def finalize(value: Any) -> Any:
    # Called on every {{ expression }} before str(): a list whose text is gigabytes must be
    # refused before str() builds it. Strings are charged when they are concatenated.
    if type(value) is str:
        return value
    budget = BUDGET.get()
    if budget is not None:
        limit = budget.limits.max_output_length
        budget.check_size(text_size(value, limit), "Converting a value to text")
    return value
