"""The medicines dependency watch as nurses record PRN doses night after night, across midnight
and the night the clocks go back: the advisory comes on the sixth night in a row, once, and a
resolved review stays resolved for that run. Both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService

LONDON = ZoneInfo("Europe/London")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def ward(engine: Engine) -> tuple[Database, Clock, Actor, int]:
    clock = Clock(local("2026-10-20 09:00"))
    db = Database(engine, clock=clock, ward_timezone="Europe/London")
    staff = StaffService(db)
    staff.add("rn.night", "Nia Night", Role.NURSE, None)
    nurse = staff.actor("rn.night", "Station A")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01"], "Test ward")
    admission = admissions.admit(
        nurse,
        NewPatient("KD000300", "Sol", "Sleepless", date(1992, 1, 2)),
        bed="B01",
        admitted_at=clock.now - timedelta(hours=1),
        reason="Ketamine dependence",
    )
    return db, clock, nurse, admission


def open_reviews(db: Database) -> list:
    return [e for e in EscalationService(db).open() if e.kind is EscalationKind.DEPENDENCY_REVIEW]


def zopiclone(db: Database, clock: Clock, nurse: Actor, admission: int, at: datetime) -> None:
    clock.now = at + timedelta(minutes=5)
    RecordingService(db).record_prn(
        nurse,
        admission,
        drug="Zopiclone",  # the class (Z-drug) follows from the drug
        dose="7.5 mg",
        route="PO",
        reason="Cannot sleep",
        given_at=at,
    )


def test_the_sixth_night_in_a_row_across_the_clock_change_raises_one_review(ward) -> None:
    db, clock, nurse, admission = ward
    # Nights of 20-25 Oct; the clocks go back at 02:00 on 25 Oct, and one dose is at 01:30 —
    # a time that happens twice that night — another just after midnight.
    times = [
        "2026-10-20 23:00",
        "2026-10-22 00:15",  # after midnight: the night of 21 Oct
        "2026-10-22 23:30",
        "2026-10-23 22:45",
        "2026-10-25 01:30",  # the repeated hour: the night of 24 Oct
    ]
    for text in times:
        zopiclone(db, clock, nurse, admission, local(text))
    assert open_reviews(db) == []  # five nights: not yet
    zopiclone(db, clock, nurse, admission, local("2026-10-25 23:10"))
    [review] = open_reviews(db)
    assert review.severity is Severity.ADVISORY
    assert review.explanation == "zopiclone 6 of 7 nights, 6 in a row — review due"
    EscalationService(db).resolve(nurse, review.id, review.version, "Taper plan agreed")
    zopiclone(db, clock, nurse, admission, local("2026-10-26 23:00"))
    assert open_reviews(db) == []  # the same run, already reviewed


def test_a_night_without_a_dose_starts_the_count_again(ward) -> None:
    db, clock, nurse, admission = ward
    for night in ("2026-10-20", "2026-10-21", "2026-10-22", "2026-10-24", "2026-10-25"):
        zopiclone(db, clock, nurse, admission, local(f"{night} 23:00"))
    zopiclone(db, clock, nurse, admission, local("2026-10-26 23:00"))
    assert open_reviews(db) == []  # 6 of 7 nights, but 3 in a row since the gap


def test_the_handoff_says_how_many_nights_and_that_a_review_is_due(ward) -> None:
    from wardconsole.services.handoff import HandoffService

    db, clock, nurse, admission = ward
    for day in range(20, 26):
        zopiclone(db, clock, nurse, admission, local(f"2026-10-{day} 23:00"))
    clock.now = local("2026-10-26 06:00")
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(), admission)
    facts = [f for fs in draft.sections.values() for f in fs if f.topic == "medicines"]
    assert [(f.text, f.alert) for f in facts] == [
        (
            "Medicines watch: zopiclone: 1 PRN today, 6 of 7 nights, 6 in a row, 6 ward days in a "
            "row — review due; load today ≈ 5 mg diazepam-equivalent (Ashton, secondary source; "
            "approximate reference figure)",
            True,
        ),
        ("As recorded on the ward console — confirm against the prescription.", False),
    ]
