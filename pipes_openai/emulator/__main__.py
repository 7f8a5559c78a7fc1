"""`python -m pipes_openai.emulator`: run the emulator as a server until Ctrl-C / SIGTERM.

Example:
    ```text
    python -m pipes_openai.emulator --port 8000
    python -m pipes_openai.emulator --port 8000 --script replies.json --quirk omit_usage
    python -m pipes_openai.emulator --cassette cassette.json
    python -m pipes_openai.emulator --upstream https://api.openai.com/v1 --record cassette.json
    ```

`--model ID[:CONTEXT[:OUTPUT]]` (repeatable) serves a model beside the default ones
(`--model my-model:8192:1024`); `--any-model` serves every id. `--script` is a JSON list:
strings are text replies, objects are `Reply` fields (`tool_calls` as
`[{"name", "arguments"}]`) or faults (`{"fault": "status", "status": 429}`).

One line per request goes to stderr (`POST /v1/chat/completions 200 0.4 ms`) unless
`--quiet`. The bounds of `Limits` are options too (`--max-body-bytes`,
`--header-timeout`...; `--help` lists them with their defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from ._limits import Limits
from ._models import DEFAULT_MODELS, ModelSpec, parse_model_option
from ._quirks import Quirk
from ._script import parse_script_item
from ._server import Emulator

__all__ = ["main"]


def _prog() -> str:
    """How the user started us: the console script's name, or `python -m ...`."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if not name or name in ("__main__.py", "-c") or name.startswith("python"):
        return "python -m pipes_openai.emulator"
    return name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="An OpenAI-compatible Chat Completions emulator for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("PIPES_EMULATOR_API_KEY"),
        help="require this API key (default: $PIPES_EMULATOR_API_KEY, else any key)",
    )
    parser.add_argument(
        "--quirk",
        action="append",
        default=[],
        choices=[q.value for q in Quirk],
        help="reproduce a real server's deviation (repeatable)",
    )
    parser.add_argument("--script", type=Path, help="JSON list of scripted replies and faults")
    parser.add_argument("--cassette", type=Path, help="replay this cassette offline")
    parser.add_argument("--upstream", help="proxy to this base URL (record mode)")
    parser.add_argument("--record", type=Path, help="save proxied exchanges to this cassette")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument(
        "--rpm", type=int, help="emulate a requests-per-minute limit (429s, x-ratelimit-*)"
    )
    parser.add_argument(
        "--tpm", type=int, help="emulate a tokens-per-minute limit (429s, x-ratelimit-*)"
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        type=_model_option,
        metavar="ID[:CONTEXT[:OUTPUT]]",
        help="serve this model too, with its context window and output limit in tokens"
        " (repeatable; a default model keeps its limits unless given)",
    )
    parser.add_argument(
        "--any-model",
        action="store_true",
        help="serve every model id (unknown ones without limits) instead of a 404",
    )
    parser.add_argument(
        "--no-record-requests",
        action="store_true",
        help="do not keep received requests in memory (long runs, benchmarks)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no log line per request on stderr"
    )
    bounds = parser.add_argument_group(
        "limits", "bounds on what one client can cost the server (each answers a 4xx)"
    )
    for spec in dataclasses.fields(Limits):
        bounds.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=type(spec.default),
            metavar="N" if isinstance(spec.default, int) else "SECONDS",
            help=f"default {spec.default}",
        )
    return parser


def _model_option(text: str) -> ModelSpec:
    try:
        return parse_model_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _models(given: list[ModelSpec]) -> list[ModelSpec]:
    """The default models, with `--model` ones added (or replacing a default of that id)."""
    ids = {spec.id for spec in given}
    return [*(m for m in DEFAULT_MODELS if m.id not in ids), *given]


def _limits(args: argparse.Namespace) -> Limits:
    given = {
        spec.name: getattr(args, spec.name)
        for spec in dataclasses.fields(Limits)
        if getattr(args, spec.name) is not None
    }
    return Limits(**given)


async def _run(emulator: Emulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # Windows: Ctrl-C still raises KeyboardInterrupt
            pass
    ready = asyncio.Event()
    task = asyncio.create_task(emulator.serve_forever(stop, ready))
    ready_wait = asyncio.create_task(ready.wait())
    await asyncio.wait({task, ready_wait}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready_wait.cancel()
        await task  # re-raises a bind error
        return
    print(f"pipes OpenAI emulator listening on {emulator.base_url}", flush=True)
    print(f"  OPENAI_BASE_URL={emulator.base_url}  (any API key; Ctrl-C to stop)", flush=True)
    await task


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m pipes_openai.emulator` and `pipes-openai-emulator`."""
    args = _parser().parse_args(argv)
    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            quirks=args.quirk,
            cassette=args.cassette,
            upstream=args.upstream,
            record=args.record,
            chunk_delay=args.chunk_delay,
            record_requests=not args.no_record_requests,
            limits=_limits(args),
            log_requests=not args.quiet,
            rpm=args.rpm,
            tpm=args.tpm,
            models=_models(args.model),
            any_model=args.any_model,
        )
        if args.script is not None:
            items = json.loads(args.script.read_text(encoding="utf-8"))
            if not isinstance(items, list):
                raise ValueError(f"--script {args.script} must hold a JSON list of replies.")
            emulator.script(*(parse_script_item(item) for item in items))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log = logging.getLogger("pipes_openai.emulator")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        asyncio.run(_run(emulator))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print("pipes OpenAI emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
