"""Run the whole test suite in lanes that fail fast; every test runs exactly once.

1. ``checks``: lint, format, types and the layer contracts (``tests/test_quality.py``): a
   minute or two, and most mistakes stop here.
2. ``core``: the domain, store, services, interop and reports tests, in a pytest whose Qt is
   unimportable (``tests/qtfree``): these layers must never need Qt.
3. ``ui``: everything else (the UI and the safety drills), with pytest-qt.

A lane runs only when the ones before it passed (``--keep-going`` runs them all). Arguments
after the options go to every pytest run, e.g. ``python3 tests/lanes.py -x`` or
``python3 tests/lanes.py --lane core -k news2``. The last line printed is the combined
``N passed, N failed`` over the lanes that ran, as CI expects of a test run.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_FREE = ROOT / "tests" / "qtfree"

CHECKS = ["tests/test_quality.py"]
CORE = [
    "tests/domain",
    "tests/store",
    "tests/services",
    "tests/interop",
    "tests/reports",
    "tests/test_cli.py",
    "tests/test_cli_database.py",
    "tests/test_cli_staff.py",
    "tests/test_hazard_log.py",
]
"""Tests that need no Qt; whatever is not listed here or in CHECKS runs in the ``ui`` lane."""

NO_TESTS_COLLECTED = 5
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")
_SUMMARY = re.compile(
    r"\b(no tests ran|\d+ (passed|failed|errors?|skipped|deselected)).* in [\d.]+s"
)


@dataclass(frozen=True)
class Lane:
    name: str
    paths: list[str]
    qt_free: bool

    def command(self, extra: Sequence[str]) -> list[str]:
        command = [sys.executable, "-m", "pytest"]
        if self.qt_free:
            # The ini's own directory would otherwise become rootdir and cut off tests/conftest.py.
            command += ["-c", str(QT_FREE / "pytest.ini"), "--rootdir", ".", "--confcutdir", "."]
        return [*command, *self.paths, *extra]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.qt_free:  # block_qt is loaded with -p, before pytest's own pythonpath applies
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(QT_FREE), env.get("PYTHONPATH", "")) if p
            )
        return env


LANES = [
    Lane("checks", CHECKS, qt_free=True),
    Lane("core", CORE, qt_free=True),
    Lane("ui", ["tests", *(f"--ignore={p}" for p in CHECKS + CORE)], qt_free=False),
]


@dataclass
class Outcome:
    lane: str
    returncode: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode in (0, NO_TESTS_COLLECTED)


def counts_of(summary: str) -> dict[str, int]:
    """``{"passed": 12, "failed": 1, ...}`` from pytest's closing line."""
    counts: dict[str, int] = {}
    for number, word in _COUNT.findall(summary):
        key = "errors" if word.startswith("error") else word
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def run_lane(lane: Lane, extra: Sequence[str]) -> Outcome:
    command = lane.command(extra)
    print(f"\n=== lane {lane.name}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=200)
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=lane.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line)
    summary = next((line for line in reversed(tail) if _SUMMARY.search(line)), "")
    return Outcome(lane.name, process.returncode, time.monotonic() - started, counts_of(summary))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lane",
        action="append",
        choices=[lane.name for lane in LANES],
        help="run only this lane (repeatable)",
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="run every lane even after one fails"
    )
    options, extra = parser.parse_known_args(argv)
    chosen = [lane for lane in LANES if not options.lane or lane.name in options.lane]
    outcomes: list[Outcome] = []
    for lane in chosen:
        outcome = run_lane(lane, extra)
        outcomes.append(outcome)
        if not outcome.ok and not options.keep_going:
            break
    return report(outcomes, [lane.name for lane in chosen])


def report(outcomes: Sequence[Outcome], chosen: Sequence[str]) -> int:
    print("\n=== lanes", flush=True)
    total: dict[str, int] = {}
    for outcome in outcomes:
        state = "ok" if outcome.ok else f"FAILED (exit {outcome.returncode})"
        detail = ", ".join(f"{n} {k}" for k, n in outcome.counts.items()) or "no tests"
        print(f"{outcome.lane:>7}: {state}, {detail} in {outcome.seconds:.1f}s")
        for key, number in outcome.counts.items():
            total[key] = total.get(key, 0) + number
    not_run = list(chosen[len(outcomes) :])
    if not_run:
        print(f"not run after the failure above: {', '.join(not_run)}")
    failed = total.get("failed", 0) + total.get("errors", 0)
    # A lane that stopped without failing a test (usage error, crash) still counts as a failure.
    failed += sum(1 for o in outcomes if not o.ok and not o.counts.get("failed", 0))
    others = ", ".join(
        f"{total[k]} {k}" for k in ("skipped", "xfailed", "xpassed", "deselected") if k in total
    )
    seconds = sum(outcome.seconds for outcome in outcomes)
    ran = f"lanes run: {len(outcomes)} of {len(chosen)}"
    print(f"{ran}; {others or 'nothing skipped'}; {seconds:.1f}s")
    # Last line, alone: what CI reads as the result of the run.
    print(f"{total.get('passed', 0)} passed, {failed} failed", flush=True)
    return next((o.returncode for o in outcomes if not o.ok), 0)


if __name__ == "__main__":
    sys.exit(main())
