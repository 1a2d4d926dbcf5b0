"""The discharge letter for the next service and the GP: what it says, in sections.

Written from the stay (``domain.discharge.StayFacts``), the aftercare plan and the follow-up.
States numbers as recorded and draws no conclusion of its own. Medicines are given as the ward
console recorded them, with the line that they must be confirmed against the prescription (the
console is not the drug chart). The patient's own phone number is never in the letter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from wardconsole.domain.discharge import StayFacts, stay_day
from wardconsole.domain.discharge_medicines import medicines_at_discharge
from wardconsole.domain.follow_up import AftercarePlan, Basis, plan_lines
from wardconsole.domain.medicines import MONITORING_COPY
from wardconsole.domain.sessions import discharge_lines

MEDICINES_CAVEAT: Final = MONITORING_COPY
"""Heads every printed medicines section (the console is not the drug chart)."""


@dataclass(frozen=True, slots=True)
class LetterFollowUp:
    due_at: datetime
    hours: int
    basis: Basis
    state: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DischargeLetter:
    title: str
    patient_line: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]


def write_letter(
    facts: StayFacts,
    *,
    discharged_at: datetime,
    destination: str,
    plan: AftercarePlan | None,
    follow_up: LetterFollowUp | None,
    when: Callable[[datetime], str],
) -> DischargeLetter:
    """The letter's sections: stay, medicines, risks, aftercare plan, follow-up."""
    born = f"{facts.date_of_birth.day} {facts.date_of_birth:%b %Y}"
    patient = f"{facts.patient_name}, born {born}, hospital no. {facts.hospital_number}"
    stay = [
        f"Admitted {when(facts.admitted_at)}; discharged {when(discharged_at)} "
        f"(detox day {stay_day(facts.admitted_at, discharged_at)}).",
        f"Discharged to: {destination}.",
        *discharge_lines(facts.sessions),
    ]
    return DischargeLetter(
        title="Discharge letter — inpatient ketamine detox",
        patient_line=patient,
        sections=(
            ("Stay", tuple(stay)),
            ("Medicines", tuple(_medicines(facts, discharged_at, when))),
            ("Risks", tuple(_risks(facts, when))),
            ("Aftercare plan", tuple(plan_lines(plan, when) if plan else ["Not recorded."])),
            ("Follow-up after discharge", tuple(_follow_up(follow_up, when))),
        ),
    )


def _medicines(
    facts: StayFacts, discharged_at: datetime, when: Callable[[datetime], str]
) -> list[str]:
    """The medicines list at discharge (started, still taking, stopped, taper advice), then
    the PRN doses given, under the line that they are to be confirmed against the
    prescription."""
    lines = medicines_at_discharge(
        facts.medicines,
        facts.medicines_review,
        admitted_at=facts.admitted_at,
        discharged_at=discharged_at,
        when=when,
    ).lines()
    if not facts.prn:
        return [*lines, "No PRN medication recorded on the ward."]
    groups: dict[tuple[str, str], list[datetime]] = {}
    for dose in facts.prn:
        groups.setdefault((dose.drug, dose.dose), []).append(dose.given_at)
    for (drug, amount), given in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        lines.append(
            f"PRN {drug} {amount}".rstrip() + f": {len(given)} dose(s), last {when(given[-1])}"
        )
    return lines


def _risks(facts: StayFacts, when: Callable[[datetime], str]) -> list[str]:
    lines = [f"Risk flags: {', '.join(facts.risk_flags) or 'none recorded'}."]
    cssrs = facts.assessments.get("cssrs", ())
    if cssrs:
        lines.append(
            "C-SSRS during the stay: " + "; ".join(f"{r.label} ({when(r.at)})" for r in cssrs) + "."
        )
    else:
        lines.append("C-SSRS: no screen recorded during the stay.")
    bladder = [r for r in facts.assessments.get("bladder", ()) if r.label.startswith("Urinary")]
    if bladder:
        lines += [f"Bladder: {r.label} ({when(r.at)})" for r in bladder]
    else:
        lines.append("Bladder: no urinary red flags recorded.")
    return lines


def _follow_up(follow_up: LetterFollowUp | None, when: Callable[[datetime], str]) -> list[str]:
    if follow_up is None:
        return ["No follow-up contact is owed by the ward for this destination."]
    return [
        f"The ward will contact the patient by {when(follow_up.due_at)} "
        f"({follow_up.hours} hours after discharge: {follow_up.basis.label}).",
        f"Status: {follow_up.state}; {follow_up.attempts} attempt(s) recorded so far.",
    ]
