"""Discharge: where the patient goes next, and the summary drafted from the stay.

The draft is plain text the nurse edits before confirming; it states numbers as recorded and
draws no clinical conclusion of its own. The withdrawal chart is labelled as the unvalidated
local tool it is (REFERENCE §5.6), and trends are first → peak → last, never a band the
literature does not define. Pure Python: the store gathers ``StayFacts``, this module writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from wardconsole.domain import intake_text as words
from wardconsole.domain.assessments import assessment_name
from wardconsole.domain.bowels import BowelEntry, BowelStatus
from wardconsole.domain.bowels import course_line as bowels_course_line
from wardconsole.domain.discharge_medicines import medicines_at_discharge
from wardconsole.domain.entry_specs import EntrySpec, SimpleEntry
from wardconsole.domain.food_chart import FoodChart
from wardconsole.domain.food_chart import stay_line as food_chart_line
from wardconsole.domain.intake import Intake
from wardconsole.domain.meals import MealEntry
from wardconsole.domain.meals import course_lines as meals_course_lines
from wardconsole.domain.medicines import MedicineLine
from wardconsole.domain.records import Severity
from wardconsole.domain.sessions import SessionFact, discharge_lines
from wardconsole.domain.simple_kinds import entries_line
from wardconsole.domain.sleep import NightSleep, SleepPolicy
from wardconsole.domain.sleep import course_line as sleep_course_line
from wardconsole.domain.weights import MustScreen, WeightCourse, stay_lines


class Destination(StrEnum):
    """Where the patient goes after detox (the transition into further treatment)."""

    RESIDENTIAL = "residential_treatment"
    OUTPATIENT = "outpatient_programme"
    AFTERCARE = "aftercare_peer_support"
    AGAINST_ADVICE = "self_discharge_against_advice"
    HOSPITAL = "transfer_to_hospital"

    @property
    def label(self) -> str:
        return _DESTINATIONS[self][0]

    @property
    def detail_prompt(self) -> str:
        return _DESTINATIONS[self][1]

    @property
    def detail_required(self) -> bool:
        return _DESTINATIONS[self][2]


_DESTINATIONS: Final = {
    Destination.RESIDENTIAL: ("Residential / inpatient treatment", "Service and start date", False),
    Destination.OUTPATIENT: ("Outpatient programme", "Programme and first appointment", False),
    Destination.AFTERCARE: ("Aftercare and peer support", "Group, keyworker or contact", False),
    Destination.AGAINST_ADVICE: (
        "Self-discharge against advice",
        "Advice given and risks explained",
        True,
    ),
    Destination.HOSPITAL: ("Transfer to hospital", "Hospital and reason for transfer", True),
}

CARE_SETTINGS: Final[Mapping[str, str]] = {
    "inpatient": "Inpatient detox",
    "supervised_outpatient": "Supervised outpatient detox",
}

_SEVERITY_WORDS: Final = {
    Severity.ADVISORY: "ADVISORY",
    Severity.URGENT: "URGENT",
    Severity.EMERGENCY: "EMERGENCY",
}
MAX_ESCALATION_LINES: Final = 12
_PHYSICAL_KEPT: Final = ("Urinary", "Abdominal", "Allergies")
"""Intake lines the receiving team needs: ketamine bladder and K-cramps follow-up, allergies."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One recorded value over the stay: a NEWS2 total, a chart total, a scored assessment."""

    at: datetime
    value: int | None
    label: str = ""


@dataclass(frozen=True, slots=True)
class EscalationFact:
    kind: str
    severity: Severity
    raised_at: datetime
    explanation: str
    resolved_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class PrnFact:
    given_at: datetime
    drug: str
    drug_class: str
    dose: str = ""


@dataclass(frozen=True, slots=True)
class PreviousStay:
    admitted_at: datetime
    discharged_at: datetime | None
    destination: str | None


@dataclass(frozen=True, slots=True)
class StayFacts:
    """Everything the draft is written from; sequences oldest first, current entries only."""

    patient_name: str
    hospital_number: str
    date_of_birth: date
    admitted_at: datetime
    care_setting: str
    beds: tuple[str, ...]
    intake: Intake | None
    risk_flags: tuple[str, ...]
    news2: tuple[Reading, ...] = ()
    partial_sets: int = 0
    symptoms: tuple[Reading, ...] = ()
    chart_name: str = "Withdrawal chart"
    chart_max: int = 0
    assessments: Mapping[str, tuple[Reading, ...]] = field(default_factory=dict)
    escalations: tuple[EscalationFact, ...] = ()
    prn: tuple[PrnFact, ...] = ()
    previous_stay: PreviousStay | None = None
    sessions: tuple[SessionFact, ...] = ()
    """Therapy and support sessions offered during the stay (current entries)."""
    weights: WeightCourse | None = None
    """The stay's weighings (None where they were not read)."""
    must_screens: tuple[MustScreen, ...] = ()
    food_charts: tuple[FoodChart, ...] = ()
    """The stay's food charts (each one's current version), oldest first."""
    meals: tuple[MealEntry, ...] = ()
    """The stay's meals, snacks and supplements (current entries)."""
    bowels: tuple[BowelEntry, ...] = ()
    """The stay's bowel movements (current entries)."""
    bowel_status: BowelStatus | None = None
    """Days since the last bowel movement at discharge (None where not read)."""
    medicines: tuple[MedicineLine, ...] = ()
    """The stay's medicines list (current lines; a monitoring copy of the drug chart)."""
    medicines_review: tuple[str, ...] = ()
    """The dependency watch's words for each class due a review at discharge."""
    sleep: tuple[NightSleep, ...] = ()
    """Each night of the stay (the nurse's entry, the estimate from the checks)."""
    sleep_policy: SleepPolicy | None = None
    """The little-sleep hours the course names (None: sleep was not read)."""
    listed: tuple[tuple[EntrySpec, tuple[SimpleEntry, ...]], ...] = ()
    """Each listed simple kind (a urine dipstick, say: ``simple_kinds.listed_specs``) with the
    stay's entries, oldest first."""


def stay_day(admitted_at: datetime, at: datetime) -> int:
    """Detox day: day 1 is the first 24 h after admission (elapsed time, as on the census)."""
    return max(1, (at - admitted_at) // timedelta(days=1) + 1)


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def destination_text(destination: Destination | None, detail: str = "") -> str:
    if destination is None:
        return "(choose a destination)"
    detail = detail.strip()
    return f"{destination.label} — {detail}" if detail else destination.label


FOLLOW_UP_PLACEHOLDER = "(to be completed by the discharging nurse)"
"""The draft's follow-up line: a discharge that still holds it asks first (see ``unfinished``)."""


def unfinished(summary: str) -> list[str]:
    """What the nurse has left unfinished in the summary, in words for a confirmation."""
    if FOLLOW_UP_PLACEHOLDER in summary:
        return [f"The follow-up plan still reads “{FOLLOW_UP_PLACEHOLDER}”."]
    return []


def draft_summary(
    facts: StayFacts,
    *,
    discharged_at: datetime,
    destination: Destination | None,
    detail: str = "",
    tz: tzinfo | None = None,
) -> str:
    """The discharge summary draft: identity, intake, course with numbers, escalations, the
    medicines list at discharge (``discharge_medicines``), PRN use, therapy and support
    sessions by type, status at discharge and a follow-up line for the nurse to complete."""
    w = _Writer(facts, discharged_at, tz)
    w.header(destination, detail)
    w.intake()
    w.course()
    w.nutrition()
    w.escalations()
    w.medicines()
    w.prn()
    w.sessions()
    w.status()
    w.section("Follow-up plan")
    w.line(FOLLOW_UP_PLACEHOLDER)
    return w.text()


def destination_line(destination: Destination | None, detail: str = "") -> str:
    """The summary's destination line (the dialog rewrites it when the choice changes)."""
    return f"Destination: {destination_text(destination, detail)}"


class _Writer:
    def __init__(self, facts: StayFacts, discharged_at: datetime, tz: tzinfo | None) -> None:
        self.f = facts
        self.end = discharged_at
        self.tz = tz
        self.lines: list[str] = []

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"

    def line(self, text: str) -> None:
        self.lines.append(text)

    def item(self, text: str) -> None:
        self.lines.append(f"- {text}")

    def section(self, title: str, count: str = "") -> None:
        if self.lines:
            self.lines.append("")
        self.lines.append(title.upper() + (f" ({count})" if count else ""))

    def when(self, at: datetime) -> str:
        return f"day {stay_day(self.f.admitted_at, at)}, {words.short_when_text(at, self.tz)}"

    def when_first(self, at: datetime) -> str:
        """``when`` at the start of a line."""
        text = self.when(at)
        return text[:1].upper() + text[1:]

    # -- parts -------------------------------------------------------------------------------

    def header(self, destination: Destination | None, detail: str) -> None:
        f = self.f
        age = age_on(f.date_of_birth, self.end.date())
        self.line("DISCHARGE SUMMARY")
        born = f"{f.date_of_birth.day} {f.date_of_birth:%b %Y}"
        self.line(
            f"Patient: {f.patient_name}, born {born} (age {age}), hospital no. {f.hospital_number}"
        )
        setting = CARE_SETTINGS.get(f.care_setting, f.care_setting)
        beds = " → ".join(f.beds) if f.beds else "no bed"
        self.line(f"Admitted: {words.when_text(f.admitted_at, self.tz)} ({setting}; bed {beds})")
        self.line(
            f"Discharged: {words.when_text(self.end, self.tz)} — length of stay "
            f"{words.span_text(self.end - f.admitted_at)} "
            f"(detox day {stay_day(f.admitted_at, self.end)})"
        )
        self.line(destination_line(destination, detail))
        prev = f.previous_stay
        if prev is not None:
            until = words.when_text(prev.discharged_at, self.tz) if prev.discharged_at else "?"
            where = f", {_destination_label(prev.destination)}" if prev.destination else ""
            self.line(
                f"Readmission: previous stay {words.when_text(prev.admitted_at, self.tz)} "
                f"to {until}{where}"
            )

    def intake(self) -> None:
        self.section("Intake")
        intake = self.f.intake
        if intake is None:
            self.item("No structured intake was recorded for this stay.")
        else:
            for text in words.substance_use_lines(intake, self.f.admitted_at, self.tz)[:2]:
                self.item(text)
            for text in words.physical_lines(intake):
                if text.startswith(_PHYSICAL_KEPT):
                    self.item(text)
            for text in words.screen_lines(intake):
                self.item(text)
        flags = ", ".join(self.f.risk_flags) or "none"
        self.item(f"Risk flags: {flags}.")

    def course(self) -> None:
        f = self.f
        self.section("Course")
        chart = f"{f.chart_name} (unvalidated local tool; maximum {f.chart_max})"
        self.item(self.series(chart, f.symptoms, "rating"))
        news2 = self.series("NEWS2", f.news2, "complete set")
        if f.partial_sets:
            news2 += f"; {f.partial_sets} partial set{'s' if f.partial_sets != 1 else ''}"
        self.item(news2)
        for kind in ("craving", "phq9", "gad7", "hallucination", "4at", "rass"):
            readings = f.assessments.get(kind, ())
            if readings:
                self.item(self.series(assessment_name(kind).with_scale, readings, "rating"))
        cssrs = f.assessments.get("cssrs", ())
        if cssrs:
            first, last = cssrs[0], cssrs[-1]
            text = f"C-SSRS: {first.label} ({self.when(first.at)})"
            if len(cssrs) > 1:
                text += f" → {last.label} ({self.when(last.at)}); {len(cssrs)} screens"
            self.item(text)
        panic = [r for r in f.assessments.get("panic", ()) if (r.value or 0) >= 4]
        if panic:
            self.item(f"Panic attacks recorded: {len(panic)} (last {self.when(panic[-1].at)})")

    def nutrition(self) -> None:
        """Weight change over the stay and the MUST course, the eating and any food chart, the
        bowels and the sleep (as recorded)."""
        if self.f.weights is not None:
            for text in stay_lines(self.f.weights, self.f.must_screens, self.when):
                self.item(text)
        if self.f.meals or self.f.bowels or self.f.bowel_status is not None:
            for text in meals_course_lines(self.f.meals, self.f.admitted_at):
                self.item(text)
            if charts := food_chart_line(self.f.food_charts, self.f.meals, self.end, self.when):
                self.item(charts)
            self.item(bowels_course_line(self.f.bowels, self.f.bowel_status))
        if self.f.sleep_policy is not None:
            self.item(sleep_course_line(self.f.sleep, self.f.sleep_policy))
        for spec, entries in self.f.listed:
            if entries:
                heading = f"{spec.kind.words.label} ({len(entries)} recorded), latest first"
                self.item(entries_line(heading, spec, entries[::-1], self.when))

    def series(self, title: str, readings: tuple[Reading, ...], noun: str) -> str:
        scored = [r for r in readings if r.value is not None]
        if not scored:
            return f"{title}: not recorded"
        first, last = scored[0], scored[-1]
        peak = max(scored, key=lambda r: (r.value, -r.at.timestamp()))
        count = f"{len(scored)} {noun}{'s' if len(scored) != 1 else ''}"
        if len(scored) == 1:
            return f"{title}: {_value(first)} ({self.when(first.at)}); {count}"
        highest = ", the highest" if peak is first else ""
        text = f"{title}: {_value(first)} at first{highest} ({self.when(first.at)})"
        if peak is not first and peak is not last:
            text += f" → peak {_value(peak)} ({self.when(peak.at)})"
        highest = ", the highest" if peak is last and peak is not first else ""
        text += f" → {_value(last)} at last{highest} ({self.when(last.at)}); {count}"
        return text

    def escalations(self) -> None:
        items = self.f.escalations
        self.section("Escalations", str(len(items)))
        if not items:
            self.item("No escalations during the stay.")
            return
        kinds = Counter(e.kind for e in items)
        self.item("By kind: " + ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common()))
        for e in items[:MAX_ESCALATION_LINES]:
            end = (
                f"resolved {words.short_when_text(e.resolved_at, self.tz)}: {e.outcome}"
                if e.resolved_at is not None
                else "open at discharge"
            )
            self.item(
                f"{self.when_first(e.raised_at)} — {_SEVERITY_WORDS[e.severity]} {e.kind}: "
                f"{e.explanation} — {end}"
            )
        if len(items) > MAX_ESCALATION_LINES:
            self.item(f"… and {len(items) - MAX_ESCALATION_LINES} more (see the record)")

    def medicines(self) -> None:
        section = medicines_at_discharge(
            self.f.medicines,
            self.f.medicines_review,
            admitted_at=self.f.admitted_at,
            discharged_at=self.end,
            when=self.when,
        )
        self.section("Medicines")
        caveat, *lines = section.lines()
        self.line(caveat)
        for text in lines:
            self.item(text)

    def prn(self) -> None:
        doses = self.f.prn
        self.section("PRN medication", f"{len(doses)} dose{'s' if len(doses) != 1 else ''}")
        if not doses:
            self.item("No PRN medication given.")
            return
        groups: dict[tuple[str, str], list[PrnFact]] = {}
        for dose in doses:
            groups.setdefault((dose.drug_class, dose.drug), []).append(dose)
        for (drug_class, drug), given in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            amounts = ", ".join(sorted({d.dose for d in given if d.dose}))
            self.item(
                f"{drug_class.capitalize()}: {drug}{f' {amounts}' if amounts else ''} "
                f"×{len(given)} (last {self.when(given[-1].given_at)})"
            )
        recent = [d for d in doses if self.end - d.given_at <= timedelta(hours=24)]
        self.item(
            f"In the 24 h before discharge: {len(recent)} dose{'s' if len(recent) != 1 else ''}."
        )

    def sessions(self) -> None:
        offered = self.f.sessions
        attended = sum(1 for s in offered if s.attendance.took_part)
        self.section("Therapy and support sessions", f"{attended} attended")
        for text in discharge_lines(offered):
            self.item(text)

    def status(self) -> None:
        f = self.f
        self.section("Status at discharge")
        if f.news2:
            last = f.news2[-1]
            self.item(
                f"Last NEWS2 {last.value} ({last.label or 'no band'}), "
                f"{words.span_text(self.end - last.at)} before discharge."
            )
        else:
            self.item("No complete NEWS2 set recorded.")
        if f.symptoms:
            last = f.symptoms[-1]
            self.item(
                f"Last withdrawal chart total {last.value}/{f.chart_max}, "
                f"{words.span_text(self.end - last.at)} before discharge."
            )
        for kind, title in (("craving", "craving"), ("cssrs", "C-SSRS")):
            readings = f.assessments.get(kind, ())
            if readings:
                last = readings[-1]
                shown = last.label or str(last.value)
                self.item(
                    f"Last {title}: {shown}, {words.span_text(self.end - last.at)} "
                    "before discharge."
                )
        still_open = [e for e in f.escalations if e.resolved_at is None]
        if still_open:
            kinds = ", ".join(e.kind for e in still_open)
            self.item(
                f"Open escalations at discharge ({len(still_open)}): {kinds} — closed "
                "at discharge; hand over to the receiving team."
            )
        else:
            self.item("No open escalations at discharge.")


def _value(reading: Reading) -> str:
    return f"{reading.value} ({reading.label})" if reading.label else str(reading.value)


def _destination_label(code: str) -> str:
    try:
        return Destination(code).label.lower()
    except ValueError:
        return code
