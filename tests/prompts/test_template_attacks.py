"""Hostile templates cannot exhaust the machine: each attack stops with a TemplateError, fast.

Every attack runs in a child process capped with ``RLIMIT_AS`` and, per attack, a soft
``RLIMIT_CPU`` (SIGXCPU interrupts an attack that runs too long), so a regression (an attack
that runs for hours or allocates gigabytes) fails these tests instead of wedging the runner.
The child runs all attacks once (one start-up for the whole module) and reports, per attack,
the exception, the CPU seconds and how much the peak resident memory grew (Linux: the peak
is reset through /proc/self/clear_refs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

# (id, format, template, values as a Python expression, expected error class, text in message)
ATTACKS: list[tuple[str, str, str, str, str, str]] = [
    # -- jinja2: size multiplication -------------------------------------------------------
    ("repeat", "jinja2", "{{ 'a' * 10**9 }}", "{}", "UnsafeTemplateError", "max_output_length"),
    (
        "concat-doubling",
        "jinja2",
        "{% set s = 'abcd' %}" + "{% set s = s ~ s %}" * 40 + "{{ s }}",
        "{}",
        "UnsafeTemplateError",
        "max_output_length",
    ),
    (
        "plus-doubling",
        "jinja2",
        "{% set s = 'abcd' %}" + "{% set s = s + s %}" * 40 + "{{ s }}",
        "{}",
        "UnsafeTemplateError",
        "max_output_length",
    ),
    (
        "list-doubling",
        "jinja2",
        "{% set s = [1] %}" + "{% set s = s + s %}" * 40 + "{{ s | length }}",
        "{}",
        "UnsafeTemplateError",
        "max_output_length",
    ),
    (
        "join-huge-list",
        "jinja2",
        "{{ ([s] * 1000) | join }}",
        "{'s': 'x' * 10_000}",
        "UnsafeTemplateError",
        "join",
    ),
    (
        "list-to-text",
        "jinja2",
        "{{ [s] * 1000 }}",
        "{'s': 'x' * 10_000}",
        "UnsafeTemplateError",
        "to text",
    ),
    (
        "list-through-text-filter",
        "jinja2",
        "{{ ([s] * 1000) | upper }}",
        "{'s': 'x' * 10_000}",
        "UnsafeTemplateError",
        "upper",
    ),
    (
        "percent-of-list",
        "jinja2",
        "{{ '%s' % ([s] * 1000,) }}",
        "{'s': 'x' * 10_000}",
        "UnsafeTemplateError",
        "%",
    ),
    ("center", "jinja2", "{{ 'x' | center(10**9) }}", "{}", "UnsafeTemplateError", "center"),
    (
        "indent",
        "jinja2",
        "{{ ('x\\n' * 1000) | indent(10**6) }}",
        "{}",
        "UnsafeTemplateError",
        "indent",
    ),
    (
        "wordwrap",
        "jinja2",
        "{{ s | wordwrap(1, wrapstring='y' * 100000) }}",
        "{'s': 'a' * 1000}",
        "UnsafeTemplateError",
        "wordwrap",
    ),
    (
        "replace",
        "jinja2",
        "{{ ('x' * 100000) | replace('x', 'x' * 100000) }}",
        "{}",
        "UnsafeTemplateError",
        "replace",
    ),
    ("format-width", "jinja2", "{{ '%999999999s' | format(1) }}", "{}", "UnsafeTemplateError", ""),
    ("batch", "jinja2", "{{ [1] | batch(10**9, 0) | list }}", "{}", "UnsafeTemplateError", "batch"),
    ("slice", "jinja2", "{{ [1] | slice(10**9) | list }}", "{}", "UnsafeTemplateError", "slice"),
    (
        "sum-of-lists",
        "jinja2",
        "{{ ([[1] * 100000] * 100) | sum(start=[]) }}",
        "{}",
        "UnsafeTemplateError",
        "sum",
    ),
    (
        "escape",
        "jinja2",
        "{{ s | e }}",
        "{'s': '\"' * 1_000_000}",
        "UnsafeTemplateError",
        "escape",
    ),
    ("power", "jinja2", "{{ 9 ** (9 ** 9) }}", "{}", "UnsafeTemplateError", "bits"),
    (
        "int-squaring",
        "jinja2",
        "{% set n = 2 ** 60000 %}" + "{% set n = n * n %}" * 30 + "{{ n > 0 }}",
        "{}",
        "UnsafeTemplateError",
        "bits",
    ),
    # -- jinja2: CPU ----------------------------------------------------------------------
    (
        "nested-loops-over-generated-string",
        "jinja2",
        "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "{}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "range-passed-as-data",
        "jinja2",
        "{% for i in range(10**9) %}{% endfor %}",
        "{'range': range}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "loop-in-macro",
        "jinja2",
        "{% macro m() %}{% for a in s %}{% for b in s %}" + "x" * 50 + "{% endfor %}"
        "{% endfor %}{% endmacro %}{{ m() | length }}",
        "{'s': 'y' * 10_000}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "loop-in-filter-block",
        "jinja2",
        "{% filter upper %}{% for a in s %}{% for b in s %}x{% endfor %}{% endfor %}"
        "{% endfilter %}",
        "{'s': 'y' * 10_000}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "map-over-long-string",
        "jinja2",
        "{% for a in s %}{{ s | map('upper') | list | length }}{% endfor %}",
        "{'s': 'y' * 100_000}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "substring-search-in-loop",
        "jinja2",
        "{% for i in s %}{% if 'q' in big %}{% endif %}{% endfor %}",
        "{'s': 'x' * 100_000, 'big': 'y' * 1_000_000}",
        "UnsafeTemplateError",
        "max_",
    ),
    (
        "comparisons-without-loops",
        "jinja2",
        "{{ 'qz' in big }}" * 500,
        "{'big': 'y' * 1_000_000}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    # -- jinja2: recursion ----------------------------------------------------------------
    (
        "recursive-macro",
        "jinja2",
        "{% macro m(n) %}{{ m(n) }}{% endmacro %}\n{{ m(1) }}",
        "{}",
        "UnsafeTemplateError",
        "max_depth",
    ),
    (
        "recursive-loop",
        "jinja2",
        "{% for x in l recursive %}{{ loop(l) }}{% endfor %}",
        "{'l': [1]}",
        "UnsafeTemplateError",
        "max_depth",
    ),
    (
        "deep-parentheses",
        "jinja2",
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "{}",
        "TemplateError",
        "nested too deeply",
    ),
    (
        "deep-ifs",
        "jinja2",
        "{% if x %}" * 2000 + "y" + "{% endif %}" * 2000,
        "{'x': 1}",
        "TemplateError",
        "",
    ),
    # -- mustache -------------------------------------------------------------------------
    (
        "nested-sections-empty-body",
        "mustache",
        "{{#l}}" * 6 + "{{/l}}" * 6,
        "{'l': list(range(100))}",
        "UnsafeTemplateError",
        "max_operations",
    ),
    (
        "nested-sections-output",
        "mustache",
        "{{#l}}{{#l}}{{#l}}{{big}}{{/l}}{{/l}}{{/l}}",
        "{'l': list(range(1000)), 'big': 'x' * 100}",
        "UnsafeTemplateError",
        "max_",
    ),
    (
        "deep-sections",
        "mustache",
        "{{#a}}" * 20000 + "x" + "{{/a}}" * 20000,
        "{'a': [1]}",
        "UnsafeTemplateError",
        "max_depth",
    ),
    (
        "big-value-in-loop",
        "mustache",
        "{{#l}}{{big}}{{/l}}",
        "{'l': list(range(1000)), 'big': 'x' * 1_000_000}",
        "UnsafeTemplateError",
        "max_",
    ),
    (
        "many-comments-parse",
        "mustache",
        "{{!c}}a" * 100_000 + "{{/x}}",
        "{}",
        "TemplateError",
        "never opened",
    ),
    (
        "long-line-of-standalone-tags",
        "mustache",
        "{{#a}}{{/a}}" * 50_000 + "{{/x}}",
        "{}",
        "TemplateError",
        "never opened",
    ),
    (
        "unprintable-int",
        "mustache",
        "{{n}}",
        "{'n': 10 ** 5000}",
        "TemplateError",
        "line 1, column 1",
    ),
    # -- f-string -------------------------------------------------------------------------
    ("fstring-width", "f-string", "{x:>999999999}", "{'x': 1}", "UnsafeTemplateError", "spec"),
    (
        "fstring-unprintable-int",
        "f-string",
        "a {x}",
        "{'x': 10 ** 5000}",
        "TemplateError",
        "column 3",
    ),
]

CHILD = textwrap.dedent(
    """
    import gc, json, resource, signal, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    class CpuCapExceeded(Exception):
        pass

    def on_sigxcpu(signum, frame):
        raise CpuCapExceeded("the attack ran past its CPU cap")

    # Each attack gets a soft CPU cap of 3 s: SIGXCPU interrupts it and the next one runs.
    signal.signal(signal.SIGXCPU, on_sigxcpu)
    from pipes._prompts._formatting import compile_template

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        return 0

    def reset_peak():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    results = {}
    for name, fmt, template, values in json.load(sys.stdin):
        values = eval(values)
        gc.collect()
        measured = reset_peak()
        before = status("VmRSS")
        start = time.process_time()
        resource.setrlimit(resource.RLIMIT_CPU, (min(int(start) + 3, 40), 40))
        try:
            compile_template(template, fmt).render(values)
            outcome = ("rendered", "")
        except Exception as exc:
            outcome = (type(exc).__name__, str(exc)[:2000])
        cpu = time.process_time() - start
        grown = status("VmHWM") - before if measured else 0
        del values
        results[name] = [*outcome, cpu, grown]
    json.dump(results, sys.stdout)
    """
)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[Any]]:
    payload = json.dumps([[name, fmt, t, v] for name, fmt, t, v, _, _ in ATTACKS])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=payload,
        capture_output=True,
        text=True,
        timeout=50,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, (
        f"the attack child died (exit {proc.returncode}): an attack outran its CPU or memory "
        f"cap\n{proc.stderr[-3000:]}"
    )
    result: dict[str, list[Any]] = json.loads(proc.stdout)
    return result


@pytest.mark.parametrize(
    ("name", "error", "match"),
    [(name, error, match) for name, _, _, _, error, match in ATTACKS],
    ids=[attack[0] for attack in ATTACKS],
)
def test_attack_is_stopped(
    outcomes: dict[str, list[Any]], name: str, error: str, match: str
) -> None:
    raised, message, cpu, grown = outcomes[name]
    assert raised == error, f"{name}: expected {error}, got {raised}: {message}"
    assert match in message
    # Well before a second of CPU (max_cpu_seconds=0.5 is the last-resort guard) and a few
    # tens of MB of memory, whatever the attack (the caps of the child stop worse).
    assert cpu < 1.0, f"{name} took {cpu:.2f} s of CPU"
    assert grown < 48 * 2**20, f"{name} grew the peak resident memory by {grown / 2**20:.0f} MB"


CPU_GUARD_CHILD = textwrap.dedent(
    """
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
    from pipes._prompts import template_limits
    from pipes._prompts._formatting import compile_template
    from pipes._errors import UnsafeTemplateError

    # Operations are plenty, so only the CPU-time checkpoint can stop 10**10 iterations.
    bomb = compile_template("{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", "jinja2")
    with template_limits(max_operations=10**12, max_cpu_seconds=0.05):
        try:
            bomb.render({"s": "x" * 100_000})
        except UnsafeTemplateError as exc:
            assert "max_cpu_seconds=0.05" in str(exc), exc
            print("stopped")
    """
)


def test_cpu_time_is_the_last_resort() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", CPU_GUARD_CHILD],
        capture_output=True,
        text=True,
        timeout=50,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "stopped"


def test_report(outcomes: dict[str, list[Any]]) -> None:
    # Not an assertion: the figures for the record (pytest -s shows them).
    for name, (raised, _, cpu, grown) in outcomes.items():
        print(f"{name:40s} {raised:22s} {cpu * 1000:7.1f} ms {grown / 2**20:6.1f} MB")
