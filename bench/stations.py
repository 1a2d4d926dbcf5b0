"""A ward of stations on one PostgreSQL server: how fast a write reaches every station's model,
and what each change costs the server.

N headless stations, each a separate process running what the console runs when another
station writes: the real change feed (``PostgresChangeFeed``: LISTEN/NOTIFY with the change log
as the source of truth), then the census snapshot of the patients the changes name
(``CensusService.snapshot(scoped=True)``) and, when they may change it, the escalation panel's
board (``EscalationService.board``) on the station's one database connection. No Qt: a
station waits on its feed and re-reads, as the console's watcher thread and worker do. Two
writer processes record through the real services at 10x a busy ward's rate (60 patients: a
set and a safety check per patient every 15 minutes, PRN doses, acknowledgements), in bursts
as a nurse goes round.

A station reads its census, as the console does, once the feed's changes have been quiet for
the console's 100 ms debounce (the naive one: once per change), and before it starts it does a
full refresh and scoped ones naming the writers' topics, so that its statements are compiled
as a console's are after its first minutes.

Figures, for N = 1, 5, 10, 30 stations:

* propagation: from a writer's commit returning to the station's census and board having been
  re-read after the change was seen, for every change at every station (p50/p95);
* server work per change from ``pg_stat_statements`` (stations' statements, rows, time; the
  writers' separately), and the connections each station held;
* the naive alternative in the same run: a station that re-reads once per change instead of
  once per wake-up;
* client CPU (stations + writers) against the 2 cores, and the load average;
* CPU per station per burst (each station's process time over the phase, over the writers'
  bursts) and per snapshot: what a station costs, whether or not the machine is saturated.

The server is a throwaway cluster of the bench's own (``initdb`` + ``pg_ctl``, as the safety
tests start one) with ``shared_preload_libraries=pg_stat_statements``; the shared server is not
touched. Stations connect as role ``wc_station``, writers as ``wc_writer``, so the statistics
tell their work apart.

    python bench/stations.py [--quick] [--seconds 20]

Targets: p95 <= 1 s at N = 30; one wake-up and one snapshot per station per burst, never a query
per patient; at most 2 connections per station.

Last line: {"p95_ms_1": ..., "p95_ms_10": ..., "p95_ms_30": ..., "snapshot_ms_30": ...,
"statements_per_change_30": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "safety"))
from throwaway_pg import ThrowawayPostgres, available  # type: ignore[import-not-found]

from wardconsole.domain.changes import Change, may_change_escalations
from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import PostgresChangeFeed
from wardconsole.store.engine import make_engine, upgrade

PATIENTS = 60
DEBOUNCE = 0.1
"""The console reads its census once the feed's changes have been quiet this long
(``ui.main_window.CHANGE_DEBOUNCE_MS``)."""
WARM_UP_TOPICS = ("observation", "safety_check", "prn", "escalation")
"""What the writers write: a station warms up on refreshes naming these."""
WRITERS = 2
BURST = 4
"""Writes a nurse commits back to back going round (a burst)."""
WARD_WRITES_PER_S = 10 * (PATIENTS / 900 + PATIENTS / 900 + 6 / 3600)
"""10x a busy ward: a set and a check per patient every 15 min, ~6 PRN/acks an hour."""
NORMAL = {
    "respiration_rate": 15,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.8,
}
SICK = {**NORMAL, "respiration_rate": 26, "pulse": 132, "systolic_bp": 95, "temperature": 39.2}


def role_url(base: str, role: str) -> str:
    return base.replace("postgresql://postgres@", f"postgresql+psycopg://{role}@", 1)


def prepare(url: str) -> list[int]:
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    staff = StaffService(db)
    staff.add("rn.bench", "Bench Nurse", Role.NURSE, None)
    nurse = staff.actor("rn.bench", "Set-up")
    admissions = AdmissionService(db)
    beds = [f"B{i:02d}" for i in range(1, PATIENTS + 1)]
    admissions.ensure_beds(beds, "Bench ward")
    levels = ObservationLevelService(db)
    ids = []
    for number, bed in enumerate(beds, start=1):
        admission = admissions.admit(
            nurse,
            NewPatient(f"KD{number:06d}", "Bench", f"Patient{number}", date(1990, 1, 1)),
            bed=bed,
            admitted_at=db.clock() - timedelta(hours=30),
            assigned_nurse_id=nurse.staff_id,
        )
        RecordingService(db).record_observation(nurse, admission, NORMAL)
        levels.set_level(nurse, admission, "intermittent_15", reason="Bench")
        ids.append(admission)
    engine.dispose()
    return ids


# -- a station -----------------------------------------------------------------------------------


def station(url: str, naive: bool, ready: Any, stop: Any, out: Any, profile: str = "") -> None:
    """Wait on the change feed; re-read census + board once per wake-up (naive: per change).
    With ``profile``, the station runs under cProfile and writes its statistics there."""
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time, not waiting
        try:
            profiler.runcall(station, url, naive, ready, stop, out)
        finally:
            profiler.dump_stats(profile)
        return
    engine = make_engine(url)
    db = Database(engine)
    census, escalations = CensusService(db), EscalationService(db)
    feed = PostgresChangeFeed(engine)

    cpu_loads: list[float] = []

    def reload(changes: list[Change] | None = None) -> float:
        """As the console re-reads on a wake-up: the census's patients the changes name (all
        of them without changes), and the escalation board when they may change it. The naive
        station reads everything for every change."""
        started, cpu = time.perf_counter(), time.process_time()
        if naive or changes is None:
            census.snapshot()
        else:
            census.note_changes(changes)
            census.snapshot(scoped=True)
        if naive or changes is None or may_change_escalations(changes):
            escalations.board()
        cpu_loads.append((time.process_time() - cpu) * 1000)
        return (time.perf_counter() - started) * 1000

    reload()
    if not naive:
        # As a console open for a while has: its scoped refreshes' statements compiled (one per
        # number of patients, in powers of two, and topic named).
        ids = [row.admission_id for row in census.snapshot().rows]
        for count in (1, 2, 4, 8):
            reload([Change(0, t, a) for t in WARM_UP_TOPICS for a in ids[:count]])
    feed.wait(0)  # LISTEN before reporting ready
    cpu_loads.clear()
    ready.release()
    cpu_started = time.process_time()
    seen: list[tuple[list[int], float]] = []
    loads: list[float] = []
    wakes = 0
    while not stop.is_set():
        changes = feed.wait(1.0)  # the console's watcher timeout
        if not changes:
            continue
        wakes += 1
        while not naive and (more := feed.wait(DEBOUNCE)):  # the console's debounce
            changes += more
        for _ in changes if naive else [None]:
            loads.append(reload(changes))
        seen.append(([c.seq for c in changes], time.time()))
    cpu = time.process_time() - cpu_started
    feed.close()
    engine.dispose()
    out.put({"seen": seen, "loads": loads, "wakes": wakes, "cpu_s": cpu, "cpu_loads": cpu_loads})


# -- a writer ------------------------------------------------------------------------------------


def writer(url: str, name: str, admissions: list[int], seed: int, rate: float, stop: Any, out: Any):
    """Bursts of BURST writes through the real services at ``rate`` writes/s on average."""
    engine = make_engine(url)
    db = Database(engine)
    nurse = StaffService(db).actor("rn.bench", name)
    recording, levels = RecordingService(db), ObservationLevelService(db)
    escalations = EscalationService(db)
    rng = random.Random(seed)
    calls: list[tuple[float, float]] = []
    errors: list[str] = []
    kinds: dict[str, int] = defaultdict(int)
    bursts = 0

    def one() -> None:
        admission = rng.choice(admissions)
        roll = rng.random()
        if roll < 0.45:
            recording.record_observation(nurse, admission, SICK if rng.random() < 0.1 else NORMAL)
            kinds["set"] += 1
        elif roll < 0.9:
            levels.record_check(nurse, admission, Presentation.CALM, "Bedroom")
            kinds["check"] += 1
        elif roll < 0.95:
            recording.record_prn(
                nurse,
                admission,
                drug="diazepam",
                drug_class="benzodiazepine",
                dose="5 mg",
                route="oral",
                reason="anxiety",
            )
            kinds["prn"] += 1
        else:
            pending = [e for e in escalations.open() if e.acknowledged_by is None]
            if not pending:
                recording.record_observation(nurse, admission, NORMAL)
                kinds["set"] += 1
                return
            info = rng.choice(pending)
            escalations.acknowledge(nurse, info.id, info.version)
            kinds["ack"] += 1

    while not stop.is_set():
        bursts += 1
        for _ in range(BURST):
            started = time.time()
            try:
                one()
            except Exception as exc:  # a version clash with the other writer: counted
                errors.append(type(exc).__name__)
            calls.append((started, time.time()))
        stop.wait(rng.expovariate(rate / BURST))
    engine.dispose()
    out.put(
        {"name": name, "calls": calls, "errors": errors, "kinds": dict(kinds), "bursts": bursts}
    )


# -- one phase: N stations + writers -------------------------------------------------------------


@dataclass
class Phase:
    n: int
    naive: bool
    latencies: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)
    """The stations' most frequent statements (per reload)."""


def pg_stats(admin: Any) -> dict[str, tuple[int, int, float]]:
    rows = admin.execute(
        text(
            "SELECT r.rolname, sum(s.calls), sum(s.rows), sum(s.total_exec_time) "
            "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
            "GROUP BY r.rolname"
        )
    ).all()
    return {r[0]: (int(r[1]), int(r[2]), float(r[3])) for r in rows}


def propagation(log: Any, writers: list[dict], stations: list[dict], phase: Phase) -> int:
    """Fill ``phase`` with commit-to-model times; return how many (change, station) never met.

    A change-log row's ``at`` is taken inside its writer's call, so the call (per writer, one at
    a time) whose span holds it committed it when the call returned.
    """
    commit_of: dict[int, float] = {}
    calls_by_name = {r["name"]: sorted(r["calls"]) for r in writers}
    for seq, name, at in log:
        for started, ended in calls_by_name.get(name, ()):
            if started - 0.05 <= float(at) <= ended + 0.05:
                commit_of[seq] = ended
                break
    missed = 0
    for result in stations:
        first: dict[int, float] = {}
        for seqs, when in result["seen"]:
            for seq in seqs:
                first.setdefault(seq, when)
        phase.loads.extend(result["loads"])
        for seq, committed in commit_of.items():
            if seq in first:
                phase.latencies.append(max(0.0, (first[seq] - committed) * 1000))
            else:
                missed += 1
    return missed


def run_phase(
    base: str, admissions: list[int], n: int, naive: bool, seconds: float, profile: str = ""
) -> Phase:
    ctx = mp.get_context("fork")
    admin = create_engine(role_url(base, "postgres"), isolation_level="AUTOCOMMIT").connect()
    phase = Phase(n, naive)
    ready, stop, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    stations = [
        ctx.Process(
            target=station,
            args=(
                role_url(base, "wc_station"),
                naive,
                ready,
                stop,
                out,
                f"{profile}.{'naive-' if naive else ''}{n}" if profile and index == 0 else "",
            ),
        )
        for index in range(n)
    ]
    for process in stations:
        process.start()
    for _ in stations:
        if not ready.acquire(timeout=120):
            raise SystemExit("a station did not start within 120 s")
    first_seq = admin.scalar(text("SELECT coalesce(max(id), 0) FROM change_log"))
    admin.execute(text("SELECT pg_stat_statements_reset()"))
    cpu_before, wall_before, load_before = os.times(), time.time(), os.getloadavg()[0]
    writer_stop = ctx.Event()
    writers = [
        ctx.Process(
            target=writer,
            args=(
                role_url(base, "wc_writer"),
                f"Writer {i + 1}",
                admissions,
                n * 10 + i,
                WARD_WRITES_PER_S / WRITERS,
                writer_stop,
                out,
            ),
        )
        for i in range(WRITERS)
    ]
    for process in writers:
        process.start()
    time.sleep(seconds / 2)
    connections = admin.scalar(
        text("SELECT count(*) FROM pg_stat_activity WHERE usename = 'wc_station'")
    )
    time.sleep(seconds / 2)
    writer_stop.set()
    time.sleep(6.0)  # let stations catch up
    stop.set()
    results = [out.get(timeout=120) for _ in range(n + WRITERS)]
    for process in [*stations, *writers]:
        process.join(30)
    wall = time.time() - wall_before
    cpu_after = os.times()
    stats = pg_stats(admin)
    top = admin.execute(
        text(
            "SELECT s.calls, s.rows, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) "
            "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
            "WHERE r.rolname = 'wc_station' ORDER BY s.calls DESC LIMIT 6"
        )
    ).all()
    log = admin.execute(
        text("SELECT id, station, extract(epoch FROM at) FROM change_log WHERE id > :s"),
        {"s": first_seq},
    ).all()
    admin.close()
    writer_results = [r for r in results if "calls" in r]
    station_results = [r for r in results if "seen" in r]
    missed = propagation(log, writer_results, station_results, phase)
    changes = len(log)
    station_stats = stats.get("wc_station", (0, 0, 0.0))
    writer_stats = stats.get("wc_writer", (0, 0, 0.0))
    cpu = (
        cpu_after.children_user
        + cpu_after.children_system
        - cpu_before.children_user
        - cpu_before.children_system
    )
    wakes = sum(r["wakes"] for r in station_results)
    bursts = sum(r["bursts"] for r in writer_results)
    station_cpu_ms = sum(r["cpu_s"] for r in station_results) * 1000
    reload_cpu = [c for r in station_results for c in r["cpu_loads"]]
    kinds: dict[str, int] = defaultdict(int)
    for r in writer_results:
        for kind, count in r["kinds"].items():
            kinds[kind] += count
    reloads = max(len(phase.loads), 1)
    phase.top = [
        f"{calls / reloads:.1f}/reload {rows / reloads:.0f} rows: {q}" for calls, rows, q in top
    ]
    phase.figures = {
        "changes": changes,
        "writes": dict(kinds),
        "writer_errors": sum(len(r["errors"]) for r in writer_results),
        "missed": missed,
        "wakes_per_station": round(wakes / n, 1),
        "reloads_per_station": round(len(phase.loads) / n, 1),
        "connections_per_station": round(connections / n, 2),
        "station_statements_per_change": round(station_stats[0] / max(changes, 1), 1),
        "station_rows_per_change": round(station_stats[1] / max(changes, 1), 1),
        "station_ms_per_change": round(station_stats[2] / max(changes, 1), 2),
        "station_statements_per_reload": round(station_stats[0] / max(len(phase.loads), 1), 1),
        "writer_statements_per_change": round(writer_stats[0] / max(changes, 1), 1),
        "bursts": bursts,
        "snapshots_per_station_per_burst": round(len(phase.loads) / n / max(bursts, 1), 2),
        "station_cpu_ms_per_burst": round(station_cpu_ms / n / max(bursts, 1), 1),
        "station_cpu_ms_per_wake": round(station_cpu_ms / max(wakes, 1), 1),
        "snapshot_cpu_ms": round(statistics.median(reload_cpu), 1) if reload_cpu else None,
        "client_cpu_share_of_2_cores": round(cpu / wall / 2, 2),
        "load_avg_1min": round(max(load_before, os.getloadavg()[0]), 1),
    }
    return phase


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="8 s per phase instead of 20")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--stations", default="1,5,10,30")
    parser.add_argument("--naive", default="10,30", help="N for the reload-per-change runs")
    parser.add_argument(
        "--profile", default="", help="cProfile one station of each phase into PREFIX.N"
    )
    args = parser.parse_args()
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    why = available()
    if why:
        raise SystemExit(f"no throwaway PostgreSQL server: {why}")
    counts = [int(n) for n in args.stations.split(",") if n]
    naive_counts = [int(n) for n in args.naive.split(",") if n]
    biggest = max(counts + naive_counts)
    server = ThrowawayPostgres()
    server.start(
        "shared_preload_libraries=pg_stat_statements",
        f"max_connections={2 * biggest + 20}",
        "pg_stat_statements.track=top",
    )
    try:
        base = server.url.rsplit("/", 1)[0] + "/ward"
        with create_engine(
            role_url(server.url, "postgres"), isolation_level="AUTOCOMMIT"
        ).connect() as c:
            c.execute(text("CREATE DATABASE ward"))
            for role in ("wc_station", "wc_writer"):
                c.execute(text(f"CREATE ROLE {role} LOGIN SUPERUSER"))
        with create_engine(role_url(base, "postgres"), isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text("CREATE EXTENSION pg_stat_statements"))
        admissions = prepare(role_url(base, "postgres"))
        figures: dict[str, Any] = {}
        runs = [(n, False) for n in counts] + [(n, True) for n in naive_counts]
        for n, naive in runs:
            phase = run_phase(base, admissions, n, naive, seconds, args.profile)
            label = f"{'naive ' if naive else ''}N={n}"
            p50, p95 = quantile(phase.latencies, 0.5), quantile(phase.latencies, 0.95)
            snapshot = round(statistics.median(phase.loads), 1) if phase.loads else None
            saturated = (
                phase.figures["client_cpu_share_of_2_cores"] >= 0.9
                or phase.figures["load_avg_1min"] >= 2.0
            )
            print(
                f"{label}: propagation p50 {p50} ms, p95 {p95} ms; snapshot+board median "
                f"{snapshot} ms; {json.dumps(phase.figures)}"
                + ("  [2 client cores saturated: load average >= 2]" if saturated else ""),
                file=sys.stderr,
                flush=True,
            )
            for line in phase.top:
                print(f"    {line}", file=sys.stderr)
            suffix = f"{'naive_' if naive else ''}{n}"
            figures[f"p50_ms_{suffix}"] = p50
            figures[f"p95_ms_{suffix}"] = p95
            figures[f"snapshot_ms_{suffix}"] = snapshot
            figures[f"statements_per_change_{suffix}"] = phase.figures[
                "station_statements_per_change"
            ]
            figures[f"reloads_per_station_{suffix}"] = phase.figures["reloads_per_station"]
            figures[f"client_cpu_{suffix}"] = phase.figures["client_cpu_share_of_2_cores"]
            figures[f"station_cpu_ms_per_burst_{suffix}"] = phase.figures[
                "station_cpu_ms_per_burst"
            ]
            figures[f"snapshot_cpu_ms_{suffix}"] = phase.figures["snapshot_cpu_ms"]
            figures[f"snapshots_per_burst_{suffix}"] = phase.figures[
                "snapshots_per_station_per_burst"
            ]
            figures[f"load_avg_{suffix}"] = phase.figures["load_avg_1min"]
        keys = ["p95_ms_1", "p95_ms_10", "p95_ms_30", "snapshot_ms_30", "statements_per_change_30"]
        last = {k: figures.get(k) for k in keys}
        last.update({k: v for k, v in figures.items() if k not in last})
        print(json.dumps(last))
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
