"""One-pass, associative merging of streamed message pieces (content, metadata, tool calls).

Folding `a + b + c + ...` naively copies the growing string at every step: quadratic. Here
every string is collected in a list and joined once at the end, so merging N chunks costs
O(total size). The rules follow LangChain's `merge_dicts` / `merge_lists`, made
*associative*: `(a + b) + c == a + (b + c) == merge_chunks([a, b, c])` for any chunks, so
it never matters how a stream was grouped (per token, per batch, by a tee) before merging.

* strings concatenate, except identifiers and labels (`type`, `id`, `*_id`,
  `finish_reason`, `model_name` ...) which keep their first non-empty value, so a server
  that repeats them in every delta does not produce `"stopstop"`, and `status`, whose last
  non-empty value wins;
* dicts merge recursively; lists concatenate, except dict items carrying the same `index`
  which merge into one item (that is how streamed content parts arrive);
* `None` never overwrites a value; other scalars keep the first value;
* a key whose values change kind (a string, then a dict) raises
  [`MessageMergeError`][pipes.MessageMergeError]: no choice of winner would give the same result for
  every grouping of the chunks.

Content lists additionally join adjacent strings (`["a"] + "b"` -> `["ab"]`), and tool-call
chunks are grouped into calls by `ToolCallRouter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from pipes._errors import MessageMergeError

from ._content import MessageContent
from ._tool_calls import ToolCallChunk

__all__ = [
    "ToolCallRouter",
    "ToolCallSlot",
    "merge_content",
    "merge_dicts",
    "merge_tool_call_chunks",
    "merge_values",
    "merged_id",
]

# Keys whose values are labels or identifiers: the first non-empty value is kept.
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


def _keeps_a_value(key: str | None) -> bool:
    """Whether `key` holds a label (one value kept) rather than something to merge."""
    return key is not None and (key in _KEEP_FIRST or key in _KEEP_LAST or key.endswith("_id"))


def _empty(value: Any) -> bool:
    # Servers send "" for "not yet" (finish_reason, status): it never hides a real value.
    return value is None or (type(value) is str and not value)


class _Str(list[str]):
    """A string being built from pieces."""

    __slots__ = ()


class _Dict(dict[str, Any]):
    """A dict being built: values may be _Str/_Dict/_List accumulators."""

    __slots__ = ()


class _List(list[Any]):
    """A list being built; `by_index` maps an item's `index` to its position."""

    __slots__ = ("by_index",)

    def __init__(self) -> None:
        super().__init__()
        self.by_index: dict[Any, int] = {}


def _lift(value: Any, key: str | None) -> Any:
    """Wrap a value into its accumulator (plain copies of containers, never aliases)."""
    if isinstance(value, str):
        if _keeps_a_value(key):
            return value  # a label: never appended to, so it stays a plain str
        acc = _Str()
        acc.append(value)
        return acc
    if isinstance(value, Mapping):
        d = _Dict()
        _dict_add(d, value)
        return d
    if isinstance(value, list):
        lst = _List()
        _list_add(lst, value, fuse=False)
        return lst
    return value


def _kind(value: Any) -> str:
    """The merge kind of a value or accumulator, named for error messages."""
    if isinstance(value, str) or type(value) is _Str:
        return "str"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, list):
        return "list"
    return "scalar"


def _dict_add(acc: _Dict, right: Mapping[str, Any]) -> None:
    for key, value in right.items():
        cur = acc.get(key)
        if cur is None:
            if value is not None or key not in acc:
                acc[key] = None if value is None else _lift(value, key)
        elif value is None:
            continue
        elif type(cur) is _Str and type(value) is str:
            # Inlined _add() for the common case: text streamed in metadata.
            if value:
                cur.append(value)
        elif type(cur) is str:
            # A label (only labels are stored as plain str): keep first / last non-empty.
            if not cur or (key in _KEEP_LAST and not _empty(value)):
                acc[key] = _lift(value, key)
        else:
            acc[key] = _add(cur, value, key)


def _add(cur: Any, value: Any, key: str | None) -> Any:
    """Merge `value` into accumulator `cur`; return the (possibly new) accumulator."""
    if cur is None:
        return _lift(value, key)
    if value is None:
        return cur
    if _keeps_a_value(key):
        if (_empty(cur) and not _empty(value)) or (key in _KEEP_LAST and not _empty(value)):
            return _lift(value, key)
        return cur
    kind = type(cur)
    if kind is _Str and isinstance(value, str):
        if value:
            cur.append(value)
    elif kind is _Dict and isinstance(value, Mapping):
        _dict_add(cur, value)
    elif kind is _List and isinstance(value, list):
        _list_add(cur, value, fuse=False)
    elif _kind(cur) != "scalar" or _kind(value) != "scalar":
        where = "a value" if key is None else f"key {key!r}"
        raise MessageMergeError(
            f"cannot merge chunks: {where} is a {_kind(cur)} in one chunk and a "
            f"{_kind(value)} in a later one. Chunks of one message must keep each key's "
            "kind (str, dict, list or scalar); fix the provider that builds them."
        )
    return cur  # scalars: the first value stays


def _index_key(item: Mapping[str, Any]) -> Any:
    """The key under which an indexed item merges, or None (no usable `index`)."""
    index = item.get("index")
    if index is None:
        return None
    key = (type(index), index)  # 1, True and 1.0 are different indexes
    try:
        hash(key)
    except TypeError:
        return None  # an unhashable index cannot identify an item: it is appended
    return key


def _list_add(acc: _List, items: Iterable[Any], *, fuse: bool) -> None:
    """Append `items`; dicts with a known `index` merge into the item with that index.

    `fuse`: a string joins a string item right before it (content lists, where
    `["a", "b"]` and `["ab"]` are the same text), so merging stays associative after
    indexed parts between strings merged away.
    """
    for item in items:
        if isinstance(item, Mapping):
            key = _index_key(item)
            if key is not None:
                pos = acc.by_index.get(key)
                if pos is not None:
                    _dict_add(acc[pos], item)
                    continue
                acc.by_index[key] = len(acc)
        elif fuse and isinstance(item, str) and acc and type(acc[-1]) is _Str:
            if item:
                acc[-1].append(item)
            continue
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

    `merge_dicts([{"a": "x"}, {"a": "y", "finish_reason": "stop"}])`
    -> `{"a": "xy", "finish_reason": "stop"}`
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
    """Merge message contents: strings concatenate; lists merge (parts by `index`).

    With a list among them the result is a list: a string content is one more string item,
    and adjacent string items join. `["a", part] + "b" + "c"` -> `["a", part, "bc"]`;
    `"" + [part]` -> `[part]`.
    """
    if all(type(c) is str for c in contents):
        return "".join(contents)  # type: ignore[arg-type]
    acc = _List()
    for content in contents:
        if type(content) is str:
            if content:
                _list_add(acc, (content,), fuse=True)
        else:
            _list_add(acc, content, fuse=True)
    result: MessageContent = _finish(acc)
    return result


class ToolCallSlot:
    """One tool call being assembled from chunks: its `name`, `id` and `index`."""

    __slots__ = ("id", "index", "name")

    def __init__(self, name: str | None, call_id: str | None, index: int | None) -> None:
        self.name = name
        self.id = call_id
        self.index = index


S = TypeVar("S", bound=ToolCallSlot)


class ToolCallRouter(Generic[S]):
    """Decides which call each streamed tool-call chunk belongs to (message merging and the
    tool-call parsers share these rules, so both group a stream the same way).

    * a chunk with an `index` continues the latest call with that index, unless it brings
      an `id` other than that call's (some servers reuse index 0 for every call);
    * a chunk without `index` continues the previous call if that call has no index
      either and the chunk's `id` and `name`, when given, are the call's own;
    * otherwise it starts a new call. A call's `id` (and, without index, its `name`) is
      the one its first chunk brought: a later chunk never re-labels a call whose fragments
      may have arrived already, which is what makes merging associative. An indexed call
      without a name takes the first name that arrives;
    * a chunk carrying no id, name or arguments changes nothing and is skipped.

    An OpenAI stream (the first chunk of a call has id, name and index, the next ones index
    and arguments) and a vLLM one (id and name repeated in every delta) both give one call
    per tool call. `route` returns the slot, made by `new` when a call starts:

    ```python
    router = ToolCallRouter(ToolCallSlot)
    router.route(tool_call_chunk(name="f", id="c1", index=0))  # a new slot
    ```
    """

    __slots__ = ("by_index", "new", "slots")

    def __init__(self, new: Callable[[str | None, str | None, int | None], S]) -> None:
        self.new = new
        self.slots: list[S] = []
        self.by_index: dict[Any, S] = {}

    def route(self, chunk: ToolCallChunk) -> S | None:
        """The call `chunk` belongs to (a new one if it starts a call); None if empty."""
        call_id = chunk.get("id") or None
        name = chunk.get("name") or None
        if call_id is None and name is None and not chunk.get("args"):
            return None
        index = chunk.get("index")
        slot: S | None
        if index is not None:
            slot = self.by_index.get(index)
            if slot is not None and (call_id is None or call_id == slot.id):
                if name is not None and slot.name is None:
                    slot.name = name
                return slot
        elif self.slots:
            slot = self.slots[-1]
            if (
                slot.index is None
                and (call_id is None or call_id == slot.id)
                and (name is None or name == slot.name)
            ):
                return slot
        slot = self.new(name, call_id, index)
        self.slots.append(slot)
        if index is not None:
            self.by_index[index] = slot
        return slot


class _CallSlot(ToolCallSlot):
    __slots__ = ("args",)

    def __init__(self, name: str | None, call_id: str | None, index: int | None) -> None:
        super().__init__(name, call_id, index)
        self.args: list[str] = []


def merge_tool_call_chunks(groups: Iterable[Sequence[ToolCallChunk]]) -> list[ToolCallChunk]:
    """Merge the tool-call chunks of successive message chunks into one chunk per call.

    Chunks are grouped into calls by `ToolCallRouter`; `args` fragments of a call
    concatenate. Merging merged chunks again gives the same calls (associativity).
    """
    router = ToolCallRouter(_CallSlot)
    for group in groups:
        for chunk in group:
            slot = router.route(chunk)
            args = chunk.get("args")
            if slot is not None and args:
                slot.args.append(args)
    return [
        {
            "name": s.name,
            "args": "".join(s.args) if s.args else None,
            "id": s.id,
            "index": s.index,
            "type": "tool_call_chunk",
        }
        for s in router.slots
    ]


def merged_id(ids: Iterable[str | None]) -> str | None:
    """The id of merged chunks: the first provider id, else the first generated one.

    Ids starting with `run-` / `lc_run-` are generated by frameworks (LangChain does);
    a provider's own id (`chatcmpl-...`) is preferred wherever it appears in the stream.
    """
    fallback = None
    for value in ids:
        if value:
            if not value.startswith(("run-", "lc_run-")):
                return value
            if fallback is None:
                fallback = value
    return fallback
