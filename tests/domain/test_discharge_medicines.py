"""Medicines at discharge in words: a line from before the admission is not "started on the
ward", a line started after discharge is left out, a finished reduction needs no taper advice,
and a stopped line without a reason says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wardconsole.domain.discharge_medicines import NO_LINES, medicines_at_discharge
from wardconsole.domain.medicines import MONITORING_COPY, MedicineLine

ADMITTED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DISCHARGED = ADMITTED + timedelta(days=7)


def _line(drug: str, starts: datetime, **more: object) -> MedicineLine:
    values: dict[str, object] = {
        "id": hash(drug) % 1000,
        "admission_id": 1,
        "drug": drug,
        "drug_class": "benzodiazepine",
        "dose": "10 mg",
        "route": "oral",
        "schedule": "regular",
        "frequency": "at night",
        "max_per_24h": "",
        "starts_at": starts,
        "stop_at": None,
        "reducing_until": None,
        "transcribed_by": "Robin Test",
        "transcribed_at": starts,
    }
    values.update(more)
    return MedicineLine(**values)  # type: ignore[arg-type]


def _groups(lines: list[MedicineLine], review: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    section = medicines_at_discharge(
        lines, review, admitted_at=ADMITTED, discharged_at=DISCHARGED, when=lambda at: f"{at:%d %H}"
    )
    assert section.caveat == MONITORING_COPY == section.lines()[0]
    return dict(section.groups)


def test_only_lines_started_during_the_stay_count_as_started_on_the_ward() -> None:
    before = _line("Temazepam", ADMITTED - timedelta(days=30))
    during = _line("Diazepam", ADMITTED + timedelta(hours=3))
    after = _line("Lorazepam", DISCHARGED + timedelta(hours=1))
    groups = _groups([before, during, after])
    assert groups["Started on the ward"] == ("Diazepam 10 mg oral, regular at night — from 20 13",)
    assert len(groups["Still taking at discharge"]) == 2
    assert not any("Lorazepam" in line for lines in groups.values() for line in lines)


def test_a_finished_reduction_needs_no_taper_advice_and_a_stop_without_reason_says_so() -> None:
    done = _line(
        "Chlordiazepoxide",
        ADMITTED,
        reducing_until=ADMITTED + timedelta(days=5),
        stop_at=ADMITTED + timedelta(days=5),
    )
    groups = _groups([done])
    assert "Taper advice" not in groups
    assert groups["Stopped"] == (
        "Chlordiazepoxide 10 mg oral, regular at night — stopped 25 10: no reason recorded",
    )


def test_nothing_on_the_list_is_said_and_a_review_due_is_taper_advice() -> None:
    assert _groups([]) == {"": (NO_LINES,)}
    groups = _groups([], ("zopiclone: 6 of 7 nights, 6 in a row — review due",))
    [advice] = groups["Taper advice"]
    assert advice.startswith("Dependency review / taper plan with the prescriber")
