"""The demo ward is realistic and the census shows what needs attention now."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from wardconsole.domain.records import EscalationKind
from wardconsole.services.census import CensusService, detox_day
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward, withdrawal_intensity
from wardconsole.store.models import AssessmentRow, ObservationSetRow, SymptomEntryRow


def test_demo_ward_fills_most_beds_with_sensible_data(db: Database) -> None:
    build_demo_ward(db, DemoOptions(beds=12, days=6, seed=3))
    snapshot = CensusService(db).snapshot()
    assert len(snapshot.rows) == round(12 * 0.85)
    assert snapshot.summary.beds_total == 12
    assert len(snapshot.free_beds) == 12 - len(snapshot.rows)
    assert all(1 <= r.detox_day <= 7 for r in snapshot.rows)
    assert all(r.news2_total is not None for r in snapshot.rows)
    assert all(r.symptom_total is not None for r in snapshot.rows)
    kinds = {e.kind for r in snapshot.rows for e in r.open_escalations}
    assert kinds & {
        EscalationKind.PANIC,
        EscalationKind.HALLUCINATION,
        EscalationKind.CONFUSION,
        EscalationKind.DETERIORATION,
    }
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ObservationSetRow)) > 100
        assert session.scalar(select(func.count()).select_from(SymptomEntryRow)) > 50
        assert session.scalar(select(func.count()).select_from(AssessmentRow)) > 20


def test_the_demo_ward_checks_sedation_after_each_prn_dose(db: Database) -> None:
    """A demo where every PRN dose lacked its RASS would open on a wall of alarms."""
    build_demo_ward(db, DemoOptions(beds=12, days=6, seed=3))
    snapshot = CensusService(db).snapshot()
    after_prn = [
        e
        for r in snapshot.rows
        for e in r.open_escalations
        if e.kind is EscalationKind.POST_PRN_RASS
    ]
    assert after_prn == []


def test_demo_ward_is_deterministic_for_a_seed(db: Database, sqlite_url: str) -> None:
    from wardconsole.store.engine import make_engine

    build_demo_ward(db, DemoOptions(beds=6, days=4, seed=11))
    other = Database(make_engine(sqlite_url), clock=db.clock)
    build_demo_ward(other, DemoOptions(beds=6, days=4, seed=11))

    def fingerprint(d: Database) -> list[tuple]:
        return [
            (r.bed, r.patient_name, r.news2_total, r.symptom_total)
            for r in CensusService(d).snapshot().rows
        ]

    assert fingerprint(db) == fingerprint(other)
    other.engine.dispose()


def test_withdrawal_rises_then_settles() -> None:
    assert withdrawal_intensity(6) < withdrawal_intensity(36) > withdrawal_intensity(24 * 5)


def test_detox_day_counts_elapsed_time_not_calendar_dates() -> None:
    from datetime import UTC, datetime

    admitted = datetime(2026, 11, 25, 23, 42, tzinfo=UTC)
    assert detox_day(admitted, admitted + timedelta(minutes=21)) == 1
    assert detox_day(admitted, admitted + timedelta(hours=24, minutes=1)) == 2


def test_census_query_count_is_fixed_whatever_the_history(db: Database, sqlite_url: str) -> None:
    """A short and a long stay cost the same number of statements: O(patients) queries,
    never one query per observation (the row work is index seeks, see bench/census.py)."""
    from statements import statements_during

    from wardconsole.store.engine import make_engine

    def statements_for(database: Database) -> int:
        return len(statements_during(database.engine, CensusService(database).snapshot))

    build_demo_ward(db, DemoOptions(beds=4, days=1, seed=5))
    longer = Database(make_engine(sqlite_url), clock=db.clock)
    build_demo_ward(longer, DemoOptions(beds=12, days=20, seed=5))
    # 10 for the clinical columns (one for partial sets newer than the last complete one), 2 for
    # observation levels and the newest safety check, 3 for what is due after PRN doses (doses,
    # RASS and RT checks) and the clinicians' decisions, 3 for the fluid column (this period's
    # grouped totals, the plans in force, the last drink of those with none this period), 3 for
    # the sleep flag on a census's first refresh (whether the last nights changed, then their
    # safety checks and sleep entries; later refreshes ask only the first).
    assert statements_for(db) == statements_for(longer) <= 21
    longer.engine.dispose()
