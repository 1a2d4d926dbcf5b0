"""Medicines at discharge on SQLite and PostgreSQL: the discharge summary and the discharge
letter list what was started on the ward, what the patient still takes, what was stopped with
its reason and the taper advice (a planned reduction; a dependency review due), each under
"as recorded on the ward console — confirm against the prescription"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from wardfakes import Clock

from wardconsole.domain.medicines import MONITORING_COPY
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.medicines import MedicinesService

LONDON = ZoneInfo("Europe/London")


def _stay_with_medicines(db: Database, nurse: Actor, clock: Clock) -> int:
    """Admitted Fri 23 Oct 2026; zopiclone every night across the clock change (Sun 25 Oct),
    diazepam stopped, a chlordiazepoxide reduction planned to end after discharge."""
    clock.now = datetime(2026, 10, 23, 14, 0, tzinfo=LONDON).astimezone(UTC)
    desk = AdmissionService(db)
    desk.ensure_beds(["B01"], "Detox")
    admission = desk.admit(
        nurse,
        NewPatient("KD300001", "Rhys", "Tanaka", date(1988, 4, 2)),
        bed="B01",
        admitted_at=clock.now,
        reason="Ketamine dependence",
    )
    medicines = MedicinesService(db)
    zopiclone = medicines.add_line(
        nurse, admission, drug="Zopiclone", dose="7.5 mg", route="oral", schedule="regular",
        frequency="at night",
    )  # fmt: skip
    diazepam = medicines.add_line(
        nurse, admission, drug="Diazepam", dose="5 mg", route="oral", schedule="regular",
        frequency="twice a day",
    )  # fmt: skip
    medicines.add_line(
        nurse, admission, drug="Chlordiazepoxide", dose="20 mg", route="oral",
        schedule="regular", frequency="four times a day",
        reducing_until=clock.now + timedelta(days=10),
    )  # fmt: skip
    for night in range(6):  # 23:00 each night, Fri 23 to Wed 28 Oct
        at = datetime(2026, 10, 23 + night, 23, 0, tzinfo=LONDON).astimezone(UTC)
        clock.now = at
        medicines.record_regular_dose(nurse, zopiclone, outcome="given", given_at=at)
    clock.now = datetime(2026, 10, 26, 9, 0, tzinfo=LONDON).astimezone(UTC)
    medicines.stop_line(
        nurse, diazepam, reason="Drowsy in the day; prescriber stopped it", stop_at=clock.now
    )
    clock.now = datetime(2026, 10, 29, 10, 0, tzinfo=LONDON).astimezone(UTC)
    return admission


def test_the_summary_lists_started_taking_stopped_and_taper_advice(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _stay_with_medicines(db, nurse, clock)
    text = DischargeService(db).draft(admission).text
    section = text.split("\nMEDICINES\n")[1].split("\n\n")[0].splitlines()
    assert section[0] == MONITORING_COPY
    assert (
        "- Started on the ward: Zopiclone 7.5 mg oral, regular at night — from day 1"
        in (section[1])
    )
    assert (
        "- Still taking at discharge: Zopiclone 7.5 mg oral, regular at night" in section
        and "- Still taking at discharge: Chlordiazepoxide 20 mg oral, regular four times a day"
        in section
    )
    [stopped] = [line for line in section if line.startswith("- Stopped:")]
    assert stopped == (
        "- Stopped: Diazepam 5 mg oral, regular twice a day — stopped day 3, Mon 26 Oct 09:00: "
        "Drowsy in the day; prescriber stopped it"
    )
    taper = [line for line in section if line.startswith("- Taper advice:")]
    assert taper[0] == (
        "- Taper advice: Chlordiazepoxide is a planned reducing regimen ending day 11, "
        "Mon 2 Nov 13:00: continue the reduction as prescribed, not past its planned end"
    )
    # Six nights in a row across the clock change: past the policy's five, a review is due.
    assert "Dependency review / taper plan with the prescriber" in taper[1]
    assert "zopiclone: 0 PRN today, 6 of 7 nights, 6 in a row" in taper[1]
    assert taper[1].endswith("— review due")


def test_the_letter_carries_the_same_medicines_under_the_confirm_line(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _stay_with_medicines(db, nurse, clock)
    service = DischargeService(db)
    service.discharge(
        nurse,
        admission,
        destination="residential_treatment",
        summary=service.draft(admission).text,
    )
    clock.advance(hours=4)
    letter = AftercareService(db).letter(nurse, admission)  # its follow-up is open
    medicines = dict(letter.sections)["Medicines"]
    assert medicines[0] == MONITORING_COPY
    assert "Stopped: Diazepam 5 mg oral, regular twice a day — stopped Mon 26 Oct 2026 09:00: " \
        "Drowsy in the day; prescriber stopped it" in medicines  # fmt: skip
    assert any(line.startswith("Taper advice: Chlordiazepoxide is a planned") for line in medicines)
    assert any("6 of 7 nights, 6 in a row" in line for line in medicines), medicines
    assert "No PRN medication recorded on the ward." in medicines


def test_a_stay_without_a_medicines_list_says_so(db: Database, nurse: Actor, clock: Clock) -> None:
    desk = AdmissionService(db)
    desk.ensure_beds(["B01"], "Detox")
    admission = desk.admit(
        nurse,
        NewPatient("KD300002", "Ana", "Lopes", date(1990, 1, 1)),
        bed="B01",
        admitted_at=clock.now - timedelta(days=3),
        reason="Ketamine dependence",
    )
    text = DischargeService(db).draft(admission).text
    assert f"MEDICINES\n{MONITORING_COPY}\n- No medicines on the ward console's list" in text
