"""The medicines dependency watch on the ward's clock: nights and ward days of use across
midnight and the clock changes, the diazepam-equivalent load as a reference figure, and the
dependency-review advisory at the policy's counts (REFERENCE-2.md §12.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from wardconsole.domain.dependency_watch import (
    WardCalendar,
    dose_mg,
    watch_medicines,
)
from wardconsole.domain.formulary import load_formulary
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationKind as K
from wardconsole.domain.records import PrnDose, Severity
from wardconsole.domain.rules import evaluate
from wardconsole.domain.shifts import ShiftPattern
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import obs

LONDON = ZoneInfo("Europe/London")
FORMULARY = load_formulary()
_ids = count(1)


@pytest.fixture(scope="module")
def calendar(policy: EscalationPolicy) -> WardCalendar:
    return WardCalendar(ShiftPattern(policy.shifts, LONDON))


def local(text: str) -> datetime:
    """A ward wall-clock time ("2026-10-24 23:30") as UTC; fold=0 for a repeated hour."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def given(at: datetime, drug: str = "Zopiclone", dose: str = "7.5 mg", klass: str = "") -> PrnDose:
    return PrnDose(next(_ids), 1, at, drug, klass or "z_drug", dose, "PO")


def watch(calendar: WardCalendar, doses: list[PrnDose], now: datetime, days: int = 14):
    found = watch_medicines(doses, formulary=FORMULARY, calendar=calendar, now=now, days=days)
    return {c.key: c for c in found.classes}


def test_a_dose_after_midnight_belongs_to_the_night_that_began_the_evening_before(
    calendar: WardCalendar,
) -> None:
    evening, small_hours = local("2026-11-20 22:00"), local("2026-11-21 01:30")
    assert calendar.night(evening) == calendar.night(small_hours) == evening.date()
    assert calendar.ward_day(small_hours) == evening.date()  # the ward day runs 07:00 to 07:00
    assert calendar.night(local("2026-11-21 12:00")) is None
    found = watch(calendar, [given(evening), given(small_hours)], local("2026-11-21 10:00"))
    z = found["z_drug"]
    assert (z.nights_in_row, z.nights_of_last_7) == (1, 1)


@pytest.mark.parametrize(
    ("first_night", "label"),
    [("2026-10-21", "clocks go back 25 Oct"), ("2027-03-24", "clocks go forward 28 Mar")],
)
def test_six_nights_in_a_row_across_a_clock_change(
    calendar: WardCalendar, first_night: str, label: str
) -> None:
    start = datetime.fromisoformat(first_night).date()
    doses = []
    for n in range(6):
        night = start + timedelta(days=n)
        # 01:30 is the hour that happens twice (October) or the hour after the skipped one.
        doses.append(given(local(f"{night + timedelta(days=1)} 01:30")))
    now = local(f"{start + timedelta(days=6)} 14:00")
    z = watch(calendar, doses, now)["z_drug"]
    assert (z.nights_in_row, z.nights_of_last_7, z.days_in_row) == (6, 6, 6), label
    assert z.run_started_at == doses[0].given_at


def test_tonight_without_a_dose_yet_keeps_last_nights_run_and_a_gap_breaks_it(
    calendar: WardCalendar,
) -> None:
    nights = ["2026-11-10", "2026-11-11", "2026-11-13", "2026-11-14"]
    doses = [given(local(f"{n} 23:00")) for n in nights]
    evening = local("2026-11-15 20:00")  # tonight, no dose yet
    z = watch(calendar, doses, evening)["z_drug"]
    assert (z.nights_in_row, z.nights_of_last_7) == (2, 4)
    z = watch(calendar, [*doses, given(local("2026-11-15 22:30"))], local("2026-11-15 23:00"))[
        "z_drug"
    ]
    assert (z.nights_in_row, z.nights_of_last_7) == (3, 5)


def test_doses_per_ward_day_and_a_rise_day_on_day(calendar: WardCalendar) -> None:
    doses = [given(local("2026-11-10 10:00"), "Lorazepam", "1 mg")]
    doses += [given(local(f"2026-11-11 {h:02d}:00"), "Lorazepam", "1 mg") for h in (10, 16)]
    doses += [given(local(f"2026-11-12 {h:02d}:00"), "Lorazepam", "1 mg") for h in (9, 13, 21)]
    doses.append(given(local("2026-11-13 02:00"), "Lorazepam", "1 mg"))  # ward day 12 Nov
    b = watch(calendar, doses, local("2026-11-13 09:00"), days=5)["benzodiazepine"]
    assert [n for _day, n in b.per_day] == [0, 1, 2, 4, 0]
    assert b.rising(3, 2) == (1, 2, 4)
    assert b.rising(3, 4) is None
    assert b.rising(4, 1) == (0, 1, 2, 4)
    assert b.rising(5, 1) is None  # only four completed days in the watch
    assert b.name == "lorazepam"


def test_the_diazepam_equivalent_load_is_a_reference_figure_with_its_source(
    calendar: WardCalendar,
) -> None:
    today = [
        given(local("2026-11-20 09:00"), "Lorazepam", "1 mg"),
        given(local("2026-11-20 15:00"), "Diazepam", "5 mg"),
        given(local("2026-11-20 21:00"), "Lorazepam", "500 micrograms"),
        given(local("2026-11-20 22:00"), "Lorazepam", "one tablet"),
        given(local("2026-11-19 09:00"), "Diazepam", "10 mg"),  # yesterday: not today's load
    ]
    load = watch(calendar, today, local("2026-11-20 23:00"))["benzodiazepine"].load_today
    assert load is not None
    # Ashton (REFERENCE-2.md §12.4): lorazepam 1 mg ≈ diazepam 10 mg; diazepam 10 ≈ 10.
    assert (load.low_mg, load.high_mg) == (Decimal(20), Decimal(20))
    assert load.left_out == ("Lorazepam one tablet",)
    assert load.text.startswith("≈ 20 mg diazepam-equivalent (Ashton; approximate reference")


def test_a_range_equivalent_gives_a_range_and_unwatched_classes_are_left_out(
    calendar: WardCalendar,
) -> None:
    doses = [
        given(local("2026-11-20 22:00"), "Lormetazepam", "1 mg"),
        given(local("2026-11-20 22:00"), "Promethazine", "25 mg", "sedating_antihistamine"),
    ]
    found = watch(calendar, doses, local("2026-11-20 23:00"))
    assert set(found) == {"benzodiazepine"}
    load = found["benzodiazepine"].load_today
    assert load is not None and (load.low_mg, load.high_mg) == (Decimal(5), Decimal(10))
    assert "secondary source" in load.text


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("7.5 mg", Decimal("7.5")),
        ("500 micrograms", Decimal("0.5")),
        ("10mg", Decimal(10)),
        ("250 mcg", Decimal("0.25")),
        ("two tablets", None),
        ("", None),
    ],
)
def test_dose_amounts_are_read_only_when_written_in_mg(text: str, mg: Decimal | None) -> None:
    assert dose_mg(text) == mg


def test_the_advisory_comes_on_the_sixth_night_in_a_row(
    policy: EscalationPolicy, chart: WithdrawalChart, calendar: WardCalendar
) -> None:
    doses = [given(local(f"2026-11-{d:02d} 23:00")) for d in range(10, 16)]
    now = local("2026-11-16 11:00")
    base_state = replace(
        __import__("tests.domain.builders", fromlist=["state"]).state(
            obs(now - timedelta(minutes=5))
        ),
        admitted_at=now - timedelta(days=8),
    )

    def review(doses_now: list[PrnDose]):
        medicines = watch_medicines(
            doses_now, formulary=FORMULARY, calendar=calendar, now=now, days=14
        )
        state = replace(base_state, medicines=medicines)
        return {t.kind: t for t in evaluate(state, now=now, policy=policy, chart=chart)}.get(
            K.DEPENDENCY_REVIEW
        )

    assert review(doses[1:]) is None  # five nights: not yet
    trigger = review(doses)
    assert trigger is not None and trigger.severity is Severity.ADVISORY
    assert trigger.explanation == "zopiclone 6 of 7 nights, 6 in a row — review due"
    assert trigger.prompts == ("Dependency review / taper plan with the prescriber",)
    assert trigger.evidence_at == doses[0].given_at
