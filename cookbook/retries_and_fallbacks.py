"""Retries and fallbacks between two models.

    python cookbook/retries_and_fallbacks.py

The primary model is a self-hosted OpenAI-compatible server — here a second emulator whose
fault injection makes it fail — and the fallback is OpenAI (or, without a key, the main
emulator). ``ChatOpenAI(max_retries=...)`` retries HTTP failures itself, honouring
``retry-after``; ``.with_fallbacks([...])`` moves on to the next model when retries run out.
"""

from __future__ import annotations

from _backend import Emulator, Fault, run, say, section

from pipes import RunnableLambda
from pipes_openai import APITimeoutError, ChatOpenAI, InternalServerError, RateLimitError

RECOVERABLE = (InternalServerError, RateLimitError, APITimeoutError)


def main(emulator: Emulator | None) -> None:
    with Emulator(models=["local-llama"]) as self_hosted:  # the model it serves
        primary = ChatOpenAI(
            base_url=self_hosted.base_url, api_key="not-needed", model="local-llama", max_retries=1
        )
        fallback = ChatOpenAI(model="gpt-4o-mini")
        llm = primary.with_fallbacks([fallback], exceptions_to_handle=RECOVERABLE)

        section("1. The primary answers")
        self_hosted.script("Answer from the self-hosted model.")
        print(llm.invoke("Hello?").content)

        section("2. One 503, retried by the primary itself")
        self_hosted.fail(503, retry_after=0.01).script("Answer after one retry.")
        print(llm.invoke("Hello again?").content)
        print(f"the self-hosted server saw {len(self_hosted.requests)} requests so far")

        section("3. The primary keeps failing: the fallback answers")
        self_hosted.fail(503, retry_after=0.01, times=2)  # first try + 1 retry
        say(emulator, "Answer from the fallback model.")
        reply = llm.invoke("Anyone there?")
        print(reply.content, f"(model: {reply.response_metadata['model_name']})")
        assert reply.response_metadata["model_name"].startswith("gpt-4o-mini")

        section("4. A timeout is recoverable too")
        slow_primary = ChatOpenAI(
            base_url=self_hosted.base_url,
            api_key="not-needed",
            model="local-llama",
            timeout=0.3,
            max_retries=0,
        )
        self_hosted.fault(Fault.slow(delay=2.0))
        say(emulator, "Fast answer from the fallback.")
        quick = slow_primary.with_fallbacks([fallback], exceptions_to_handle=RECOVERABLE)
        print(quick.invoke("Quick!").content)

        section("5. Errors that cannot succeed are not retried and not hidden")
        self_hosted.fail(400, message="Unsupported parameter: 'foo'.")
        try:
            llm.invoke("A bad request")
        except Exception as exc:  # BadRequestError: not in RECOVERABLE, so no fallback
            print(f"{type(exc).__name__} after {exc.attempts} attempt(s): {exc}")  # type: ignore[attr-defined]
        else:
            raise AssertionError("a 400 must not fall back silently")

        section("6. .with_retry() for your own flaky steps")
        calls = {"n": 0}

        def flaky_lookup(question: str) -> str:
            calls["n"] += 1
            if calls["n"] < 3:
                raise ConnectionError("lookup service unavailable")
            return f"context for {question!r}"

        lookup = RunnableLambda(flaky_lookup).with_retry(
            retry_if_exception_type=(ConnectionError,), stop_after_attempt=3, initial_wait=0.01
        )
        print(lookup.invoke("pipes"), f"after {calls['n']} attempts")


if __name__ == "__main__":
    run(main)
