"""Census refresh cost at 3 and at 30 days of history (60 admitted patients).

Each ward has vital signs every 15 minutes (a bedside-monitor feed) and a symptom chart every
4 hours for every patient. One refresh = the census query + scoring + the Qt table model
update, as the console does it. The refresh should cost O(patients), not O(history).

    python bench/census.py [--repeat 40] [--db-dir DIR] [--postgres]

Last line: {"refresh_ms_3d": ..., "refresh_ms_30d": ..., "ratio_30d_3d": ...}
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


def measure(db: Database, repeat: int) -> list[float]:
    service = CensusService(db)
    model = CensusTableModel()
    for _ in range(3):  # warm caches and the connection pool
        model.set_snapshot(service.snapshot())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        model.set_snapshot(service.snapshot())
        times.append((time.perf_counter() - started) * 1000)
    assert model.rowCount() == PATIENTS
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--db-dir", type=Path)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    work = args.db_dir or Path(tempfile.mkdtemp(prefix="wardbench-"))
    results = {}
    for days in (3, 30):
        db = build(f"sqlite:///{work / f'census-{days}d.sqlite'}", days)
        times = measure(db, args.repeat)
        results[days] = statistics.median(times)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(
            f"{days:>2}-day history: median {results[days]:.2f} ms, p95 {p95:.2f} ms "
            f"over {len(times)} refreshes"
        )
        db.engine.dispose()
    figures = {
        "refresh_ms_3d": round(results[3], 2),
        "refresh_ms_30d": round(results[30], 2),
        "ratio_30d_3d": round(results[30] / results[3], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
