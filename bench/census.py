"""Census refresh cost at 3 and at 30 days of history (60 admitted patients).

Each ward has vital signs every 15 minutes (a bedside-monitor feed), a symptom chart every
4 hours and the demo's food and fluid charts for every patient. One refresh = the census query
+ scoring + the Qt table model update, as the console does it. The refresh should cost
O(patients), not O(history). The same run also times the census without the fluid column's
reads (``CensusService(with_fluids=False)``), interleaved, so the column's cost is measured on
the same machine at the same moment.

    python bench/census.py [--repeat 40] [--db-dir DIR]

Last line: {"refresh_ms_3d": ..., "refresh_ms_30d": ..., "ratio_30d_3d": ...,
"refresh_ms_30d_without_fluids": ..., "ratio_fluids": ..., "cpu_ms_30d": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtWidgets import QApplication

from wardconsole.services.census import CensusService
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.store.engine import make_engine, upgrade
from wardconsole.ui.census.census_model import CensusTableModel

PATIENTS = 60
CPU_MS: dict[str, float] = {}
"""CPU time of this process per refresh (SQLite runs in it), medians of the last ``measure``:
on a machine shared with other work this is what the refresh costs, whatever the load."""


def build(url: str, days: int) -> Database:
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    started = time.perf_counter()
    build_demo_ward(
        db,
        DemoOptions(
            beds=PATIENTS,
            occupancy=1.0,
            seed=1,
            obs_every=timedelta(minutes=15),
            symptoms_every=timedelta(hours=4),
            fixed_admission_days=days,
        ),
    )
    print(f"built {days}-day ward in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return db


def measure(db: Database, repeat: int) -> tuple[list[float], list[float]]:
    """Refresh times (ms) with the fluid column and without it, interleaved."""
    services = (CensusService(db), CensusService(db, with_fluids=False))
    models = (CensusTableModel(), CensusTableModel())
    for service, model in zip(services, models, strict=True):
        for _ in range(3):  # warm caches and the connection pool
            model.set_snapshot(service.snapshot())
    times: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for service, model, found, used in zip(services, models, times, cpu, strict=True):
            started, started_cpu = time.perf_counter(), time.process_time()
            model.set_snapshot(service.snapshot())
            found.append((time.perf_counter() - started) * 1000)
            used.append((time.process_time() - started_cpu) * 1000)
    assert models[0].rowCount() == PATIENTS
    CPU_MS.update(with_fluids=statistics.median(cpu[0]), without=statistics.median(cpu[1]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db-dir", type=Path)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    work = args.db_dir or Path(tempfile.mkdtemp(prefix="wardbench-"))
    results = {}
    without = {}
    cpu: dict[int, dict[str, float]] = {}
    for days in (3, 30):
        db = build(f"sqlite:///{work / f'census-{days}d.sqlite'}", days)
        times, plain = measure(db, args.repeat)
        results[days] = statistics.median(times)
        without[days] = statistics.median(plain)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        cpu[days] = dict(CPU_MS)
        print(
            f"{days:>2}-day history: median {results[days]:.2f} ms, p95 {p95:.2f} ms "
            f"over {len(times)} refreshes; without the fluid column {without[days]:.2f} ms; "
            f"CPU {cpu[days]['with_fluids']:.2f} ms against {cpu[days]['without']:.2f} ms"
        )
        db.engine.dispose()
    figures = {
        "refresh_ms_3d": round(results[3], 2),
        "refresh_ms_30d": round(results[30], 2),
        "ratio_30d_3d": round(results[30] / results[3], 2),
        "refresh_ms_30d_without_fluids": round(without[30], 2),
        "ratio_fluids": round(results[30] / without[30], 2),
        "cpu_ms_30d": round(cpu[30]["with_fluids"], 2),
        "cpu_ms_30d_without_fluids": round(cpu[30]["without"], 2),
        "cpu_ratio_fluids": round(cpu[30]["with_fluids"] / cpu[30]["without"], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
