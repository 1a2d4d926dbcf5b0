"""A patient's medicines list on the console: a MONITORING COPY of the ward's drug chart.

The ward's drug chart (or electronic prescribing) stays the administration record; the console
keeps a copy so that the dependency watch (``domain.dependency_watch``) can see regular doses as
well as PRN ones. Copying is a transcription hazard (docs/safety/hazard-log.md), so each line
shows who transcribed it and when, a second member of staff checks it against the chart (the
policy says whether a line counts before that check), and anything printed from the list says
``MONITORING_COPY``. A line's class comes from the formulary for a listed drug (the one home for
drug facts); a drug not listed needs a class chosen from the formulary's classes.

A planned reducing regimen (e.g. a chlordiazepoxide reduction for alcohol withdrawal) carries
its planned end: it alerts only when it overruns — a dose given after the end, or the line still
active a day after it (``regimen_overruns``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from wardconsole.domain.formulary import Formulary
from wardconsole.domain.records import ATTENTION_SIGN, PRN_ROUTES, route_key
from wardconsole.domain.text_input import text_problem

MONITORING_COPY: Final = "As recorded on the ward console — confirm against the prescription."
"""Printed on everything made from the console's medicines list."""
SCHEDULES: Final[Mapping[str, str]] = MappingProxyType({"regular": "Regular", "prn": "PRN"})
OMITTED_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "refused": "Refused",
        "asleep": "Asleep",
        "withheld_sedated": "Withheld — sedated",
        "withheld_other": "Withheld — other clinical reason",
        "not_available": "Not available",
        "away": "Off the ward",
    }
)
"""Why a regular dose was not given (the ward chart's omission codes differ by trust)."""
OUTCOMES: Final[Mapping[str, str]] = MappingProxyType({"given": "Given", "omitted": "Omitted"})
OVERRUN_GRACE: Final = timedelta(days=1)
"""A reducing regimen still on the list this long after its planned end is an overrun (DESIGN
CHOICE: one ward day, so the last day's dose is not flagged)."""


@dataclass(frozen=True, slots=True)
class MedicineLine:
    """One current line of the medicines list."""

    id: int
    admission_id: int
    drug: str
    drug_class: str
    dose: str
    route: str
    schedule: str
    frequency: str
    max_per_24h: str
    starts_at: datetime
    stop_at: datetime | None
    reducing_until: datetime | None
    transcribed_by: str
    transcribed_at: datetime
    checked_by: str = ""
    checked_at: datetime | None = None
    change_reason: str = ""
    """Why this version changed the line before it (a correction or a stop); "" for the first."""

    @property
    def checked(self) -> bool:
        return self.checked_at is not None

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.stop_at is None or at < self.stop_at)


def schedule_parts(line: MedicineLine) -> tuple[str, str, str]:
    """How a line is given, in the chart's words: its schedule ('Regular', 'PRN'), when a regular
    line is given ('at night') and a PRN line's maximum per 24 h ('4 mg'); "" where the chart
    gave none. The one reading of a line's schedule that every screen and print words."""
    label = SCHEDULES.get(line.schedule, line.schedule)
    if line.schedule == "prn":
        return label, "", line.max_per_24h
    return label, line.frequency, ""


def schedule_text(line: MedicineLine) -> str:
    """'Regular: at night' or 'PRN: max 4 mg / 24 h' (the list's Regular / PRN column)."""
    label, when, most = schedule_parts(line)
    if most:
        return f"{label}: max {most} / 24 h"
    return f"{label}: {when}" if when else label


def line_text(line: MedicineLine) -> str:
    """'Zopiclone 7.5 mg oral (regular: at night)': one line as staff read it."""
    route = PRN_ROUTES.get(line.route, line.route)
    return f"{line.drug} {line.dose} {route} ({schedule_text(line).lower()})"


def list_text(lines: Sequence[MedicineLine], at: datetime) -> str | None:
    """The lines active at ``at`` in one sentence, with how many await their second check
    ("Medicines list: … — ⚠ 1 not yet checked against the chart"); None without any."""
    active = [line for line in lines if line.active(at)]
    if not active:
        return None
    unchecked = sum(1 for line in active if not line.checked)
    tail = f" — {ATTENTION_SIGN} {unchecked} not yet checked against the chart" if unchecked else ""
    return f"Medicines list: {'; '.join(line_text(line) for line in active)}{tail}"


def check_line(
    formulary: Formulary,
    *,
    drug: str,
    drug_class: str,
    dose: str,
    route: str,
    schedule: str,
    frequency: str,
    max_per_24h: str,
    starts_at: datetime,
    reducing_until: datetime | None,
) -> tuple[str, dict[str, str]]:
    """The class key the line takes and the problems by field (empty when it may be saved)."""
    problems: dict[str, str] = {}
    for name, value, longest, required in (
        ("drug", drug, 120, True),
        ("dose", dose, 64, True),
        ("frequency", frequency, 120, schedule == "regular"),
        ("max_per_24h", max_per_24h, 64, schedule == "prn"),
    ):
        if problem := text_problem(name, value, max_length=longest, required=required):
            problems[name] = problem
    found = formulary.find(drug) if drug.strip() else None
    key = found.drug_class.key if found is not None else drug_class.strip()
    if found is None and key not in formulary.classes:
        problems["drug_class"] = (
            f"drug_class: {drug.strip() or 'this drug'} is not in the formulary; choose its "
            f"class from {', '.join(formulary.classes)}"
        )
    if route_key(route) is None:
        problems["route"] = f"route: one of {', '.join(PRN_ROUTES.values())}"
    if schedule not in SCHEDULES:
        problems["schedule"] = f"schedule: one of {', '.join(SCHEDULES)}"
    if reducing_until is not None and reducing_until <= starts_at:
        problems["reducing_until"] = "reducing_until: the planned end must be after the start"
    return key, problems


def check_dose_outcome(outcome: str, omitted_reason: str) -> dict[str, str]:
    """Problems with a regular dose's outcome, by field."""
    if outcome not in OUTCOMES:
        return {"outcome": f"outcome: one of {', '.join(OUTCOMES)}"}
    if outcome == "omitted" and omitted_reason not in OMITTED_REASONS:
        return {"omitted_reason": f"omitted_reason: one of {', '.join(OMITTED_REASONS)}"}
    if outcome == "given" and omitted_reason:
        return {"omitted_reason": "omitted_reason: only for a dose that was not given"}
    return {}


@dataclass(frozen=True, slots=True)
class GivenDose:
    """A dose given against a line (regular or PRN), for the overrun check."""

    line_id: int
    given_at: datetime


def regimen_overruns(
    lines: Sequence[MedicineLine], given: Sequence[GivenDose], now: datetime
) -> list[tuple[MedicineLine, str, datetime]]:
    """Reducing regimens that have overrun their planned end: (line, what happened, when)."""
    out: list[tuple[MedicineLine, str, datetime]] = []
    for line in lines:
        end = line.reducing_until
        if end is None:
            continue
        late = sorted(d.given_at for d in given if d.line_id == line.id and d.given_at > end)
        if late:
            out.append((line, f"{line.drug} given after the planned end of its reduction", late[0]))
        elif line.active(now) and now >= end + OVERRUN_GRACE:
            out.append((line, f"{line.drug} reduction still on the list past its planned end", end))
    return out
