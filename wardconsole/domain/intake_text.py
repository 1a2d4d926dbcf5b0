"""An intake in words: what the record view, the discharge summary and the handoff print.

Pure functions over ``domain.intake.Intake``. Times are shown in the ``tz`` the caller passes
(the station's local zone); storage stays UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo

from wardconsole.domain import intake as i

ONSET_NOTE = (
    "withdrawal onset is reported roughly 24–48 h after last use (REFERENCE §5.2, low certainty)"
)


def when_text(when: datetime, tz: tzinfo | None) -> str:
    """'Tue 24 Nov 2026 16:00' in ``tz``."""
    local = when.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def short_when_text(when: datetime, tz: tzinfo | None) -> str:
    """'Tue 24 Nov 16:00' in ``tz`` (within a stay, the year is in the header)."""
    local = when.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def span_text(delta: timedelta) -> str:
    """'40 min', '6 h', '2 d 4 h' — never negative."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def months_text(months: int) -> str:
    """'8 months', '3 years', '3 years 2 months'."""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _names(keys: tuple[str, ...], vocabulary: Mapping[str, str]) -> str:
    """Labels in running text: lower case, except acronyms such as PTSD."""
    return ", ".join(
        label if label.isupper() else label.lower() for label in (vocabulary[k] for k in keys)
    )


def last_use_text(intake: i.Intake, admitted_at: datetime, tz: tzinfo | None) -> str:
    when = intake.substance_use.last_use_at
    if when is None:
        return "last use not known"
    return f"last use {when_text(when, tz)} ({span_text(admitted_at - when)} before admission)"


def substance_use_lines(intake: i.Intake, admitted_at: datetime, tz: tzinfo | None) -> list[str]:
    s = intake.substance_use
    lines = [
        f"Ketamine: {_names(s.routes, i.ROUTES)}; {s.typical_amount}, "
        f"{i.FREQUENCIES[s.frequency].lower()}, for {months_text(s.duration_months)}; "
        f"{last_use_text(intake, admitted_at, tz)}."
    ]
    if s.other_substances:
        others = _names(tuple(k for k in s.other_substances if k != "other"), i.OTHER_SUBSTANCES)
        detail = s.other_substances_detail
        lines.append("Other substances: " + "; ".join(x for x in (others, detail) if x) + ".")
    else:
        lines.append("Other substances: none reported.")
    if co_use := co_use_text(intake, tz):
        lines.append(co_use)
    lines.append(f"Previous detox attempts: {s.previous_detox_attempts}.")
    if s.notes:
        lines.append(f"Notes: {s.notes}")
    return lines


def co_use_text(intake: i.Intake, tz: tzinfo | None) -> str:
    """'Co-use now: recent drinking (last drink …): CIWA-Ar; …' or '' (REFERENCE-2.md §12.4–6)."""
    s = intake.substance_use
    parts = []
    if s.alcohol_recent:
        last = (
            f"last drink {when_text(s.last_drink_at, tz)}"
            if s.last_drink_at
            else "last drink not known"
        )
        parts.append(f"recent drinking ({last}): CIWA-Ar")
    if s.opioids_recent:
        parts.append("recent opioid use: COWS")
    if s.benzodiazepines_regular:
        parts.append("regular benzodiazepine use: prescriber review")
    return f"Co-use now: {'; '.join(parts)}." if parts else ""


def physical_lines(intake: i.Intake) -> list[str]:
    p = intake.physical
    urinary = _names(p.urinary_symptoms, i.URINARY_SYMPTOMS) or "none reported"
    lines = [
        f"Urinary symptoms: {urinary}"
        + (
            f"; bladder pain {p.bladder_pain_score}/10."
            if p.bladder_pain_score is not None
            else "."
        )
    ]
    if p.urinary_red_flags:
        lines.append(
            "Urinary red flags: "
            + _names(p.urinary_red_flags, i.URINARY_RED_FLAGS)
            + " — medical review; urology pathway (§9A)."
        )
    if p.k_cramps or p.abdominal_pain_score:
        score = f", pain {p.abdominal_pain_score}/10" if p.abdominal_pain_score is not None else ""
        lines.append(f"Abdominal pain (K-cramps): {'yes' if p.k_cramps else 'no'}{score}.")
    lines.append("Allergies: " + (p.allergies if p.allergies else "no known allergies") + ".")
    if p.other_conditions:
        lines.append(f"Other conditions: {p.other_conditions}")
    if p.current_medication:
        lines.append(f"Current medication: {p.current_medication}")
    if p.pregnant:
        lines.append("Pregnant: NEWS2 is not validated in pregnancy (still scored)")
    if p.falls_risk:
        lines.append(f"Falls risk: {p.falls_reason}")
    if p.notes:
        lines.append(f"Notes: {p.notes}")
    return lines


def screen_lines(intake: i.Intake) -> list[str]:
    """C-SSRS, PHQ-9 and GAD-7 at intake, scored by the assessments module."""
    m = intake.mental_health
    cssrs = intake.cssrs_score()
    lines = [
        f"C-SSRS screener: {cssrs.label}."
        if cssrs is not None
        else f"C-SSRS screener not done: {m.cssrs_not_done_reason}."
    ]
    for name, score in (("PHQ-9", intake.phq9_score()), ("GAD-7", intake.gad7_score())):
        lines.append(
            f"{name}: {score.total} ({score.label})."
            if score is not None
            else f"{name}: not done at intake."
        )
    return lines


def mental_health_lines(intake: i.Intake) -> list[str]:
    m = intake.mental_health
    diagnoses = _names(tuple(k for k in m.diagnoses if k != "other"), i.DIAGNOSES)
    if m.diagnoses_other:
        diagnoses = ", ".join(x for x in (diagnoses, m.diagnoses_other) if x)
    lines = [f"Diagnoses: {diagnoses or 'none reported'}."]
    history = [
        word
        for word, present in (
            ("psychosis", m.psychosis_history),
            ("hallucinations", m.hallucinations_history),
            ("self-harm", m.self_harm_history),
        )
        if present
    ]
    lines.append(
        "History of " + ", ".join(history) + "."
        if history
        else "No history of psychosis, hallucinations or self-harm reported."
    )
    for detail in (m.psychosis_detail, m.self_harm_detail):
        if detail:
            lines.append(f"  {detail}")
    lines += screen_lines(intake)
    if m.notes:
        lines.append(f"Notes: {m.notes}")
    return lines


def flag_lines(intake: i.Intake) -> list[str]:
    flags = intake.risk_flags()
    lines = [f"{flag.label} — {flag.reason}" for flag in flags] or ["No risk flags."]
    if intake.risks.notes:
        lines.append(f"Notes: {intake.risks.notes}")
    return lines


def describe_intake(
    intake: i.Intake, admitted_at: datetime, tz: tzinfo | None
) -> list[tuple[str, list[str]]]:
    """(section title, lines) for each section, in form order."""
    return [
        (i.SECTION_TITLES["substance_use"], substance_use_lines(intake, admitted_at, tz)),
        (i.SECTION_TITLES["physical"], physical_lines(intake)),
        (i.SECTION_TITLES["mental_health"], mental_health_lines(intake)),
        ("Risk flags", flag_lines(intake)),
    ]
