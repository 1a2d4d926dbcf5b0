"""Start-up, sign-in, close and memory of the console against a bare PySide6 + pyqtgraph window.

Both are started as separate processes, side by side and alternating, several times, from the
moment the process is launched:

* bare: a ``QMainWindow`` holding one pyqtgraph ``PlotWidget``, shown and painted.
* console: ``wardconsole --self-test`` on a copy of the demo ward (20 beds), offscreen. The
  self-test prints a JSON line per step (``wardconsole/ui/self_test.py``): the sign-in screen
  ready for typing (``startup_ms`` from launch), the demo nurse's password submitted and
  accepted (``hash_ms``: the password check, nearly all of it the deliberately slow hash, a
  security setting reported apart), the census painted with its rows
  (``signin_to_census_ms`` from acceptance; peak RSS there, ``rss_mb``), then the window
  closed (``close_ms``: from the close to the process's exit).

    python bench/startup.py [--runs 7] [--frozen dist/WardConsole/WardConsole]

``--frozen`` runs the PyInstaller build instead of ``python -m wardconsole`` (the bare window
stays a Python script). The machine's load average is printed with the figures: these PCs
have two cores, often shared.

Last line: {"startup_ms": ..., "bare_ms": ..., "ratio": ..., "signin_to_census_ms": ...,
"hash_ms": ..., "close_ms": ..., "rss_mb": ..., "bare_rss_mb": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import json, time
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication([])
window = QMainWindow()
plot = pg.PlotWidget()
plot.plot([0, 1, 2, 3], [1, 3, 2, 4])
window.setCentralWidget(plot)
window.resize(1366, 768)
window.show()
window.repaint()
with open("/proc/self/status", encoding="ascii") as status:
    rss = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
print(json.dumps({"self_test": "painted", "at": time.time(), "rss_mb": round(rss, 1)}), flush=True)
"""


def environment(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
        "WARDCONSOLE_STATION": "Bench",
        "PYQTGRAPH_QT_LIB": "PySide6",
    }
    env.pop("WARDCONSOLE_DB", None)
    return env


def run(command: list[str], env: dict[str, str]) -> tuple[dict[str, dict], float, float]:
    """Launch; return the steps it printed (by name), the launch time and the exit time."""
    steps: dict[str, dict] = {}
    launched = time.time()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith('{"self_test"'):
            step = json.loads(line)
            steps[step["self_test"]] = step
    process.wait(timeout=300)
    exited = time.time()
    stderr = process.stderr.read() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed ({process.returncode}): {stderr[-2000:]}")
    return steps, launched, exited


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--frozen", type=Path, help="the built executable to measure")
    parser.add_argument("--work", type=Path, help="keep the demo ward here (built once)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="wardbench-startup-"))
    work.mkdir(parents=True, exist_ok=True)
    ward = work / "demo-ward.sqlite"
    env = environment(work / "home")
    console = [str(args.frozen)] if args.frozen else [sys.executable, "-m", "wardconsole"]
    if not ward.exists():
        subprocess.run(
            [*console, "demo", "--db", str(ward)], env=env, check=True, capture_output=True
        )
    # A ward kept from an older version is brought to the current schema first: the runs time
    # a start on a current schema (one query), not a migration.
    subprocess.run(
        [*console, "db", "upgrade", "--db", str(ward)], env=env, check=True, capture_output=True
    )
    for old in ward.parent.glob(f"{ward.name}.before-*.bak"):
        old.unlink()
    bare_command = [sys.executable, "-c", BARE]
    run(bare_command, env)  # warm the file cache for both
    copy = work / "run.sqlite"
    shutil.copy2(ward, copy)
    run([*console, "--db", str(copy), "--self-test"], env)

    figures: dict[str, list[float]] = {
        key: []
        for key in (
            "bare_ms",
            "bare_rss_mb",
            "startup_ms",
            "hash_ms",
            "signin_to_census_ms",
            "close_ms",
            "rss_mb",
            "signin_rss_mb",
            "rss_now_mb",
        )
    }
    print(f"load average before: {load()}")
    for _ in range(args.runs):
        steps, launched, _exited = run(bare_command, env)
        figures["bare_ms"].append((steps["painted"]["at"] - launched) * 1000)
        figures["bare_rss_mb"].append(steps["painted"]["rss_mb"])

        shutil.copy2(ward, copy)
        for suffix in ("-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        steps, launched, exited = run([*console, "--db", str(copy), "--self-test"], env)
        census = steps["census_painted"]
        assert census["rows"] > 0 and census["sound_ready"] and census["tick_ready"], census
        assert not steps["lazy_modules"]["failed"], steps["lazy_modules"]
        figures["startup_ms"].append((steps["signin_ready"]["at"] - launched) * 1000)
        figures["signin_rss_mb"].append(steps["signin_ready"]["rss_mb"])
        figures["hash_ms"].append((steps["accepted"]["at"] - steps["submitted"]["at"]) * 1000)
        figures["signin_to_census_ms"].append((census["at"] - steps["accepted"]["at"]) * 1000)
        figures["close_ms"].append((exited - steps["closing"]["at"]) * 1000)
        figures["rss_mb"].append(census["rss_mb"])
        figures["rss_now_mb"].append(census.get("rss_now_mb", 0.0))
    print(f"load average after: {load()} (2 cores, shared with other work)")

    median = {key: statistics.median(values) for key, values in figures.items()}
    for key, values in figures.items():
        print(f"{key}: median {median[key]:.1f}, runs {[round(v) for v in values]}")
    ratio = median["startup_ms"] / median["bare_ms"]
    print(f"launch to sign-in screen / bare window: {ratio:.2f}× (target ≤ 2×)")
    print(
        f"sign-in accepted to census painted: {median['signin_to_census_ms']:.0f} ms "
        f"(target ≤ 500 ms); password check {median['hash_ms']:.0f} ms"
    )
    print(f"close to exit: {median['close_ms']:.0f} ms (target ≤ 200 ms)")
    print(
        f"peak RSS at the census: {median['rss_mb']:.0f} MB, bare window "
        f"{median['bare_rss_mb']:.0f} MB: {median['rss_mb'] / median['bare_rss_mb']:.2f}× "
        "(target ≤ 2×); the password hash's 128 MiB is a child process's, not the "
        f"console's; resident at the census {median['rss_now_mb']:.0f} MB"
    )
    print(
        json.dumps(
            {
                "startup_ms": round(median["startup_ms"], 1),
                "bare_ms": round(median["bare_ms"], 1),
                "ratio": round(ratio, 2),
                "signin_to_census_ms": round(median["signin_to_census_ms"], 1),
                "hash_ms": round(median["hash_ms"], 1),
                "close_ms": round(median["close_ms"], 1),
                "rss_mb": round(median["rss_mb"], 1),
                "bare_rss_mb": round(median["bare_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
