"""The reply core every generating endpoint shares (Chat Completions, Responses, batch lines).

Loop side, mixed into the dispatcher: the model checks (`._models`), the plan of the next
queued item, the rate-limit charge, and the success tail (a plain reply, a stream, or the
fault that breaks it) written once for every endpoint.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from ._engine import Plan, plan_reply, prompt_token_counts
from ._exchange import Exchange
from ._http import Connection
from ._limits import Limits
from ._models import (
    ModelRegistry,
    check_chat_context,
    check_output_limit,
    check_responses_context,
)
from ._ratelimit import RateLimits
from ._respond import cut_body, early_fault, fault_error, send_later, stream_error
from ._script import Fault, Reply
from ._wire import ApiError, dumps

__all__ = ["Answering", "Render", "Stream"]

Render = Callable[[Plan, Reply | None], dict[str, Any]]
Stream = Callable[[Plan, Reply | None, Fault | None], Awaitable[bool]]


class Answering:
    """Plans and sends replies; the state is set up by `Emulator.__init__`."""

    limits: Limits
    chunk_delay: float
    rate_limits: RateLimits | None
    model_registry: ModelRegistry
    _queue: deque[Reply | Fault]
    _q_reasoning: bool

    # -- the models ------------------------------------------------------------------------
    def _check_chat_model(
        self, body: dict[str, Any], *, azure: bool = False
    ) -> tuple[int, int] | None:
        """The model of a (validated) chat completion request, its output limit and window.

        Returns the prompt's token counts when the window check counted them (None when the
        model has no limits), for the plan to reuse rather than count a large prompt again.
        """
        spec = self.model_registry.resolve(body.get("model"), "chat", azure=azure)
        if spec is None:
            return None
        completion = None
        for param in ("max_completion_tokens", "max_tokens"):
            check_output_limit(spec, param, body.get(param))
            completion = completion or body.get(param)
        counts = prompt_token_counts(body)
        check_chat_context(spec, counts[0], completion)
        return counts

    def _check_responses_model(
        self, body: dict[str, Any], view: dict[str, Any], *, azure: bool = False
    ) -> tuple[int, int] | None:
        """The model of a Responses request, `max_output_tokens` and the window (`view`: the
        request as Chat Completions, history included); returns the counts as above."""
        spec = self.model_registry.resolve(body.get("model"), "responses", azure=azure)
        if spec is None:
            return None
        output = body.get("max_output_tokens")
        check_output_limit(spec, "max_output_tokens", output)
        counts = prompt_token_counts(view)
        check_responses_context(spec, counts[0], output)
        return counts

    # -- planning and sending --------------------------------------------------------------
    def _plan(
        self,
        view: dict[str, Any],
        reply: Reply | None,
        seq: int,
        chunk_delay: float,
        prompt_counts: tuple[int, int] | None,
    ) -> Plan:
        return plan_reply(
            view,
            reply,
            seq=seq,
            created=int(time.time()),
            reasoning_quirk=self._q_reasoning,
            chunk_delay=chunk_delay,
            max_reply_tokens=self.limits.max_reply_tokens,
            prompt_counts=prompt_counts,
        )

    def _plan_line(
        self, view: dict[str, Any], seq: int, prompt_counts: tuple[int, int] | None
    ) -> tuple[Plan, Reply | None]:
        """The reply to one batch line (`view`: a chat-completions request): the next queued
        reply, or the queued status fault raised, as a live request would get it."""
        item = self._queue.popleft() if self._queue else None
        if isinstance(item, Fault) and item.kind == "status":
            raise fault_error(item)
        reply = item if isinstance(item, Reply) else None
        return self._plan(view, reply, seq, 0.0, prompt_counts), reply

    def _answer(
        self,
        conn: Connection,
        ex: Exchange,
        view: dict[str, Any],
        seq: int,
        *,
        render: Render,
        stream: Stream | None,
        prompt_counts: tuple[int, int] | None,
    ) -> bytes | Awaitable[bool]:
        """Answer a checked request with the next queued item: `render` makes the reply's
        JSON, `stream` (when the request streams) writes it as events; `prompt_counts` are
        the model check's, if it counted."""
        item = self._queue.popleft() if self._queue else None
        fault = item if isinstance(item, Fault) else None
        reply = item if isinstance(item, Reply) else None
        early = early_fault(fault, conn, ex)
        if early is not None:
            return early
        try:
            plan = self._plan(view, reply, seq, self.chunk_delay, prompt_counts)
        except ApiError as exc:
            return ex.error(exc)
        if self.rate_limits is not None:
            try:
                ex.add(self.rate_limits.charge(int((plan.usage or {}).get("total_tokens", 0))))
            except ApiError as exc:
                if item is not None:  # refused before it was served: the next request gets it
                    self._queue.appendleft(item)
                return ex.error(exc)
        if reply is not None:
            ex.add(reply.headers)
        if fault is not None and fault.kind == "slow":
            plan.delay = max(plan.delay, fault.delay)
            plan.chunk_delay = fault.chunk_delay
        if stream is not None:
            return stream(plan, reply, fault)
        if fault is not None and fault.kind == "stream_error":
            return ex.error(stream_error(fault))
        payload = dumps(render(plan, reply)).encode()
        if fault is not None and fault.kind in ("drop", "truncate"):
            return cut_body(conn, payload, ex)
        if plan.delay > 0:
            return send_later(conn, plan.delay, ex, payload)
        return ex.ok(payload)
