"""Cold start (issue 14): a fresh interpreter's first ChatOpenAI call beside raw httpx's.

Each sample is a fresh interpreter that imports its client, makes ONE chat completion against
a loopback emulator and parses the reply, timed from before the import to after the parse:

* pipes: ``from pipes_openai import ChatOpenAI``, construct it, ``invoke`` once;
* raw: ``import httpx``, one ``httpx.Client`` POST of the same prompt, ``json.loads``;
* floor: the raw command plus ``import pydantic`` and validating one model with a
  ``SecretStr`` (pydantic's schema machinery and its plugin scan): what a client built on
  pydantic pays when it validates its settings, for reference;
* import floor: the raw command plus only what importing pydantic's ``BaseModel`` and
  ``SecretStr`` costs (a model with a secret field built without its validator, as pipes
  builds chat models from plain values since issue 14): the part of the floor a
  pydantic-based client cannot avoid.

The commands alternate (so load on the shared machine hits them alike) and the figures are
medians; the whole process's wall time (interpreter start-up and exit included) is kept too.
The emulator runs in its own process (``EmulatorProcess``). Bytecode caches are on, as in an
installed package (``_common.bytecode_env``), written by one unmeasured run of each command.
Budget: pipes <= 1.5x raw. Also ``import pipes_openai`` alone (<= 100 ms on an idle machine)
and ``import pipes``, for reference.

``--baseline DIR`` adds the pipes command and both imports from another checkout to the same
rounds (before and after in one run). Run: ``.venv/bin/python bench/bench_cold_start.py
[--quick]``; writes ``bench/results/cold_start.json``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ROOT, bytecode_env, report, source_state

from pipes_openai.emulator import EmulatorProcess

MODEL = "gpt-4o-mini"
API_KEY = "sk-bench"
PROMPT = "Translate 'I love programming.' to French"

# Every command prints the milliseconds from its first import to the parsed reply, then the
# reply (checked, so that a broken command cannot pass for a fast one).
_CLOCK = "import time\nt = time.perf_counter()\n"
_DONE = "print((time.perf_counter() - t) * 1000)\nprint(reply)\n"


def _post(authorization: str) -> str:
    """The raw work: one httpx POST of the prompt and the parsed reply (`authorization` is
    the header value's Python expression)."""
    return (
        "with httpx.Client() as client:\n"
        "    r = client.post({base_url!r} + '/chat/completions', content=json.dumps("
        "{{'model': {model!r}, 'messages': [{{'role': 'user', 'content': {prompt!r}}}]}})"
        ".encode(), headers={{'content-type': 'application/json', 'authorization': "
        + authorization
        + "}})\n"
        "    reply = json.loads(r.content)['choices'][0]['message']['content']\n"
    )


_SETTINGS_KEY = "'Bearer ' + settings.api_key.get_secret_value()"

COMMANDS = {
    "pipes": _CLOCK
    + "from pipes_openai import ChatOpenAI\n"
    + "llm = ChatOpenAI(model={model!r}, base_url={base_url!r}, api_key={api_key!r})\n"
    + "reply = llm.invoke({prompt!r}).content\n"
    + _DONE,
    "raw_httpx": _CLOCK + "import httpx, json\n" + _post("'Bearer {api_key}'") + _DONE,
    # The floor of a pydantic-based client that validates its settings: raw httpx plus
    # importing pydantic and validating one model with a secret field (which loads pydantic's
    # schema machinery and scans the installed distributions for pydantic plugins).
    "floor": _CLOCK
    + "import httpx, json, pydantic\n"
    + "Settings = pydantic.create_model('Settings', api_key=(pydantic.SecretStr, ...))\n"
    + "settings = Settings(api_key={api_key!r})\n"
    + _post(_SETTINGS_KEY)
    + _DONE,
    # The unavoidable part of the floor: pydantic imported (BaseModel, SecretStr) and a model
    # with a secret field built without building its validator (model_construct).
    "import_floor": _CLOCK
    + "import httpx, json, pydantic\n"
    + "Settings = pydantic.create_model('Settings', api_key=(pydantic.SecretStr, ...), "
    + "__config__=pydantic.ConfigDict(defer_build=True))\n"
    + "settings = Settings.model_construct(api_key=pydantic.SecretStr({api_key!r}))\n"
    + _post(_SETTINGS_KEY)
    + _DONE,
    "import_pipes_openai": _CLOCK + "import pipes_openai\nreply = 'ok'\n" + _DONE,
    "import_pipes": _CLOCK + "import pipes\nreply = 'ok'\n" + _DONE,
}
_IMPORTS = ("import_pipes_openai", "import_pipes")


def run_once(code: str, tree: Path = ROOT) -> tuple[float, str]:
    """Wall ms measured inside one fresh interpreter importing from ``tree``, and its reply."""
    env = bytecode_env()
    env["PYTHONPATH"] = str(tree)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree, env=env
    ).stdout.splitlines()
    return float(out[0]), "\n".join(out[1:])


def outer_ms(code: str) -> float:
    """Wall ms of the whole process (interpreter start-up and exit included), for reference."""
    start = time.perf_counter()
    run_once(code)
    return (time.perf_counter() - start) * 1000


def measure(base_url: str, rounds: int, baseline: Path | None) -> dict[str, Any]:
    codes = {
        name: template.format(model=MODEL, base_url=base_url, api_key=API_KEY, prompt=PROMPT)
        for name, template in COMMANDS.items()
    }
    trees = dict.fromkeys(codes, ROOT)
    if baseline is not None:  # the pipes command and the imports again, from another checkout
        for name in ("pipes", *_IMPORTS):
            codes[f"{name}_baseline"], trees[f"{name}_baseline"] = codes[name], baseline
    replies = {name: run_once(code, trees[name])[1] for name, code in codes.items()}  # warm-up
    if len({replies[name] for name in codes if not name.startswith(_IMPORTS)}) != 1:
        raise SystemExit(f"the commands got different replies: {replies}")
    samples: dict[str, list[float]] = {name: [] for name in codes}
    whole: dict[str, list[float]] = {"pipes": [], "raw_httpx": []}
    for _ in range(rounds):
        for name, code in codes.items():  # alternating, every round
            samples[name].append(run_once(code, trees[name])[0])
        for name in whole:
            whole[name].append(outer_ms(codes[name]))
    return {
        "median_ms": {name: statistics.median(s) for name, s in samples.items()},
        "process_median_ms": {name: statistics.median(s) for name, s in whole.items()},
        "samples_ms": samples,
        "process_samples_ms": whole,
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="another checkout (e.g. `git archive main | tar -x -C /tmp/main`) whose pipes "
        "command runs in the same alternating rounds: before/after in one run",
    )
    parser.add_argument(
        "--baseline-label", default=None, help="how the table names the baseline (its commit)"
    )
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 21)

    with EmulatorProcess() as server:
        figures = measure(server.base_url, rounds, args.baseline)

    med, whole = figures["median_ms"], figures["process_median_ms"]
    ratio = med["pipes"] / med["raw_httpx"]
    rows: list[dict[str, Any]] = [
        {
            "metric": "cold start: import + first ChatOpenAI.invoke vs raw httpx",
            "value": ratio,
            "unit": "x",
            "budget": 1.5,
            "note": f"median of {rounds} alternating fresh interpreters: pipes "
            f"{med['pipes']:.0f} ms vs raw httpx (import, one POST, json.loads) "
            f"{med['raw_httpx']:.0f} ms, from the first import to the parsed reply",
        },
        {
            "metric": "    pipes: import + construct + first invoke",
            "value": med["pipes"],
            "unit": "ms",
            "note": f"whole process incl. interpreter start-up {whole['pipes']:.0f} ms",
        },
        {
            "metric": "    raw httpx: import + one POST + parse",
            "value": med["raw_httpx"],
            "unit": "ms",
            "note": f"whole process incl. interpreter start-up {whole['raw_httpx']:.0f} ms",
        },
        {
            "metric": "    floor: raw httpx + pydantic, one model with a SecretStr validated",
            "value": med["floor"],
            "unit": "ms",
            "note": f"what a pydantic client validating its settings pays; pipes = "
            f"{med['pipes'] / med['floor']:.2f}x this, raw httpx = "
            f"{med['raw_httpx'] / med['floor']:.2f}x",
        },
        {
            "metric": "    import floor: raw httpx + pydantic imported, no validator built",
            "value": med["import_floor"],
            "unit": "ms",
            "note": f"the part of the floor no pydantic-based client avoids; pipes = "
            f"{med['pipes'] / med['import_floor']:.2f}x this, "
            f"{med['import_floor'] / med['raw_httpx']:.2f}x raw",
        },
        {
            "metric": "import pipes_openai alone (cold start run)",
            "value": med["import_pipes_openai"],
            "unit": "ms",
            "budget": 100,
            "note": "fresh interpreter, median, same alternating rounds (budget on an idle "
            "machine: read the load average)",
        },
        {
            "metric": "import pipes alone (cold start run)",
            "value": med["import_pipes"],
            "unit": "ms",
            "note": "fresh interpreter, median, same alternating rounds",
        },
    ]
    if args.baseline is not None:
        label = args.baseline_label or args.baseline
        for name, what in (("import_pipes_openai", "pipes_openai"), ("import_pipes", "pipes")):
            rows.append(
                {
                    "metric": f"    baseline checkout: import {what}",
                    "value": med[f"{name}_baseline"],
                    "unit": "ms",
                    "note": f"{label} in the same rounds; this checkout "
                    f"{med[name] - med[f'{name}_baseline']:+.1f} ms",
                }
            )
        rows.insert(
            5,
            {
                "metric": "    baseline checkout: import + construct + first invoke",
                "value": med["pipes_baseline"],
                "unit": "ms",
                "note": f"{label} in the same rounds: "
                f"{med['pipes_baseline'] / med['raw_httpx']:.2f}x raw; this checkout "
                f"{med['pipes'] - med['pipes_baseline']:+.1f} ms",
            },
        )
    report(
        "cold_start",
        rows,
        baseline=str(args.baseline) if args.baseline else None,
        baseline_label=args.baseline_label,
        **figures,
        quick=args.quick,
        source=source_state(),
    )


if __name__ == "__main__":
    main()
