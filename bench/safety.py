"""Nothing lost: the figures for the closing note, from the same drills the tests run.

* crash safety — a writer saving bursts of bedside rounds is SIGKILLed at random moments, many
  times; afterwards the database must pass its integrity check and hold every save the writer
  reported as committed (SQLite, and PostgreSQL on the shared test server when it answers);
* outage — a PostgreSQL server of this script's own (initdb + pg_ctl on a free port) is
  stopped mid-shift while rounds are saved, then restarted; the queued rounds must be written
  once, in order, with their original times and author;
* bad input — the property tests over every validator, service and import path, with many
  more examples than the default test run;
* tamper evidence — on the census benchmark's ward (60 patients, sets every 15 minutes, 30
  days), every entry audited with its digest as the services do, then sealed: a full
  ``audit verify`` and one from the last anchor after another hour of entries are timed;
* sign-in — one try's time for a wrong password, an unknown ID and a waiting ID at the
  production scrypt cost (the same path, so about the same time).

    python bench/safety.py [--kills 100] [--outage-seconds 5] [--fuzz-examples 200]
    python bench/safety.py --only-security      # the last two only

Last line: {"kills_survived": ..., "saves_reported": ..., "saves_lost": 0, "half_saves": 0,
"outage_seconds": ..., "entries_queued": ..., "entries_replayed": ..., "duplicates": 0,
"fuzzed_inputs": ..., "fuzz_crashes": 0, ...}
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "safety"), str(ROOT / "tests" / "support")]

from campaigns import crash_campaign, outage_drill  # noqa: E402


def crash_figures(kills: int) -> list[dict[str, object]]:
    reports = []
    with tempfile.TemporaryDirectory() as scratch:
        report = crash_campaign(f"sqlite:///{scratch}/crash.sqlite", kills, seed=21, max_delay=0.2)
        reports.append(vars(report))
    try:
        from dbfixtures import drop_pg_schema, new_pg_schema_url

        url, schema = new_pg_schema_url()
    except BaseException as exc:  # pytest.skip raises BaseException subclasses
        print(f"PostgreSQL crash drill skipped: {exc}", file=sys.stderr)
        return reports
    try:
        reports.append(vars(crash_campaign(url, kills, seed=22, max_delay=0.2)))
    finally:
        drop_pg_schema(schema)
    return reports


def outage_figures(seconds: float) -> dict[str, object]:
    import throwaway_pg

    problem = throwaway_pg.available()
    if problem:
        print(f"Outage drill skipped: {problem}", file=sys.stderr)
        return {}
    server = throwaway_pg.ThrowawayPostgres()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            return vars(outage_drill(server, Path(scratch), entries=12, down_for=seconds))
    finally:
        server.destroy()


def fuzz_figures(examples: int) -> tuple[int, int]:
    """Run the property tests with ``examples`` per property; (inputs tried, failures)."""
    env = {**os.environ, "WARDCONSOLE_FUZZ_EXAMPLES": str(examples), "QT_QPA_PLATFORM": "offscreen"}
    tests = sorted(str(p) for p in (ROOT / "tests" / "safety").glob("test_fuzz_*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
    )
    match = re.search(r"SAFETY fuzz: (\d+) inputs, (\d+) failing", done.stdout)
    if match is None:
        print(done.stdout[-3000:], done.stderr[-2000:], file=sys.stderr)
        raise SystemExit("the fuzz run printed no figures")
    failed = re.search(r"(\d+) failed", done.stdout)
    return int(match.group(1)), int(failed.group(1)) if failed else 0


def ledger_figures(days: int) -> dict[str, object]:
    """Seal and verify the census bench's ward (see the module docs)."""
    import time
    from datetime import timedelta

    sys.path.insert(0, str(ROOT / "bench"))
    from census import build
    from sqlalchemy import insert

    from wardconsole.services.audit import AuditService
    from wardconsole.store import ledger
    from wardconsole.store.models import AuditRow

    with tempfile.TemporaryDirectory() as scratch:
        db = build(f"sqlite:///{scratch}/ledger.sqlite", days)
        staff_id = 1
        with db.transaction() as session:
            latest = db.clock() - timedelta(hours=1)
            rows = []
            for entity in ledger.CLINICAL_ENTITIES:
                for entity_id, digest in ledger.table_digests(session, entity).items():
                    rows.append(
                        {
                            "at": latest,
                            "staff_id": staff_id,
                            "station": "bench",
                            "action": "record",
                            "entity": entity,
                            "entity_id": entity_id,
                            "detail": {ledger.DIGEST_KEY: digest},
                        }
                    )
            rows.sort(key=lambda r: (r["at"], r["entity_id"]))
            for start in range(0, len(rows), 5000):
                session.execute(insert(AuditRow), rows[start : start + 5000])
        audit = AuditService(db)
        started = time.perf_counter()
        sealed = audit.seal("bench")
        seal_seconds = time.perf_counter() - started
        audit.anchor("bench-anchor")
        started, cpu = time.perf_counter(), time.process_time()
        full = audit.verify()
        full_seconds = time.perf_counter() - started
        full_cpu = (
            time.process_time() - cpu
        )  # what an idle station would wait (SQLite is in-process)
        # Another hour of entries after the anchor (a set every 15 minutes for 60 patients).
        with db.transaction() as session:
            extra = [
                {**row, "at": db.clock() - timedelta(minutes=5), "station": "bench-later"}
                for row in rows[-240:]
            ]
            session.execute(insert(AuditRow), extra)
        audit.seal("bench")
        started = time.perf_counter()
        quick = audit.verify(since_anchor=True)
        quick_seconds = time.perf_counter() - started
        assert full.ok and quick.ok, (full.problems[:3], quick.problems[:3])
        db.engine.dispose()
    return {
        "ledger_audit_rows": sealed,
        "ledger_seal_seconds": round(seal_seconds, 2),
        "verify_full_seconds": round(full_seconds, 2),
        "verify_full_cpu_seconds": round(full_cpu, 2),
        "verify_full_clinical_rows": full.clinical_rows,
        "verify_since_anchor_seconds": round(quick_seconds, 3),
        "verify_since_anchor_rows": quick.audit_rows,
    }


def sign_in_figures() -> dict[str, object]:
    """Median time of one sign-in try per outcome at the production cost (SQLite)."""
    import statistics
    import time

    from wardconsole.domain.access import load_access_policy
    from wardconsole.services.auth import AuthService
    from wardconsole.services.context import Role
    from wardconsole.services.db import Database
    from wardconsole.services.sign_in import SignInRefused
    from wardconsole.services.staff import StaffService
    from wardconsole.store.engine import make_engine, upgrade

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/sign_in.sqlite")
        upgrade(engine)
        db = Database(engine)
        StaffService(db).add("rn.bench", "Bench Nurse", Role.NURSE, "bench-password-1")
        auth = AuthService(db, load_access_policy())
        timings: dict[str, list[float]] = {"right": [], "wrong": [], "unknown": [], "waiting": []}
        tries = {
            "right": ("rn.bench", "bench-password-1", "A"),
            "wrong": ("rn.bench", "not-the-password", "B"),
            "unknown": ("rn.nobody", "not-the-password", "C"),
        }
        for _ in range(3):
            for name, (code, password, station) in tries.items():
                started = time.perf_counter()
                with contextlib.suppress(SignInRefused):
                    auth.sign_in(code, password, station)
                timings[name].append(time.perf_counter() - started)
        for _ in range(8):  # make station D wait
            with contextlib.suppress(SignInRefused):
                auth.sign_in("rn.waiting", "guess", "D")
        for _ in range(3):
            started = time.perf_counter()
            with contextlib.suppress(SignInRefused):
                auth.sign_in("rn.waiting", "guess", "D")
            timings["waiting"].append(time.perf_counter() - started)
        engine.dispose()
    return {
        f"sign_in_{name}_ms": round(statistics.median(values) * 1000, 1)
        for name, values in timings.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kills per backend")
    parser.add_argument("--outage-seconds", type=float, default=5.0)
    parser.add_argument(
        "--fuzz-examples",
        type=int,
        default=200,
        help="examples per property and backend (x15 for pure validators)",
    )
    parser.add_argument(
        "--only-security", action="store_true", help="only the tamper-evidence and sign-in figures"
    )
    parser.add_argument("--ledger-days", type=int, default=30)
    args = parser.parse_args()

    security = {**ledger_figures(args.ledger_days), **sign_in_figures()}
    print(f"security: {security}", file=sys.stderr)
    if args.only_security:
        print(json.dumps(security))
        return
    crashes = crash_figures(args.kills)
    for report in crashes:
        print(
            f"crash {report['backend']}: {report['kills']} kills, "
            f"{report['saves_reported']} saves reported, {report['saves_lost']} lost, "
            f"integrity {report['integrity']}, {report['seconds']} s",
            file=sys.stderr,
        )
    outage = outage_figures(args.outage_seconds)
    if outage:
        print(
            f"outage: {outage['outage_seconds']} s down, {outage['queued']} queued, "
            f"{outage['replayed']} replayed, {outage['duplicates']} duplicates",
            file=sys.stderr,
        )
    fuzzed, fuzz_failures = fuzz_figures(args.fuzz_examples)
    print(f"fuzz: {fuzzed} inputs, {fuzz_failures} failing properties", file=sys.stderr)
    print(
        json.dumps(
            {
                "kills_survived": sum(int(r["kills"]) for r in crashes),
                "kills_by_backend": {str(r["backend"]): r["kills"] for r in crashes},
                "saves_reported": sum(int(r["saves_reported"]) for r in crashes),
                "saves_lost": sum(int(r["saves_lost"]) for r in crashes),
                "half_saves": sum(int(r["half_saves"]) for r in crashes),
                "integrity": sorted({str(r["integrity"]) for r in crashes}),
                "outage_seconds": outage.get("outage_seconds"),
                "entries_queued": outage.get("queued"),
                "entries_replayed": outage.get("replayed"),
                "duplicates": outage.get("duplicates"),
                "replayed_in_order_with_original_times_and_author": bool(
                    outage
                    and outage["rows_in_order"]
                    and outage["original_times_kept"]
                    and outage["authors_kept"]
                ),
                "fuzzed_inputs": fuzzed,
                "fuzz_crashes": fuzz_failures,
                **security,
            }
        )
    )


if __name__ == "__main__":
    main()
