"""Run the whole test suite in lanes that fail fast; every test runs exactly once.

1. ``checks``: lint, format, types and the layer contracts (``tests/test_quality.py``): a
   minute or two, and most mistakes stop here.
2. ``core``: the domain, store, services, interop and reports tests, in a pytest whose Qt is
   unimportable (``tests/qtfree``): these layers must never need Qt.
3. ``ui``: everything else (the UI and the safety drills), with pytest-qt.

``core`` and ``ui`` run only when ``checks`` passed, and side by side: they share nothing but
the PostgreSQL server (each pytest migrates its own schema), and on two cores the ``core``
lane's waits on the database leave room for the ``ui`` lane. A lane's output is printed whole
when it finishes; when one of them fails the other is stopped (``--keep-going`` lets both
finish; ``--serial`` runs them one after the other, output as it comes). Arguments after the
options go to every pytest run, e.g. ``python3 tests/lanes.py -x`` or
``python3 tests/lanes.py --lane core -k news2``. The last line printed is the combined
``N passed, N failed`` over the lanes that ran, as CI expects of a test run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
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
HEARTBEAT = 60
"""Seconds between the progress lines printed while lanes run side by side."""
_PERCENT = re.compile(r"\[\s*(\d+)%\]\s*$")
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
STAGES = [["checks"], ["core", "ui"]]
"""Lanes of one stage run side by side; a stage starts only when the one before it passed."""


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


class Running:
    """One lane's pytest, started; ``streamed`` prints its output as it comes, otherwise the
    output is kept and printed whole at the end (two lanes at once would interleave)."""

    def __init__(self, lane: Lane, extra: Sequence[str], *, streamed: bool) -> None:
        self.lane = lane
        self.streamed = streamed
        self.command = lane.command(extra)
        self.lines: list[str] = []
        self.stopped = False
        self.lines_done = False
        self.started = time.monotonic()
        print(f"\n=== lane {lane.name}: {' '.join(self.command[1:])}", flush=True)
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=lane.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # so that stop() reaches the test's own children too
        )

    def read(self) -> Outcome:
        assert self.process.stdout is not None
        with self.process:
            for line in self.process.stdout:
                if self.streamed:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                self.lines.append(line)
        self.lines_done = True
        tail = self.lines[-200:]
        summary = next((line for line in reversed(tail) if _SUMMARY.search(line)), "")
        return Outcome(
            self.lane.name,
            self.process.returncode,
            time.monotonic() - self.started,
            counts_of(summary),
        )

    def progress(self) -> str:
        """``ui 45% (130 s)``: how far pytest's progress column has got."""
        percent = next(
            (m.group(1) for line in reversed(self.lines) if (m := _PERCENT.search(line))), "0"
        )
        return f"{self.lane.name} {percent}% ({time.monotonic() - self.started:.0f} s)"

    def stop(self) -> None:
        """As Ctrl+C in a terminal (pytest still runs its teardowns: throwaway servers stop),
        then, if that was not enough within a minute, for good."""
        self.stopped = True
        self._signal(signal.SIGINT)
        timer = threading.Timer(60, self._signal, (signal.SIGKILL,))
        timer.daemon = True
        timer.start()

    def _signal(self, number: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)

    def print_output(self) -> None:
        if not self.streamed:
            stopped = " (stopped after the other lane failed)" if self.stopped else ""
            print(f"\n=== lane {self.lane.name} output{stopped}", flush=True)
            sys.stdout.writelines(self.lines)
            sys.stdout.flush()


def run_lane(lane: Lane, extra: Sequence[str]) -> Outcome:
    return Running(lane, extra, streamed=True).read()


def run_stage(lanes: Sequence[Lane], extra: Sequence[str], keep_going: bool) -> list[Outcome]:
    """Run lanes side by side; the first to fail stops the others (unless ``keep_going``).
    A stopped lane has no outcome: it is reported as not run."""
    if len(lanes) == 1:
        return [run_lane(lanes[0], extra)]
    done: queue.Queue[tuple[Running, Outcome]] = queue.Queue()
    running = [Running(lane, extra, streamed=False) for lane in lanes]
    for each in running:
        threading.Thread(target=lambda r=each: done.put((r, r.read())), daemon=True).start()
    outcomes: dict[str, Outcome] = {}
    for _ in running:
        while True:
            try:
                finished, outcome = done.get(timeout=HEARTBEAT)
                break
            except queue.Empty:  # a sign of life for a log that would otherwise stay silent
                print(" · ".join(r.progress() for r in running if not r.lines_done), flush=True)
        finished.print_output()
        if finished.stopped:
            continue
        outcomes[outcome.lane] = outcome
        if not outcome.ok and not keep_going:
            for other in running:
                if other is not finished and other.process.poll() is None:
                    other.stop()
    return [outcomes[lane.name] for lane in lanes if lane.name in outcomes]


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
    parser.add_argument(
        "--serial", action="store_true", help="run the lanes one after the other, never together"
    )
    options, extra = parser.parse_known_args(argv)
    chosen = [lane for lane in LANES if not options.lane or lane.name in options.lane]
    by_name = {lane.name: lane for lane in chosen}
    stages = [[by_name[name] for name in stage if name in by_name] for stage in STAGES]
    if options.serial:
        stages = [[lane] for stage in stages for lane in stage]
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for stage in filter(None, stages):
        outcomes += run_stage(stage, extra, options.keep_going)
        if not all(o.ok for o in outcomes) and not options.keep_going:
            break
    return report(outcomes, [lane.name for lane in chosen], time.monotonic() - started)


def report(outcomes: Sequence[Outcome], chosen: Sequence[str], seconds: float) -> int:
    print("\n=== lanes", flush=True)
    total: dict[str, int] = {}
    for outcome in outcomes:
        state = "ok" if outcome.ok else f"FAILED (exit {outcome.returncode})"
        detail = ", ".join(f"{n} {k}" for k, n in outcome.counts.items()) or "no tests"
        print(f"{outcome.lane:>7}: {state}, {detail} in {outcome.seconds:.1f}s")
        for key, number in outcome.counts.items():
            total[key] = total.get(key, 0) + number
    ran = {outcome.lane for outcome in outcomes}
    not_run = [name for name in chosen if name not in ran]
    if not_run:
        print(f"not run or stopped after the failure above: {', '.join(not_run)}")
    failed = total.get("failed", 0) + total.get("errors", 0)
    # A lane that stopped without failing a test (usage error, crash) still counts as a failure.
    failed += sum(1 for o in outcomes if not o.ok and not o.counts.get("failed", 0))
    others = ", ".join(
        f"{total[k]} {k}" for k in ("skipped", "xfailed", "xpassed", "deselected") if k in total
    )
    lanes_run = f"lanes run: {len(outcomes)} of {len(chosen)}"
    print(f"{lanes_run}; {others or 'nothing skipped'}; {seconds:.1f}s")
    # Last line, alone: what CI reads as the result of the run.
    print(f"{total.get('passed', 0)} passed, {failed} failed", flush=True)
    return next((o.returncode for o in outcomes if not o.ok), 0)


if __name__ == "__main__":
    sys.exit(main())
