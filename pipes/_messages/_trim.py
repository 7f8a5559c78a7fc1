"""`trim_messages`: keep a conversation within a token budget, LangChain's algorithm.

```python
from pipes import trim_messages

trim_messages(messages, max_tokens=45, strategy="last", token_counter=model,
              include_system=True, start_on="human")
trimmer = trim_messages(max_tokens=5, token_counter=len)   # a runnable: trimmer | model
```
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

from ._base import BaseMessage
from ._convert import convert_to_messages
from ._count import count_tokens_approximately
from ._filter import MessagesInput, MessageTypes, is_message_type, messages_runnable
from ._simple import SystemMessage

__all__ = ["TokenCounter", "trim_messages"]

TokenCounter: TypeAlias = Callable[[list[BaseMessage]], int] | Callable[[BaseMessage], int] | Any
"""A chat model (its `get_num_tokens_from_messages` counts), a function of a list of
messages, or a function of one message (annotated `BaseMessage`); `len` counts messages."""

_Counter: TypeAlias = Callable[[list[BaseMessage]], int]
_Splitter: TypeAlias = Callable[[str], list[str]]


def _list_counter(token_counter: Any) -> _Counter:
    counter = getattr(token_counter, "get_num_tokens_from_messages", None)
    if callable(counter):
        return counter  # type: ignore[no-any-return]
    if not callable(token_counter):
        raise TypeError(
            f"trim_messages(token_counter=...) got a {type(token_counter).__name__}: pass a "
            "chat model (it counts with get_num_tokens_from_messages), a function of a list "
            "of messages returning a token count, or len to count messages."
        )
    try:
        parameters = list(inspect.signature(token_counter).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature
        parameters = []
    if parameters and parameters[0].annotation in (BaseMessage, "BaseMessage"):
        one: Callable[[BaseMessage], int] = token_counter

        def per_message(messages: list[BaseMessage]) -> int:
            return sum(one(message) for message in messages)

        return per_message
    every: _Counter = token_counter
    return every


def _split_lines(text: str) -> list[str]:
    """The default splitter for `allow_partial`: lines, each keeping its newline."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _edge_text(message: BaseMessage, from_end: bool) -> str | None:
    """The text to cut pieces from: the content, or the edge block of a list (as LangChain,
    only the first block kept — the last when keeping the end — and only if it is text)."""
    content = message.content
    if isinstance(content, str):
        return content
    if not content:
        return None
    block = content[-1] if from_end else content[0]
    if isinstance(block, str):
        return block
    if isinstance(block, dict) and block.get("type") == "text":
        text = block.get("text")
        return text if isinstance(text, str) else None
    return None


def _longest_fitting(count: int, fits: Callable[[int], bool]) -> int:
    """The largest `n` in `0..count` with `fits(n)` (`fits` is monotone), by bisection."""
    low, high = 0, count
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _partial(
    kept: list[BaseMessage],
    cut: BaseMessage,
    *,
    max_tokens: int,
    count: _Counter,
    split: _Splitter,
    from_end: bool,
) -> BaseMessage | None:
    """As much of `cut` as fits after `kept`: whole content blocks first, else text pieces."""
    if isinstance(cut.content, list):
        blocks = list(reversed(cut.content)) if from_end else list(cut.content)
        for size in range(len(blocks) - 1, 0, -1):
            part = blocks[:size]
            candidate = cut.model_copy(
                update={"content": list(reversed(part)) if from_end else part}, deep=True
            )
            if count([*kept, candidate]) <= max_tokens:
                return candidate
    text = _edge_text(cut, from_end)
    if not text:
        return None
    pieces = split(text)
    if from_end:
        pieces.reverse()
    base = count(kept)

    def with_text(text: str) -> BaseMessage:
        return cut.model_copy(update={"content": text}, deep=True)

    # LangChain counts the pieces joined in taking order (reversed when keeping the end),
    # then keeps them in reading order; the same here, so both cut at the same place.
    n = _longest_fitting(
        len(pieces), lambda n: base + count([with_text("".join(pieces[:n]))]) <= max_tokens
    )
    if not n:
        return None
    return with_text("".join(pieces[n - 1 :: -1] if from_end else pieces[:n]))


def _keep_first(
    messages: list[BaseMessage],
    *,
    max_tokens: int,
    count: _Counter,
    split: _Splitter,
    partial_from: Literal["first", "last"] | None,
    end_on: MessageTypes | None,
) -> list[BaseMessage]:
    if not messages:
        return messages
    if count(messages) <= max_tokens:
        kept = messages
    else:
        n = _longest_fitting(len(messages), lambda n: count(messages[:n]) <= max_tokens)
        kept = messages[:n]
        if partial_from is not None and n < len(messages):
            part = _partial(
                kept,
                messages[n],
                max_tokens=max_tokens,
                count=count,
                split=split,
                from_end=partial_from == "last",
            )
            if part is not None:
                kept = [*kept, part]
    if end_on:
        while kept and not is_message_type(kept[-1], end_on):
            kept = kept[:-1]
    return kept


@messages_runnable
def trim_messages(
    messages: MessagesInput,
    *,
    max_tokens: int,
    token_counter: TokenCounter,
    strategy: Literal["first", "last"] = "last",
    allow_partial: bool = False,
    end_on: MessageTypes | None = None,
    start_on: MessageTypes | None = None,
    include_system: bool = False,
    text_splitter: _Splitter | Any = None,
) -> list[BaseMessage]:
    """The first or last messages that fit in `max_tokens` as `token_counter` counts them.

    `strategy="last"` keeps the most recent messages; `include_system` keeps a leading
    system message too, `start_on` drops kept messages until one of those types (e.g.
    `"human"`). `end_on` drops trailing messages until one of those types. `allow_partial`
    keeps part of the message on the edge (content blocks, else pieces of its text cut by
    `text_splitter` — a function or an object with `split_text`, such as LangChain's text
    splitters — lines by default). Called without messages it returns a runnable.

    Example:
        ```python
        trim_messages(
            messages,
            strategy="last",
            token_counter=len,      # count messages, not tokens
            max_tokens=5,
            start_on="human",
            end_on=("human", "tool"),
            include_system=True,
        )
        ```
    """
    if strategy not in ("first", "last"):
        raise ValueError(f"trim_messages(strategy={strategy!r}): use 'last' or 'first'.")
    if start_on and strategy == "first":
        raise ValueError(
            "trim_messages(start_on=...) works only with strategy='last' (the kept messages "
            "then begin at that type); drop start_on or use strategy='last'."
        )
    if include_system and strategy == "first":
        raise ValueError(
            "trim_messages(include_system=True) works only with strategy='last' (the first "
            "strategy keeps a leading system message anyway)."
        )
    if token_counter == "approximate":
        token_counter = count_tokens_approximately
    elif isinstance(token_counter, str):
        raise TypeError(
            f"trim_messages(token_counter={token_counter!r}): pass a chat model, a function "
            "counting the tokens of a list of messages, len, or 'approximate'."
        )
    count = _list_counter(token_counter)
    split: _Splitter = _split_lines
    if text_splitter is not None:
        # A LangChain TextSplitter object splits with its split_text method.
        split = getattr(text_splitter, "split_text", text_splitter)
    found = convert_to_messages(messages)
    if strategy == "first":
        return _keep_first(
            found,
            max_tokens=max_tokens,
            count=count,
            split=split,
            partial_from="first" if allow_partial else None,
            end_on=end_on,
        )
    if end_on:
        while found and not is_message_type(found[-1], end_on):
            found.pop()
    system: BaseMessage | None = None
    if include_system and found and isinstance(found[0], SystemMessage):
        system, found = found[0], found[1:]
    budget = max_tokens if system is None else max(0, max_tokens - count([system]))
    # The last messages that fit are the first ones of the reversed conversation.
    kept = _keep_first(
        found[::-1],
        max_tokens=budget,
        count=count,
        split=split,
        partial_from="last" if allow_partial else None,
        end_on=start_on,
    )[::-1]
    return kept if system is None else [system, *kept]
