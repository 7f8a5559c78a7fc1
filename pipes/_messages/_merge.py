"""One-pass merging of streamed message pieces (content, metadata dicts, tool-call chunks).

Folding ``a + b + c + ...`` naively copies the growing string at every step: quadratic. Here
every string is collected in a list and joined once at the end, so merging N chunks costs
O(total size). The rules follow LangChain's ``merge_dicts`` / ``merge_lists``:

* strings concatenate, except identifiers and labels (``type``, ``id``, ``*_id``,
  ``finish_reason``, ``model_name`` ...) which keep the first non-empty value, so a server that
  repeats them in every delta does not produce ``"stopstop"``, and ``status``, whose last
  non-empty value wins;
* dicts merge recursively; lists concatenate, except dict items carrying the same ``index``
  which merge into one item (that is how streamed content parts arrive);
* ``None`` never overwrites a value; other scalars keep the first value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._content import MessageContent
from ._tool_calls import ToolCallChunk

__all__ = [
    "merge_content",
    "merge_dicts",
    "merge_tool_call_chunks",
    "merge_values",
    "merged_id",
]

# Keys whose string values are labels or identifiers: never concatenated.
_KEEP_FIRST = frozenset(
    {
        "type",
        "id",
        "name",
        "role",
        "object",
        "model",
        "model_name",
        "model_provider",
        "system_fingerprint",
        "service_tier",
        "finish_reason",
        "stop_reason",
        "stop_sequence",
        "mime_type",
        "source_type",
        "created",
        "index",
    }
)


# Keys whose value evolves during a stream (``"in_progress"`` -> ``"completed"``): the last
# non-empty value wins.
_KEEP_LAST = frozenset({"status"})


def _keep_first(key: str) -> bool:
    return key in _KEEP_FIRST or key in _KEEP_LAST or key.endswith("_id")


_MISSING: Any = object()


class _Str(list[str]):
    """A string being built from pieces."""

    __slots__ = ()


class _Dict(dict[str, Any]):
    """A dict being built: values may be _Str/_Dict/_List accumulators."""

    __slots__ = ()


class _List(list[Any]):
    """A list being built; ``by_index`` maps an item's ``index`` to its position."""

    __slots__ = ("by_index",)

    def __init__(self) -> None:
        super().__init__()
        self.by_index: dict[Any, int] = {}


def _lift(value: Any, key: str | None) -> Any:
    """Wrap a value into its accumulator (plain copies of containers, never aliases)."""
    if isinstance(value, str):
        if key is not None and _keep_first(key):
            return value
        acc = _Str()
        acc.append(value)
        return acc
    if isinstance(value, Mapping):
        d = _Dict()
        _dict_add(d, value)
        return d
    if isinstance(value, list):
        lst = _List()
        _list_add(lst, value)
        return lst
    return value


def _dict_add(acc: _Dict, right: Mapping[str, Any]) -> None:
    for key, value in right.items():
        cur = acc.get(key, _MISSING)
        if cur is _MISSING:
            acc[key] = None if value is None else _lift(value, key)
        elif value is None:
            continue
        elif type(value) is str and cur is not None:
            # Inlined string case of _add(): metadata repeats in every streamed delta.
            kind = type(cur)
            if kind is _Str:
                if value:
                    cur.append(value)
            elif kind is str and (not cur or (value and key in _KEEP_LAST)):
                acc[key] = value
        else:
            acc[key] = _add(cur, value, key)


def _add(cur: Any, value: Any, key: str | None) -> Any:
    """Merge ``value`` into accumulator ``cur``; return the (possibly new) accumulator."""
    if cur is None:
        return _lift(value, key)
    if isinstance(value, str):
        if type(cur) is _Str:
            if value:
                cur.append(value)
        elif isinstance(cur, str) and not cur:
            return value  # keep-first key: first *non-empty* wins
        return cur
    if isinstance(value, Mapping):
        if type(cur) is _Dict:
            _dict_add(cur, value)
        return cur
    if isinstance(value, list):
        if type(cur) is _List:
            _list_add(cur, value)
        return cur
    return cur  # scalars (and type mismatches): the first value stays


def _list_add(acc: _List, items: Iterable[Any]) -> None:
    for item in items:
        if isinstance(item, Mapping) and "index" in item:
            pos = acc.by_index.get(item["index"])
            if pos is not None:
                target = acc[pos]
                if type(target) is _Dict:
                    _dict_add(target, item)
                    continue
            acc.by_index[item["index"]] = len(acc)
        acc.append(_lift(item, None))


def _finish(value: Any) -> Any:
    kind = type(value)
    if kind is _Str:
        return "".join(value)
    if kind is _Dict:
        return {k: _finish(v) for k, v in value.items()}
    if kind is _List:
        return [_finish(v) for v in value]
    return value


def merge_dicts(dicts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge dicts left to right in one pass (rules in the module docstring).

    ``merge_dicts([{"a": "x"}, {"a": "y", "finish_reason": "stop"}])``
    -> ``{"a": "xy", "finish_reason": "stop"}``
    """
    acc = _Dict()
    for d in dicts:
        if d:
            _dict_add(acc, d)
    result: dict[str, Any] = _finish(acc)
    return result


def merge_values(values: Iterable[Any]) -> Any:
    """Merge arbitrary values (str/dict/list/scalar) like one dict key (e.g. artifacts)."""
    acc: Any = None
    for value in values:
        if value is not None:
            acc = _add(acc, value, None)
    return _finish(acc)


def merge_content(contents: Sequence[MessageContent]) -> MessageContent:
    """Merge message contents: strings concatenate; lists merge (parts by ``index``).

    A string followed by a list becomes the list's first item; a string following a list is
    appended to the list's last string item (or added as a new item).
    """
    if all(type(c) is str for c in contents):
        return "".join(contents)  # type: ignore[arg-type]
    acc: _List | None = None
    text = _Str()
    for content in contents:
        if type(content) is str:
            if acc is None:
                text.append(content)
            elif content:
                last = acc[-1] if acc else None
                if type(last) is _Str:
                    last.append(content)
                else:
                    acc.append(_lift(content, None))
            continue
        if acc is None:
            acc = _List()
            leading = "".join(text)
            if leading:
                acc.append(_lift(leading, None))
        _list_add(acc, content)
    result: MessageContent = _finish(acc)
    return result


class _CallSlot:
    __slots__ = ("args", "id", "index", "name")

    def __init__(self, name: str | None, call_id: str | None, index: int | None) -> None:
        self.name = name
        self.id = call_id
        self.index = index
        self.args: list[str] = []


def merge_tool_call_chunks(groups: Iterable[Sequence[ToolCallChunk]]) -> list[ToolCallChunk]:
    """Merge the tool-call chunks of successive message chunks into one chunk per call.

    * chunks with the same ``index`` belong to the same call, unless they bring a different
      non-empty ``id`` (some servers reuse index 0 for every call);
    * a chunk without ``index`` starts a new call if its ``id`` differs from the previous
      call's (or, having no id, it names a different tool), otherwise it continues the
      previous call;
    * ``id`` and ``name`` keep their first non-empty value, so servers repeating them in
      every delta (vLLM does) do not duplicate them; ``args`` fragments concatenate.
    """
    slots: list[_CallSlot] = []
    by_index: dict[int, _CallSlot] = {}
    for group in groups:
        for chunk in group:
            index = chunk.get("index")
            call_id = chunk.get("id") or None
            name = chunk.get("name") or None
            slot: _CallSlot | None
            if index is not None:
                slot = by_index.get(index)
                if slot is not None and call_id and slot.id and call_id != slot.id:
                    slot = None  # same index, new id: a new call
            else:
                slot = slots[-1] if slots else None
                if slot is not None and (
                    (call_id and slot.id and call_id != slot.id)
                    # No index and no id: a different tool name can only be a new call.
                    or (not call_id and name and slot.name and name != slot.name)
                ):
                    slot = None
            if slot is None:
                slot = _CallSlot(name, call_id, index)
                slots.append(slot)
                if index is not None:
                    by_index[index] = slot
            else:
                # id and name: the first non-empty value wins; servers that repeat them in
                # every delta must not produce "call_1call_1" or "get_weatherget_weather".
                if call_id and not slot.id:
                    slot.id = call_id
                if name and not slot.name:
                    slot.name = name
                if slot.index is None and index is not None:
                    slot.index = index
                    by_index[index] = slot
            args = chunk.get("args")
            if args:
                slot.args.append(args)
    return [
        {
            "name": s.name,
            "args": "".join(s.args) if s.args else None,
            "id": s.id,
            "index": s.index,
            "type": "tool_call_chunk",
        }
        for s in slots
    ]


def merged_id(ids: Iterable[str | None]) -> str | None:
    """The id of merged chunks: the first provider id, else the first generated one.

    Ids starting with ``run-`` / ``lc_run-`` are generated by frameworks (LangChain does);
    a provider's own id (``chatcmpl-...``) is preferred wherever it appears in the stream.
    """
    fallback = None
    for value in ids:
        if value:
            if not value.startswith(("run-", "lc_run-")):
                return value
            if fallback is None:
                fallback = value
    return fallback
