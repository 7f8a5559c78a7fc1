"""One chat-model call, without its I/O: the steps from the first event to the reply.

A `ChatCall` is the only place that knows the order of a call — input conversion, the
`chat_model_start` event, the cache lookup, the rate limiter, the provider (one reply, or
chunks checked, announced as `new_token` and folded), the cache update and
`chat_model_end`. Its `ChatCall.steps` generator yields what to do next ("look up the
cache", "call the provider" ...) and reads the outcome, much as httpx's `Auth.auth_flow`
works; the four thin drivers in `._drivers` (`invoke`, `ainvoke`, `stream`,
`astream`) perform each step the sync or the async way. So each rule is written once, and a
new concern of the call (run events, usage, tracing) goes in one place: here.

A call reaches its model only through `ChatProvider`, the provider contract plus the
two decisions the model owns (which cache, which way to reach the provider).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from pipes._core import emit_event, listening
from pipes._errors import ChatModelError
from pipes._messages import AIMessage, AIMessageChunk, BaseMessage

from ._input import convert_input, describe
from ._streams import _fold

if TYPE_CHECKING:
    from ._cache_key import CachedCall
    from ._rate_limiter import BaseRateLimiter, RateLimitTicket

__all__: list[str] = []

Mode: TypeAlias = Literal["invoke", "ainvoke", "stream", "astream"]
"""Which public method runs the call: it decides the route and whether chunks reach a caller."""

# The steps a plan yields; a driver performs one and stores its outcome in ``call.outcome``.
LOOKUP = 0
"""Look the call up in its cache (`call.cached`); the outcome is the cached reply or `None`."""
ACQUIRE = 1
"""Reserve a request (and `call.tokens`) from the model's rate limiter; the outcome is the
`RateLimitTicket`."""
GENERATE = 2
"""Ask the provider for one reply (`_generate` / `_agenerate`): the outcome, unchecked."""
STREAM = 3
"""Iterate the provider's chunks (`_stream` / `_astream`), passing each through
`ChatCall.chunk`; the outcome says whether there was any."""
STREAM_IN_THREAD = 4
"""As `STREAM`, for the async drivers over a sync-only `_stream`: each step in a worker
thread, so the event loop never blocks."""
UPDATE = 5
"""Store `call.result` in the cache."""

DEFAULT_REPLY_TOKENS = 256
"""A reply's tokens reserved up front when the call sets no `max_tokens`."""

Step: TypeAlias = int
Route: TypeAlias = int
"""How a call reaches the provider: `GENERATE`, `STREAM` or `STREAM_IN_THREAD`."""


class ChatProvider(Protocol):
    """What a call needs of its chat model (`BaseChatModel` implements it).

    The four provider hooks, the rate limiter, and two decisions: where the call lives in the
    cache (`None`: not cached) and which route reaches the provider for this mode.
    """

    @property
    def rate_limiter(self) -> BaseRateLimiter | None: ...

    def get_name(self) -> str: ...

    def _generate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage: ...

    async def _agenerate(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage: ...

    def _stream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]: ...

    def _astream(
        self, messages: list[BaseMessage], *, stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]: ...

    def _cached_call(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> CachedCall | None: ...

    def _route(self, mode: Mode, listen: bool, kwargs: Mapping[str, Any]) -> Route: ...


class ChatCall:
    """One call of a chat model: its arguments, and what it learns on the way.

    `steps()` is the plan; `chunk()` the per-chunk step a driver applies while streaming.
    Attributes set by the plan (`messages`, `cached`, `result`) are read by the drivers;
    `outcome` is written by them.
    """

    __slots__ = (
        "cached",
        "chunks",
        "input",
        "keep",
        "kwargs",
        "listen",
        "messages",
        "mode",
        "outcome",
        "provider",
        "result",
        "route",
        "stop",
        "ticket",
        "tokens",
    )

    def __init__(
        self,
        provider: ChatProvider,
        input: Any,
        stop: list[str] | None,
        kwargs: dict[str, Any],
        mode: Mode,
    ) -> None:
        self.provider = provider
        self.input = input
        self.stop = stop
        self.kwargs = kwargs
        self.mode = mode
        # The rest is set by steps() as the call learns it (fewer stores on the hot path).
        self.messages: list[BaseMessage]
        self.listen: bool
        self.cached: CachedCall | None
        self.route: Route
        self.keep: bool
        self.chunks: list[AIMessageChunk]
        self.result: AIMessage | None
        self.outcome: Any

    def steps(self) -> Iterator[Step]:
        """The call, step by step. After each step the driver stores what it got in
        `outcome`; when the steps end, `result` holds the reply (`None` when a streaming
        caller already has every chunk and nothing needed them folded).

        Steps end by returning, not with a value: a driver's `for` loop then ends without an
        exception object, which keeps the hot path as cheap as straight-line code.
        """
        provider = self.provider
        messages = self.messages = convert_input(self.input, provider)
        listen = listening()
        if listen:
            emit_event("chat_model_start", messages)
        cached = self.cached = provider._cached_call(messages, self.stop, self.kwargs)
        if cached is not None:
            yield LOOKUP
            hit: AIMessage | None = self.outcome
            if hit is not None:
                if listen:
                    emit_event("chat_model_end", hit)
                self.result = hit
                return
        limiter = provider.rate_limiter
        ticket: RateLimitTicket | None = None
        if limiter is not None:
            self.tokens = self._estimate_tokens(messages) if limiter.counts_tokens else 0
            yield ACQUIRE
            ticket = self.outcome
        route = provider._route(self.mode, listen, self.kwargs)
        if route == GENERATE:
            yield GENERATE
            result = self.outcome
            if not isinstance(result, AIMessage):
                raise TypeError(
                    f"{self._hook(route)} must return an AIMessage, got "
                    f"{type(result).__name__}: {describe(result)}"
                )
        else:
            # What chunk() needs. A streaming caller gets every chunk itself: fold them only
            # for somebody else.
            self.route = route
            self.listen = listen
            # A token-counting limiter settles with the usage, which the fold holds.
            self.keep = (
                listen
                or cached is not None
                or self.mode in ("invoke", "ainvoke")
                or (ticket is not None and ticket.tokens > 0)
            )
            self.chunks = []
            yield route
            if not self.outcome:
                raise ChatModelError(
                    f"{self._hook(route)} ended without yielding any chunk; expected at least "
                    "one AIMessageChunk"
                )
            if not self.keep:
                self.result = None
                return
            result = _fold(self.chunks, self._hook(route))
        self.result = result
        if ticket is not None and ticket.tokens and limiter is not None:
            usage = result.usage_metadata
            limiter.settle(ticket, usage["total_tokens"] if usage else None)
        if cached is not None:
            yield UPDATE
        if listen:
            emit_event("chat_model_end", result)

    def chunk(self, chunk: object) -> AIMessageChunk:
        """Check one chunk from the provider, keep it for the fold and announce it."""
        if not isinstance(chunk, AIMessageChunk):
            raise TypeError(
                f"{self._hook(self.route)} must yield AIMessageChunk objects, got "
                f"{type(chunk).__name__}: {describe(chunk)}"
            )
        if self.keep:
            self.chunks.append(chunk)
            if self.listen:
                emit_event("new_token", chunk)
        return chunk

    def _estimate_tokens(self, messages: list[BaseMessage]) -> int:
        """What a token-counting limiter reserves: the prompt plus the most the reply may
        use, as OpenAI counts a request against its limit (`settle` corrects it after)."""
        count = getattr(self.provider, "get_num_tokens_from_messages", None)
        prompt = count(messages) if callable(count) else approximate_tokens(messages)
        most = self.kwargs.get("max_tokens") or self.kwargs.get("max_completion_tokens")
        if most is None:
            most = getattr(self.provider, "max_tokens", None)
        return int(prompt) + (most if isinstance(most, int) else DEFAULT_REPLY_TOKENS)

    def _hook(self, route: Route) -> str:
        """The provider hook that `route` used, for error messages: `ChatFoo._stream()`."""
        sync = self.mode in ("invoke", "stream")
        if route == GENERATE:
            hook = "_generate" if sync else "_agenerate"
        else:
            hook = "_stream" if sync or route == STREAM_IN_THREAD else "_astream"
        return f"{type(self.provider).__name__}.{hook}()"


def approximate_tokens(messages: list[BaseMessage]) -> int:
    """About four characters a token, plus a few per message for the role and framing
    (OpenAI's rule of thumb), for models that cannot count their own tokens."""
    chars = sum(len(message.text) for message in messages)
    return -(-chars // 4) + 4 * len(messages)
