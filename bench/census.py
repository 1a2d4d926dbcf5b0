"""Census refresh cost at 3 and at 30 days of history (60 admitted patients).

Each ward has vital signs every 15 minutes (a bedside-monitor feed), a symptom chart every
4 hours and the demo's food and fluid charts for every patient. One refresh = the census query
+ scoring + the Qt table model update, as the console does it. The refresh should cost
O(patients), not O(history). The same run also times the census without the fluid column's
reads (``CensusService(with_fluids=False)``), without the sleep flag's (``with_sleep=False``)
and without both physical-care columns, interleaved, so each column's cost is measured on the
same machine at the same moment. The demo ward's night safety checks feed the sleep flag; the
console keeps one census service, so the flag's completed nights are read once and then only
checked for changes.

    python bench/census.py [--repeat 40] [--db-dir DIR]

Last line: {"refresh_ms_3d": ..., "refresh_ms_30d": ..., "ratio_30d_3d": ...,
"refresh_ms_30d_without_fluids": ..., "ratio_fluids": ..., "refresh_ms_30d_without_sleep": ...,
"ratio_sleep": ..., "refresh_ms_30d_without_physical_care": ...,
"ratio_physical_care": ..., "cpu_ms_30d": ..., ...}
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


VARIANTS = ("all", "without_fluids", "without_sleep", "without_physical_care")


def measure(db: Database, repeat: int) -> dict[str, list[float]]:
    """Refresh times (ms) with every column, without the fluid column, without the sleep flag
    and without both, interleaved."""
    services = (
        CensusService(db),
        CensusService(db, with_fluids=False),
        CensusService(db, with_sleep=False),
        CensusService(db, with_fluids=False, with_sleep=False),
    )
    models = tuple(CensusTableModel() for _ in services)
    for service, model in zip(services, models, strict=True):
        for _ in range(3):  # warm caches and the connection pool
            model.set_snapshot(service.snapshot())
    times: tuple[list[float], ...] = tuple([] for _ in VARIANTS)
    cpu: tuple[list[float], ...] = tuple([] for _ in VARIANTS)
    for _ in range(repeat):
        for service, model, found, used in zip(services, models, times, cpu, strict=True):
            started, started_cpu = time.perf_counter(), time.process_time()
            model.set_snapshot(service.snapshot())
            found.append((time.perf_counter() - started) * 1000)
            used.append((time.process_time() - started_cpu) * 1000)
    assert models[0].rowCount() == PATIENTS
    CPU_MS.update({name: statistics.median(used) for name, used in zip(VARIANTS, cpu, strict=True)})
    return dict(zip(VARIANTS, times, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db-dir", type=Path)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    work = args.db_dir or Path(tempfile.mkdtemp(prefix="wardbench-"))
    wall: dict[int, dict[str, float]] = {}
    cpu: dict[int, dict[str, float]] = {}
    for days in (3, 30):
        db = build(f"sqlite:///{work / f'census-{days}d.sqlite'}", days)
        times = measure(db, args.repeat)
        wall[days] = {name: statistics.median(found) for name, found in times.items()}
        p95 = sorted(times["all"])[int(len(times["all"]) * 0.95) - 1]
        cpu[days] = dict(CPU_MS)
        w, c = wall[days], cpu[days]
        print(
            f"{days:>2}-day history: median {w['all']:.2f} ms, p95 {p95:.2f} ms "
            f"over {len(times['all'])} refreshes; without the fluid column "
            f"{w['without_fluids']:.2f} ms, without the sleep flag {w['without_sleep']:.2f} ms, "
            f"without either {w['without_physical_care']:.2f} ms; "
            f"CPU {c['all']:.2f} ms against {c['without_fluids']:.2f} ms (no fluids) and "
            f"{c['without_sleep']:.2f} ms (no sleep); load average {os.getloadavg()[0]:.2f}"
        )
        db.engine.dispose()
    figures = {
        "refresh_ms_3d": round(wall[3]["all"], 2),
        "refresh_ms_30d": round(wall[30]["all"], 2),
        "ratio_30d_3d": round(wall[30]["all"] / wall[3]["all"], 2),
        "refresh_ms_30d_without_fluids": round(wall[30]["without_fluids"], 2),
        "ratio_fluids": round(wall[30]["all"] / wall[30]["without_fluids"], 2),
        "refresh_ms_3d_without_sleep": round(wall[3]["without_sleep"], 2),
        "refresh_ms_30d_without_sleep": round(wall[30]["without_sleep"], 2),
        "ratio_sleep": round(wall[30]["all"] / wall[30]["without_sleep"], 2),
        "refresh_ms_30d_without_physical_care": round(wall[30]["without_physical_care"], 2),
        "ratio_physical_care": round(wall[30]["all"] / wall[30]["without_physical_care"], 2),
        "cpu_ms_3d": round(cpu[3]["all"], 2),
        "cpu_ms_3d_without_sleep": round(cpu[3]["without_sleep"], 2),
        "cpu_ms_30d": round(cpu[30]["all"], 2),
        "cpu_ms_30d_without_fluids": round(cpu[30]["without_fluids"], 2),
        "cpu_ratio_fluids": round(cpu[30]["all"] / cpu[30]["without_fluids"], 2),
        "cpu_ms_30d_without_sleep": round(cpu[30]["without_sleep"], 2),
        "cpu_ratio_sleep_3d": round(cpu[3]["all"] / cpu[3]["without_sleep"], 2),
        "cpu_ratio_sleep": round(cpu[30]["all"] / cpu[30]["without_sleep"], 2),
        "cpu_ms_30d_without_physical_care": round(cpu[30]["without_physical_care"], 2),
        "cpu_ratio_physical_care": round(cpu[30]["all"] / cpu[30]["without_physical_care"], 2),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
