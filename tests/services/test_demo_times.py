"""A demo ward is a ward as it stands now: nothing in it was recorded, taken, raised or
resolved after the moment it was built (a nurse trying it would see entries from the future)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, func, select
from wardfakes import Clock

from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.store.models import Base

FUTURE_BY_DESIGN = {
    ("sign_in_throttle", "wait_until"),
    ("staff", "locked_until"),
    ("clinical_decisions", "review_at"),
    ("escalations", "snoozed_until"),
    ("handoffs", "shift_end"),
    ("handoff_signoffs", "shift_end"),
    ("observation_levels", "review_at"),
    ("observation_levels", "next_prompt_at"),
    ("safety_checks", "next_prompt_at"),
    ("follow_ups", "due_at"),
    ("fluid_plans", "review_at"),
    ("medicine_lines", "reducing_until"),
    ("food_charts", "ends_at"),
    ("change_log", "at"),
}
"""When something is next due or planned to end (a reducing regimen, a food chart), a time
ahead of now by its nature; and the change feed's own log, stamped by the database's wall clock
when each row was written (not demo content)."""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _latest_times(db: Database) -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                kind = getattr(column.type, "impl", column.type)
                if not isinstance(kind, DateTime):
                    continue
                if (table.name, column.name) in FUTURE_BY_DESIGN:
                    continue
                value = session.scalar(select(func.max(column)))
                if value is not None:
                    latest[f"{table.name}.{column.name}"] = value
    return latest


def test_nothing_in_a_demo_ward_is_later_than_the_moment_it_was_built(
    db: Database, clock: Clock
) -> None:
    build_demo_ward(db, DemoOptions(beds=20, days=8, seed=7))  # the README's demo, shorter
    latest = _latest_times(db)
    assert "observation_sets.recorded_at" in latest and "prn_effects.recorded_at" in latest
    future = {name: value for name, value in latest.items() if _aware(value) > clock.now}
    assert future == {}
