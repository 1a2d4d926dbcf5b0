"""The demo ward's medicines lists: what a nurse trying the demo sees in Medicines list…"""

from __future__ import annotations

from sqlalchemy import select

from wardconsole.domain.records import EscalationKind
from wardconsole.services.census import CensusService
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.medicines import MedicinesService
from wardconsole.store.models import RegularDoseRow


def test_the_demo_ward_has_checked_medicines_lists_and_regular_doses(db: Database) -> None:
    admissions = build_demo_ward(db, DemoOptions())  # what `wardconsole --demo` builds
    service = MedicinesService(db)
    lines = {a: service.view(a).lines for a in admissions}
    assert all(lines.values()), "every patient has a medicines list"
    every = [line for found in lines.values() for line in found]
    drugs = {line.drug for line in every}
    assert {"Zopiclone", "Lorazepam", "Chlordiazepoxide"} <= drugs
    unchecked = [line for line in every if not line.checked]
    assert 1 <= len(unchecked) <= 2
    assert all(line.checked_by != line.transcribed_by for line in every if line.checked)
    stopped = [line for line in every if line.stop_at is not None]
    assert stopped and all(line.change_reason for line in stopped)
    assert any(line.reducing_until is not None for line in every)
    with db.read() as session:
        outcomes = session.execute(select(RegularDoseRow.outcome, RegularDoseRow.omitted_reason))
        omitted = {reason for outcome, reason in outcomes if outcome == "omitted"}
    assert {"refused", "asleep"} <= omitted
    kinds = {e.kind for r in CensusService(db).snapshot().rows for e in r.open_escalations}
    assert EscalationKind.DEPENDENCY_REVIEW in kinds
