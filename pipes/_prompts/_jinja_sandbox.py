"""The jinja2 environment behind `Jinja2Template`.

On top of `jinja2.sandbox.ImmutableSandboxedEnvironment`:

* **Names are checked before they are read**: an attribute is read only if the object's type
  and the name are on an allowlist (dict keys, the loop variable, pure `str`/`dict`/
  `list` methods); anything else is refused *without evaluating it*, so a property or
  `__getattr__` with side effects never runs. Item access (`x[k]`) works on mappings and
  sequences only.
* **Every render spends a** `Budget`: loop iterations (the
  `for` iterable is wrapped when the template is built), calls, filters, tests and the
  operators `+ * ** %` and `~` are charged, macro calls and recursive loops count towards
  `max_depth`, and operations that multiply sizes (`'a' * n`, `join`, `replace`,
  `center`, `indent`, `format`, `wordwrap`, `batch`...) are refused *before* they
  run when their result would pass `max_output_length`. The text of every macro, block and
  the whole template is concatenated under the same cap.

The charging pieces live in `pipes._prompts._jinja_budget`.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from pipes._prompts._jinja_budget import (
    CONCAT_FILTER,
    ITER_FILTER,
    MAX_INT_BITS,
    OPERAND_FILTER,
    bounded_concat,
    charged,
    check_int_bits,
    check_percent_format,
    concat_filter,
    counted,
    current_budget,
    finalize,
    iter_filter,
    operand_filter,
    size_of,
)
from pipes._prompts._limits import CHARS_PER_OPERATION, text_size

__all__ = ["PromptSandbox", "bound_template", "environment"]

# Pure, non-mutating methods a prompt may reasonably call on its data. ``str.join`` and
# ``str.replace`` are left out because they can multiply the size of their input; the
# ``join`` and ``replace`` filters do the same job with a size check.
_SAFE_METHODS: Final[dict[type, frozenset[str]]] = {
    dict: frozenset({"items", "keys", "values", "get"}),
    str: frozenset(
        {
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "isalnum",
            "isalpha",
            "isdigit",
            "islower",
            "isspace",
            "istitle",
            "isupper",
            "lower",
            "lstrip",
            "removeprefix",
            "removesuffix",
            "rfind",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        }
    ),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
}


@jinja2.pass_eval_context
def _join(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> str:
    # The items are listed once (value may be a generator) and measured before joining.
    items = list(value)
    budget = current_budget()
    cap = budget.limits.max_output_length
    size = len(str(d)) * len(items)
    if attribute is None:  # joined attributes are parts of the items: checked afterwards
        for item in items:
            size += text_size(item, cap)
            if size > cap:
                break
    budget.check_size(size, "join")
    return str(jinja2.filters.do_join(eval_ctx, items, d, attribute))


@jinja2.pass_environment
def _attr(env: PromptSandbox, obj: Any, name: str) -> Any:
    # jinja2's own attr filter reads the attribute and checks afterwards; ours checks first.
    return env.getattr(obj, str(name))


class PromptSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment restricted to data access (see the module docstring)."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})
    concat = staticmethod(bounded_concat)

    def attribute(self, obj: Any, name: str) -> Any:
        """Read `obj.name` if it is allowed; decided from type and name, before reading."""
        if isinstance(obj, jinja2.Undefined):
            return obj  # keep the first failure: "'x' is undefined", not "x.y is unsafe"
        if not name.startswith("_"):
            if isinstance(obj, LoopContext):
                if hasattr(LoopContext, name):
                    return getattr(obj, name)
                return self.undefined(obj=obj, name=name)
            for kind, allowed in _SAFE_METHODS.items():
                if isinstance(obj, kind) and name in allowed:
                    return getattr(obj, name)
            if isinstance(obj, Mapping) and not hasattr(type(obj), name):
                return self.undefined(obj=obj, name=name)  # a missing key, not an attribute
        # Raised now, not deferred in an Undefined: ``x.__class__.__mro__`` names __class__.
        raise SecurityError(
            f"access to attribute {name!r} of {type(obj).__name__!r} object is unsafe"
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Attribute syntax on a dict reads its keys first ({{ d.items }} is the "items" key
        # when there is one), like mustache and like users expect of JSON-shaped data.
        if (type(obj) is dict or isinstance(obj, Mapping)) and attribute in obj:
            return obj[attribute]
        return self.attribute(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, (Mapping, Sequence)):
            try:
                value = obj[argument]
            except (TypeError, LookupError, ValueError):
                pass
            else:
                if isinstance(argument, slice):
                    current_budget().charge_size(len(value))
                return value
        if isinstance(argument, str):
            return self.attribute(obj, argument)
        if isinstance(obj, (Mapping, Sequence, jinja2.Undefined)):
            return self.undefined(obj=obj, name=argument)
        raise SecurityError(f"item access on {type(obj).__name__!r} objects is unsafe")

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        budget = current_budget()
        if operator_ == "*":
            for seq, count in ((left, right), (right, left)):
                size = size_of(seq)
                if size is not None and isinstance(count, int):
                    budget.check_size(size * count, "Repeating a sequence")
            if isinstance(left, int) and isinstance(right, int):
                check_int_bits(left.bit_length() + right.bit_length(), "Multiplying")
        elif operator_ == "+":
            left_size, right_size = size_of(left), size_of(right)
            if left_size is not None and right_size is not None:
                budget.check_size(left_size + right_size, "+")
        elif operator_ == "**":
            big = isinstance(left, int) and isinstance(right, int) and right > 0
            if big and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                raise SecurityError(
                    f"{left.bit_length()}-bit number ** {right} is too large for a prompt "
                    f"template (results are limited to {MAX_INT_BITS} bits)"
                )
        elif operator_ == "%" and isinstance(left, str):
            check_percent_format(left, right, budget)
        result = self.binop_table[operator_](left, right)
        size = size_of(result)
        if size is None:
            budget.charge()
        else:
            budget.charge_size(size)
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = current_budget()
        owner = __obj.__self__ if isinstance(__obj, types.BuiltinMethodType) else None
        size = size_of(owner)
        budget.charge(1 if size is None else 1 + size // CHARS_PER_OPERATION)
        if isinstance(__obj, LoopContext) and args:
            # loop(children) in a recursive loop: the new iterable is charged like the first.
            args = (counted(iter(args[0]), 1, budget), *args[1:])
        if not isinstance(__obj, (Macro, LoopContext)):
            result = super().call(__context, __obj, *args, **kwargs)
        else:
            budget.enter()
            try:
                result = super().call(__context, __obj, *args, **kwargs)
            finally:
                budget.leave()
        size = size_of(result)
        if size is not None:
            budget.charge_size(size)
        return result


class _Bounder(NodeTransformer):
    """Rewrites a parsed template so loops, comparisons and `~` go through charging filters."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        static = sum(len(data.data) for data in node.find_all(nodes.TemplateData))
        node.iter = nodes.Filter(
            node.iter, ITER_FILTER, [nodes.Const(static)], [], None, None, lineno=node.lineno
        )
        return node

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = self._operand(node.expr)
        for operand in node.ops:
            operand.expr = self._operand(operand.expr)
        return node

    @staticmethod
    def _operand(expr: nodes.Expr) -> nodes.Expr:
        return nodes.Filter(expr, OPERAND_FILTER, [], [], None, None, lineno=expr.lineno)

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        operands = nodes.List(list(node.nodes), lineno=node.lineno)
        return nodes.Filter(operands, CONCAT_FILTER, [], [], None, None, lineno=node.lineno)


def bound_template(env: PromptSandbox, ast: nodes.Template) -> nodes.Template:
    """`ast` with every loop, comparison and `~` charged to the render's budget."""
    bounded = _Bounder().visit(ast)
    assert isinstance(bounded, nodes.Template)
    bounded.set_environment(env)
    return bounded


_env: PromptSandbox | None = None


def environment() -> PromptSandbox:
    """The shared environment (built on first use)."""
    global _env
    if _env is None:
        env = PromptSandbox(
            loader=None,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            extensions=(),
            finalize=finalize,
        )
        env.globals.clear()  # no range/lipsum/cycler/joiner/namespace/dict
        filters = {name: charged(name, func) for name, func in env.filters.items()}
        filters["attr"] = charged("attr", _attr)
        filters["join"] = charged("join", _join)
        filters[ITER_FILTER] = iter_filter
        filters[CONCAT_FILTER] = concat_filter
        filters[OPERAND_FILTER] = operand_filter
        env.filters = filters
        env.tests = {name: charged(name, cast(Any, func)) for name, func in env.tests.items()}
        _env = env
    return _env
